"""The indicator lexicon: official wordings with stable ids, matched on accent-folded text.

Format (TSV, UTF-8, header row): id, wording, kind (indicator | group | term), source. Users add their own
files with `--lexicon FILE` in the same format; their entries are matched like the shipped ones."""
from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Optional

import numpy as np
from rapidfuzz import fuzz, process

from chitieu.errors import BadOption
from chitieu.normalize.unicode import fold

SHIPPED = Path(__file__).with_name("data") / "lexicon.tsv"
COLUMNS = ["id", "wording", "kind", "source"]
# A title matches an entry when the normalised edit-distance similarity of their folded texts (rapidfuzz
# fuzz.ratio, 0-100) reaches this. Measured by bench/lexicon_calibration.py: the same indicator in its 2023 and
# 2025 wordings scores 74-100 (median 100; 92 % reach 85), '?'-damaged names 82-100 against their own entry
# (99 % reach 85); the best wrong entry of a shipped name has median 72, and those above 85 are minimal pairs
# (cấp xã / cấp tỉnh, UBND / HĐND) where the exact twin, when present, always scores higher.
MATCH_THRESHOLD = 85.0
# A damaged title (with '?' or without any diacritics) is replaced by the entry's wording only from this score.
REPLACE_THRESHOLD = 90.0
# Entries this short are terms (units, statuses); a title never matches them.
MIN_TITLE_LEN = 12
# Candidate filter: only entries sharing informative syllables with the title are scored exactly. A syllable
# in more than this share of entries ('cac', 'ty', 'le') informs nothing and is not indexed.
STOP_SHARE = 0.02
CANDIDATES = 30
# An OCR'd table read across its columns glues the next column's words into the title ('Các sở, Ban, ngành chủ
# trì, Tỷ lệ dịch vụ công … toàn trình phối hợp với được công bố …'): a known name found word by word in such a
# title, with at least INTERLEAVED_MIN of its words and other words inside it, is the title; the rest is not.
INTERLEAVED_MIN = 0.85
INTERLEAVED_WORDS = 5
# Numbers inside a name carry its identity ('cấp độ 3' and 'cấp độ 4' are different indicators, one edit apart).
DIGITS = re.compile(r"\d+")


@dataclass(frozen=True)
class Entry:
    id: str
    wording: str
    kind: str
    source: str


@dataclass(frozen=True)
class Match:
    entry: Entry
    score: float


class Lexicon:
    """A set of entries and their folded keys, ready for matching."""

    def __init__(self, entries: Iterable[Entry]):
        self.entries = [e for e in entries if e.wording.strip()]
        self.indicators = [e for e in self.entries if e.kind in ("indicator", "group")]
        self._keys = [_key(e.wording) for e in self.indicators]
        self._index, self._common = _build_index(self._keys)
        self._numbers = [sorted(DIGITS.findall(k)) for k in self._keys]
        self._lens = np.array([len(k) for k in self._keys], dtype=np.int32)

    @classmethod
    def load(cls, extra: Iterable[Path] = ()) -> "Lexicon":
        """The shipped lexicon plus the user's files (same TSV format)."""
        entries: list[Entry] = []
        where: dict[str, tuple[str, str]] = {}   # id → (its wording, where it was given first)
        for path in (SHIPPED, *map(Path, extra)):
            for n, entry in _read_tsv(path):
                _check_id(entry, f"{path} line {n}", where)
                entries.append(entry)
        return cls(entries)

    def match(self, title: str, threshold: float = MATCH_THRESHOLD) -> Optional[Match]:
        """The best indicator entry for a title, or None when nothing reaches the threshold."""
        key = _key(title)
        if len(key) < MIN_TITLE_LEN or not self._keys:
            return None
        syllables = set(key.split())
        # fuzz.ratio = 2·matches / (len a + len b) reaches t only if the shorter is at least t / (2 - t) of the
        # longer: entries outside that length band cannot match, whatever their votes
        share = threshold / (200 - threshold)
        fits = (self._lens >= share * len(key)) & (self._lens <= len(key) / share)
        postings = [self._index[s] for s in syllables if s in self._index] or \
            [self._common[s] for s in syllables if s in self._common]  # only common syllables: they vote
        numbers = sorted(DIGITS.findall(key))
        if postings and "?" not in title:
            top = self._most_voted(postings, fits)
        else:  # lost letters break the syllables the filter relies on: score every entry
            top = np.flatnonzero(fits).tolist()
        choices = {i: self._keys[i] for i in top if self._numbers[i] == numbers}
        best = process.extractOne(key, choices, scorer=fuzz.ratio, score_cutoff=threshold)
        if best is None:
            return None
        _, score, index = best
        return Match(self.indicators[index], round(float(score), 1))


    def find_interleaved(self, title: str) -> Optional[tuple[Match, list[str], list[str]]]:
        """(the entry, the title's words that spell it, the other words) for a title whose known name has
        another column's words inside it; None when no entry is spelled that way."""
        words = title.split()
        keys = [_key(w).strip(".,;:()[]{}'\"‘’“”") for w in words]
        postings = [self._index[s] for s in set(keys) if s in self._index]
        best = None
        for i in self._most_voted(postings) if postings else []:
            name = self._keys[i].split()
            if len(name) < INTERLEAVED_WORDS:
                continue
            kept = _in_order(name, keys)
            if len(kept) < INTERLEAVED_MIN * len(name) or not kept:
                continue
            inside = [j for j in range(kept[0], kept[-1] + 1) if j not in kept and keys[j]]
            if inside and (best is None or len(kept) > len(best[1])):
                best = (i, kept)
        if best is None:
            return None
        i, kept = best
        score = round(100.0 * len(kept) / len(self._keys[i].split()), 1)
        chosen = set(kept)
        return (Match(self.indicators[i], score), [words[j] for j in kept],
                [w for j, w in enumerate(words) if j not in chosen])


    def _most_voted(self, postings: list, fits=None) -> list[int]:
        """The CANDIDATES entries sharing most syllables with a title (its syllables' postings), among those that
        fit when fits is given; ties in entry order."""
        # votes of every entry at once (this runs for every title of a batch)
        votes = np.bincount(np.concatenate(postings), minlength=len(self._keys))
        if fits is not None:
            votes = votes * fits
        voted = np.flatnonzero(votes)
        return voted[np.lexsort((voted, -votes[voted]))[:CANDIDATES]].tolist()


def _in_order(name: list[str], keys: list[str]) -> list[int]:
    """Positions in keys of the longest in-order run of name's words (a word-level common subsequence)."""
    n, m = len(name), len(keys)
    best = [[0] * (m + 1) for _ in range(n + 1)]
    for a in range(n - 1, -1, -1):
        for b in range(m - 1, -1, -1):
            best[a][b] = best[a + 1][b + 1] + 1 if name[a] == keys[b] else max(best[a + 1][b], best[a][b + 1])
    out, a, b = [], 0, 0
    while a < n and b < m:
        if name[a] == keys[b]:
            out.append(b)
            a, b = a + 1, b + 1
        elif best[a + 1][b] >= best[a][b + 1]:
            a += 1
        else:
            b += 1
    return out


def _key(text: str) -> str:
    # '?' stands for a lost letter: deleting it costs one Indel step, a stand-in letter would cost two.
    return " ".join(fold(text).replace("?", "").split())


def _build_index(keys: list[str]):
    """Syllable → entries holding it, for the informative syllables and, apart, for the common ones."""
    postings: dict[str, list[int]] = defaultdict(list)
    for i, key in enumerate(keys):
        for syl in set(key.split()):
            postings[syl].append(i)
    limit = max(20, STOP_SHARE * len(keys))
    index = {syl: np.array(ids, dtype=np.int32) for syl, ids in postings.items() if len(ids) <= limit}
    common = {syl: np.array(ids, dtype=np.int32) for syl, ids in postings.items() if len(ids) > limit}
    return index, common


def _read_tsv(path: Path) -> Iterable[tuple[int, Entry]]:
    """(line number, entry) for each row of a lexicon file; BadOption naming the line for anything malformed."""
    reader = csv.reader(io.StringIO(_text(path), newline=""), delimiter="\t")
    header = next(reader, None)
    if header is None or [h.strip().lower() for h in header[:2]] != COLUMNS[:2]:
        raise BadOption(f"lexicon {path} must be a TSV file whose first row is "
                        f"{', '.join(COLUMNS)} (separated by tabs); see the README")
    for n, row in enumerate(reader, start=2):
        if not row or not "".join(row).strip():
            continue
        if len(row) < 2:
            raise BadOption(f"lexicon {path} line {n} needs at least an id and a wording")
        row += [""] * (4 - len(row))
        yield n, Entry(row[0].strip(), row[1].strip(), (row[2].strip() or "indicator"), row[3].strip())


def _text(path: Path) -> str:
    """A lexicon file's text: UTF-8 (a BOM allowed); other encodings are refused naming the first bad line
    (a Latin-1 or UTF-16 file read on would give wordings that match nothing, without a word)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise BadOption(f"cannot read the lexicon {path} ({exc.strerror})") from None
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in raw[:1024]:
        raise BadOption(f"lexicon {path} line 1 is UTF-16, not UTF-8; save the file as UTF-8")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise BadOption(f"lexicon {path} line {line} is not UTF-8 (byte 0x{raw[exc.start]:02x}); "
                        "save the file as UTF-8") from None


def _check_id(entry: Entry, here: str, where: dict[str, tuple[str, str]]) -> None:
    """An id names one wording: a second wording under the same id would make matches say the wrong name."""
    if not entry.wording:
        return
    first = where.setdefault(entry.id, (entry.wording, here))
    if first[0] != entry.wording:
        raise BadOption(f"lexicon {here}: id {entry.id!r} is already used for another wording ({first[1]}); "
                        "give each wording an id of its own")


@lru_cache(maxsize=1)
def shipped_lexicon() -> Lexicon:
    return Lexicon.load()


def looks_damaged(title: str) -> bool:
    """True for a title whose letters were lost ('?') or stripped of every diacritic (OCR, old converters)."""
    words = [w for w in title.split() if any(c.isalpha() for c in w)]
    return "?" in title or (len(words) >= 3 and all(w.isascii() for w in words)
                            and sum(w.isupper() for w in words) < len(words) / 2)


def match_records(records, lexicon: Lexicon) -> None:
    """Give each record its indicator_id and match_score; a damaged title takes the official wording."""
    for rec in records:
        if not rec.title:
            continue
        m = lexicon.match(rec.title)
        if m is None:
            continue
        rec.indicator_id, rec.match_score = m.entry.id, m.score
        # a title the restorer had to repair (words of it are not in the text as extracted) is damaged too
        repaired = rec.title_raw is not None and not set(rec.title.split()) <= set(rec.title_raw.split())
        if m.score >= REPLACE_THRESHOLD and m.entry.wording != rec.title and (looks_damaged(rec.title) or repaired):
            rec.warnings.append(f"title restored from lexicon entry {m.entry.id} (score {m.score:g})")
            rec.title = m.entry.wording


def split_interleaved(records, lexicon: Lexicon) -> None:
    """In rows of an OCR'd table read across its columns, keep in the title the words of the known name it
    holds and move the other column's words to responsible (with a warning); titles that match as they are
    stay."""
    for rec in records:
        if not rec.title or lexicon.match(rec.title) is not None:
            continue
        found = lexicon.find_interleaved(rec.title)
        if found:
            m, kept, other = found
            rec.title = " ".join(kept)
            rec.responsible = " ".join(other + ([rec.responsible] if rec.responsible else [])) or None
            rec.warnings.append(f"title read across columns: kept the words of lexicon entry {m.entry.id}, "
                                "moved the others to responsible")
