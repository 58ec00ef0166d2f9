"""Paragraph breaks of an OCR'd page, from the page itself.

Tesseract's lines come without the blank line between paragraphs that a text file has, so a numbered target
ran on into the next paragraph ('… phải đạt trên 40%. Tuy nhiên, …') and was lost where the same text as a
file is read right. A paragraph starts where the gap above a line is clearly wider than the page's usual line
spacing, or where a line is indented after a line that stopped short of the right margin (Vietnamese official
documents indent each paragraph's first line). Table rows (lines with known columns) are left alone.
"""
from __future__ import annotations

import statistics
from typing import Optional

from chitieu.schemas.model import Line

# A gap above a line this many times the page's usual line spacing opens a paragraph.
GAP_FACTOR = 1.6
# A line starting this many line heights right of the text's left edge is indented.
INDENT_HEIGHTS = 1.2
# A line ending this many line heights short of the text's right edge stopped short (a paragraph's last line).
SHORT_HEIGHTS = 3.0


def _free(line: Line) -> bool:
    """A line of running text with word positions (not a row of a ruled table)."""
    return bool(line.words) and not (line.cells and line.cells[0].col is not None) and line.top is not None


def _edges(line: Line) -> tuple[float, float]:
    return min(w.x0 for w in line.words), max(w.x1 for w in line.words)


def with_paragraph_breaks(lines: list[Line], page: int) -> list[Line]:
    """The page's lines with an empty line before each paragraph of running text, renumbered in order."""
    free = [ln for ln in lines if _free(ln)]
    if len(free) < 3:
        return lines
    gaps = [b.top - a.top for a, b in zip(free, free[1:]) if b.top > a.top]
    if not gaps:
        return lines
    spacing = statistics.median(gaps)
    # the text's margins as most lines have them, not its outermost marks: a photo's page edge or a speck read
    # as '|' far left of the text would make every line look indented
    starts = sorted(_edges(ln)[0] for ln in free)
    ends = sorted(_edges(ln)[1] for ln in free)
    left, right = starts[len(starts) // 4], ends[len(ends) * 3 // 4]
    out: list[Line] = []
    previous: Optional[Line] = None
    for line in lines:
        if _free(line) and previous is not None and _opens_paragraph(previous, line, spacing, left, right):
            out.append(Line(text="", page=page, number=0, top=line.top))
        out.append(line)
        previous = line if _free(line) else None
    for number, line in enumerate(out, start=1):
        line.number = number
    return out


def _opens_paragraph(previous: Line, line: Line, spacing: float, left: float, right: float) -> bool:
    if line.top - previous.top > GAP_FACTOR * spacing:
        return True
    x0, _ = _edges(line)
    _, prev_x1 = _edges(previous)
    return x0 > left + INDENT_HEIGHTS * spacing and prev_x1 < right - SHORT_HEIGHTS * spacing
