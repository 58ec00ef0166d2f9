"""Lines → table-row candidates: whatever the source, a row becomes a list of cells.

Sources: tab-separated lines (seed 001), one cell per line in blank-separated blocks (seed 002), Markdown pipe
rows (real 10), rows of a ruled PDF grid, and PDF lines split into positioned cells by wide gaps.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from chitieu.normalize.unicode import fold
from chitieu.parse.header import header_roles, role_of
from chitieu.parse.stt import normalise_stt
from chitieu.schemas.model import Cell, Line

# A cell-per-line block line: one leading tab, no other tab ('\tTỷ lệ ...', or '\t' for an empty cell).
CELL_LINE = re.compile(r"^\t[^\t]*$")
# A Markdown table row and the rule under its header.
MD_ROW = re.compile(r"^\s*\|.*\|\s*$")
MD_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
# A line holding only a bar: a cell boundary in web-page conversions (real 02, 06); two in a row end a row.
BAR_LINE = re.compile(r"^\s*\|\s*$")
# Share of bar lines from which a document is read in that layout.
BAR_SHARE = 0.05
# A "cell" longer than this is running text that the page layout happened to put in a frame, not a cell.
MAX_CELL_LINES = 8
# A lettered part's STT cell ('A', 'B.'), above roman parts in budget tables (real 05).
PART_CELL = re.compile(r"^[A-H]\.?$")
# Rows that must keep one width before a bar table is cut at that width.
LOCK_ROWS = 3


@dataclass
class Item:
    """One unit the table parser reads: a row of cells, or a line of running text."""

    line: Line
    cells: Optional[list[Cell]] = None
    how: str = "text"          # text | tabs | cell-lines | bars | markdown | pdf-grid | pdf-positions
    extra_lines: int = 0        # further source lines merged into this item (cell-per-line blocks)

    @property
    def texts(self) -> list[str]:
        return [c.text for c in self.cells or []]


def _bar_tokens(lines: list[Line]) -> list[list[Line]]:
    """The cells of a bar-separated text in order: every bar line closes one (an empty cell is [])."""
    tokens: list[list[Line]] = []
    cell: list[Line] = []
    for line in lines:
        if BAR_LINE.match(line.text):
            tokens.append(cell)
            cell = []
        elif line.text.strip():
            cell.append(line)
    if cell:
        tokens.append(cell)
    return tokens


def _bar_groups(lines: list[Line]) -> list[list[list[Line]]]:
    """Split bar-separated lines into rows of cells (each cell a list of lines); empty cells are [].

    Two bars in a row end a row, but an empty cell looks the same. So once a table's numbered rows show a fixed
    width (every row's cells followed by one empty cell, for LOCK_ROWS rows), rows are cut at that width and
    empty cells keep their place ('- Số giáo viên | Người | | 20.330 …', real 05)."""
    tokens = _bar_tokens(lines)
    rows: list[list[list[Line]]] = []
    row: list[list[Line]] = []
    header = 0   # cells of the last table header: the locked width is at least this
    width = 0    # the locked width, 0 when rows are cut at empty cells
    i = 0
    while i < len(tokens):
        cell = tokens[i]
        if not row and width:
            chunk = tokens[i:i + width]
            last = _fixed_row(tokens, i, width, table_ends=True)
            if (last or _fixed_row(tokens, i, width)) and header_roles([_cell_text(c) for c in chunk]) is None:
                rows.append(chunk)
                i += width + (0 if last else 1)
                continue
            width = 0   # the table ended (prose, a new header, a row of another shape)
        if not row and header and cell and _starts_row([cell]):
            width = next((w for w in range(header, header + 4)
                          if all(_fixed_row(tokens, i + k * (w + 1), w) for k in range(LOCK_ROWS))), 0)
            if width:
                continue
        if len(cell) > MAX_CELL_LINES and not (row and _starts_row(row)):
            # prose: a group of one cell becomes text lines (inside a numbered row it is a long cell)
            if row:
                rows.append(row)
                row = []
            rows.append([cell])
        elif cell:
            row.append(cell)
        elif row:
            roles = header_roles([_cell_text(c) for c in row])
            if roles is not None:
                header = len(roles) - roles.index("stt")
            rows.append(row)
            row = []
        else:
            rows.append([])  # a run of bars: empty cells or empty rows
        i += 1
    if row:
        rows.append(row)
    return rows


def _fixed_row(tokens: list[list[Line]], i: int, width: int, table_ends: bool = False) -> bool:
    """True when tokens[i:i + width] can be one row of a fixed-width table: one empty cell follows it (with
    table_ends: a paragraph of prose follows it, the table's last row), and none of its cells is prose."""
    if i + width > len(tokens):
        return False
    after = tokens[i + width] if i + width < len(tokens) else []
    # the last row runs into the text after the table: a paragraph, or a caption and the next table's header
    header_next = i + width + 1 < len(tokens) and role_of(_cell_text(tokens[i + width + 1])) == "stt"
    if (len(after) <= MAX_CELL_LINES and not header_next) if table_ends else bool(after):
        return False
    chunk = tokens[i:i + width]
    return any(chunk) and all(len(c) <= MAX_CELL_LINES for c in chunk)


def _split_at_header(row: list[list[Line]], width: int) -> list[list[list[Line]]]:
    """Split a group where a table header starts mid-group (a table's last row, a caption, the next header)."""
    for k in range(1, len(row)):
        if fold(_cell_text(row[k]).replace("*", "")).strip() in ("stt", "tt", "so tt"):
            before, header = row[:k], row[k:]
            keep = width if width and len(before) > width else len(before)
            parts = [before[:keep]] if keep else []
            parts += [[c] for c in before[keep:]]  # caption cells become text
            return parts + [header]
    return [row]


def _starts_row(row: list[list[Line]]) -> bool:
    first = _cell_text(row[0]).replace("*", "").strip() if row else ""
    return bool(first) and (normalise_stt(first) is not None or PART_CELL.match(first) is not None)


def _cell_text(cell: list[Line]) -> str:
    return " ".join(ln.text.strip() for ln in cell)


def assemble_bars(lines: list[Line]) -> list[Item]:
    """Items of a bar-separated document: rows of two or more cells, other groups as running text.

    A row cut short by an empty cell (which looks like a row end) is joined with the group after it when that
    group does not start with a row number and the last header says the row has more columns."""
    items: list[Item] = []
    width = 0
    groups = [part for g in _bar_groups(lines) if g for part in _split_at_header(g, 0)]
    i = 0
    while i < len(groups):
        row = groups[i]
        while (width and len(row) < width and i + 1 < len(groups) and not _starts_row(groups[i + 1])
               and len(row) + 1 + len(groups[i + 1]) <= width):
            row = row + [[]] + groups[i + 1]
            i += 1
        i += 1
        texts = [_cell_text(c) for c in row]
        first = next(ln for c in row for ln in c)
        if width and _starts_row(row) and len(row) > width:
            width = len(row)  # a header cell spans sub-columns: the numbered rows say how many cells a row has
        elif width and len(row) == width - 1 and not _starts_row(row) and header_roles(texts) is None:
            # a sub-row whose STT cell is empty: its two bars read as the end of the row before
            row, texts = [[]] + row, [""] + texts
        if len(row) >= 2:
            if header_roles(texts) is not None:
                width = len(row)
            cells = [Cell(_unbold(t), col=k) for k, t in enumerate(texts)]
            items.append(Item(Line(" | ".join(texts), first.page, first.number), cells, "bars"))
        else:
            for ln in row[0]:
                items.append(Item(ln))
    return items


def assemble(lines: list[Line]) -> list[Item]:
    """Group lines into items; blank lines are kept as text items so layouts can see paragraph breaks."""
    # only plain text lines: on a page whose lines carry their own cells (a scan, a text layer) a lone bar is a
    # table rule the reader saw as a letter, not the cell boundary of a web-page conversion
    plain = [ln for ln in lines if ln.cells is None]
    bars = sum(1 for ln in plain if BAR_LINE.match(ln.text))
    if plain and bars >= BAR_SHARE * len(plain) and not any(MD_ROW.match(ln.text) and ln.text.count("|") > 2
                                                            for ln in plain):
        return assemble_bars(lines)
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
            items.append(Item(line, [Cell(_unbold(p.strip()), col=k) for k, p in enumerate(parts)], "markdown"))
        else:
            items.append(Item(line))
        i += 1
    return items


def _unbold(cell: str) -> str:
    """A cell that is one bold or italic run ('**I**', '*III.1.1*', '**Đến năm 2030**') without its markers."""
    m = EMPHASIS.match(cell)
    return m.group(2).strip() if m else cell


# A whole cell in converter emphasis: '**…**' or '*…*' (the same marker on both sides, none inside).
EMPHASIS = re.compile(r"^(\*{1,3})([^*]+)\1$")
