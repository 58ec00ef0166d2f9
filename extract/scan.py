"""Scanned pages: a page image in, the same kind of Page a text layer gives out (lines, table rows as cells,
positioned words), so that the parser reads scans and text PDFs alike."""
from __future__ import annotations

import re
import tempfile
from pathlib import Path

import numpy as np

from chitieu.extract.cleanup import clean_page
from chitieu.extract.grid import Grid, GridRow, deskew, find_grid, half_ink, upright_columns
from chitieu.extract.images import thumbnail_jpeg
from chitieu.extract.ocr import OcrWord, ocr_digits, ocr_words
from chitieu.extract.paragraphs import with_paragraph_breaks
from chitieu.extract.pdf_text import PdfSettings, lines_from_words
from chitieu.parse.stt import follows, normalise_stt
from chitieu.schemas.model import Page


class _Table:
    """A grid in page points, shaped like pdfplumber's tables (bbox, rows with bbox and cells)."""

    def __init__(self, grid, scale: float):
        def pts(b):
            return None if b is None else tuple(v * scale for v in b)
        self.bbox = pts(grid.bbox)
        self.rows = [type("Row", (), {"bbox": pts(r.bbox), "cells": [pts(c) for c in r.cells]})()
                     for r in grid.rows]


def read_scanned_page(gray: np.ndarray, number: int, dpi: float, reason: str,
                      settings: PdfSettings | None = None, thumbnail: bytes | None = None) -> Page:
    """OCR one page image (grayscale, coloured ink dropped) into a Page; ruled tables are read cell by cell.
    thumbnail: the page as scanned, for the review page (else one is made from the cleaned page)."""
    settings = settings or PdfSettings()
    gray, angle = deskew(clean_page(gray))   # extract/cleanup.py: paper, light, photo, streaks, specks
    gray, lean, half = _upright(gray)
    with tempfile.TemporaryDirectory(prefix="chitieu-ocr-") as tmp:
        grids, erased = find_grid(gray, half)
        grids = own_rules(grids, gray)
        found = _ocr_regions(erased, grids, Path(tmp))
        found = roman_columns(found, grids, erased)
        if _poor(found):
            # a page scanned sideways or upside down reads as junk: ask Tesseract's orientation detector (only
            # then, it costs a call) and read the page again turned upright
            turn = page_rotation(gray, Path(tmp))
            if turn:
                gray = np.ascontiguousarray(np.rot90(gray, k=turn // 90))
                gray, angle = deskew(gray)
                gray, lean, half = _upright(gray)
                grids, erased = find_grid(gray, half)
                grids = own_rules(grids, gray)
                found = roman_columns(_ocr_regions(erased, grids, Path(tmp)), grids, erased)
                reason += f"; turned {turn}° upright"
    scale = 72 / dpi
    found = [w for w in found if not _speck(w)]
    words = [{"text": w.text, "x0": w.left * scale, "x1": (w.left + w.width) * scale, "top": w.top * scale,
              "bottom": (w.top + w.height) * scale, "conf": max(w.conf, 0.0),
              "line_key": (w.region, w.block, w.par, w.line)} for w in found]
    height, width = gray.shape
    if angle:
        reason += f"; straightened by {angle:+.1f}°"
    if lean:
        reason += f"; columns leaning {lean:+.1f}° set upright"
    page = Page(number=number, path="ocr", reason=reason, width=width * scale, height=height * scale)
    page.lines = with_paragraph_breaks(lines_from_words(words, [_Table(g, scale) for g in grids], number, settings),
                                       number)
    _note_disputes(page.lines, [w for w in found if w.disputed], scale)
    add_images(page, gray, scale, thumbnail)
    return page


# A class column's word as the Vietnamese model reads a serif roman numeral: 'III' whose serifs join comes out
# 'HI', 'IH', 'HH', '[II'; a column of them (most of its words, a true roman among them) is read by its strokes.
ROMAN_LIKE = re.compile(r"^[IVXHlı|\[\]1!]{1,4}\.?$")
TRUE_ROMAN = re.compile(r"^(I{1,3}|IV|V|VI{0,3}|IX|X)\.?$")
ROMAN_WORDS = 0.6
MIN_ROMAN_WORDS = 4
# Where a numeral's strokes are counted (shares of its ink's height: between the serifs) and how far a stroke's
# middle may move between the two heights to be upright (pixels): a V's strokes converge, an I's do not.
STROKE_BANDS = (0.35, 0.65)
UPRIGHT_PX = 3


def roman_columns(found: list, grids, image: np.ndarray) -> list:
    """The words of a page with each cell of a column of roman classes (I, II, III) read by counting its upright
    strokes, where the Vietnamese model read the numeral as letters or not at all; a V or an X (not upright
    strokes) keeps its reading."""
    if sum(1 for w in found if ROMAN_LIKE.match(w.text)) < MIN_ROMAN_WORDS:
        return found   # most pages: no such column, nothing more to look at
    for grid in grids:
        widest = max(grid.rows, key=lambda r: sum(c is not None for c in r.cells))
        edges = sorted({int(c[0]) for c in widest.cells if c} | {int(c[2]) for c in widest.cells if c})
        body = grid.rows[1:]
        for left, right in zip(edges[1:], edges[2:]):
            words = [w for w in found if left <= w.left + w.width / 2 <= right
                     and any(r.bbox[1] <= w.top + w.height / 2 <= r.bbox[3] for r in body)]
            like = [w for w in words if ROMAN_LIKE.match(w.text)]
            if len(like) < MIN_ROMAN_WORDS or len(like) < ROMAN_WORDS * len(words) \
                    or not any(TRUE_ROMAN.match(w.text) for w in like):
                continue
            for row in body:
                found = _roman_cell(found, image, (left, int(row.bbox[1]), right, int(row.bbox[3])))
    return found


def _roman_cell(found: list, image: np.ndarray, box: tuple) -> list:
    left, top, right, bottom = box
    inside = [w for w in found if left <= w.left + w.width / 2 <= right and top <= w.top + w.height / 2 <= bottom]
    if any(not ROMAN_LIKE.match(w.text) for w in inside):
        return found   # words of another kind in the cell ('Loại II (đạt)'): left as read
    cell = image[top + RULE_BAND:bottom - RULE_BAND, left + RULE_BAND:right - RULE_BAND]
    strokes = _upright_strokes(cell)
    if not strokes:
        return found
    numeral = "I" * strokes
    if len(inside) == 1 and inside[0].text.rstrip(".") == numeral:
        return found
    ink = np.argwhere(cell < 128)
    (y0, x0), (y1, x1) = ink.min(axis=0), ink.max(axis=0)
    first = inside[0] if inside else None
    word = OcrWord(numeral, left + RULE_BAND + int(x0), top + RULE_BAND + int(y0), int(x1 - x0) + 1,
                   int(y1 - y0) + 1, 90.0, first.block if first else 0, first.par if first else 0,
                   first.line if first else 0, region=first.region if first else ("roman", 0))
    word.number_column = True   # not a speck, however small
    return [w for w in found if not any(w is i for i in inside)] + [word]


def _upright_strokes(cell: np.ndarray) -> int:
    """How many upright strokes (1-3) the cell's ink is, counted between its serifs at two heights; 0 when it is
    no such numeral (empty, more strokes, strokes that lean or converge, or ink of other shapes)."""
    ink = cell < 128
    rows = np.flatnonzero(ink.sum(axis=1))
    if rows.size < 6:
        return 0
    height = rows[-1] - rows[0] + 1
    runs = [_runs(ink[rows[0] + int(height * share)]) for share in STROKE_BANDS]
    if len(runs[0]) != len(runs[1]) or not 1 <= len(runs[0]) <= 3:
        return 0
    if any(abs(a - b) > UPRIGHT_PX for a, b in zip(runs[0], runs[1])):
        return 0
    cols = np.flatnonzero(ink[rows[0]:rows[-1] + 1].sum(axis=0))
    if cols[-1] - cols[0] + 1 > height * len(runs[0]):
        return 0   # wider than upright strokes of that height could be: a word, not a numeral
    return len(runs[0])


def _runs(line: np.ndarray) -> list[float]:
    """Centres of the runs of ink along one row of pixels."""
    edges = np.flatnonzero(np.diff(np.concatenate(([0], line.astype(np.int8), [0]))))
    return [(a + b - 1) / 2 for a, b in zip(edges[::2], edges[1::2])]


def _note_disputes(lines, disputed: list, scale: float) -> None:
    """Each figure the two readers read differently, as a doubt of the table row it lies in (warned on its
    record: which reading is right is for the clerk to see on the row's image)."""
    for w in disputed:
        x, y = (w.left + w.width / 2) * scale, (w.top + w.height / 2) * scale
        for line in lines:
            box = getattr(line, "bbox", None)
            if box and box[0] <= x <= box[2] and box[1] <= y <= box[3]:
                line.doubts.append(f"the figure {w.text} may read {w.disputed.replace('.', ',')}")
                break


def _upright(gray: np.ndarray) -> tuple[np.ndarray, float, np.ndarray | None]:
    """upright_columns, with the page's half-size ink kept for find_grid when the page was not sheared (the
    adaptive threshold is the dearest step of looking for rules)."""
    half = half_ink(gray)
    upright, lean = upright_columns(gray, half)
    return upright, lean, None if lean else half


# A rule this close to the page's edge (share of its width or height) is the scanner's frame, not a table's.
EDGE_SHARE = 0.01
# A table's top and bottom rules run across at least this share of its width (an underlined title above a
# table, a signature's line below it, run across less); a rule inside it at least across one of its columns.
FULL_RULE = 0.6
COLUMN_RULE = 0.9
# A column rule runs down at least this share of the table's height (a stamp's ring, a stroke of a signature,
# run down less).
DOWN_RULE = 0.4
# Half the thickness of the band a rule is looked for in (pixels at 300 dpi): a scanned rule wavers.
RULE_BAND = 4


def own_rules(grids: list[Grid], gray: np.ndarray) -> list[Grid]:
    """The grids kept to the rules that are the table's own, their cells read from where the rules run.
    find_grid takes every long line of the page for a rule: on a scan that includes the frame the scanner draws
    at the page's edge (a whole page then reads as one table whose first row is the text above it; realpdf 09
    p17's STT cells fell in a column that is the margin) and an underlined title above the table (p17's heading
    became two rows of its list). A short rule under a group's header cell ('Đánh giá' over 'Đạt | Không đạt'),
    too faint or short for find_grid, is found here, and a cell runs across or down where no rule separates it
    from its neighbour (merged), as pdfplumber gives a text layer's cells."""
    import cv2

    if not grids:
        return grids
    ink = cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 25, 15) > 0
    out = []
    for grid in grids:
        kept = _kept_rules(grid, ink)
        if kept is not None:
            xs, ys = kept
            out.append(_cells_from_rules(xs, sorted(ys + _column_rules(xs, ys, ink)), ink))
    return out


def _cells_from_rules(xs: list[int], ys: list[int], ink: np.ndarray) -> Grid:
    """_places_from_rules, without rows that hold no cell of their own (every place merged from above: a rule
    too broken to separate anything is no row's edge)."""
    while True:
        grid = _places_from_rules(xs, ys, ink)
        empty = next((r for r, row in enumerate(grid.rows) if all(c is None for c in row.cells)), None)
        if empty is None:
            return grid
        ys = ys[:empty] + ys[empty + 1:]


def _across(ink: np.ndarray, y: int, left: int, right: int) -> float:
    """Share of [left, right) that a rule at height y covers."""
    band = ink[max(0, y - RULE_BAND):y + RULE_BAND + 1, left:right]
    return float(band.any(axis=0).mean()) if right > left and band.size else 0.0


def _down(ink: np.ndarray, x: int, top: int, bottom: int) -> float:
    """Share of [top, bottom) that a rule at x covers."""
    band = ink[top:bottom, max(0, x - RULE_BAND):x + RULE_BAND + 1]
    return float(band.any(axis=1).mean()) if bottom > top and band.size else 0.0


def _kept_rules(grid: Grid, ink: np.ndarray):
    """(xs, ys) of the grid's rules that are the table's own, or None when fewer than a cell's remain."""
    height, width = ink.shape
    xs = sorted({int(c[i]) for r in grid.rows for c in r.cells if c for i in (0, 2)})
    ys = sorted({int(r.bbox[i]) for r in grid.rows for i in (1, 3)})
    xs = [x for x in xs if EDGE_SHARE * width < x < (1 - EDGE_SHARE) * width]
    ys = [y for y in ys if EDGE_SHARE * height < y < (1 - EDGE_SHARE) * height]
    if len(xs) < 2 or len(ys) < 2:
        return None
    full = [y for y in ys if _across(ink, y, xs[0], xs[-1]) >= FULL_RULE]
    if len(full) < 2:
        return None
    top, bottom = full[0], full[-1]
    ys = [y for y in ys if top <= y <= bottom and (y in full or any(
        _across(ink, y, a, b) >= COLUMN_RULE for a, b in zip(xs, xs[1:])))]
    xs = [x for x in xs if _down(ink, x, top, bottom) >= DOWN_RULE]
    return (xs, ys) if len(xs) >= 2 and len(ys) >= 2 else None


# Rules closer than this (pixels at 300 dpi) are one rule.
SAME_RULE = 12


def _column_rules(xs: list[int], ys: list[int], ink: np.ndarray) -> list[int]:
    """Heights of rules that run across one column or a few but not the whole table (under a group's header
    cell), which find_grid's page-wide search misses: a run of ink across nearly all of a column's width."""
    import cv2

    top, bottom = ys[0], ys[-1]
    tall = cv2.dilate(ink[top:bottom].astype(np.uint8), np.ones((2 * RULE_BAND + 1, 1), np.uint8)) > 0
    found: list[int] = []
    for a, b in zip(xs, xs[1:]):
        inner = tall[:, a + 2 * RULE_BAND:b - 2 * RULE_BAND]
        if inner.shape[1] < 10:
            continue
        rows = np.flatnonzero(inner.mean(axis=1) >= COLUMN_RULE)
        for run in np.split(rows, np.flatnonzero(np.diff(rows) > 1) + 1) if rows.size else []:
            y = top + int(run.mean())
            if all(abs(y - other) > SAME_RULE for other in ys + found):
                found.append(y)
    return found


# A rule runs through a cell's side when it covers at least this share of it.
SIDE_RULE = 0.6


def _places_from_rules(xs: list[int], ys: list[int], ink: np.ndarray) -> Grid:
    """A grid from its rules: neighbouring places are one cell where no rule runs between them (merged across
    or down). Each cell is listed in the row and column of its top left place; the places it covers are None,
    as pdfplumber lists a text layer's merged cells."""
    n_rows, n_cols = len(ys) - 1, len(xs) - 1
    owner = {}
    for r in range(n_rows):
        top, bottom = ys[r], ys[r + 1]
        for c in range(n_cols):
            left, right = xs[c], xs[c + 1]
            if c and _down(ink, left, top, bottom) < SIDE_RULE:
                owner[r, c] = owner[r, c - 1]
            elif r and _across(ink, top, left, right) < SIDE_RULE and owner[r - 1, c][1] == c:
                owner[r, c] = owner[r - 1, c]
            else:
                owner[r, c] = (r, c)
    spans: dict = {}
    for (r, c), start in owner.items():
        r0, c0 = start
        r1, c1 = spans.get(start, (r, c))
        spans[start] = (max(r1, r), max(c1, c))
    grid = Grid((xs[0], ys[0], xs[-1], ys[-1]))
    for r in range(n_rows):
        row = GridRow((xs[0], ys[r], xs[-1], ys[r + 1]))
        for c in range(n_cols):
            if owner[r, c] != (r, c):
                row.cells.append(None)
                continue
            r1, c1 = spans[r, c]
            row.cells.append((xs[c], ys[r], xs[c1 + 1], ys[r1 + 1]))
        grid.rows.append(row)
    return grid


# The review page shows each OCR'd page small and each table row as scanned, within this many bytes per page.
IMAGE_BUDGET = 150_000
ROW_WIDTH = 900


def add_images(page: Page, gray: np.ndarray, scale: float, thumbnail: bytes | None = None) -> None:
    """A thumbnail of the page (the one given: the page as scanned, in colour) and a JPEG of each table row,
    smallest first if the budget runs short."""
    page.thumbnail = thumbnail or thumbnail_jpeg(gray)
    spent = len(page.thumbnail)
    for line in page.lines:
        box = getattr(line, "bbox", None)
        if box is None:
            continue
        x0, top, x1, bottom = (int(v / scale) for v in box)
        crop = thumbnail_jpeg(gray[max(0, top):bottom + 1, max(0, x0):x1 + 1], ROW_WIDTH, 45)
        if spent + len(crop) > IMAGE_BUDGET:
            break
        line.image = crop
        spent += len(crop)


PAD = 60
# A table column is one uniform block of text: --psm 6 read the STT column of the scanned samples best (4, 11: worse).
COLUMN_PSM = 6
# A first column narrower than this share of its table is a column of row numbers (STT).
NUMBER_COLUMN = 0.1


# A page whose words are mostly unsure (mean confidence under this, 0-100) may be turned the wrong way.
POOR_CONFIDENCE = 50


# ... or whose words are mostly not Vietnamese syllables (an upside-down page reads as confident junk).
POOR_SYLLABLES = 0.5


def _poor(found) -> bool:
    from chitieu.normalize.encodings import is_syllable
    if len(found) < 5 or sum(w.conf for w in found) / len(found) < POOR_CONFIDENCE:
        return True
    words = [w.text.lower().strip(".,;:()") for w in found if any(c.isalpha() for c in w.text)]
    words = [w for w in words if w.isalpha()]
    return len(words) >= 10 and sum(is_syllable(w) for w in words) < POOR_SYLLABLES * len(words)


def page_rotation(gray: np.ndarray, tmp: Path) -> int:
    """Degrees (0, 90, 180, 270) to turn a page counter-clockwise so its text is upright (Tesseract OSD)."""
    from chitieu.extract.ocr import orientation
    path = tmp / "osd.pgm"
    _write_pgm(path, gray)
    return orientation(path)


def _ocr_regions(image: np.ndarray, grids, tmp: Path) -> list:
    """OCR a page. Each column of a ruled table is read as an image of its own (whole-page OCR joins a two-line
    cell with the one-line cells beside it into one garbled line), and so is the rest of the page; one Tesseract
    call reads them all, and each word found is put back where it came from. A column of row numbers is read
    again for its digits (ocr.ocr_digits) and its words marked `number_column`."""
    outside = image.copy()
    regions: list[tuple[int, int, np.ndarray]] = []   # (left, top, pixels) in page coordinates
    numbers: list[int] = []                           # which of them are columns of row numbers
    for grid in grids:
        x0, top, x1, bottom = (int(v) for v in grid.bbox)
        outside[top:bottom + 1, x0:x1 + 1] = 255
        widest = max(grid.rows, key=lambda r: sum(c is not None for c in r.cells))
        edges = sorted({int(c[0]) for c in widest.cells if c} | {int(c[2]) for c in widest.cells if c})
        columns = image.copy()
        for left, ctop, right, cbottom in _spanning_cells(grid, edges):
            # a cell across columns ('Đánh giá' over 'Đạt | Không đạt') is read whole: cut into the columns'
            # strips its words came out in halves ('Đán' | 'h giá')
            regions.append((left, ctop, image[ctop:cbottom + 1, left:right + 1]))
            columns[ctop:cbottom + 1, left:right + 1] = 255
        for c_i, (left, right) in enumerate(zip(edges, edges[1:])):
            strip = columns[top:bottom + 1, left:right + 1]
            if c_i == 0 and right - left < NUMBER_COLUMN * (x1 - x0):
                # black and white: the dots of '3.5.1' survive a blurred scan (24 → 30 of 30 on the samples)
                strip = _otsu(strip)
                numbers.append(len(regions))
            regions.append((left, top, strip))
    ink = outside < 128
    rows, cols = np.flatnonzero(ink.sum(axis=1) > 2), np.flatnonzero(ink.sum(axis=0) > 2)
    # as narrow as its ink: Tesseract's cost grows with the pixels it is given (a blank page costs 0.1 s more than
    # a small image), which is why the columns are separate images too rather than stacked into one tall one
    rest = [(int(cols[0]), int(rows[0]), outside[int(rows[0]):int(rows[-1]) + 1, int(cols[0]):int(cols[-1]) + 1])
            ] if rows.size and cols.size else []
    found = _ocr_separately(rest + regions, tmp, "text", {"psm": COLUMN_PSM})

    def name(i: int) -> tuple:
        """The region name _ocr_separately gave the words of regions[i] (the rest of the page comes first)."""
        return ("text", len(rest) + i + 1)

    figures = {name(i): i for i in range(len(regions))
               if i not in numbers and _figure_column([w for w in found if w.region == name(i)])}
    # a column is read again only when it gives cause: a figure column when one of its words is misread, a column
    # of row numbers when they do not run in sequence, one is unsure or a line of its ink was not read
    number_names = {name(i) for i in numbers}
    again = [i for i in numbers if _numbers_doubtful([w for w in found if w.region == name(i)], regions[i][2])]
    again += [i for n, i in figures.items() if any(_misread_figure(w) for w in found if w.region == n)]
    if not again:
        return better_numbers(found, [], number_names, set(figures))
    names = [name(i) for i in again]
    digits = _ocr_separately([regions[i] for i in again], tmp, "digits", {"psm": COLUMN_PSM}, ocr_digits)
    for w in digits:
        w.region = names[w.page - 1]
    return better_numbers(found, digits, number_names, set(figures))


# A row number read at least this sure (0-100), in a column whose numbers run in sequence, is not read again (a
# misreading the model is sure of, `3.` for 5, breaks the sequence).
NUMBER_SURE = 60
# A band of ink at least this tall (pixels at 300 dpi) is a line of text in a column of row numbers.
INK_LINE_PX = 8


def _numbers_doubtful(words: list, strip: np.ndarray) -> bool:
    """True when a column of row numbers must be read again by the digits reader: a word it is unsure of or that
    is no number, numbers that do not run in sequence ('3.' for 5 between 4 and 6), or more lines of ink than
    lines read (a number the Vietnamese model read as nothing)."""
    words = sorted(words, key=lambda w: w.top)
    numbers = []
    for w in words:
        if w.conf < NUMBER_SURE or not (DIGITS_NUMBER.match(w.text) or KEEP_IN_NUMBERS.match(w.text)):
            return True
        if DIGITS_NUMBER.match(w.text):
            numbers.append(normalise_stt(w.text))
    if any(a is None or b is None or not follows(a, b) for a, b in zip(numbers, numbers[1:])):
        return True
    lines = len({(w.block, w.par, w.line) for w in words})
    return _ink_lines(strip) > lines


def _ink_lines(strip: np.ndarray) -> int:
    """How many lines of ink a column strip holds (bands of dark rows at least INK_LINE_PX tall)."""
    dark = (strip < 128).sum(axis=1) > 2
    edges = np.flatnonzero(np.diff(np.concatenate(([0], dark.astype(np.int8), [0]))))
    return sum(1 for a, b in zip(edges[::2], edges[1::2]) if b - a >= INK_LINE_PX)


# A column is one of figures when at least this share of its words hold a digit (its header words aside, they
# are few): codes, counts, scores. Its words are read again for their digits, as row numbers are.
FIGURE_WORDS = 0.6
MIN_FIGURE_WORDS = 4


def _figure_column(words: list) -> bool:
    with_digit = sum(any(ch.isdigit() for ch in w.text) for w in words)
    return with_digit >= MIN_FIGURE_WORDS and with_digit >= FIGURE_WORDS * len(words)


def _misread_figure(word) -> bool:
    """A word of a figure column the Vietnamese model read as no figure, though it holds a digit ('1?', '`46')
    or is a short mark it is unsure of ('ÁI' at 36)."""
    if CLEAN_FIGURE.match(word.text):
        return False
    return any(ch.isdigit() for ch in word.text) or (len(word.text) <= 3 and word.conf < SPECK_CONF)


def _spanning_cells(grid, edges: list[int]) -> list[tuple[int, int, int, int]]:
    """Cells of a grid that run across two columns or more, inset from their rules."""
    out = []
    for row in grid.rows:
        for cell in row.cells:
            if cell is None:
                continue
            left, top, right, bottom = (int(v) for v in cell)
            if sum(1 for e in edges if left + SAME_RULE < e < right - SAME_RULE) >= 1 and bottom - top > 2 * SAME_RULE:
                out.append((left + RULE_BAND, top + RULE_BAND, right - RULE_BAND, bottom - RULE_BAND))
    return out


# A row number as the digits reader gives it: '7.', '3.4.1', '12'.
DIGITS_NUMBER = re.compile(r"^\d{1,3}(?:\.\d{1,2})*\.?$")
# What the Vietnamese model reads in a number column that is no number to keep: a roman part ('II'), a lettered
# item ('a)', 'B.'), a bullet, or a header word of three letters or more ('STT') stays as it reads.
KEEP_IN_NUMBERS = re.compile(r"^([IVXL]{1,5}\.?|[a-zđA-H][.)]|[-–+•]|.*[^\W\d_].*[^\W\d_].*[^\W\d_].*)$")
HEADER_WORD = re.compile(r"^.*[^\W\d_].*[^\W\d_].*[^\W\d_].*$")
# A number the digits reader finds where the Vietnamese model found nothing is kept only this sure (0-100): with
# digits as its only letters, it reads a speck as '1'.
NEW_NUMBER_CONF = 60


# A figure as the Vietnamese model reads it cleanly: digits with the signs figures carry. A word of a figure column
# that is not one ('1?' for 17, '3⁄7' for 37, 'ÁI' for 41, '`46') is a misreading the digits reader may replace.
CLEAN_FIGURE = re.compile(r"^[\d.,%/;:()+\-–]*\d[\d.,%/;:()+\-–]*$")
# A whole figure the digits reader gives (it has no other signs than the dot).
DIGITS_FIGURE = re.compile(r"^\d{1,6}$")
# A header word in a number column ('STT') keeps the Vietnamese reading when read at least this sure (0-100): a
# misread number reads as letters too ('lãi' for 11, at 55).
HEADER_CONF = 80


def better_numbers(found: list, digits: list, columns: set, figure_columns: set = frozenset()) -> list:
    """The words of a page with each row number of a number column (`columns`: regions) as the digits reader read
    it, where the Vietnamese model read a number, a misread one ('3.' for 5, '§.', 'kÃ' for 9) or nothing; a
    roman part, a lettered item, a bullet and the header word keep the Vietnamese reading. In a figure column
    (`figure_columns`) only a misread word under the digits reader's is replaced ('1?' → '17'); clean figures,
    words and the signs the digits reader cannot read ('15-16', '49,22%') keep the Vietnamese reading. Every word
    of those columns is marked `number_column` (a low-confidence digit there is no speck)."""
    out = [w for w in found]
    for w in out:
        w.number_column = w.region in columns or w.region in figure_columns
    for d in digits:
        if d.region in figure_columns:
            out = _better_figure(out, d)
            continue
        if not DIGITS_NUMBER.match(d.text):
            continue
        same = [w for w in out if w.region == d.region and _same_line(w, d)]
        if any(KEEP_IN_NUMBERS.match(w.text) and (w.conf >= d.conf or (HEADER_WORD.match(w.text)
                                                                       and w.conf >= HEADER_CONF)) for w in same):
            continue   # ('A.' read at 68 where the digits reader reads '4.' at 95 is the number)
        if not same and d.conf < NEW_NUMBER_CONF:
            continue
        if same:
            d.block, d.par, d.line = same[0].block, same[0].par, same[0].line
            out = [w for w in out if not any(w is s for s in same)]
        else:
            d.block += 1000   # a line of its own, apart from the Vietnamese reading's numbering
        d.number_column = True
        out.append(d)
    return out


def _better_figure(words: list, d) -> list:
    """The words with those the digits word `d` covers replaced by it, when every one of them is misread; a
    misread figure whose letters stand where the digits reader has digits takes them, its signs kept ('ö2,B5%'
    with '62.85': '62,85%'); a clean figure the digits reader reads otherwise ('98,26%', '58.26') is disputed."""
    under = [w for w in words if w.region == d.region and _same_line(w, d) and _side_by_side_overlap(w, d)]
    if len(under) == 1 and _dispute_or_mend(under[0], d):
        return words
    if not DIGITS_FIGURE.match(d.text):
        return words
    if not under or any(CLEAN_FIGURE.match(w.text) for w in under) or any(HEADER_WORD.match(w.text) and
                                                                           w.conf >= HEADER_CONF for w in under):
        return words
    d.block, d.par, d.line = under[0].block, under[0].par, under[0].line
    d.number_column = True
    return [w for w in words if not any(w is u for u in under)] + [d]


# A figure as printed with its signs: digits (or letters the Vietnamese model put for them) between separators,
# a percent or a '/N' maximum after ('49,22%', 'ö2,B5%', '11,4/18').
FIGURE_SHAPE = re.compile(r"^[\w]{1,3}(?:[.,][\w]{1,3})*(?:%|/\d{1,3})?$")


def _figure_slots(text: str) -> str:
    """The characters of a figure that stand for digits ('ö2,B5%' → 'ö2B5'), '' when the text is no figure's
    shape or holds no digit at all."""
    if not FIGURE_SHAPE.match(text) or not any(ch.isdigit() for ch in text):
        return ""
    head = text.split("/")[0]
    return "".join(ch for ch in head if ch.isalnum())


def _dispute_or_mend(word, d) -> bool:
    """Compare a figure word with the digits reader's reading of it; True when they were compared."""
    slots = _figure_slots(word.text)
    digits = d.text.replace(".", "")
    if not digits.isdigit() or len(digits) != len(slots):
        return False   # the readers split or joined the figure differently: nothing to compare digit by digit
    if slots.isdigit():
        if slots != digits:
            word.disputed = d.text
        return True
    mended, k = [], 0
    for ch in word.text.split("/")[0]:
        if ch.isalnum():
            mended.append(digits[k])
            k += 1
        else:
            mended.append(ch)
    tail = word.text[len(word.text.split("/")[0]):]
    word.text = "".join(mended) + tail
    word.number_column = True
    return True


def _side_by_side_overlap(a, b) -> bool:
    """True when two word boxes overlap side to side."""
    return min(a.left + a.width, b.left + b.width) > max(a.left, b.left)


def _same_line(a, b) -> bool:
    """True when two word boxes overlap by half the height of the smaller."""
    overlap = min(a.top + a.height, b.top + b.height) - max(a.top, b.top)
    return overlap > 0.5 * min(a.height, b.height)


def _otsu(gray: np.ndarray) -> np.ndarray:
    import cv2
    return cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)[1]


def _ocr_separately(regions: list, tmp: Path, name: str, options: dict, reader=None) -> list:
    """OCR regions (left, top, pixels), each as an image of its own with a white margin, all in one Tesseract call
    (an image list: the model loads once); word boxes come back in page coordinates."""
    paths = []
    for i, (_, _, pixels) in enumerate(regions):
        h, w = pixels.shape
        framed = np.full((h + 2 * PAD, w + 2 * PAD), 255, dtype=np.uint8)
        framed[PAD:PAD + h, PAD:PAD + w] = pixels
        paths.append(tmp / f"{name}{i + 1}.pgm")
        _write_pgm(paths[-1], framed)
    if not paths:
        return []
    source = paths[0]
    if len(paths) > 1:
        source = tmp / f"{name}.txt"
        source.write_text("".join(f"{p}\n" for p in paths), encoding="utf-8")
    found = []
    for w in (reader or ocr_words)(source, **options):
        left, top, _ = regions[w.page - 1]
        w.left += left - PAD
        w.top += top - PAD
        w.region = (name, w.page)
        found.append(w)
    return found


def _write_pgm(path: Path, gray: np.ndarray) -> None:
    h, w = gray.shape
    with open(path, "wb") as fh:
        fh.write(f"P5\n{w} {h}\n255\n".encode())
        fh.write(np.ascontiguousarray(gray, dtype=np.uint8).tobytes())


# Short marks Tesseract is unsure of are specks, fringes of erased rules or stamps, not words.
SPECK_CONF = 55


def _speck(word) -> bool:
    text = word.text
    if word.conf >= SPECK_CONF:
        return False
    if word.number_column and any(c.isalnum() for c in text):
        # a row number Tesseract is unsure of is no speck: dropped, its row runs into the one above ('8.' at 45)
        return False
    letters_digits = sum(c.isalnum() for c in text)
    return len(text) <= 2 or letters_digits == 0 or (word.conf < 30 and letters_digits < len(text) / 2)
