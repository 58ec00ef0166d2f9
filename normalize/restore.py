"""Restore lost or garbled diacritics syllable by syllable: each damaged word gets candidate readings (its folded
key's known forms, OCR-confusion readings, one-edit neighbours, forms matching a '?' pattern), and a Viterbi pass
over the syllable model picks the likeliest sentence. Lines that read as clean Vietnamese are left alone."""
from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Optional

from chitieu.normalize.encodings import is_syllable
from chitieu.normalize.syllable_model import (BOUNDARY, COMMA, LIST_GAP, MEMO_LIMIT, NO_WORD, NUMBER, PERCENT, SyllableModel,
                                      number_token, shipped_model)
from chitieu.normalize.unicode import fold
from chitieu.schemas.model import Edit

# Letters that survive the lossy code page of seed 002 (Windows-1252 style): every other accented letter became '?'.
SURVIVED = set("àáâãèéêìíòóôõùúýăđơư")
# OCR readings of Vietnamese letters by an engine without them (Tesseract's English model, old OCR):
# each maps to the folded letters it may stand for. Measured on seed 000 ('Ty 1€', 's6', 'x4', 'dwgc').
CONFUSIONS = {
    "€": ("e", ""), "¢": ("e", ""), "£": ("e", ""), "é": "e", "è": "e", "ê": "e",
    "1": "li", "l": "li", "i": "il", "I": "li", "|": "li", "!": "il",
    "0": "o", "6": "o", "o": "o", "ö": "o", "ô": "o", "ó": "o", "ò": "o",
    "4": "a", "@": "a", "a": "a", "ä": "a", "å": "a",
    "w": ("u", "uo"), "u": "u", "ü": "u", "v": "v",
    "5": "s", "$": "s", "8": "a", "9": "g", "7": "t", "3": "e",
    "c": "c", "g": ("g", "o"), "(": "c", "p": ("p", "d"),   # 'p' for 'đ': 'Pé nghị', 'PE TĂNG' (Đ read as P)
    "e": ("e", "c"),   # 'c' read as 'e' ('luge' for 'lược')
}
# A name in camel case ('iGate', 'iOS', 'eKYC'): no Vietnamese syllable; OCR's case slips ('cAac') are not one.
BRAND = re.compile(r"^[a-z]{1,2}[A-Z][a-z]{3,}$|^[a-z]{1,2}[A-Z]{2,}[a-z]*$")
# Characters a garbled word may contain besides letters (the confusion sources above, '?' and apostrophes).
GARBLE = set("€¢£@$|!?'’‘`´") | set("0123456789")
# A word in the sense of this module: letters, '?' and the OCR crumbs above, between spaces or punctuation.
TOKEN = re.compile(r"\d+(?:[.,]\d+)+(?![^\W_])|[^\s,.;:!()\[\]\"“”/\\%+=<>*…-]+")
NUMERAL = re.compile(r"\d+(?:[.,]\d+)*")
# A '?' touching a letter: a letter lost to a code page ('CH? S?'), not a question mark.
QMARK_WORD = re.compile(r"[^\W\d_]\?|\?[^\W\d_]")
# ... and one inside a word, which no English question has
INNER_QMARK = re.compile(r"[^\W\d_]\?+[^\W\d_]")
# a '?' at a word's edge and the word without it
EDGE_QMARK = re.compile(r"(?<![^\W\d_?])\?*([^\W\d_]+)\?+(?![^\W\d_?])|(?<![^\W\d_?])\?+([^\W\d_]+)(?![^\W\d_?])")

# Channel log-probabilities: keeping an accented word as written, changing it, and each OCR correction.
KEEP_ACCENTED = math.log(0.9)
CHANGE_ACCENTED = math.log(0.02)
CONFUSION_COST = math.log(0.2)
EDIT_COST = math.log(0.005)
# A word seen in under this share of its folded key's occurrences is a damaged spelling, not a reading.
RARE_AS_WRITTEN = 0.05
# Readings of a folded key rarer than this share of its uses are not tried, and at most MAX_READINGS are.
RARE_READING = 0.0005
MAX_READINGS = 8
# States kept per word in the Viterbi search (pairs of last two readings); more costs time, not accuracy.
BEAM = 16
# ... and only those within this many nats of the best: the output of 10,000 stripped lines is the same as with
# no such limit (5 changes it), in about two thirds of the time.
BEAM_GAP = 8.0
# Common English words; few are a Vietnamese syllable stripped of its accents ('the' is 'thể', so it counts only
# beside another), and not 'to', 'an', 'on', 'do', 'it', 'in', 'can', 'than', 'may', 'them' at all: stripped
# Vietnamese is full of them (tô, an toàn, ổn, do, ít, in, cần, than, máy, thêm):
# a line holding several is English (a copyright notice, a README): only its words with '?' inside are restored.
ENGLISH = frozenset("""the and of is are from with for this which has have was were by or not its into their these those will only
also been more when where what who each every other there they you your our we she his must should would could
all any some such use used file files run see if how both does made make after before about between under over
out same while without within""".split())
# Below this share of the local probability mass, a restored word is reported as uncertain.
UNCERTAIN = 0.6


CHANNEL_PATH = Path(__file__).parent / "data" / "ocr_channel.tsv"
# An OCR'd word seen this often in the channel table is read by the table; rarer ones by the rules above.
CHANNEL_MIN = 5
# A reading the table never saw for a word it knows well.
UNSEEN_READING = math.log(0.03)


@lru_cache(maxsize=1)
def ocr_channel() -> tuple[dict[str, dict[str, float]], dict[str, list[str]]]:
    """(OCR'd word → {source word: log P}, OCR'd letter → folded letters it stood for), learned by
    tools/build_ocr_channel.py from Tesseract's English model reading rendered official text."""
    words: dict[str, Counter] = {}
    letters: dict[str, list[str]] = {}
    for line in CHANNEL_PATH.read_text(encoding="utf-8").splitlines()[1:]:
        kind, ocr, source, count = line.split("\t")
        if kind == "word":
            words.setdefault(ocr, Counter())[source] += int(count)
        elif len(ocr) == 1 and int(count) >= 20 and source != ocr:
            letters.setdefault(ocr, []).append(source)
    # P(OCR'd word | source word), not P(source | OCR'd word): the syllable model already knows how common
    # each source word is, and counting that twice made 'hd' read as the frequent 'hỗ' in 'hồ sơ'. Scaled so
    # that the likeliest source of each OCR'd word costs nothing, as before.
    made = Counter()
    for sources in words.values():
        made.update(sources)
    table = {}
    for ocr, sources in words.items():
        if sum(sources.values()) >= CHANNEL_MIN:
            likelihood = {s: c / (made[s] + 3) for s, c in sources.items()}
            best = max(likelihood.values())
            table[ocr] = {s: math.log(v / best) for s, v in likelihood.items()}
    return table, letters


@dataclass
class Token:
    start: int
    end: int
    text: str
    candidates: list[tuple[str, float]]   # (lower-case reading, channel log-probability); empty: leave as is


def restore_line(text: str, model: Optional[SyllableModel] = None, force: bool = False,
                 qmark: Optional[bool] = None) -> tuple[str, list[Edit]]:
    """Return the line with its damaged words restored and one edit per changed word (clean lines: unchanged).

    qmark: the text went through the lossy code page, so a word without '?' is exactly as written (None: decide
    from this line)."""
    model = model or shipped_model()
    prepared = _prepare(text, model, force, qmark)
    if prepared is None:
        return text, []
    return _decode_run([prepared], model)[0]


@dataclass
class _Line:
    """A line ready for decoding: its tokens with their candidate readings."""
    text: str
    tokens: list[Token]
    upper: bool


def _prepare(text: str, model: SyllableModel, force: bool, qmark: Optional[bool], ocr: Optional[bool] = None,
             cache: Optional[Counter] = None, english: Optional[bool] = None, damaged: Optional[bool] = None,
             lost: Optional[bool] = None) -> Optional[_Line]:
    """The line's tokens and readings, or None when the line is left as it is (clean, English, nothing to read).
    damaged, lost: looks_damaged and lost_letters of the text, when the caller knows them already."""
    if not force and not (looks_damaged(text, model) if damaged is None else damaged):
        return None
    if qmark is None:
        qmark = lost_letters(text, model) if lost is None else lost
    if (looks_english(text) if english is None else english) and not INNER_QMARK.search(text):
        # English is never restored; a Vietnamese name in it that lost letters to '?' is ('THƯ VI?N PHÁP LU?T
        # has the copyright'), and the '?' rule leaves the English words as they are
        return None
    if ocr is None:
        ocr = looks_ocr_garbled([text], model)
    tokens = [_token(m, model, qmark, ocr) for m in TOKEN.finditer(text)]
    if cache:
        tokens = [_with_cache(t, cache) for t in tokens]
    if not any(t.candidates or t.text in model.acronyms for t in tokens):
        return None
    return _Line(text, tokens, _mostly_upper(text, model))


def _decode_run(run: list[_Line], model: SyllableModel) -> list[tuple[str, list[Edit]]]:
    """Restore consecutive lines as one text: a sentence wrapped over lines reads each line's last words with
    the next line's first ones (as right context) and its first words with the line before's last ones."""
    tokens: list[Token] = []
    joined: list[bool] = []
    positions: list[list[int]] = []   # each line's tokens' places in the decoded sequence
    prev: Optional[Token] = None
    for k, line in enumerate(run):
        here = []
        for j, tok in enumerate(line.tokens):
            if j:
                gap = line.text[line.tokens[j - 1].end:tok.start]
            elif k:
                before = run[k - 1]
                gap = before.text[before.tokens[-1].end:] + "\n" + line.text[:tok.start]
            else:
                gap = "."
            if gap.strip() and prev is not None and prev.candidates and tok.candidates and LIST_GAP.fullmatch(gap):
                # a list goes on: the comma is a syllable of the model's, and context across it
                tokens.append(Token(tok.start, tok.start, "", [(COMMA, 0.0)]))
                joined.append(True)
                gap = ""
            here.append(len(tokens))
            tokens.append(tok)
            joined.append(not gap.strip())
            prev = tok
        positions.append(here)
    alive: list[Optional[set]] = [None] * len(tokens)
    best = _viterbi(tokens, model, joined, alive)
    # a line opens a sentence after a line that ends one, or first in its run (after a blank or clean line)
    opens = [k == 0 or run[k - 1].text.rstrip(" *_").endswith((".", ":", ";", "!", "?")) for k in range(len(run))]
    return [_apply(line, tokens, joined, best, here, model, o, alive) for line, here, o in zip(run, positions, opens)]


# What may stand before a sentence's first word on its line: list markers ('1.', 'a)', '-', '**') and spaces.
LINE_OPENING = re.compile(r"\W*(?:(?:\d+(?:\.\d+)*|[a-zđ]|[IVX]+)[.)]\W*)?")
# ... and inside a line: a full stop, and its spaces.
SENTENCE_END = re.compile(r"[.!]\W*$")


def _apply(line: _Line, tokens: list[Token], joined: list[bool], best: list[Optional[str]], here: list[int],
           model: SyllableModel, opens: bool, alive: list[Optional[set]]) -> tuple[str, list[Edit]]:
    """The line with its chosen readings written in, and one edit per changed word (opens: the line starts a
    sentence)."""
    text = line.text
    out, edits, pos = [], [], 0
    for j, i in enumerate(here):
        tok, choice = tokens[i], best[i]
        if choice is None and tok.text in model.acronyms:
            # a code is restored only through the table of acronyms the training texts spell with 'Đ'
            new, reason, score = model.acronyms[tok.text], "restore-acronym", 1.0
        elif choice is None or choice in (NUMBER, PERCENT):
            continue
        else:
            # what decides the case of a word showing one letter, or none at its start, looked at only for those
            visible = [c for c in tok.text if c.isalpha()]
            upper = len(visible) == 1 and visible[0].isupper() and _upper_beside(line, j)
            starts = tok.text[:1] == "?" and (
                (LINE_OPENING.fullmatch(text[:tok.start]) is not None and (opens or bool(text[:tok.start].strip())))
                or bool(j and SENTENCE_END.search(text[line.tokens[j - 1].end:tok.start])))
            new = _case_like(tok.text, choice, upper, starts)
            if new == tok.text:
                continue
            score = _local_share(joined, tokens, best, i, model, alive[i]) if len(tok.candidates) > 1 else 1.0
            reason = "restore-diacritics" if fold(new) == fold(_strip_crumbs(tok.text)) else "restore-ocr"
            if "?" in tok.text:
                reason = "restore-qmark"
        edits.append(Edit(tok.start, tok.end, tok.text, new, reason, round(score, 3)))
        out += [text[pos:tok.start], new]
        pos = tok.end
    out.append(text[pos:])
    return "".join(out), edits


def restore_lines(lines: list[str], model: Optional[SyllableModel] = None) -> list[tuple[str, list[Edit]]]:
    """Restore the lines of one document. When the document as a whole reads as damaged (stripped or garbled
    OCR), every line is restored, short ones included; otherwise only the lines that look damaged on their own."""
    return restore_document(lines, model)[0]


def restore_document(lines: list[str], model: Optional[SyllableModel] = None
                     ) -> tuple[list[tuple[str, list[Edit]]], bool]:
    """restore_lines, and whether the document as a whole reads as damaged (damaged_document)."""
    model = model or shipped_model()
    # each line's verdicts, decided once: the passes below ask them several times
    english = [looks_english(ln) for ln in lines]
    counts = [damage_counts(ln, model) for ln in lines]
    lost = [lost_letters(ln, model) for ln in lines]
    damaged: list[Optional[bool]] = [None] * len(lines)   # looks_damaged, worked out when first asked

    def looks_damaged_at(i: int) -> bool:
        if damaged[i] is None:
            damaged[i] = looks_damaged(lines[i], model, lost[i], counts[i])
        return damaged[i]

    whole = damaged_document(lines, model, english, counts)
    ocr = looks_ocr_garbled([ln for ln, eng in zip(lines, english) if not eng], model)
    # the document's own intact words: a '?' copy of a table printed cleanly above it (seed 002) should read
    # 'Đạt' and 'Tỷ lệ' as the clean part does
    cache: Counter = Counter()
    if not whole:
        for i, (line, eng) in enumerate(zip(lines, english)):
            if not eng and not looks_damaged_at(i):
                cache.update(w.lower() for w in re.findall(r"[^\W\d_]+", line) if not w.isascii())
    # in a document that lost letters to '?', a '?' after a whole word lost one too ('Thu?' is 'Thuế')
    qmark_document = sum(lost) >= 2
    out: list[tuple[str, list[Edit]]] = []
    run: list[_Line] = []
    for i, (line, eng) in enumerate(zip(lines, english)):
        # '?' damage is decided line by line: one file may hold a clean part, a '?' part and OCR text
        qmark = True if qmark_document and QMARK_WORD.search(line) else None
        force = whole or qmark is True
        prepared = _prepare(line, model, force, qmark, ocr, cache, eng, None if force else looks_damaged_at(i),
                            lost[i])
        if prepared is None:
            out += _decode_run(run, model) if run else []
            out.append((line, []))
            run = []
        else:
            run.append(prepared)
    out += _decode_run(run, model) if run else []
    return out, whole


def damaged_document(lines: list[str], model: SyllableModel, english: Optional[list[bool]] = None,
                     counts: Optional[list[tuple[int, int]]] = None) -> bool:
    """True when a document as a whole lost its diacritics (English lines left out of the count; english: which
    lines are English, counts: their damage_counts, when already known)."""
    suspicious = total = 0
    for i, (line, eng) in enumerate(zip(lines, english if english is not None else map(looks_english, lines))):
        if not eng:
            s, t = damage_counts(line, model) if counts is None else counts[i]
            suspicious, total = suspicious + s, total + t
    return suspicious >= 5 and suspicious >= 0.3 * total


def looks_ocr_garbled(lines: list[str], model: SyllableModel) -> bool:
    """True for text OCR'd without Vietnamese (seed 000): accents on the wrong words ('céng', 'quyét') and
    crumbs inside words ('1€', 's6'), as opposed to text that only lost its accents (seed 003 is both)."""
    accented = unknown = crumbs = tokens = 0
    for line in lines:
        for m in TOKEN.finditer(line):
            w = m.group().lower()
            tokens += 1
            if w.isalpha() and not w.isascii():
                accented += 1
                unknown += w not in model.uni
            elif any(c.isalpha() for c in w) and any(c in GARBLE and c != "?" for c in w) and not _is_code(w, model):
                crumbs += 1
    # units and codes ('m2', 'co2', '5g') are crumbs too, but rare
    return (unknown >= 5 and unknown >= 0.2 * accented) or (crumbs >= 2 and crumbs >= 0.02 * tokens)


def looks_english(text: str) -> bool:
    """True for a line of English: two or more common English words, at least an eighth of its words."""
    words = re.findall(r"[A-Za-z]+", text)
    english = sum(1 for w in words if w.lower() in ENGLISH)
    return english >= 2 and english >= len(words) / 8


def looks_damaged(text: str, model: SyllableModel, lost: Optional[bool] = None,
                  counts: Optional[tuple[int, int]] = None) -> bool:
    """True when a line reads as Vietnamese that lost its diacritics: many words are unknown as written but
    known once folded, or carry OCR crumbs or '?' inside a word. lost, counts: lost_letters and damage_counts
    of the text, when the caller knows them already."""
    if lost_letters(text, model) if lost is None else lost:
        return True
    suspicious, total = damage_counts(text, model) if counts is None else counts
    if suspicious < 2 or suspicious < 0.3 * total:
        return False
    # a line that kept most of its diacritics is clean Vietnamese with a few plain words ('Vay bù đắp bội chi')
    syllables = [w for w in re.findall(r"[^\W\d_]+", text) if model.forms(fold(w))]
    if "?" not in text and not any(c in GARBLE for c in text if not c.isdigit()) and \
            sum(not w.isascii() for w in syllables) >= 0.5 * len(syllables):
        return False
    # a line of English ('has the copyright on this translation') has Vietnamese-looking words too
    words = [w for w in re.findall(r"[^\W\d_]{2,}", text) if w.isascii() and not _is_code(w, model)]
    foreign = sum(1 for w in words if not model.forms(fold(w)))
    return not (foreign >= 3 and foreign >= 0.4 * len(words))


def lost_letters(text: str, model: SyllableModel) -> bool:
    """True when a '?' in the text stands for letters a code page lost: inside a word ('C?NG'), or at its edge
    when what is left is no syllable ('S?', 'CH?'); after a whole word ('không?', 'want to?') it asks a question."""
    if INNER_QMARK.search(text):
        return True
    for m in EDGE_QMARK.finditer(text):
        stem = (m.group(1) or m.group(2)).lower()
        if stem not in model.uni and not model.forms(fold(stem)):  # 'nhieu?' in stripped text asks too
            return True
    return False


def _memo(model: SyllableModel, name: str) -> dict:
    """A per-model cache of per-word results (the same words recur on every line of a batch), bounded: OCR
    junk makes new words without end."""
    memo = model.__dict__.setdefault(name, {})
    if len(memo) > MEMO_LIMIT:
        memo.clear()
    return memo


def damage_counts(text: str, model: SyllableModel) -> tuple[int, int]:
    """(words that look damaged, Vietnamese-looking words) in a text."""
    memo = _memo(model, "_damage")
    suspicious = total = 0
    for m in TOKEN.finditer(text):
        word = m.group()
        verdict = memo.get(word)
        if verdict is None:
            verdict = memo[word] = _word_damage(word, model)
        total += verdict > 0
        suspicious += verdict == 2
    return suspicious, total


def _word_damage(word: str, model: SyllableModel) -> int:
    """0: not a Vietnamese-looking word (numbers, codes, foreign words); 1: looks intact; 2: looks damaged."""
    if lost_letters(word, model):
        return 2
    core = _strip_edges(word)
    if not core or core.isdigit() or _is_code(core, model):
        return 0
    lower = core.lower()
    if any(c in GARBLE for c in lower) and any(c.isalpha() for c in lower):
        return 2
    if not lower.isalpha() or not model.forms(fold(lower)):
        return 0  # foreign words and names count neither way
    # as written, the word is rare next to its accented readings ('quyet' beside 'quyết'; 'dung' is common)
    key_total = sum(model.uni.get(f, 0) for f in model.forms(fold(lower)))
    return 2 if model.uni.get(lower, 0) < max(2, RARE_AS_WRITTEN * key_total) else 1


def _strip_edges(word: str) -> str:
    return word.strip("'’‘`´!|?")


def _strip_crumbs(word: str) -> str:
    return "".join(c for c in word if c.isalpha())


def _is_code(word: str, model: Optional[SyllableModel] = None) -> bool:
    """Acronyms and codes (TTHC, UBND, QĐ, CBCCVC, 3003/QĐ-UBND) are never words to restore."""
    if "?" in word:
        return False
    if BRAND.match(word):
        return True
    letters = [c for c in word if c.isalpha()]
    if len(letters) >= 2 and all(c.isupper() for c in letters):
        key = fold("".join(letters))
        if not (model.forms(key) if model else is_syllable(key)):
            return True
    if any(c.isdigit() for c in word) and letters and all(c.isupper() for c in letters) and (
            word[0].isdigit() or len(letters) > 1):
        return True  # '1A', '2B', 'QĐ1': labels ('S6', 'S0' at the start of a line are OCR'd 'Số')
    # '1€' and 's6' are OCR'd syllables; '2023', '3003/QĐ' and 'b2' are numbers and codes
    crumbs = sum(1 for c in word if c in GARBLE and not c.isdigit())
    return any(c.isdigit() for c in word) and sum(c.isdigit() for c in word) > len(letters) + crumbs


# Weight of the document's own spelling against the model's when choosing among readings of one word.
CACHE_WEIGHT = 1.0


def _with_cache(tok: Token, cache: Counter) -> Token:
    """Favour the readings the document itself uses where it is intact (add-one smoothed share, weighted)."""
    if len(tok.candidates) < 2:
        return tok
    seen = [cache.get(c, 0) for c, _ in tok.candidates]
    total = sum(seen)
    if total < 2:
        return tok
    n = len(seen)
    return Token(tok.start, tok.end, tok.text,
                 [(c, ch + CACHE_WEIGHT * math.log((k + 0.5) / (total + 0.5 * n)))
                  for (c, ch), k in zip(tok.candidates, seen)])


def _token(m: re.Match, model: SyllableModel, qmark: bool = False, ocr: bool = False) -> Token:
    text = m.group()
    if NUMERAL.fullmatch(text):
        # context only, never rewritten
        return Token(m.start(), m.end(), text, [(number_token(m.string, m.end()), 0.0)])
    if qmark:
        if "?" not in text:
            # every letter of this word survived the code page: it is right as it is, and context for the others
            lower = text.lower()
            return Token(m.start(), m.end(), text, [(lower, 0.0)] if lower in model.uni else [])
        if text == "?":
            return Token(m.start(), m.end(), text, _qmark_candidates("?", model))
    elif "?" in text and not lost_letters(text, model):
        # 'khong?', 'to?': a question mark after the word, which is read without it
        core = text.rstrip("?")
        if not core or "?" in core:
            return Token(m.start(), m.end(), text, [])
        return Token(m.start(), m.start() + len(core), core, _candidates(core, model, ocr))
    return Token(m.start(), m.end(), text, _candidates(text, model, ocr))


def _candidates(word: str, model: SyllableModel, ocr: bool = False) -> list[tuple[str, float]]:
    cache = _memo(model, "_candidates")
    if (word, ocr) not in cache:
        cache[(word, ocr)] = _compute_candidates(word, model, ocr)
    return cache[(word, ocr)]


def _compute_candidates(word: str, model: SyllableModel, ocr: bool = False) -> list[tuple[str, float]]:
    if _is_code(word, model) or word.isdigit():
        return []
    lower = word.lower()
    letters = sum(c.isalpha() for c in lower)
    # a lone '|', '1' or formula letter 'b' is a table rule, a number or a symbol: never a word to guess
    if "?" not in lower and (letters == 0 and len(lower) < 2 or len(lower) == 1 and not model.forms(lower)):
        return []
    if "?" in lower:
        core = lower.strip("?") if not QMARK_WORD.search(lower) else lower
        return _qmark_candidates(core, model)
    table = ocr_channel()[0].get(lower) if ocr else None
    if table and not (lower.isalpha() and not lower.isascii() and is_syllable(lower) and lower in model.uni
                      and lower in table and table[lower] > math.log(0.5)):
        # a word this OCR often misreads: its readings as the table saw them, then the folded key's others
        out = {s: lp for s, lp in table.items() if s in model.uni}
        for f in model.forms(fold(_strip_crumbs(lower))):
            out.setdefault(f, UNSEEN_READING)
        if not lower.isalpha() or not model.forms(fold(lower)):
            # readings the table did not meet for this word but its letters allow ('hd' → 'hồ', not only the
            # 'hỗ', 'hộ' of its 120 pages)
            for f, cost in _confusion_forms(lower, model, ocr).items():
                out.setdefault(f, UNSEEN_READING + cost)
        if out:
            return sorted(out.items(), key=lambda kv: -kv[1])[:40]
    if lower.isalpha():
        key = fold(lower)
        forms = model.forms(key)
        accented = not lower.isascii()
        if forms:
            if accented and is_syllable(lower):
                out = {f: KEEP_ACCENTED if f == lower else CHANGE_ACCENTED for f in forms}
                out.setdefault(lower, KEEP_ACCENTED)
                if ocr:
                    # an English-model OCR writes é, ó for letters it lacks ('chét' for 'chất'): what the
                    # accent may stand for is a reading too
                    for f, cost in _confusion_forms(lower, model, ocr).items():
                        out.setdefault(f, cost + CHANGE_ACCENTED)
                return list(out.items())
            out = {f: 0.0 for f in _likely(forms, model)}
            if ocr and letters >= 3:
                # an English-model OCR misreads letters of plain words too ('Thue hién' for 'Thực hiện')
                for near in _one_edit(key, model):
                    for f in _likely(model.forms(near), model):
                        out.setdefault(f, EDIT_COST)
            return list(out.items())
    # garbled: OCR confusions first, then one edit on the folded key
    out = _confusion_forms(lower, model, ocr)
    # two consonants are no Vietnamese word: in OCR'd text they are one with its vowel lost ('cc' for 'các')
    no_vowel = ocr and letters == 2 and lower.isalpha() and not any(c in "aeiouy" for c in fold(lower))
    if not out and (letters >= 3 or no_vowel):
        key = fold(_strip_crumbs(lower))
        # the word without its crumbs ('l1ap' is 'lập'), then one edit away from it
        for near in ([key] if key != lower else []) + _one_edit(key, model):
            for f in model.forms(near):
                out[f] = max(out.get(f, -1e9), EDIT_COST)
    if not out:
        return []
    # an accented word as written stays possible when it is a real syllable
    return sorted(out.items(), key=lambda kv: -kv[1])[:40]


def _likely(forms: list[str], model: SyllableModel) -> list[str]:
    """The readings of a key worth trying: rare ones (under RARE_READING of the key's uses) cost time and win
    only by mistake."""
    total = sum(model.uni.get(f, 0) for f in forms)
    keep = [f for f in forms if model.uni.get(f, 0) >= RARE_READING * total]
    return keep[:MAX_READINGS] or forms[:1]


def _confusion_forms(word: str, model: SyllableModel, ocr: bool) -> dict[str, float]:
    """The syllables a garbled word may stand for, each with its cheapest channel cost."""
    out: dict[str, float] = {}
    for key, cost in _confusion_keys(word, ocr):
        for f in model.forms(key):
            out[f] = max(out.get(f, -1e9), cost)
    return out


def _confusion_keys(word: str, ocr: bool = False) -> list[tuple[str, float]]:
    """Folded keys the garbled word may stand for, with the channel cost of the substitutions made."""
    options = [[(fold(c), 0.0)] if c.isalpha() and c.isascii() else [] for c in word]
    learned = ocr_channel()[1] if ocr else {}
    for i, c in enumerate(word):
        alts = CONFUSIONS.get(c)
        if c in learned:
            alts = tuple(dict.fromkeys((*(alts or ((fold(c),) if fold(c).isalpha() else ())), *learned[c])))
        if alts:
            options[i] = [(a, 0.0 if fold(c) == a else CONFUSION_COST) for a in alts] + \
                [(o, 0.0) for o, _ in options[i] if o not in alts]
        elif not options[i]:
            f = fold(c)
            options[i] = [(f, 0.0)] if f.isalpha() else [("", CONFUSION_COST)]
    keys = [("", 0.0)]
    for opts in options:
        keys = [(k + o, cost + oc) for k, cost in keys for o, oc in opts]
        if len(keys) > 64:
            keys = sorted(keys, key=lambda kc: -kc[1])[:64]
    return keys


def _one_edit(key: str, model: SyllableModel) -> list[str]:
    letters = "abcdeghiklmnopqrstuvxy"
    out = set()
    for i in range(len(key) + 1):
        for c in letters:
            out.add(key[:i] + c + key[i:])
        if i < len(key):
            out.add(key[:i] + key[i + 1:])
            for c in letters:
                out.add(key[:i] + c + key[i + 1:])
    return sorted(k for k in out if k != key and model.forms(k))  # sorted: the same ties on every run


def _qmark_candidates(word: str, model: SyllableModel) -> list[tuple[str, float]]:
    """Forms matching a '?'-damaged word: '?' stands for one letter that did not survive the code page."""
    pattern = re.compile("".join("." if c == "?" else re.escape(fold(c)) for c in word) + "$")
    out = []
    for key in _keys_of_length(model, len(word)):
        if not pattern.match(key):
            continue
        for f in model.forms(key):
            if all((c == "?" and f[i] not in SURVIVED and not f[i].isascii()) or (c != "?" and f[i] == c)
                   for i, c in enumerate(word)):
                out.append((f, 0.0))
    return out


def _keys_of_length(model: SyllableModel, n: int) -> list[str]:
    if "_keys_by_length" not in model.__dict__:
        by_len: dict[int, list[str]] = {}
        for key in model.by_key:
            by_len.setdefault(len(key), []).append(key)
        model.__dict__["_keys_by_length"] = by_len
    return model.__dict__["_keys_by_length"].get(n, [])


def _viterbi(tokens: list[Token], model: SyllableModel, joined: list[bool],
             alive: list[Optional[set]]) -> list[Optional[str]]:
    """The likeliest reading of each token with candidates (None for tokens left as they are); alive[i] is set
    to the readings the search still held at token i.

    States are the last two readings (a trigram model); a token without candidates or a token not joined to the
    one before (punctuation between them) ends the phrase."""
    path: list[Optional[str]] = []
    logp, seen_pair, memo_get = model.logp, model.seen_pair, model._memo.get
    # (prev2, prev) → (score, back-pointer): the readings of a phrase are read back from its last state, not
    # copied along at every step
    states: dict[tuple[str, str], tuple[float, object]] = {(BOUNDARY, BOUNDARY): (0.0, None)}

    def close() -> list[str]:
        best = max(states.items(), key=lambda kv: kv[1][0] + logp(kv[0][0], kv[0][1], BOUNDARY))
        readings, link = [], best[1][1]
        while link is not None:
            reading, link = link
            readings.append(reading)
        return readings[::-1]

    for i, tok in enumerate(tokens):
        if not tok.candidates or (i > 0 and not joined[i]):
            path += close()
            states = {(BOUNDARY, BOUNDARY): (0.0, None)}
        if not tok.candidates:
            path.append(None)
            continue
        new: dict[tuple[str, str], tuple[float, object]] = {}
        # a context pair the model never saw makes the first syllable irrelevant: such states of one last
        # reading share their next scores, so only the best of them goes on
        live: dict[tuple[str, str], tuple[float, object]] = {}
        for (p2, p1), (score, link) in states.items():
            ctx = (p2, p1) if seen_pair(p2, p1) else (NO_WORD, p1)
            if ctx not in live or score > live[ctx][0]:
                live[ctx] = (score, link)
        contexts = [(c2, c1, score, link) for (c2, c1), (score, link) in live.items()]
        for cand, channel in tok.candidates:
            for c2, c1, score, link in contexts:
                s = memo_get((c2, c1, cand))
                s = (s if s is not None else logp(c2, c1, cand)) + score + channel
                key = (c1, cand)
                old = new.get(key)
                if old is None or s > old[0]:
                    new[key] = (s, (cand, link))
        top = max(v[0] for v in new.values())
        new = {k: v for k, v in new.items() if v[0] >= top - BEAM_GAP}
        if len(new) > BEAM:  # the likeliest states only: each word keeps a handful of live readings
            new = dict(sorted(new.items(), key=lambda kv: -kv[1][0])[:BEAM])
        states = new
        alive[i] = {reading for _, reading in new}
    path += close()
    return path


def _local_share(joined: list[bool], tokens: list[Token], best: list[Optional[str]], i: int,
                 model: SyllableModel, alive: set) -> float:
    """The chosen reading's share of probability among the word's candidates, its neighbours held fixed.

    alive: the readings the search still held at this word; the others (more than BEAM_GAP behind, or out of
    the BEAM) are left out, which spares a fifth of the model's lookups and moved one score of the seeds by 0.01."""

    def at(j: int) -> str:
        return best[j] if 0 <= j < len(tokens) and best[j] else BOUNDARY

    p2 = at(i - 2) if i >= 2 and joined[i] and joined[i - 1] else BOUNDARY
    p1 = at(i - 1) if i >= 1 and joined[i] else BOUNDARY
    n1 = at(i + 1) if i + 1 < len(tokens) and joined[i + 1] else BOUNDARY
    memo, logp = model._memo, model.logp
    scores = {}
    for c, ch in tokens[i].candidates:  # memo first: this runs for every restored word
        if c not in alive:
            continue
        left, right = memo.get((p2, p1, c)), memo.get((p1, c, n1))
        scores[c] = ((left if left is not None else logp(p2, p1, c)) +
                     (right if right is not None else logp(p1, c, n1)) + ch)
    top = max(scores.values())
    total = sum(math.exp(s - top) for s in scores.values())
    return math.exp(scores[best[i]] - top) / total if best[i] in scores else 0.0


def _upper_beside(line: _Line, j: int) -> bool:
    """Whether the word next to token j (the next one with two letters or more, else the one before) is in
    capitals, which says the case of a word showing one letter ('S? LI?U' vs 'S? li?u'); the line's otherwise."""
    # lazily: a list of every position was built per call, quadratic on a one-line file of 100,000 words
    for k in itertools.chain(range(j + 1, len(line.tokens)), range(j - 1, -1, -1)):
        letters = [c for c in line.tokens[k].text if c.isalpha()]
        if len(letters) >= 2 and (line.tokens[k].candidates or "?" in line.tokens[k].text):
            return all(c.isupper() for c in letters)
    return line.upper


def _mostly_upper(text: str, model: SyllableModel) -> bool:
    """True for a heading in capitals ('CÁC CH? S?'); acronyms (TTHC, DVCTT) do not make a line upper-case."""
    # words with '?' count whole ('CH? S? C?A': three upper-case words, not the fragments 'CH', 'S', 'C', 'A')
    words = [w for w in re.findall(r"[^\W\d_?]*\?[^\W\d_?]*(?:\?[^\W\d_?]*)*", text)
             if sum(c.isalpha() for c in w) >= 2]
    words += [w for w in re.findall(r"(?<![?\w])[^\W\d_]{2,}(?![?\w])", text) if model.forms(fold(w))]
    return bool(words) and sum(w.isupper() for w in words) > 0.6 * len(words)


def _case_like(original: str, reading: str, upper_line: bool = False, opens: bool = False) -> str:
    """Give the reading the case pattern of the original word (UPPER, Title or lower); a word with one visible
    letter ('S?', 'Đ?') is upper-case only among upper-case words, and one whose first letter was lost to '?'
    ('?ng d?ng') is capitalised where it opens a sentence (opens)."""
    letters = [c for c in original if c.isalpha()]
    if letters and all(c.isupper() for c in letters) and (len(letters) > 1 or upper_line):
        return reading.upper()
    if opens and original[:1] == "?":
        return reading[:1].upper() + reading[1:]
    if original[:1] in "I1|!l" and reading[:1] == "l":
        letters = letters[1:]  # 'Ié' is 'lệ' misread: an OCR'd capital I says nothing about case
    if letters and letters[0].isupper():
        return reading[:1].upper() + reading[1:]
    return reading
