"""The syllable language model behind diacritic restoration: counts of Vietnamese syllables and syllable pairs,
grouped by their accent-folded key ('tỷ' and 'tý' both live under 'ty').

Built by tools/build_syllable_model.py from official 2025 documents; shipped as normalize/data/syllables.tsv.gz.
File format (UTF-8, gzip): a line `U<TAB>syllable<TAB>count` per syllable, then `B<TAB>i<TAB>j<TAB>count` per
syllable pair and `T<TAB>i<TAB>j<TAB>k<TAB>count` per triple, i, j, k being 0-based positions among the U lines."""
from __future__ import annotations

import gc
import gzip
import hashlib
import marshal
import math
import os
import re
import sys
import time
from collections import Counter, defaultdict
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Optional

from chitieu.normalize.encodings import is_syllable
from chitieu.normalize import unicode as _unicode
from chitieu.normalize.unicode import fold

MODEL_PATH = Path(__file__).parent / "data" / "syllables.tsv.gz"
# Acronyms with 'Đ' by their stripped spelling ('HDND' → 'HĐND'), from the same texts (tools/build_syllable_model.py).
ACRONYMS_PATH = Path(__file__).parent / "data" / "acronyms.tsv"
# A sentence boundary: the start and end of a line and anything that is not a Vietnamese syllable.
BOUNDARY = "<s>"
# Every number is one pseudo-syllable: 'đạt 100%', 'năm 2025' and 'số 12' are strong contexts.
NUMBER = "<num>"
# ... and a share ('4,9%') another: 'tăng 4,9%' is a rise, 'tầng 4' a floor.
PERCENT = "<pct>"
# A comma or semicolon between two syllables: a list goes on ('đúng, đủ, sạch'), where a full stop or a
# bracket ends the run. A dash between spaces separates the same lists ('đúng - đủ - sạch - sống', 'kinh tế -
# xã hội') and is the same pseudo-syllable: leave-one-out wrong syllables stripped / '?' 466 / 363 → 459 / 360.
COMMA = "<,>"
LIST_GAP = re.compile(r"\s*[,;]\s*|\s+[-–]\s+")
# The left context of a dictionary word's first syllable (tools/build_syllable_model.py): the word's pairs count
# as met after one more context, as Kneser-Ney wants, without inventing what stood before the word.
WORD_START = "<w>"
NO_WORD = "\x00"  # a syllable no text has: a context pair with it was never seen
# Words (runs of letters) and numbers; punctuation between two of them ends a syllable sequence.
WORD_OR_NUMBER = re.compile(r"[^\W\d_]+|\d+(?:[.,]\d+)*")
# Remembered log-probabilities before the memo starts over (about 200 bytes each).
MEMO_LIMIT = 1_000_000
# Two estimates, mixed: interpolated Kneser-Ney with absolute discounts (KN_DISCOUNTS below), and fixed
# Jelinek-Mercer weights (triple, pair, single syllable). Measured (bench/restore_accuracy.py and restore_ocr.py,
# leave-one-out: stripped / '?' / English-model OCR; restore_seeds.py: seeds 000 / 003 right of 649 / 1027):
#   Jelinek-Mercer alone   97.97 / 98.75 / 96.20 %   605 / 974
#   Kneser-Ney alone       98.33 / 98.80 / 96.46 %   600 / 972   (discount 0.75: 98.29 / 98.77; 1.2: 98.13 / 98.68)
#   0.5 KN + 0.5 JM        98.23 / 98.86 / 96.49 %   608 / 972
#   0.7 KN + 0.3 JM        98.28 / 98.87 / 96.73 %   608 / 971
# and again once wrapped lines were read as one, commas counted, and the lexicon entries of a left-out document
# left out with it:
#   0.55 KN + 0.45 JM      98.71 / 99.05 / 97.49 %   616 / 984
#   0.7 KN + 0.3 JM        98.75 / 99.11 / 97.52 %   617 / 985
#   0.85 KN + 0.15 JM      98.80 / 99.12 / 97.55 %   614 / 986
#   Kneser-Ney alone       98.82 / 99.07 / 97.35 %   612 / 982
# 0.85 gains 0.05 point on stripped text and loses three syllables of seed 000, the real OCR'd scan ('Soát' →
# 'Sát', 'tỷ lệ' → 'lý i'). With the dictionary's pairs counted too (tools/build_syllable_model.py), the
# Jelinek-Mercer weights were measured again: a share for single syllables puts a floor under every triple,
# so 'chủ sở', always followed by 'hữu', still took 'đổi mới' after it ('Chỉ số đổi mới' → 'Chủ sở đổi mới').
#   0.7 KN, JM (0.5, 0.35, 0.15)    98.82 / 99.14 / 97.55 %   616 / 984
#   0.7 KN, JM (0.5, 0.45, 0.05)    98.88 / 99.15 / 97.70 %   615 / 985
#   0.7 KN, JM (0.5, 0.48, 0.02)    98.91 / 99.16 / 97.64 %   614 / 986
#   0.7 KN, JM (0.5, 0.495, 0.005)  98.89 / 99.15
#   0.6 / 0.8 / 0.9 KN, JM (0.5, 0.48, 0.02): 98.87 / 99.15, 98.94 / 99.18 / 97.61 % 614 / 988, 98.93 / 99.16
JM_WEIGHTS = (0.5, 0.48, 0.02)
KN_SHARE = 0.8
# Kneser-Ney takes less off a gram met once than off one met twice, three times or more (Chen and Goodman's
# "modified" Kneser-Ney): these for 1, 2 and 3+. Their estimates from counts of counts (0.63 / 0.1 / 2.3 for
# triples) are thrown off by the sources counted several times over (WEIGHT in tools/build_syllable_model.py),
# so they were measured instead: leave-one-out wrong syllables, stripped / '?' (restore_accuracy.py), with the
# JM weights and KN share above, and for some English-model OCR right of 3,391 (restore_ocr.py) and seeds
# 000 / 003 right of 649 / 1027 (restore_seeds.py, the real scans):
#   one discount, 0.9 (before)  484 / 375   3310   614 / 988     estimated        484 / 374
#   0.7, 1.0, 1.3               485 / 382                        1.0, 1.8, 2.8    456 / 355
#   0.9, 1.2, 1.5               466 / 363   3309   614 / 986     1.0, 1.4, 1.8    458 / 359   3308   614 / 982
#   1.0, 1.7, 2.5               464 / 348   3305   614 / 984
# Larger discounts gain on the damaged copies and lose on the real scans: the mildest one that gains is kept.
KN_DISCOUNTS = (0.9, 1.2, 1.5)
_TAKEN, _D3 = (0.0, KN_DISCOUNTS[0], KN_DISCOUNTS[1]), KN_DISCOUNTS[2]  # what is taken off 0, 1, 2 and 3+
_NONE2, _NONE3 = (0, 0), (0, 0, 0)


def syllable_sequences(text: str) -> Iterable[list[str]]:
    """Lower-case syllable runs of a text: a run ends at a blank line, a non-syllable word or punctuation other
    than a comma or semicolon, which is a pseudo-syllable of its own.

    A single line break does not end a run: documents wrap sentences over lines, and the restorer reads wrapped
    lines as one text too (counting each line end as a sentence end cost 0.4 points of accuracy)."""
    for line in re.split(r"\n[ \t\r\f\v]*\n", text):
        run: list[str] = []
        pos = 0
        for m in WORD_OR_NUMBER.finditer(line):
            gap = line[pos:m.start()]
            pos = m.end()
            word = number_token(line, m.end()) if m.group()[0].isdigit() else m.group().lower()
            good = word in (NUMBER, PERCENT) or (is_syllable(word) and _plausible(word))
            if not good:
                if run:
                    yield run
                run = []
                continue
            if gap.strip() and run:
                if LIST_GAP.fullmatch(gap):
                    run.append(COMMA)
                else:
                    yield run
                    run = []
            run.append(word)
        if run:
            yield run


def number_token(text: str, end: int) -> str:
    """The pseudo-syllable of a number ending at text[end]: a share when '%' follows it."""
    return PERCENT if text[end:end + 1] == "%" or text[end:end + 2] == " %" else NUMBER


def _plausible(word: str) -> bool:
    # one-letter words other than the real ones (à, ở, ý, …) are list markers, initials or OCR crumbs
    return len(word) > 1 or word in "aàáảãạoòóỏõọôốồổỗộơớờởỡợuùúủũụưứừửữựyýỳỷỹỵiìíỉĩị"


def count(texts: Iterable[str]) -> tuple[Counter, Counter, Counter]:
    """Unigram, bigram and trigram counts (with boundaries) of the syllables in texts."""
    uni: Counter = Counter()
    bi: Counter = Counter()
    tri: Counter = Counter()
    for text in texts:
        for run in syllable_sequences(text):
            uni.update(run)
            seq = [BOUNDARY, *run, BOUNDARY]
            bi.update(zip(seq, seq[1:]))
            tri.update(zip(seq, seq[1:], seq[2:]))
    return uni, bi, tri


class SyllableModel:
    """Log-probabilities of syllables in context, and the diacritized forms of each folded key."""

    def __init__(self, unigrams: Counter, bigrams: Counter, trigrams: Counter):
        self.uni = unigrams
        self.bi = bigrams
        self.tri = trigrams
        self.total = sum(unigrams.values()) or 1
        self.by_key: dict[str, list[str]] = defaultdict(list)
        for word, _ in unigrams.most_common():
            self.by_key[fold(word)].append(word)
        self.vocab_size = len(unigrams) + 1
        self._lookup_tables()
        self._memo: dict[tuple[str, str, str], float] = {}  # the same contexts recur on every line
        self.acronyms: dict[str, str] = {}

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> "SyllableModel":
        """Read a model file written by save()."""
        words: list[str] = []
        uni: Counter = Counter()
        bi: Counter = Counter()
        tri: Counter = Counter()
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            for line in fh:
                parts = line.rstrip("\n").split("\t")
                if parts[0] == "U":
                    words.append(parts[1])
                    if parts[1] not in (BOUNDARY, WORD_START):
                        uni[parts[1]] = int(parts[2])
                elif parts[0] == "B":
                    bi[(words[int(parts[1])], words[int(parts[2])])] = int(parts[3])
                else:
                    tri[(words[int(parts[1])], words[int(parts[2])], words[int(parts[3])])] = int(parts[4])
        return cls(uni, bi, tri)

    def save(self, path: Path, min_pair: int = 1) -> None:
        """Write the model; pairs and triples seen fewer than min_pair times are left out (none by default:
        Kneser-Ney counts the contexts a word was met in, which pruning would change)."""
        words = [BOUNDARY, WORD_START] + [w for w, _ in self.uni.most_common()]
        index = {w: i for i, w in enumerate(words)}
        lines = [f"U\t{w}\t{self.uni.get(w, 0)}" for w in words]
        lines += [f"B\t{index[a]}\t{index[b]}\t{c}" for (a, b), c in sorted(self.bi.items(), key=lambda kv: -kv[1])
                  if c >= min_pair and a in index and b in index]
        lines += [f"T\t{index[a]}\t{index[b]}\t{index[c]}\t{n}" for (a, b, c), n in
                  sorted(self.tri.items(), key=lambda kv: -kv[1]) if n >= min_pair]
        tmp = Path(f"{path}.tmp")
        with gzip.open(tmp, "wt", encoding="utf-8", compresslevel=9) as fh:
            fh.write("\n".join(lines) + "\n")
        tmp.replace(path)

    def logp(self, prev2: str, prev: str, word: str) -> float:
        """log P(word | prev2 prev): triple, pair and single-syllable estimates interpolated (two ways, mixed)."""
        key = (prev2, prev, word)
        value = self._memo.get(key)
        if value is None:
            if len(self._memo) > MEMO_LIMIT:
                self._memo.clear()  # memory stays bounded over a long batch
            value = self._memo[key] = self._logp(prev2, prev, word)
        return value

    def seen_pair(self, prev2: str, prev: str) -> bool:
        """True when the pair (prev2, prev) starts some triple of the model."""
        return (prev2, prev) in self._ctx_terms

    def _lookup_tables(self) -> None:
        """What _logp needs of a word, a previous word, a pair and a context, one lookup each (it runs for every
        new context of a batch); the counts they are made from are not kept."""
        pair_left: Counter = Counter()      # (a, b) → how often the pair starts a triple
        for (a, b, _), c in self.tri.items():
            pair_left[(a, b)] += c
        left: Counter = Counter()           # b → how often it starts a pair
        for (b, _), c in self.bi.items():
            left[b] += c
        # continuation counts: in how many distinct contexts a pair or a syllable was met, which says more of how
        # it behaves after an unseen context than how often it was met (Kneser-Ney)
        kn_pair: Counter = Counter()        # (b, w) → distinct a before it
        for (a, b, w) in self.tri:
            kn_pair[(b, w)] += 1
        for (b, w), n in self.bi.items():
            if b == BOUNDARY:  # nothing comes before a line's start: its pairs count as they are
                kn_pair[(b, w)] = n
        # what the discounts take off a context's grams, given to the order below
        kn_mid: Counter = Counter()         # b → sum over w of kn_pair[(b, w)]
        kn_mid_mass: Counter = Counter()    # b → what the discounts take off those
        for (b, w), n in kn_pair.items():
            kn_mid[b] += n
            kn_mid_mass[b] += _TAKEN[n] if n < 3 else _D3
        tri_mass: Counter = Counter()       # (a, b) → what the discounts take off its triples
        for (a, b, w), n in self.tri.items():
            tri_mass[(a, b)] += _TAKEN[n] if n < 3 else _D3
        kn_uni: Counter = Counter()         # w → distinct b before it
        for (b, w) in self.bi:
            kn_uni[w] += 1
        kn_norm = 1 / ((sum(kn_uni.values()) or 1) + 0.5 * self.vocab_size)
        norm = 1 / (self.total + 0.5 * self.vocab_size)
        w1 = JM_WEIGHTS[2]
        self._word_terms = {w: ((kn_uni.get(w, 0) + 0.5) * kn_norm, w1 * (self.uni.get(w, 0) + 0.5) * norm)
                            for w in set(self.uni) | set(kn_uni)}
        self._unknown_word = (0.5 * kn_norm, w1 * 0.5 * norm)
        self._prev_terms = {b: (kn_mid.get(b, 0), kn_mid_mass.get(b, 0.0), left.get(b, 0))
                            for b in set(kn_mid) | set(left)}
        self._pair_terms = {k: (kn_pair.get(k, 0), self.bi.get(k, 0)) for k in set(kn_pair) | set(self.bi)}
        self._ctx_terms = {k: (n, tri_mass[k]) for k, n in pair_left.items()}

    def _logp(self, prev2: str, prev: str, word: str) -> float:
        # interpolated Kneser-Ney: each order keeps its counts minus a discount (by how often the gram was met)
        # and gives what the discounts took off all of the context's grams to the order below; mixed with fixed
        # weights, as each did better on some damage than the other (see the table above)
        w3, w2, w1 = JM_WEIGHTS
        p, q = self._word_terms.get(word) or self._unknown_word
        kn_n, kn_mass, jm_n = self._prev_terms.get(prev, _NONE3)
        kn_pair, pair_count = self._pair_terms.get((prev, word), _NONE2)
        if kn_n:
            # the discount by times met, without min(): this runs for every new context
            kept = kn_pair - _TAKEN[kn_pair] if kn_pair < 3 else kn_pair - _D3
            p = (kept + kn_mass * p) / kn_n
        q += w2 * pair_count / jm_n if jm_n else w2 * q / w1
        ctx = self._ctx_terms.get((prev2, prev))
        if ctx:
            n, tri_mass = ctx
            count = self.tri.get((prev2, prev, word), 0)
            kept = count - _TAKEN[count] if count < 3 else count - _D3
            p = (kept + tri_mass * p) / n
            q += w3 * count / n
        else:
            q += w3 * q / (w1 + w2)
        return math.log(KN_SHARE * p + (1 - KN_SHARE) * q)

    def _state(self) -> dict:
        """What the constructor made, in plain dicts, tuples and numbers (for marshal)."""
        state = {name: getattr(self, name) for name in _STATE}
        for name in ("uni", "bi", "tri", "by_key"):
            state[name] = dict(state[name])
        return state

    @classmethod
    def _from_state(cls, state: dict) -> "SyllableModel":
        """The model _state() describes, as the constructor would have made it."""
        model = cls.__new__(cls)
        for name in _STATE:
            setattr(model, name, state[name])
        model.uni, model.bi, model.tri = Counter(model.uni), Counter(model.bi), Counter(model.tri)
        model.by_key = defaultdict(list, model.by_key)
        model._memo = {}
        model.acronyms = {}
        return model

    def forms(self, key: str) -> list[str]:
        """Diacritized syllables whose folded form is key, most frequent first."""
        return self.by_key.get(key, [])


def read_acronyms(path: Path = ACRONYMS_PATH) -> dict[str, str]:
    """The acronym table written by write_acronyms: stripped spelling → spelling with 'Đ'."""
    rows = path.read_text(encoding="utf-8").splitlines()[1:]
    return dict(row.split("\t") for row in rows if row)


def write_acronyms(table: dict[str, str], path: Path = ACRONYMS_PATH) -> None:
    """Write the acronym table (TSV: as_stripped, acronym), atomically."""
    lines = ["as_stripped\tacronym"] + [f"{k}\t{v}" for k, v in sorted(table.items())]
    tmp = path.with_suffix(".tmp")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tmp.replace(path)


@lru_cache(maxsize=1)
def shipped_model() -> SyllableModel:
    """The model that ships with chitieu (loaded once per process, from the cache when it holds it)."""
    model = cached_model(MODEL_PATH)
    model.acronyms = read_acronyms()
    # its half a million counts live as long as the process: the garbage collector need not walk them again
    # (gc.freeze keeps whatever exists at this point out of later collections; loading happens once, early)
    gc.freeze()
    return model


# The shipped model's counts and lookup tables, as the constructor leaves them, kept in the user's cache in
# marshal's format: reading them back takes a tenth of the 1 s of CPU that parsing the model file and working
# the tables out take, which every process paid (a whole run of 122 text-layer pages took 7.5 s).
CACHE_ENV = "CHITIEU_CACHE_DIR"
STALE_DAYS = 30
_STATE = ("uni", "bi", "tri", "total", "by_key", "vocab_size", "_word_terms", "_unknown_word", "_prev_terms",
          "_pair_terms", "_ctx_terms")


def cached_model(path: Path) -> SyllableModel:
    """SyllableModel.load(path), read from the cache when an earlier process left it there for this model file,
    this code and this Python; otherwise loaded and left there (a cache that cannot be written is skipped)."""
    where = _cache_file(path)
    collecting = gc.isenabled()
    gc.disable()   # half a million new tuples would start collections that find nothing to free
    try:
        state = _read_state(where) if where else None
        if state is not None:
            return SyllableModel._from_state(state)
        model = SyllableModel.load(path)
    finally:
        if collecting:
            gc.enable()
    if where:
        _write_state(where, model._state())
    return model


def cache_dir() -> Optional[Path]:
    """$CHITIEU_CACHE_DIR, or chitieu's folder in the platform's cache directory; None without a home."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    try:
        home = Path.home()
    except (RuntimeError, KeyError):
        return None
    if os.name == "nt":
        base = Path(os.environ.get("LOCALAPPDATA") or home / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = home / "Library" / "Caches"
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or home / ".cache")
    return base / "chitieu"


def _cache_file(path: Path) -> Optional[Path]:
    """The cache file of a model file: named by a hash of the model's bytes, of the source of the code that
    works the tables out (this module, and fold's) and of the Python version and marshal format that read it
    back."""
    folder = cache_dir()
    if folder is None:
        return None
    try:
        key = hashlib.sha256(path.read_bytes() + Path(__file__).read_bytes() + Path(_unicode.__file__).read_bytes())
    except OSError:
        return None
    key.update(f"{sys.version_info[:2]} marshal {marshal.version}".encode())
    return folder / f"syllables-{key.hexdigest()[:20]}.marshal"


def _read_state(where: Path) -> Optional[dict]:
    try:
        state = marshal.loads(where.read_bytes())
    except (OSError, ValueError, EOFError, TypeError):
        return None
    if not (isinstance(state, dict) and set(state) == set(_STATE)):
        return None
    try:
        os.utime(where)   # its time says when it was last used (_write_state keeps what is in use)
    except OSError:
        pass
    return state


def _write_state(where: Path, state: dict) -> None:
    """Write the cache file atomically (two processes may write it at once) and drop the files of other models
    or releases unused for STALE_DAYS (two installs used in turn keep one each, rather than replacing each
    other's at every run)."""
    tmp = where.with_name(f"{where.name}.{os.getpid()}.tmp")
    try:
        where.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(marshal.dumps(state))
        os.replace(tmp, where)
        stale = time.time() - STALE_DAYS * 86400
        for old in where.parent.glob("syllables-*.marshal"):
            if old != where and old.stat().st_mtime < stale:
                old.unlink(missing_ok=True)
    except (OSError, ValueError):
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass
