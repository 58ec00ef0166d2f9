"""The repair entry points: one line or a block of text in, repaired text and its edits out."""
from __future__ import annotations

from dataclasses import dataclass, field

from normalize.unicode import clean_unicode
from schemas.model import Cell, Edit, Line


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
    return line
