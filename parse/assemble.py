"""Lines → table-row candidates: whatever the source, a row becomes a list of cells.

Sources: tab-separated lines (seed 001), one cell per line in blank-separated blocks (seed 002), Markdown pipe
rows (real 10), rows of a ruled PDF grid, and PDF lines split into positioned cells by wide gaps.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from schemas.model import Cell, Line

# A cell-per-line block line: one leading tab, no other tab ('\tTỷ lệ ...', or '\t' for an empty cell).
CELL_LINE = re.compile(r"^\t[^\t]*$")
# A Markdown table row and the rule under its header.
MD_ROW = re.compile(r"^\s*\|.*\|\s*$")
MD_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")


@dataclass
class Item:
    """One unit the table parser reads: a row of cells, or a line of running text."""

    line: Line
    cells: Optional[list[Cell]] = None
    how: str = "text"          # text | tabs | cell-lines | markdown | pdf-grid | pdf-positions
    extra_lines: int = 0        # further source lines merged into this item (cell-per-line blocks)

    @property
    def texts(self) -> list[str]:
        return [c.text for c in self.cells or []]


def assemble(lines: list[Line]) -> list[Item]:
    """Group lines into items; blank lines are kept as text items so layouts can see paragraph breaks."""
    items: list[Item] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        text = line.text
        if line.cells is not None:
            how = "pdf-grid" if line.cells and line.cells[0].col is not None else "pdf-positions"
            items.append(Item(line, line.cells, how))
        elif CELL_LINE.match(text) and i + 1 < len(lines) and CELL_LINE.match(lines[i + 1].text):
            j = i
            while j < len(lines) and CELL_LINE.match(lines[j].text):
                j += 1
            cells = [Cell(t.text[1:].strip(), col=k) for k, t in enumerate(lines[i:j])]
            items.append(Item(line, cells, "cell-lines", extra_lines=j - i - 1))
            i = j
            continue
        elif "\t" in text.strip("\n") and text.strip():
            parts = text.split("\t")
            items.append(Item(line, [Cell(p.strip(), col=k) for k, p in enumerate(parts)], "tabs"))
        elif MD_RULE.match(text) and "|" in text:
            items.append(Item(line, [], "markdown"))
        elif MD_ROW.match(text):
            parts = text.strip().strip("|").split("|")
            items.append(Item(line, [Cell(p.strip(), col=k) for k, p in enumerate(parts)], "markdown"))
        else:
            items.append(Item(line))
        i += 1
    return items
