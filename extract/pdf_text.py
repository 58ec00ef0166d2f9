"""PDF text layers: words by position, grouped into lines, ruled tables as cells.

Each page's characters and ruling lines come from pdfium (extract/pdfium_text.py, built to give what pdfminer
gives) and go through pdfplumber's word grouping and table finder; a page pdfium's reading is not proven on
(rotated, text drawn turned) is read through pdfplumber whole, as every page was before: about 6 pages a second
against 40 or more."""
from __future__ import annotations

import gc
import io
import itertools
import re
import statistics
import unicodedata
from bisect import bisect_left, bisect_right
from contextlib import contextmanager
from dataclasses import dataclass
from operator import itemgetter
from typing import Optional

import pdfplumber
import pypdfium2
from pdfminer.pdfdocument import PDFPasswordIncorrect
from pdfplumber.table import Table, TableFinder, TableSettings, cells_to_tables, edges_to_intersections
from pdfplumber.utils.text import WordExtractor

from chitieu.errors import InputError
from chitieu.extract import pdfium_text
from chitieu.extract.decide import decide_page
from chitieu.schemas.model import Cell, Line, Page


@dataclass
class PdfSettings:
    """Tunable numbers of the text-layer reader, with names and checks in one place."""

    # Two characters belong to one word when the gap between them is under this share of the font size.
    # pdfplumber's default is a fixed 3 pt, which glues words of PDFs that position words without space
    # glyphs (a 10 pt DejaVu space is 3.2 pt wide, the gap between positioned words often less).
    x_tolerance_ratio: float = 0.15
    # Words whose tops differ by less than this share of their height sit on one line.
    line_tolerance_ratio: float = 0.5
    # A horizontal gap wider than this many times the line's median character height starts a new cell.
    cell_gap_ratio: float = 1.2

    def __post_init__(self):
        for name in ("x_tolerance_ratio", "line_tolerance_ratio", "cell_gap_ratio"):
            if getattr(self, name) <= 0:
                raise ValueError(f"PdfSettings.{name} must be positive")


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def open_pdf(data: bytes):
    """Open PDF bytes with pdfplumber, turning pdfminer's failures into one-sentence InputErrors."""
    try:
        pdf = pdfplumber.open(io.BytesIO(data))
        _ = pdf.pages  # parses the page tree: a broken file fails here, not later
        return pdf
    except Exception as exc:  # pdfplumber wraps pdfminer errors in its own exception type
        cause = exc.__cause__ or exc.__context__ or exc
        if isinstance(exc, PDFPasswordIncorrect) or isinstance(cause, PDFPasswordIncorrect) \
                or "password" in repr(exc).lower():
            raise InputError("the PDF is password-protected; remove the password and try again",
                             "encrypted") from None
        # PDFSyntaxError, PSEOF, struct and zlib errors: all mean the bytes are not a whole PDF.
        raise InputError("the PDF is damaged or truncated and cannot be read; get a complete copy",
                         "damaged-pdf") from None


def _group_lines(words: list[dict], settings: PdfSettings) -> list[list[dict]]:
    if words and all("line_key" in w for w in words):
        # OCR'd words: Tesseract already knows its lines; a dash or a comma sits lower or higher than the words
        # beside it, and grouping by position alone moves it to the line above or below
        groups: dict = {}
        for w in words:
            groups.setdefault(w["line_key"], []).append(w)
        lines = sorted(groups.values(), key=lambda ln: min(w["top"] for w in ln))
        for ln in lines:
            ln.sort(key=lambda w: w["x0"])
        return lines
    lines: list[list[dict]] = []
    for w in sorted(words, key=lambda w: (round(w["top"], 1), w["x0"])):
        height = max(w["bottom"] - w["top"], 1.0)
        if lines:
            ref = lines[-1][0]
            if abs(w["top"] - ref["top"]) < settings.line_tolerance_ratio * height:
                lines[-1].append(w)
                continue
        lines.append([w])
    for ln in lines:
        ln.sort(key=lambda w: w["x0"])
    return lines


def _cells_from_words(words: list[dict], settings: PdfSettings) -> list[Cell]:
    """Split one line's words into cells wherever the gap is much wider than a space."""
    height = statistics.median(w["bottom"] - w["top"] for w in words)
    cells: list[Cell] = []
    current = [words[0]]
    for w in words[1:]:
        if w["x0"] - current[-1]["x1"] > settings.cell_gap_ratio * height:
            cells.append(Cell(" ".join(x["text"] for x in current), None, current[0]["x0"], current[-1]["x1"]))
            current = [w]
        else:
            current.append(w)
    cells.append(Cell(" ".join(x["text"] for x in current), None, current[0]["x0"], current[-1]["x1"]))
    return cells


# Ruled tables drawn in Word often have rules 4-5 pt thick (two edges each) or slightly misaligned: with
# pdfplumber's 3 pt snapping a six-column ranking table came out as twelve columns and header words in cells
# of their own; 6 pt gives its six (measured on ranking tables, scorecards and fee schedules).
GRID_SETTINGS = {"snap_tolerance": 6, "join_tolerance": 6, "intersection_tolerance": 6}


def cell_texts(rows, words) -> dict[int, list[Optional[str]]]:
    """Each grid row's cell texts, by id(row): the words inside each cell joined, None where the row has no cell
    of its own (merged). Read once per table: the row grouping below asks them several times."""
    texts = {}
    index = words if isinstance(words, _WordIndex) else _WordIndex(words)
    for row in rows:
        texts[id(row)] = [None if bbox is None else " ".join(w["text"] for w in index.in_cell(row.bbox, bbox))
                          for bbox in row.cells]
    return texts


def _within(words, bbox) -> list[dict]:
    """The words (a list, or a _WordIndex) whose centre is inside bbox, in their order."""
    if isinstance(words, _WordIndex):
        return words.within(bbox)
    return [w for w in words if _inside(w, bbox)]


def _centred(words: list[dict]) -> list[tuple]:
    """A row's words with their centres, worked out once for all the row's cells."""
    return [((w["x0"] + w["x1"]) / 2, (w["top"] + w["bottom"]) / 2, w) for w in words]


def _in_box(centred: list[tuple], bbox) -> list[dict]:
    """_within for words from _centred: those whose centre is inside bbox, in their order."""
    x0, top, x1, bottom = bbox
    return [w for cx, cy, w in centred if x0 <= cx <= x1 and top <= cy <= bottom]


class _WordIndex:
    """A table's words by the height of their centre. Every row and cell of a table is looked up in it (a table
    of 40 rows and 800 words asked 32,000 questions per pass before); the answers are those of _inside, in the
    words' order."""

    def __init__(self, words: list[dict]):
        keyed = sorted(((w["top"] + w["bottom"]) / 2, i, w) for i, w in enumerate(words))
        self._ys = [k[0] for k in keyed]
        self._keyed = keyed
        # each row's words and each cell's, remembered: cell_texts asks for them, then _group_cells (twice for
        # a header); the lists handed out are never changed
        self._rows: dict[tuple, list[tuple]] = {}
        self._cells: dict[tuple, list[dict]] = {}

    def within(self, bbox) -> list[dict]:
        x0, top, x1, bottom = bbox
        hits = [(i, w) for _, i, w in self._keyed[bisect_left(self._ys, top):bisect_right(self._ys, bottom)]
                if x0 <= (w["x0"] + w["x1"]) / 2 <= x1]
        hits.sort(key=lambda hit: hit[0])
        return [w for _, w in hits]

    def in_cell(self, row_bbox, bbox) -> list[dict]:
        """_in_box(_centred(self.within(row_bbox)), bbox): the words of a cell of the row."""
        key = (row_bbox, bbox)
        hit = self._cells.get(key)
        if hit is None:
            near = self._rows.get(row_bbox)
            if near is None:
                near = self._rows[row_bbox] = _centred(self.within(row_bbox))
            hit = self._cells[key] = _in_box(near, bbox)
        return hit


def logical_rows(rows, texts: dict[int, list[Optional[str]]], lefts: dict[int, float]) -> list[list]:
    """Group a grid's rows into the table's rows. pdfplumber cuts a row wherever any rule runs, so a header cell
    spanning three header lines, or a label cell beside a row whose figures sit between two thick rules, leaves
    rows that are pieces of one. The header is the first row and every row its cells reach down into, up to the
    first row that opens with a row number or holds a figure. Below it, a row joins the one above when its STT
    or label cell is merged down from it and either it has a cell of its own in one column only (a label's
    next line cut off by a stray rule) or at most one row of the group has text outside merged cells (a
    category merged over rows that each have their own cells, 'Nước' over 'Phun tia' and 'Phun sương', stays
    over separate rows). texts: cell_texts(rows, words); lefts: column_lefts(rows)."""
    if not rows:
        return []
    groups: list[list] = [_header_rows(rows, texts)]
    for row in rows[len(groups[0]):]:
        cells = row.cells
        down = any(i < len(cells) and cells[i] is None and not _covered_from_left(cells, i, lefts)
                   for i in (0, 1))
        one_cell = sum(c is not None for c in cells) == 1
        if (down and (one_cell or sum(_own_text(r, texts[id(r)]) for r in (*groups[-1], row)) <= 1)) \
                or _wrapped_line(texts[id(row)]):
            groups[-1].append(row)
        else:
            groups.append([row])
    return groups


def _wrapped_line(texts: list[Optional[str]]) -> bool:
    """A row with text in one cell only, opening in lower case: a cell's next line cut off by a rule that
    only the layout drew (tables whose every line is a ruled strip)."""
    filled = [t for t in texts if t]
    return len(filled) == 1 and (filled[0][0].islower() or filled[0][0] in "(")


def column_lefts(rows) -> dict[int, float]:
    lefts: dict[int, float] = {}
    for row in rows:
        for i, bbox in enumerate(row.cells):
            if bbox is not None:
                lefts[i] = min(lefts.get(i, bbox[0]), bbox[0])
    return lefts


# The first cell of a body row: a row number (1, 1.2., II, a)).
ROW_NUMBER = re.compile(r"^(\d+(\.\d+)*\.?|[IVX]+\.?|[a-zđ]\))$")
FIGURE_WORD = re.compile(r"^\d+([.,]\d+)*%?$")


def _header_rows(rows, texts: dict[int, list[Optional[str]]]) -> list:
    """The first row and the rows its cells (and theirs) reach down into, until a row that is plainly body."""
    if body_like(texts[id(rows[0])]):
        return [rows[0]]
    head = [rows[0]]
    bottom = max(c[3] for c in rows[0].cells if c is not None)
    for row in rows[1:]:
        if row.bbox[1] >= bottom - 1 or body_like(texts[id(row)]):
            break
        head.append(row)
        bottom = max(bottom, *(c[3] for c in row.cells if c is not None))
    return head


def body_like(texts: list[Optional[str]]) -> bool:
    """A row that opens with a row number in its first column, or holds a figure."""
    first = texts[0] if texts else None
    return bool(first and ROW_NUMBER.match(first.strip())) or any(FIGURE_WORD.match(t.strip()) for t in texts if t)


def _own_text(row, texts: list[Optional[str]]) -> bool:
    """True when the row has text in a cell of its own height (not in a cell running down past it)."""
    bottom = min(bbox[3] for bbox in row.cells if bbox is not None)   # the row's own rule, not its tallest cell
    return any(bbox is not None and bbox[3] <= bottom + 1 and text for bbox, text in zip(row.cells, texts))


def _covered_from_left(cells, i: int, lefts: dict[int, float]) -> bool:
    left = next((c for c in reversed(cells[:i]) if c is not None), None)
    return left is not None and i in lefts and left[2] > lefts[i] + 1


def _group_cells(group, words, settings, lefts: dict[int, float],
                 header: bool = False) -> tuple[list[str], list[bool]]:
    """The text of each column of a group of grid rows, and which columns have no cell of their own (merged).
    A header cell merged across columns over cells of the rows below names a group: 'Lâm Đồng / Điểm'; in the
    header, one merged across columns with nothing under it names each of them ('Chất chữa cháy' three times),
    in a body row it is the first column's text."""
    width = max(len(r.cells) for r in group)
    parts: list[list[str]] = [[] for _ in range(width)]
    own = [False] * width
    index = words if isinstance(words, _WordIndex) else _WordIndex(words)
    for r, row in enumerate(group):
        for i, bbox in enumerate(row.cells):
            if bbox is None:
                continue
            own[i] = True
            inside = index.in_cell(row.bbox, bbox)
            text = " ".join(w["text"] for ln in _group_lines(inside, settings) for w in ln)
            if not text:
                continue
            span = i + 1   # the columns this cell reaches across (a None beside it may be merged down instead)
            while span < len(row.cells) and row.cells[span] is None and lefts.get(span, bbox[2]) < bbox[2] - 1:
                span += 1
            below = [j for j in range(i, span) for lower in group[r + 1:]
                     if j < len(lower.cells) and lower.cells[j] is not None]
            if r == 0 and span - i > 1 and len(set(below)) >= 2:
                for j in range(i, span):
                    parts[j].append(text + " /")
            elif header and span - i > 1 and not below:
                for j in range(i, span):
                    parts[j].append(text)
            else:
                parts[i].append(text)
    texts = [" ".join(p).strip(" /") if p and not p[-1].endswith("/") else " ".join(p).rstrip(" /")
             for p in parts]
    # merged down: no cell of its own in the group, and not under a cell reaching across from its left
    down = [not own[i] and not _covered_from_left(group[0].cells, i, lefts) for i in range(width)]
    return texts, down


def _inside_any(word: dict, boxes: list) -> bool:
    """any(_inside(word, box) for box in boxes), the word's centre worked out once."""
    cx, cy = (word["x0"] + word["x1"]) / 2, (word["top"] + word["bottom"]) / 2
    for x0, top, x1, bottom in boxes:
        if x0 <= cx <= x1 and top <= cy <= bottom:
            return True
    return False


def _inside(word: dict, bbox) -> bool:
    x0, top, x1, bottom = bbox
    cx, cy = (word["x0"] + word["x1"]) / 2, (word["top"] + word["bottom"]) / 2
    return x0 <= cx <= x1 and top <= cy <= bottom


def read_page(page, number: int, settings: PdfSettings, fast: Optional[pdfium_text.PdfiumPage] = None) -> Page:
    """Lines of one PDF page in reading order; rows of ruled tables come as lines with cells. page: pdfplumber's;
    fast: the same page as pdfium read it, or None to read it through pdfplumber."""
    if fast is None:
        words = page.extract_words(x_tolerance_ratio=settings.x_tolerance_ratio, keep_blank_chars=False)
    elif all(c["upright"] for c in fast.chars):
        words = upright_words(fast.chars, settings.x_tolerance_ratio)
    else:
        words = WordExtractor(x_tolerance_ratio=settings.x_tolerance_ratio).extract_words(fast.chars)
    for w in words:
        w["text"] = _nfc(w["text"])
    path, reason = decide_page(words)
    result = Page(number=number, path=path, reason=reason, width=float(page.width), height=float(page.height))
    if path == "no-text":
        return result
    if fast is None:
        tables = page.find_tables(GRID_SETTINGS) if (page.lines or page.rects) else []
    else:
        tables = _TableFinder(fast.edges).tables if fast.ruled else []
    result.lines = lines_from_words(words, tables, number, settings)
    return result


TABLE_SETTINGS = TableSettings.resolve(GRID_SETTINGS)
# pdfplumber's defaults, which extract_words above runs with: characters whose tops are this close are one line
# of the page, and a character this far above or below the one before it starts a new word
Y_TOLERANCE = 3
LIGATURES = {"ﬀ": "ff", "ﬃ": "ffi", "ﬄ": "ffl", "ﬁ": "fi", "ﬂ": "fl", "ﬆ": "st", "ﬅ": "st"}
LIGATURE_CHARS = re.compile("[" + "".join(LIGATURES) + "]")


def upright_words(chars: list[dict], x_tolerance_ratio: float) -> list[dict]:
    """pdfplumber's WordExtractor(x_tolerance_ratio=...).extract_words for upright characters, the same words in
    the same order at a third of its cost: its generality (directions, extra attributes, text flow) is what costs.
    Characters are clustered into lines by their tops, each line taken left to right, and a word ends at a blank,
    at a gap wider than the ratio of the font size, at a step back, or at a jump up or down."""
    tops = sorted({c["top"] for c in chars})
    line_of: dict[float, int] = {}
    line, last = 0, None
    for top in tops:
        if last is not None and top > last + Y_TOLERANCE:
            line += 1
        line_of[top] = line
        last = top
    lines: list[list[dict]] = [[] for _ in range(line + 1)] if tops else []
    for c in chars:
        lines[line_of[c["top"]]].append(c)
    words: list[dict] = []
    by_x0 = itemgetter("x0")
    for members in lines:
        members.sort(key=by_x0)
        current: list[dict] = []
        # the last character's x0, where the next may start at the latest, and top: read once, not per test
        last_x0 = limit = last_top = 0.0
        for c in members:
            if c["text"].isspace():
                if current:
                    words.append(_merged(current))
                    current = []
                continue
            x0, top = c["x0"], c["top"]
            if current and (x0 < last_x0 or x0 > limit or abs(top - last_top) > Y_TOLERANCE):
                words.append(_merged(current))
                current = []
            current.append(c)
            last_x0, limit, last_top = x0, c["x1"] + x_tolerance_ratio * c["size"], top
        if current:
            words.append(_merged(current))
    return words


def _merged(chars: list[dict]) -> dict:
    """One word from its characters (in the order of their x0), with the keys pdfplumber's words have."""
    first = chars[0]
    x0, top, x1, bottom = first["x0"], first["top"], first["x1"], first["bottom"]
    if len(chars) == 1:
        text = first["text"]
        text = LIGATURES.get(text, text)
    else:
        for c in chars:
            if c["top"] < top:
                top = c["top"]
            if c["x1"] > x1:
                x1 = c["x1"]
            if c["bottom"] > bottom:
                bottom = c["bottom"]
        text = "".join([c["text"] for c in chars])
        if LIGATURE_CHARS.search(text):   # rare: each character as pdfplumber expands it
            text = "".join(LIGATURES.get(c["text"], c["text"]) for c in chars)
    return {"text": text, "x0": x0, "x1": x1, "top": top, "doctop": top + (first["doctop"] - first["top"]),
            "bottom": bottom, "upright": first["upright"], "height": bottom - top, "width": x1 - x0,
            "direction": "ltr"}


class _Edges:
    """The one thing pdfplumber's TableFinder asks of a page under the "lines" strategies: its edges."""

    def __init__(self, edges: list[dict]):
        self.edges = edges


class _TableFinder(TableFinder):
    """pdfplumber's TableFinder on a page's edges (GRID_SETTINGS), the cells found from the rules' crossings by
    _cells below rather than by pdfplumber's intersections_to_cells: the same cells, at a fifth of its cost."""

    def __init__(self, edges: list[dict]):
        self.page = _Edges(edges)
        self.settings = TABLE_SETTINGS
        self.edges = table_edges(edges)
        self.intersections = edges_to_intersections(self.edges, self.settings.intersection_x_tolerance,
                                                    self.settings.intersection_y_tolerance)
        self.cells = _cells(self.intersections)
        self.tables = [Table(self.page, group) for group in cells_to_tables(self.cells)]


def table_edges(edges: list[dict]) -> list[dict]:
    """pdfplumber's TableFinder.get_edges under TABLE_SETTINGS (the "lines" strategies, no explicit lines): the
    edges long enough, snapped to their clusters' mean and joined along each rule, the same edges in the same
    order. pdfplumber copies an edge through a tuple of its items at every move and resize, and filters with a
    function made for any orientation and type: half the table finder's time on pages of thin ruled cells."""
    settings = TABLE_SETTINGS
    shortest = settings.edge_min_length_prefilter
    vertical = [e for e in edges if e["orientation"] == "v" and e["height"] >= shortest]
    horizontal = [e for e in edges if e["orientation"] == "h" and e["width"] >= shortest]
    snapped = (_snapped(vertical, "x0", ("x0", "x1"), settings.snap_x_tolerance)
               + _snapped(horizontal, "top", ("top", "bottom", "doctop"), settings.snap_y_tolerance))
    by_rule = sorted(snapped, key=lambda e: ("h", e["top"]) if e["orientation"] == "h" else ("v", e["x0"]))
    joined: list[dict] = []
    for (orientation, _), group in itertools.groupby(
            by_rule, key=lambda e: ("h", e["top"]) if e["orientation"] == "h" else ("v", e["x0"])):
        if orientation == "h":
            joined += _joined(group, "x0", "x1", "width", settings.join_x_tolerance)
        else:
            joined += _joined(group, "top", "bottom", "height", settings.join_y_tolerance)
    longest = settings.edge_min_length
    return [e for e in joined if e["height" if e["orientation"] == "v" else "width"] >= longest]


def _snapped(edges: list[dict], key: str, moved: tuple, tolerance: float) -> list[dict]:
    """pdfplumber's snap_objects: edges whose `key` values chain within tolerance form a cluster (in the order
    of those values, each cluster's edges in their own order), and each is moved to its cluster's mean."""
    values = sorted(set(e[key] for e in edges))
    cluster_of: dict[float, int] = {}
    cluster, last = 0, None
    for value in values:
        if last is not None and not value <= last + tolerance:
            cluster += 1
        cluster_of[value] = cluster
        last = value
    clusters: list[list[dict]] = [[] for _ in range(cluster + 1)] if values else []
    for e in edges:
        clusters[cluster_of[e[key]]].append(e)
    out = []
    for members in clusters:
        mean = sum(e[key] for e in members) / len(members)
        for e in members:
            shift = mean - e[key]
            copy = dict(e)
            for name in moved:
                if name in copy:
                    copy[name] = e[name] + shift
            if key == "top":
                for name in ("y0", "y1"):   # bottom-up coordinates, which pdfium's edges do not carry
                    if name in copy:
                        copy[name] = e[name] - shift
            out.append(copy)
    return out


def _joined(group, start: str, end: str, size: str, tolerance: float) -> list[dict]:
    """pdfplumber's join_edge_group: edges along one rule, in order of their start, joined where the next
    starts within tolerance of the end of the last."""
    ordered = sorted(group, key=itemgetter(start))
    joined = [ordered[0]]
    for e in ordered[1:]:
        last = joined[-1]
        if e[start] <= last[end] + tolerance:
            if e[end] > last[end]:
                assert e[end] >= last[start]   # as pdfplumber's resize_object asserts
                longer = dict(last)
                longer[end] = e[end]
                longer[size] = e[end] - last[start] if size == "width" else last[size] + (e[end] - last[end])
                if size == "height" and "y0" in last:
                    longer["y0"] = last["y0"] - (e[end] - last[end])
                joined[-1] = longer
        else:
            joined.append(e)
    return joined


def _cells(intersections: dict) -> list[tuple]:
    """pdfplumber's intersections_to_cells: for each crossing, the smallest cell it opens at its top left (the
    first crossing below and the first to its right joined to it by a rule, and the corner joined to both).
    pdfplumber works each crossing's rules out anew for every pair it tries and scans every later crossing for
    the ones below and to the right; here both are looked up."""
    box = itemgetter("x0", "top", "x1", "bottom")
    verticals = {p: set(map(box, e["v"])) for p, e in intersections.items()}
    horizontals = {p: set(map(box, e["h"])) for p, e in intersections.items()}

    def connects(p1, p2) -> bool:
        return (p1[0] == p2[0] and not verticals[p1].isdisjoint(verticals[p2])) \
            or (p1[1] == p2[1] and not horizontals[p1].isdisjoint(horizontals[p2]))

    points = sorted(intersections)
    column: dict[float, list] = {}   # crossings by x, top to bottom
    row: dict[float, list] = {}      # crossings by y, left to right
    for p in points:
        column.setdefault(p[0], []).append(p)
        row.setdefault(p[1], []).append(p)
    below_at = {p: i for ps in column.values() for i, p in enumerate(ps)}
    right_at = {p: i for ps in row.values() for i, p in enumerate(ps)}
    cells = []
    for pt in points[:-1]:
        right = [r for r in row[pt[1]][right_at[pt] + 1:] if connects(pt, r)]
        for below_pt in column[pt[0]][below_at[pt] + 1:]:
            if not connects(pt, below_pt):
                continue
            corner = next(((r[0], below_pt[1]) for r in right if (r[0], below_pt[1]) in intersections
                           and connects((r[0], below_pt[1]), r) and connects((r[0], below_pt[1]), below_pt)),
                          None)
            if corner is not None:
                cells.append((pt[0], pt[1], corner[0], corner[1]))
                break
    return cells


def _fast_page(pdfium_doc, page, index: int) -> Optional[pdfium_text.PdfiumPage]:
    """The page read by pdfium, or None where pdfplumber reads it: no pdfium document (it refused the file), a
    rotated page, a MediaBox away from the origin (pdfminer's coordinates shift with it), turned text."""
    if pdfium_doc is None or page.rotation or tuple(page.mediabox[:2]) != (0, 0):
        return None
    return pdfium_text.read_page(pdfium_doc, index, float(page.height), TABLE_SETTINGS.edge_min_length_prefilter)


def lines_from_words(words: list[dict], tables, number: int, settings: PdfSettings) -> list[Line]:
    """Lines of a page from positioned words (a text layer or OCR): each row of a ruled table becomes a line
    with one cell per column, other words are grouped into lines split into cells at wide gaps. Words may
    carry a confidence ("conf", 0-100), which becomes the line's."""
    items: list[tuple[float, Line]] = []
    for table in tables:
        # pdfplumber's rows work their bbox out anew each time it is asked (tens of thousands of times a page)
        rows = [_Row(row.cells, row.bbox) for row in table.rows]
        lefts = column_lefts(rows)
        in_table = _WordIndex(_within(words, table.bbox))
        texts_by_row = cell_texts(rows, in_table)
        for k, group in enumerate(logical_rows(rows, texts_by_row, lefts)):
            bbox = (min(r.bbox[0] for r in group), group[0].bbox[1], max(r.bbox[2] for r in group), group[-1].bbox[3])
            texts, merged = _group_cells(group, in_table, settings, lefts)
            if k == 0 and len({t for t in texts if t}) >= 2 and not body_like(texts_by_row[id(group[0])]):
                # a header (not a framed paragraph, not a body row on a continuation page)
                texts, merged = _group_cells(group, in_table, settings, lefts, header=True)
            inside = _within(in_table, bbox)
            if any(texts):
                cells = [Cell(t, col=i, merged=m) for i, (t, m) in enumerate(zip(texts, merged))]
                line = Line(text="\t".join(texts), page=number, number=0, cells=cells, top=bbox[1],
                            confidence=_confidence([w["conf"] for w in inside if "conf" in w]))
                line.bbox = bbox  # for a scan's row image; not kept beyond extraction
                items.append((bbox[1], line))
    boxes = [t.bbox for t in tables]   # pdfplumber's table works its bbox out anew each time it is asked
    free = [w for w in words if not _inside_any(w, boxes)] if boxes else words
    for ln in _group_lines(free, settings):
        cells = _cells_from_words(ln, settings)
        words_ = [Cell(w["text"], None, w["x0"], w["x1"]) for w in ln]
        items.append((ln[0]["top"], Line(text=" ".join(w["text"] for w in ln), page=number, number=0,
                                         cells=cells, words=words_, top=ln[0]["top"],
                                         confidence=_confidence([w["conf"] for w in ln if "conf" in w]))))
    items.sort(key=lambda item: item[0])
    lines = []
    for i, (_, line) in enumerate(items, start=1):
        line.number = i
        lines.append(line)
    return lines


@dataclass
class _Row:
    """A table row as the grouping below reads it: its cells (None where merged) and its box. A cell lies inside
    its row and its row inside its table, as with pdfplumber's rows and extract/grid.py's."""

    cells: list
    bbox: tuple


def _confidence(confs: list[float]):
    """A line's OCR confidence in [0, 1]: the mean of its words'; None for text layers."""
    return round(sum(confs) / len(confs) / 100, 3) if confs else None


def read_pdf(data: bytes, settings: PdfSettings | None = None) -> list[Page]:
    """Pages of a PDF from its text layer; a page without text is marked, never dropped."""
    settings = settings or PdfSettings()
    pdf = open_pdf(data)
    try:
        if not pdf.pages:
            raise InputError("the PDF has no pages", "empty")
        fast_doc = _pdfium_document(data, len(pdf.pages))
        try:
            pages = []
            for number, page in enumerate(pdf.pages, start=1):
                with _collections_paused():
                    pages.append(read_page(page, number, settings, _fast_page(fast_doc, page, number - 1)))
                page.close()  # drop pdfplumber's per-page caches: memory stays flat in the page count
            return pages
        finally:
            if fast_doc is not None:
                fast_doc.close()
    finally:
        pdf.close()


@contextmanager
def _collections_paused():
    """No garbage collection while a page is read: each of its characters, words and edges is a new dict and
    none forms a cycle, so the collector's passes over them (a twentieth of the reading on the realpdf text
    files) find nothing to free. Between pages it runs: whatever cycles a page left are freed then."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def _pdfium_document(data: bytes, pages: int):
    """pdfium's view of the file, or None when it does not see the pages pdfminer sees (then pdfplumber reads
    them all: one reader for the whole file rather than pages paired by a guess)."""
    try:
        doc = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError:
        return None
    if len(doc) != pages:
        doc.close()
        return None
    return doc
