"""Tables whose columns are known (tabs, cell blocks, Markdown, PDF grids, PDF word positions) → rows.

The header names the columns' roles; each row whose STT cell holds a number (or a '-' bullet) starts a record;
a row with an empty STT cell continues the record above (a row split over a page break); a repeated header and
a page number are page furniture. Anything else inside the table goes to `unparsed` with a reason.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Optional

from chitieu.normalize.unicode import fold
from chitieu.parse.assemble import Item
from chitieu.parse.fields import strip_markup
from chitieu.parse.header import decide_roles, header_roles, role_of
from chitieu.parse.rows import Row, is_total
from chitieu.parse.stt import BULLET, follows, normalise_stt, ocr_stt
from chitieu.parse.numbers import parse_quantity
from chitieu.parse.targets import parse_target
from chitieu.schemas.model import Cell, RowKind, Table, Unparsed

# A page number printed alone on its line.
PAGE_NUMBER = re.compile(r"^\s*(?:-\s*)?\d{1,3}(?:\s*-)?\s*$")
# Share of a value column's cells that must carry a comparison ('≥ 80', '> 60%') for the whole column to be
# read as targets: annexes of targets title that column 'Kết quả' too (real 10).
TARGET_COLUMN_SHARE = 0.3
# A group row naming a period to come: the table's 'Kết quả' are the results to reach (real 02, real 10).
PERIOD_AHEAD = re.compile(r"^\W*(den nam \d{4}|giai doan \d{4}\s*[-–]\s*\d{4})\W*$")
RESULT_HEADER = re.compile(r"^\W*ket qua\W*$")
# Share of a value column's cells that must be figures; below it the column holds prose (a 'Kết quả thực hiện'
# that describes what was done) and is kept as a note.
FIGURE_COLUMN_SHARE = 0.3


@dataclass
class Column:
    role: Optional[str]
    x0: Optional[float] = None
    x1: Optional[float] = None
    header: str = ""
    merged: bool = False   # its header cell is covered by the one to its left (a group over leaf columns)


@dataclass
class TableResult:
    rows: list[Row] = field(default_factory=list)
    unparsed: list[Unparsed] = field(default_factory=list)
    leftover: list[Item] = field(default_factory=list)   # items outside any table, for the flow layout
    how: set[str] = field(default_factory=set)
    fresh: bool = True   # no row yet under the current table header
    tables: list[Table] = field(default_factory=list)
    footnote: bool = False   # inside a footnote under a table (from its mark to the next numbered row)


def _header_columns(items: list[Item], index: int, in_table: bool = False,
                    repeats: Optional[dict] = None) -> Optional[list[Column]]:
    """The columns of a header row; in_table: a table is going on, so only the vocabulary may start another;
    repeats: the OCR'd headers the vocabulary knows, by (how, width) (see _repeated_wording)."""
    item = items[index]
    cells = _repeated_wording(item, repeats or {})
    texts = [c.text for c in cells]
    roles = header_roles(texts)
    if roles is None and not in_table:
        roles = _roles_numbered_below(items, index)
    if roles is None:
        return None
    start = roles.index("stt")  # cells before the STT column are a caption glued to the header row
    return _columns(roles[start:], cells[start:])


def known_ocr_headers(items: list[Item]) -> dict:
    """The OCR'd header rows the vocabulary knows, by (how, width): a table's header repeated on each page."""
    out: dict = {}
    for it in items:
        if it.cells and it.line.confidence is not None and header_roles(it.texts) is not None:
            out.setdefault((it.how, len(it.cells)), []).append(it)
    return out


def _repeated_wording(item: Item, repeats: dict) -> list[Cell]:
    """An OCR'd header repeated on each page of its table reads differently on each ('DAI' for STT, '—' for
    'Tỷ lệ' on a fax's first page): a short cell that names no role takes the wording of the same cell in a
    repeat that names one, when the two name the same roles wherever both name one (two at least)."""
    if item.line.confidence is None or not item.cells:
        return item.cells or []
    mine = [role_of(t) if t.strip() else None for t in item.texts]
    for other in repeats.get((item.how, len(item.cells)), []):
        theirs = [role_of(t) if t.strip() else None for t in other.texts]
        agree = sum(1 for a, b in zip(mine, theirs) if a and a == b)
        if other is item or agree < 2 or any(a and b and a != b for a, b in zip(mine, theirs)):
            continue
        return [replace(c, text=o) if m is None and t and len(c.text.strip()) <= SHORT_HEADER_CHARS else c
                for c, m, t, o in zip(item.cells, mine, theirs, other.texts)]
    return item.cells


# A header cell OCR misread beyond the vocabulary's misreadings ('DAI' for STT) is short; the rows under it say
# what it is: this many rows at least, this share of them numbered in sequence.
NUMBERED_BELOW_ROWS = 3
NUMBERED_BELOW_SHARE = 0.6
SHORT_HEADER_CHARS = 5


def _roles_numbered_below(items: list[Item], index: int) -> Optional[list[Optional[str]]]:
    """Roles of an OCR'd header row with no STT cell, when one of its first two cells is short, names no role,
    and the cells under it in the next rows of the same table are row numbers in sequence: that column is the
    STT."""
    item = items[index]
    width = len(item.cells or [])
    body = [it for it in items[index + 1:index + 9] if it.how == item.how and len(it.cells or []) == width][:6]
    if item.line.confidence is None or width < 3 or len(body) < NUMBERED_BELOW_ROWS \
            or sum(1 for t in item.texts if t.strip()) < 3:
        return None   # a text layer's words are as printed; a group heading is no header
    raw = [role_of(t) if t.strip() else None for t in item.texts]
    named = sum(r is not None for r in raw)
    for k, text in enumerate(item.texts[:2]):
        others = sum(1 for i, t in enumerate(item.texts) if t.strip() and i != k)
        if not text.strip() or len(text.strip()) > SHORT_HEADER_CHARS or raw[k] \
                or not _header_like([t for i, t in enumerate(item.texts) if i != k]):
            continue   # a row of figures is a body row
        if ocr_stt(text) and named < others:
            continue   # a cell that reads as a number ('1' for a cut 'TT') only in a row of nothing but header words
        if 2 * named < others:
            return None   # most of the other cells must be header words the vocabulary knows
        numbers = [ocr_stt(b.texts[k]) for b in body]
        in_sequence = sum(1 for a, b in zip(numbers, numbers[1:]) if a and b and follows(a, b))
        if sum(n is not None for n in numbers) >= NUMBERED_BELOW_SHARE * len(body) and in_sequence >= 1:
            roles = decide_roles(raw[:k] + ["stt"] + raw[k + 1:])
            return roles if "title" in roles[k:] else None
    return None


def _columns(roles: list[Optional[str]], cells: list[Cell]) -> list[Column]:
    """Columns from a header row's cells and their roles."""
    return [Column(r, c.x0, c.x1, _header_name(r, c.text), c.merged) for r, c in zip(roles, cells)]


def _settle(columns: list[Column]) -> list[Column]:
    """Roles decided again once a further header line has changed the columns (parse.header.decide_roles)."""
    for col, role in zip(columns, decide_roles([c.role for c in columns])):
        col.role = role
    return columns


def _header_name(role: Optional[str], text: str) -> str:
    """The header as printed; the row-number column's one short word as it is meant when OCR marred it
    ('SIT', '-STT', 'STT.': the vocabulary knew it, a data team's column should not carry the slip)."""
    text = " ".join(strip_markup(text).split())
    if role != "stt":
        return text
    cleaned = text.strip(" .-_:|")
    if " ".join(fold(cleaned).split()) in ("stt", "tt", "so tt", "so thu tu"):
        return cleaned          # stray marks around it dropped
    return "STT" if len(cleaned) <= 4 else text


# A header cell that spans sub-columns named on the next header line ('Năm hiện hành 2025' over 'Kế hoạch' and
# 'Ước thực hiện'), folded: it names a year.
SPANNING = re.compile(r"\b(19|20)\d\d\b")
# Footnote text printed under a table ('[1] Tuyên Quang, Cao Bằng, …'): never a row.
FOOTNOTE = re.compile(r"^\s*(\[\d{1,2}\]|[¹²³⁴⁵⁶⁷⁸⁹]+)(\s*\S|\s*$)")
# A row that only introduces the sub-rows below it ('Trong đó:', 'Bao gồm:'), folded.
CAPTION = re.compile(r"^\W*(trong do|bao gom|gom|cu the)\W*$")
# A table's legend or notes printed inside its frame, one cell across the table ('CHÚ THÍCH: Dấu “+++” …',
# 'CHÚ THÍCH 1: …', 'Ghi chú: …'): the notes of the table, no row of it.
TABLE_NOTE = re.compile(r"^\W*(chu thich|ghi chu)\s*\d*\s*[:).]")
# A lettered STT cell: 'A', 'B.' (parts above roman ones), 'a', 'b' (items under a numbered row).
LETTER_STT = re.compile(r"^[A-Ha-hđ][.)]?$")
# Columns whose cells a row has once: a second row filling them is a row of its own.
FIGURE_ROLES = ("unit", "value", "target", "benchmark")
FIGURE_CELL = re.compile(r"^\s*\**[\d.,]+\**\s*$")
# A row that numbers the columns under a header ('1 | 2 | 3 …', 'A | B | 1 | 2 …').
COLUMN_NUMBER = re.compile(r"^\(?([A-Z]|\d{1,2})\)?$")
COLUMN_SUM = re.compile(r"^\d{1,2}=\d{1,2}[-+*/x]\d{1,2}$")   # '4=3/2': a column computed from others


def _sub_header(columns: list[Column], texts: list[str]) -> bool:
    """True for a second header line of a text table: two or more header words, and a year column to split."""
    cells = [t for t in texts if t.strip()]
    return (len(cells) >= 2 and all(role_of(t) for t in cells) and any(
        c.role is None and SPANNING.search(c.header) for c in columns))


def _split_spanning(columns: list[Column], texts: list[str]) -> list[Column]:
    """Replace the first year-named column without a role by the sub-columns of the next header line."""
    i = next(k for k, c in enumerate(columns) if c.role is None and SPANNING.search(c.header))
    subs = [Column(role_of(t), header=f"{columns[i].header} / {t}".strip(" /")) for t in texts if t.strip()]
    return columns[:i] + subs + columns[i + 1:]


def _leaf_line(columns: list[Column], item: Item, items: list[Item], index: int) -> bool:
    """A second header line of a text table naming the leaf columns under the first line's groups
    ('Dự kiến 03 năm kế hoạch' over 'Năm 2026 | Năm 2027 | Năm 2028'): short texts without figures or a row
    number, exactly as many as the body rows have cells after the label columns."""
    leaves = [t for t in item.texts if t.strip()]
    if len(leaves) < 2 or any(FIGURE_CELL.match(t) or len(t) > 60 or normalise_stt(t) for t in leaves):
        return False
    body = next((it for it in items[index + 1:index + 4] if it.how == "bars" and it.cells
                 and not _column_numbers(it.texts)), None)
    labels = _label_columns(columns)
    return body is not None and len(body.cells) == labels + len(leaves) and len(body.cells) > len(columns)


def _label_columns(columns: list[Column]) -> int:
    """How many columns at the left a header's second line does not repeat: up to the title column."""
    roles = [c.role for c in columns]
    return roles.index("title") + 1 if "title" in roles else 1


def _with_leaves(columns: list[Column], texts: list[str]) -> list[Column]:
    """The label columns, then one column per leaf, named by the leaf: which group a leaf sits under is not
    said by a text table (its group cells span an unknown number of leaves), so the groups are not guessed."""
    keep = columns[:_label_columns(columns)]
    leaves = [Column(role_of(t), header=" ".join(strip_markup(t).split())) for t in texts if t.strip()]
    return _settle(keep + leaves)


def _column_numbers(texts: list[str]) -> bool:
    marks = [m for t in texts for m in strip_markup(t).split()]
    return len(marks) >= 3 and all(COLUMN_NUMBER.match(m) or COLUMN_SUM.match(m) for m in marks)


def _merge_header_line(columns: list[Column], cells: list[Cell]) -> list[Column]:
    """Add a further header line (positioned): sub-columns replace a spanning cell, others extend a header."""
    out = list(columns)
    for col in list(out):
        under = [c for c in cells if c.x0 is not None and col.x0 is not None
                 and c.x0 < col.x1 and c.x1 > col.x0]
        if len(under) >= 2:
            i = out.index(col)
            out[i:i + 1] = [Column(role_of(c.text), c.x0, c.x1, f"{col.header} / {c.text}".strip(" /"))
                            for c in under]
    for c in cells:
        hits = [col for col in out if col.x0 is not None and c.x0 < col.x1 and c.x1 > col.x0]
        if len(hits) == 1 and c.text not in hits[0].header:
            hits[0].header = f"{hits[0].header} {c.text}"
            hits[0].role = role_of(hits[0].header) or hits[0].role
    return out


def _merge_grid_header(columns: list[Column], cells: list[Cell]) -> list[Column]:
    """A further header row of a ruled grid, column by column: under a header cell merged across columns (a
    group) each leaf becomes 'group / leaf'; elsewhere the header's wrapped words go on."""
    out = [Column(c.role, c.x0, c.x1, c.header, c.merged) for c in columns]
    group = ""
    for i, col in enumerate(out):
        if not col.merged:
            group = col.header if i + 1 < len(out) and out[i + 1].merged else ""
        text = " ".join(strip_markup(cells[i].text).split()) if i < len(cells) else ""
        if not text:
            continue
        if group:
            col.header, col.role = f"{group} / {text}", role_of(text)
        else:
            col.header = f"{col.header} {text}".strip()
            col.role = role_of(col.header) or col.role
    return _settle(out)


# A header cell is a few words; a longer cell is a body row's.
HEADER_CELL_CHARS = 120


def _starts_unnumbered_grid(items: list[Item], index: int, columns: Optional[list[Column]]) -> bool:
    """A ruled table with no STT column and no known header words ('Kí hiệu loại | Đặc tính …'): the first row
    of a grid whose next row has as many cells, made of short texts without figures, where no ruled table of
    that width is going on (that would be its continuation on a new page)."""
    item = items[index]
    if item.how != "pdf-grid" or index + 1 >= len(items):
        return False
    nxt = items[index + 1]
    width = len(item.cells or [])
    if nxt.how != "pdf-grid" or len(nxt.cells or []) != width or width < 2:
        return False
    if columns is not None and len(columns) == width:
        return False
    texts = [t for t in item.texts if t.strip()]
    # two different texts at least: a framed paragraph (one cell across the page) is no table
    return len(set(texts)) >= 2 and all(len(t) <= HEADER_CELL_CHARS and not FIGURE_CELL.match(t) for t in texts)


def _unnumbered_grid_columns(item: Item) -> list[Column]:
    """Columns of a grid without an STT column: roles from the vocabulary, the first column the label when no
    header word names one."""
    roles = decide_roles([role_of(c.text) if c.text.strip() else None for c in item.cells])
    if "title" not in roles:
        first = next(i for i, c in enumerate(item.cells) if c.text.strip())
        roles[first] = "title"
    return _columns(roles, item.cells)


def _header_like(texts: list[str]) -> bool:
    """A grid row that goes on with the header: header words in it and no figure."""
    cells = [t for t in texts if t.strip()]
    return bool(cells) and any(role_of(t) for t in cells) and not any(FIGURE_CELL.match(t) for t in cells)


def _boundaries(columns: list[Column], body: list[Item] = ()) -> list[float]:
    """Left edges of columns 1..n-1: between two headings, the x crossed by the fewest words of the table's
    lines (a whitespace river), so a wide column under a short heading keeps its long lines; midway between
    the headings when there are no lines to look at."""
    words = [w for it in body for w in (it.line.words or [])]
    out = []
    for a, b in zip(columns, columns[1:]):
        lo, hi = a.x1, b.x0
        if not words or hi <= lo:
            out.append((lo + hi) / 2)
            continue
        steps = [lo + (hi - lo) * k / 40 for k in range(41)]
        crossings = [sum(1 for w in words if w.x0 < x < w.x1) for x in steps]
        fewest = min(crossings)
        best = [x for x, c in zip(steps, crossings) if c == fewest]
        out.append((best[0] + best[-1]) / 2 if best[-1] - best[0] < (hi - lo) / 2 else best[-1])
    return out


def _cells_by_column(item: Item, columns: list[Column], bounds: Optional[list[float]]) -> list[str]:
    out = [""] * len(columns)
    # Positioned text goes word by word: a title running close to the next column must not take its cell along.
    pieces = item.line.words if (bounds is not None and item.line.words) else item.cells or []
    for k, cell in enumerate(pieces):
        if bounds is not None and cell.x0 is not None:
            idx = sum(1 for b in bounds if cell.x0 >= b)
        else:
            idx = cell.col if cell.col is not None else k
        if idx >= len(columns):
            idx = len(columns) - 1  # extra trailing cells (ragged tab rows) join the last column
            if not cell.text.strip():
                continue
        out[idx] = f"{out[idx]} {cell.text}".strip() if out[idx] else cell.text
    return out


def _following(items: list[Item], index: int, limit: int = 400) -> list[Item]:
    """The positioned lines after a header, up to the next header: the table body whose rivers count."""
    out = []
    for it in items[index + 1:index + 1 + limit]:
        if it.how != "pdf-positions":
            continue
        if header_roles(it.texts) is not None:
            break
        out.append(it)
    return out


def _relabel_value_columns(columns: list[Column], body: list[list[str]]) -> None:
    """A value column that mostly holds comparisons ('≥ 80') is a target column; one that mostly holds prose
    is a note column. Decided per table from its cells, since both kinds are headed 'Kết quả'."""
    titles = [c for c, col in enumerate(columns) if col.role == "title"]
    _figures_not_statuses(columns, body)
    for i, col in enumerate(columns):
        if col.role != "value":
            continue
        cells = [r[i] for r in body if i < len(r) and r[i].strip()]
        if not cells:
            continue
        with_op = [c for c in cells if (t := parse_target(c)) is not None and t.op != "="]
        figures = [c for c in cells if parse_quantity(c) is not None or parse_target(c, whole=True) is not None]
        # rows grouped under a period to come ('Giai đoạn 2025-2027', 'Đến năm 2030'): what they must reach
        aims = titles and any(PERIOD_AHEAD.search(fold(r[titles[0]])) and not (i < len(r) and r[i].strip())
                              for r in body if titles[0] < len(r))
        if len(with_op) / len(cells) >= TARGET_COLUMN_SHARE or (aims and RESULT_HEADER.match(fold(col.header))):
            col.role = "target"
        elif len(figures) / len(cells) < FIGURE_COLUMN_SHARE:
            col.role = "note"


def _figures_not_statuses(columns: list[Column], body: list[list[str]]) -> None:
    """A column headed like a status ('Đánh giá thực hiện') that holds figures (a budget table's estimate of
    the year) is a figure column: the first such is the value when the table has none."""
    for i, col in enumerate(columns):
        if col.role != "status":
            continue
        cells = [r[i] for r in body if i < len(r) and r[i].strip()]
        figures = [c for c in cells if parse_quantity(c) is not None]
        if cells and len(figures) / len(cells) >= 1 - FIGURE_COLUMN_SHARE:
            col.role = "figure" if any(c.role == "value" for c in columns) else "value"


def parse_tables(items: list[Item], page_heights: dict[int, float]) -> TableResult:
    """Find tables among the items and collect their rows; items outside tables are returned as leftover."""
    result = TableResult()
    columns: Optional[list[Column]] = None
    bounds: Optional[list[float]] = None
    current: Optional[Row] = None
    pending_text: list[Item] = []
    in_header = False
    header_texts: list[str] = []
    staged: list[tuple[Item, list[str], list[bool]]] = []
    table: Optional[Table] = None
    text_between = False   # running text (not furniture) came after the ruled table's last row
    repeats = known_ocr_headers(items)

    def flush_staged():
        nonlocal current
        if columns is None:
            return
        _relabel_value_columns(columns, [t for _, t, _ in staged])
        table.columns, table.roles = [c.header for c in columns], [c.role for c in columns]
        for it, texts, merged in staged:
            current = _apply_row(it, texts, merged, columns, table, current, result)
        staged.clear()

    for index, item in enumerate(items):
        if item.cells is None or item.how == "text":
            if not item.line.text.strip():
                if columns is None:
                    result.leftover.append(item)  # running text needs its blank lines: they end paragraphs
                continue
            if columns is not None:
                pending_text.append(item)
            else:
                result.leftover.append(item)
            continue
        if item.how == "markdown" and not item.cells:
            continue  # the rule under a Markdown header
        if table is not None and table.how == "pdf-grid" and item.how != "pdf-grid":
            # a ruled table ends at its rules: the text around it (prose, a chart's labels, page furniture) is
            # running text, and the grid goes on only where its rules do (on the next page, say)
            result.leftover.append(item)
            text_between = text_between or (len(item.line.text.split()) >= 2
                                            and not PAGE_NUMBER.match(item.line.text))
            continue
        new_header = _header_columns(items, index, in_table=columns is not None, repeats=repeats)
        if new_header is None and _starts_unnumbered_grid(items, index, columns):
            new_header = _unnumbered_grid_columns(item)
        if columns is None or (new_header is not None and [c.header for c in new_header] != header_texts):
            if new_header is None:
                result.leftover.append(item)
                continue
            flush_staged()
            result.leftover.extend(pending_text)
            pending_text = []
            if new_header is not None and columns is not None:
                current, result.fresh = None, True  # a new table: its rows do not continue the last one's
            columns, in_header = new_header, True
            header_texts = [c.header for c in new_header]
            table = Table(index=len(result.tables) + 1, page=item.line.page, how=item.how)
            result.tables.append(table)
            bounds = _boundaries(columns, _following(items, index)) if item.how == "pdf-positions" else None
            result.how.add(item.how)
            continue
        if table.how == "pdf-grid" and item.how == "pdf-grid" and len(item.cells) != len(columns):
            # a ruled grid of another width is another grid (a framed paragraph, a table with no header we
            # know), never rows of this one
            result.leftover.append(item)
            text_between = True
            continue
        if item.how == "bars" and len(item.cells) > len(columns):
            # more cells than the header has columns: a header line of sub-columns was not understood; each
            # extra cell stays a note of its own rather than running into the last column's text
            columns = columns + [Column(None) for _ in range(len(item.cells) - len(columns))]
        texts = _cells_by_column(item, columns, bounds)
        stt_text = texts[[c.role for c in columns].index("stt")] if any(c.role == "stt" for c in columns) else ""
        if header_roles(item.texts) is not None:
            last_page = staged[-1][0].line.page if staged else (current.last_page if current else None)
            # (text files have no pages: there a header comes again after a page break of the printout)
            if (item.how in ("pdf-grid", "pdf-positions") and last_page == item.line.page) or text_between:
                # the same header again on the page where the last table's rows are: a second table of the
                # same shape (ranking tables of sở, then of xã, under their own headings)
                flush_staged()
                current, result.fresh = None, True
                table = Table(index=len(result.tables) + 1, page=item.line.page, how=item.how)
                result.tables.append(table)
            else:
                result.unparsed.append(Unparsed(item.line.page, item.line.number, item.line.text.strip(),
                                                "repeated table header"))
            in_header = True
            continue
        # 'current' is only set when staged rows are applied, at the table's end: whether a body row came yet
        # under this table's header is whether one was staged since
        body_started = bool(staged) or current is not None
        if item.how == "bars" and in_header and not body_started and _sub_header(columns, item.texts):
            columns = _split_spanning(columns, item.texts)
            header_texts = [c.header for c in columns]
            continue
        if item.how == "bars" and in_header and not body_started and _leaf_line(columns, item, items, index):
            columns = _with_leaves(columns, item.texts)
            header_texts = [c.header for c in columns]
            continue
        if _column_numbers(item.texts):
            result.unparsed.append(Unparsed(item.line.page, item.line.number, item.line.text.strip(),
                                            "column numbers under the table header"))
            continue
        if item.how == "pdf-grid" and in_header and not stt_text.strip() and not body_started \
                and _header_like(item.texts):
            columns = _merge_grid_header(columns, item.cells)
            continue
        if item.how == "pdf-positions" and in_header and not stt_text.strip() and not body_started:
            columns = _merge_header_line(columns, item.cells)
            bounds = _boundaries(columns, _following(items, index))
            continue
        if item.how == "pdf-positions" and in_header and not stt_text.strip():
            # The second line of a repeated header (e.g. 'Đơn vị tính  Số liệu', or the 'hiện' of a wrapped
            # 'thực hiện'): header words, or words of the header of the column they fall in
            if all(role_of(t) or fold(t) in fold(columns[i].header) for i, t in enumerate(texts) if t.strip()):
                result.unparsed.append(Unparsed(item.line.page, item.line.number, item.line.text.strip(),
                                                "repeated table header"))
                continue
        in_header = False
        if item.how == "pdf-positions" and PAGE_NUMBER.match(item.line.text):
            height = page_heights.get(item.line.page)
            # Vietnamese documents print the page number at the top centre (Nghị định 30), others at the foot
            if height and item.line.top is not None and not 0.08 * height < item.line.top < 0.85 * height:
                result.unparsed.append(Unparsed(item.line.page, item.line.number, item.line.text.strip(),
                                                "page number"))
                continue
        for p in pending_text:
            result.unparsed.append(Unparsed(p.line.page, p.line.number, p.line.text.strip(),
                                            "text line inside a table, outside its columns"))
        pending_text = []
        merged = [False] * len(columns)
        if item.how == "pdf-grid":
            for c in item.cells:
                if c.merged and c.col is not None and c.col < len(merged):
                    merged[c.col] = True
        staged.append((item, texts, merged))
        text_between = False
    flush_staged()
    result.leftover.extend(pending_text)
    return result


def _title_only(texts: list[str], title_idx: Optional[int]) -> str:
    """The title cell's text when it is the row's only cell with text, else ''."""
    if title_idx is None or any(t.strip() for i, t in enumerate(texts) if i != title_idx):
        return ""
    return texts[title_idx].strip()


def _group_heading(item: Item, title: str) -> bool:
    """True for a row with nothing but a bold title: a heading over the rows that follow."""
    return bool(title) and f"**{title}**" in item.line.text.replace("** ", "**").replace(" **", "**")


def _new_row(item: Item, stt_raw: str, columns: list[Column], table: Table, above: Optional[Row],
             texts: list[str], merged: list[bool], fresh: bool) -> Row:
    """A row of the table with one cell per column; a cell merged down from the row above repeats its text."""
    row = Row(page=item.line.page, line=item.line.number, stt_raw=stt_raw, confidence=item.line.confidence,
              table_start=fresh, table=table.index, columns=[c.header for c in columns],
              roles=[c.role for c in columns], cells=[""] * len(columns), merged=[False] * len(columns))
    if item.line.page not in table.pages:
        table.pages.append(item.line.page)
    for i, text in enumerate(texts):
        if not text.strip() and i < len(merged) and merged[i] and above is not None and above.table == table.index \
                and i < len(above.cells) and above.cells[i]:
            row.cells[i], row.merged[i] = above.cells[i], True
    return row


def _start_row(item: Item, stt_raw: str, columns: list[Column], table: Table, above: Optional[Row],
               texts: list[str], merged: list[bool], result: TableResult, kind: Optional[str] = None) -> Row:
    row = _new_row(item, stt_raw, columns, table, above, texts, merged, result.fresh)
    row.kind = kind
    result.fresh = False
    result.rows.append(row)
    return row


def _own_grid_row(item: Item, current: Optional[Row], texts: list[str], title_idx: Optional[int]) -> bool:
    """A ruled grid gives whole rows, so a row without a number is a row of its own, except the first one on a
    page, which finishes the row the page break cut (unless its label opens a total)."""
    if item.how != "pdf-grid" or current is None:
        return False
    if item.line.page != current.last_page:
        label = texts[title_idx] if title_idx is not None else ""
        return is_total(label)
    return True


# A bar standing alone in an OCR'd cell is a table rule the reader took for a letter ('100% |', '| |'); a quote
# before a figure is a speck ("'17,1/18 điểm").
OCR_RULE_MARK = re.compile(r"(?:^|(?<=\s))[|¦]+(?=\s|$)")
OCR_FIGURE_MARK = re.compile(r"^[`'‘’\"“”]+(?=\d)")


def _apply_row(item: Item, texts: list[str], merged: list[bool], columns: list[Column], table: Table,
               current: Optional[Row], result: TableResult) -> Optional[Row]:
    roles = [c.role for c in columns]
    if item.line.confidence is not None:
        texts = [OCR_FIGURE_MARK.sub("", " ".join(OCR_RULE_MARK.sub(" ", t).split())) for t in texts]
    stt_text = texts[roles.index("stt")].strip() if "stt" in roles else ""
    if not any(t.strip() for t in texts):
        return current
    stt = normalise_stt(stt_text) if stt_text else None
    if FOOTNOTE.match(strip_markup(" ".join(t for t in texts if t.strip())).strip(" *")) \
            or (result.footnote and stt is None):
        # footnote text under a table, from its mark to the next numbered row: kept out of the rows (and of
        # the sentence it would run into)
        result.footnote = True
        result.unparsed.append(Unparsed(item.line.page, item.line.number, " | ".join(t for t in texts if t),
                                        "footnote"))
        return current
    result.footnote = False
    filled = [t for t in texts if t.strip()]
    if len(filled) == 1 and TABLE_NOTE.match(fold(strip_markup(filled[0]))):
        result.unparsed.append(Unparsed(item.line.page, item.line.number, filled[0].strip(),
                                        "notes of the table (CHÚ THÍCH, Ghi chú)"))
        return current
    if stt is None and stt_text and item.line.confidence is not None:  # an OCR'd table: '1;1' is 1.1
        stt = ocr_stt(stt_text)
    bullet = bool(stt_text) and BULLET.match(stt_text + " x") is not None and stt is None and len(stt_text) <= 2
    title_idx = roles.index("title") if "title" in roles else None
    if not stt_text and title_idx is not None and BULLET.match(texts[title_idx]) and current is not None:
        bullet = True  # a '-' sub-row whose bullet sits in the title column
    # an unnumbered row with its own figures under a row that has them too: a sub-row ('Tỷ lệ so với GRDP | % |
    # 42 …' under 'Vốn đầu tư phát triển | Tỷ đồng | 72.000 …'), not the row above going on
    # (a PDF row is read line by line: there a line without a number is the row's next line)
    whole = item.how not in ("pdf-positions", "pdf-grid")
    own = whole and not stt_text and current is not None and title_idx is not None and texts[title_idx].strip() \
        and any(text.strip() and (role in FIGURE_ROLES and current.parts.get(role) or role is None
                                  and FIGURE_CELL.match(text) and current.parts.get("unnamed"))
                for role, text in zip(roles, texts))
    if stt is None and LETTER_STT.match(strip_markup(stt_text)):
        stt_text = strip_markup(stt_text)  # 'A' over roman parts, 'a' under a numbered row: read by rows.py
        stt = stt_text.rstrip(".)")
    if stt is not None or bullet or own:
        mark = BULLET.match(stt_text or (texts[title_idx] if title_idx is not None else ""))
        current = _start_row(item, stt_text if stt else mark.group(1) if bullet and mark else "-" if bullet else "",
                             columns, table, current, texts, merged, result)
    elif stt_text or (current is None and (whole or item.how == "pdf-grid")) \
            or _own_grid_row(item, current, texts, title_idx):
        # a row without a number of its own: a total ('Tổng số', 'CHỈ SỐ CHUNG' across the STT column), a group
        # heading, or a sub-row; rows.py tells which from its label and figures
        current = _start_row(item, "", columns, table, current, texts, merged, result, RowKind.SUBROW)
        if stt_text and item.line.confidence is not None:
            current.mark = stt_text
    elif current is None:
        result.unparsed.append(Unparsed(item.line.page, item.line.number, " | ".join(t for t in texts if t),
                                        "table text before the first numbered row"))
        return current
    elif (whole and CAPTION.match(fold(_title_only(texts, title_idx)))) \
            or _group_heading(item, _title_only(texts, title_idx)):
        # a bold line across the table ('Nhiệm vụ giao Bộ trưởng Bộ Công an chỉ đạo') or a caption ('Trong đó:'):
        # it names the rows below it, it does not continue the row above; a row of the table all the same
        _add_texts(_start_row(item, "", columns, table, current, texts, merged, result, RowKind.HEADING),
                   roles, texts)
        return None
    current.last_page = item.line.page
    _add_texts(current, roles, texts)
    current.warnings.extend(d for d in item.line.doubts if d not in current.warnings)
    return current


def _add_texts(row: Row, roles: list[Optional[str]], texts: list[str]) -> None:
    """A line of the table into the row: each text into its column's cell and under its role."""
    for i, (role, text) in enumerate(zip(roles, texts)):
        row.add_cell(i, text)
        if role and role != "stt" and text.strip():
            row.add(role, text)
        elif role is None and text.strip():
            row.add("unnamed", text)
