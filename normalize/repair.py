"""The repair entry points: one line or a block of text in, repaired text and its edits out."""
from __future__ import annotations

from dataclasses import dataclass, field

from normalize.encodings import convert_mojibake, fix_mojibake, mojibake_edit
from normalize.unicode import clean_unicode
from schemas.model import Cell, Edit, Line, Page


@dataclass
class Repaired:
    text: str
    original: str
    edits: list[Edit] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.text != self.original


def repair_text(text: str) -> Repaired:
    """Repair one string; clean, correct Vietnamese comes back unchanged."""
    out, edits = clean_unicode(text)
    return Repaired(out, text, edits)


def repair_line(line: Line) -> Line:
    """Repair a line (and its cells) in place, keeping the original in `raw`."""
    fixed = repair_text(line.text)
    if fixed.changed:
        line.raw = line.text if line.raw is None else line.raw
        line.text = fixed.text
        line.edits.extend(fixed.edits)
    if line.cells:
        line.cells = [Cell(repair_text(c.text).text, c.col, c.x0, c.x1) for c in line.cells]
    if line.words:
        line.words = [Cell(repair_text(w.text).text, w.col, w.x0, w.x1) for w in line.words]
    return line


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
    return notes
