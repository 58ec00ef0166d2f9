"""The repair entry points: one line or a block of text in, repaired text and its edits out."""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Optional

from chitieu.normalize.encodings import convert_mojibake, fix_mojibake, mojibake_edit
from chitieu.normalize.restore import UNCERTAIN, restore_document, restore_line, restore_lines
from chitieu.normalize.syllable_model import shipped_model
from chitieu.normalize.unicode import clean_unicode
from chitieu.schemas.model import Edit, Line, Page


@dataclass
class Repaired:
    text: str
    original: str
    edits: list[Edit] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.text != self.original


def repair_text(text: str) -> Repaired:
    """Repair one string (a line or a whole text); clean, correct Vietnamese comes back unchanged."""
    out, edits = clean_unicode(text)
    legacy = fix_mojibake(out)
    if legacy is not None:
        edits.append(mojibake_edit(out, legacy))
        out = legacy.text
    lines = out.split("\n")
    restored = restore_lines(lines)
    if any(e for _, e in restored):
        # edits of a multi-line text are placed by offset in the whole text
        offset = 0
        for line, (new, line_edits) in zip(lines, restored):
            edits += [Edit(e.start + offset, e.end + offset, e.before, e.after, e.reason, e.score)
                      for e in line_edits]
            offset += len(new) + 1
        out = "\n".join(new for new, _ in restored)
    return Repaired(out, text, edits)


def repair_line(line: Line) -> Line:
    """Unicode clean-up of a line (and its cells) in place, keeping the original in `raw`; the document-level
    repairs (legacy encodings, lost diacritics) are made by repair_pages, where the evidence is strongest."""
    fixed, edits = clean_unicode(line.text)
    if fixed != line.text:
        line.raw = line.text if line.raw is None else line.raw
        line.text = fixed
        line.edits.extend(edits)
    for piece in (line.cells or []) + (line.words or []):
        piece.text = _clean_piece(piece.text)   # in place, as restore_pages does: no copy of every cell and word
    return line


@lru_cache(maxsize=8192)
def _clean_piece(text: str) -> str:
    """clean_unicode's text of a cell or a word, remembered: the same words recur on every line."""
    return clean_unicode(text)[0]


def repair_pages(pages: list[Page]) -> list[str]:
    """Repair every line of a document; return notes for the user (e.g. a legacy encoding that was converted).

    The legacy-font decision is made once for the whole document, where the evidence is strongest."""
    notes: list[str] = []
    lines = [ln for p in pages for ln in p.lines]
    sample = "\n".join(ln.text for ln in lines)
    legacy = fix_mojibake(sample)
    if legacy is not None:
        notes.append(f"text was in the legacy {legacy.encoding} encoding (old Vietnamese font); converted")
        if legacy.warning:
            notes.append(legacy.warning)
        for ln in lines:
            fixed = convert_mojibake(ln.text, legacy.encoding)
            if fixed != ln.text:
                ln.raw = ln.text if ln.raw is None else ln.raw
                ln.edits.append(mojibake_edit(ln.text, type(legacy)(fixed, legacy.encoding, legacy.score)))
                ln.text = fixed
            for c in (ln.cells or []) + (ln.words or []):
                c.text = convert_mojibake(c.text, legacy.encoding)
    for ln in lines:
        repair_line(ln)
    notes += restore_pages(lines)
    return notes


def restore_pages(lines: list[Line]) -> list[str]:
    """Restore lost diacritics in the lines (and their cells) of one document; say how much was restored."""
    model = shipped_model()
    texts = [ln.text for ln in lines]
    restored, whole = restore_document(texts, model)  # cells follow their document's decision, as lines do
    pieces: dict[str, str] = {}   # a cell's or word's text restored: the same texts recur on every page
    words = uncertain = changed = 0
    for ln, (text, edits) in zip(lines, restored):
        if edits:
            ln.raw = ln.text if ln.raw is None else ln.raw
            ln.text = text
            ln.edits.extend(edits)
            changed += 1
            words += len(edits)
            uncertain += sum(e.score < UNCERTAIN for e in edits)
        for c in (ln.cells or []) + (ln.words or []):
            text = pieces.get(c.text)
            if text is None:
                text = pieces[c.text] = restore_line(c.text, model, force=whole)[0]
            c.text = text
    if not words:
        return []
    return [f"diacritics restored in {words} words on {changed} lines ({uncertain} uncertain); "
            "each record's title_raw keeps the text as extracted"]


# Punctuation around a word that the parser may have trimmed from a title.
_EDGE = "\"'“”‘’()[].,;:!|*"


def _word_stream(page: Page) -> list[tuple[str, str, float, int]]:
    """(restored word, word as extracted, lowest restore score, line number) for every whitespace-separated word
    of a page."""
    out: list[tuple[str, str, float, int]] = []
    for ln in page.lines:
        restores = [e for e in ln.edits if e.reason.startswith("restore")]
        if not restores or ln.raw is None:
            out += [(w, w, 1.0, ln.number) for w in ln.text.split()]
            continue
        # restored words replace tokens in place, so the text before the restore has the same words; an edit's
        # span is in that text, with every edit left of it undone (from the right, a reading longer or shorter
        # than its original, 'chirc' → 'chức', shifted the rest). Built in one pass: undoing edit by edit on
        # the whole line was quadratic (a one-line 160 KB file took 16 s here)
        edits = sorted(restores, key=lambda e: e.start)
        before = _undo(ln.text, edits)
        starts = [m.start() for m in _WORD.finditer(before)]
        scores = [1.0] * len(starts)
        for e in edits:
            # the word the edit starts in (or at): words starting before it, less one unless it starts a word
            inside = e.start > 0 and before[e.start - 1] not in (" ", "\t")
            scores[bisect.bisect_left(starts, e.start) - inside] = e.score
        out += [(w, b, sc, ln.number) for w, b, sc in zip(ln.text.split(), before.split(), scores)]
    return out


_WORD = re.compile(r"\S+")


def _undo(text: str, edits: list[Edit]) -> str:
    """The text before edits (sorted by start, each start counted with the edits left of it undone)."""
    parts, at, shift = [], 0, 0
    for e in edits:
        where = e.start + shift  # the edit's place in text, where the edits left of it are still applied
        parts += [text[at:where], e.before]
        at = where + len(e.after)
        shift += len(e.after) - len(e.before)
    parts.append(text[at:])
    return "".join(parts)


def unrestore_records(doc) -> None:
    """Give each record the title as extracted (title_raw) where restoration changed it, and a warning for
    words whose restored reading was a close call."""
    pages = {rec.page for rec in doc.records if rec.title_raw}  # a stream only where a record needs it
    streams = {p.number: _word_stream(p) for p in doc.pages if p.number in pages
               and any(e.reason.startswith("restore") for ln in p.lines for e in ln.edits)}
    if not streams:
        return
    for rec in doc.records:
        stream = streams.get(rec.page)
        if not stream or not rec.title_raw:
            continue
        found = _find_words(rec.title_raw.split(), stream, rec.line)
        if found is None:
            continue
        raw_words, low = [], []
        for word, (restored, original, score, _) in zip(rec.title_raw.split(), found):
            core = restored.strip(_EDGE)
            if word == restored:
                raw_words.append(original)  # the whole word as extracted, crumbs and all ("so'")
            else:  # the parser trimmed punctuation around it: put back the word inside
                raw_words.append(word.replace(core, original.strip(_EDGE)) if core and core in word else word)
            if score < UNCERTAIN:
                low.append(f"{core} ({score:.2f})")
        rec.title_raw = " ".join(raw_words)
        if low:
            rec.warnings.append("uncertain diacritics: " + ", ".join(low))


def _find_words(words: list[str], stream: list[tuple[str, str, float, int]], line: Optional[int] = None
                ) -> Optional[list]:
    """The stream entries that spell words in order (a few stream words may lie between, e.g. other cells); of
    several such places (a sub-row label repeated under every row), the one that starts nearest to line."""
    cores = [w.strip(_EDGE) for w in words]
    best = None
    for i, (restored, _, _, at) in enumerate(stream):
        if restored.strip(_EDGE) != cores[0]:
            continue
        found, k = [stream[i]], i + 1
        for core in cores[1:]:
            limit = min(len(stream), k + 12)
            while k < limit and stream[k][0].strip(_EDGE) != core:
                k += 1
            if k >= limit:
                break
            found.append(stream[k])
            k += 1
        if len(found) == len(words):
            if line is None:
                return found
            if best is None or abs(at - line) < abs(best[0][3] - line):
                best = found
    return best
