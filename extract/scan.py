"""Scanned pages: a page image in, the same kind of Page a text layer gives out (lines, table rows as cells,
positioned words), so that the parser reads scans and text PDFs alike."""
from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from extract.grid import deskew, find_grid
from extract.ocr import ocr_words
from extract.pdf_text import PdfSettings, lines_from_words
from schemas.model import Page


class _Table:
    """A grid in page points, shaped like pdfplumber's tables (bbox, rows with bbox and cells)."""

    def __init__(self, grid, scale: float):
        def pts(b):
            return None if b is None else tuple(v * scale for v in b)
        self.bbox = pts(grid.bbox)
        self.rows = [type("Row", (), {"bbox": pts(r.bbox), "cells": [pts(c) for c in r.cells]})()
                     for r in grid.rows]


def read_scanned_page(gray: np.ndarray, number: int, dpi: float, reason: str,
                      settings: PdfSettings | None = None) -> Page:
    """OCR one page image (grayscale) into a Page; ruled tables are read cell by cell."""
    settings = settings or PdfSettings()
    gray, angle = deskew(gray)
    with tempfile.TemporaryDirectory(prefix="chitieu-ocr-") as tmp:
        grids, erased = find_grid(gray)
        found = _ocr_regions(erased, grids, Path(tmp))
        if _poor(found):
            # a page scanned sideways or upside down reads as junk: ask Tesseract's orientation detector (only
            # then, it costs a call) and read the page again turned upright
            turn = page_rotation(gray, Path(tmp))
            if turn:
                gray = np.ascontiguousarray(np.rot90(gray, k=turn // 90))
                gray, angle = deskew(gray)
                grids, erased = find_grid(gray)
                found = _ocr_regions(erased, grids, Path(tmp))
                reason += f"; turned {turn}° upright"
    scale = 72 / dpi
    found = [w for w in found if not _speck(w)]
    words = [{"text": w.text, "x0": w.left * scale, "x1": (w.left + w.width) * scale, "top": w.top * scale,
              "bottom": (w.top + w.height) * scale, "conf": max(w.conf, 0.0),
              "line_key": (w.region, w.block, w.par, w.line)} for w in found]
    height, width = gray.shape
    if angle:
        reason += f"; straightened by {angle:+.1f}°"
    page = Page(number=number, path="ocr", reason=reason, width=width * scale, height=height * scale)
    page.lines = lines_from_words(words, [_Table(g, scale) for g in grids], number, settings)
    add_images(page, gray, scale)
    return page


# The review page shows each OCR'd page small and each table row as scanned, within this many bytes per page.
IMAGE_BUDGET = 150_000
THUMB_WIDTH = 240
ROW_WIDTH = 900


def add_images(page: Page, gray: np.ndarray, scale: float) -> None:
    """A thumbnail of the page and a JPEG of each table row, smallest first if the budget runs short."""
    import cv2

    def jpeg(pixels: np.ndarray, width: int, quality: int) -> bytes:
        h, w = pixels.shape
        if w > width:
            pixels = cv2.resize(pixels, (width, max(1, int(h * width / w))), interpolation=cv2.INTER_AREA)
        ok, buf = cv2.imencode(".jpg", pixels, [cv2.IMWRITE_JPEG_QUALITY, quality])
        return buf.tobytes() if ok else b""

    page.thumbnail = jpeg(gray, THUMB_WIDTH, 60)
    spent = len(page.thumbnail)
    for line in page.lines:
        box = getattr(line, "bbox", None)
        if box is None:
            continue
        x0, top, x1, bottom = (int(v / scale) for v in box)
        crop = jpeg(gray[max(0, top):bottom + 1, max(0, x0):x1 + 1], ROW_WIDTH, 45)
        if spent + len(crop) > IMAGE_BUDGET:
            break
        line.image = crop
        spent += len(crop)


PAD = 60
# A table column is one uniform block of text: --psm 6 read the STT column of the scanned samples best (4, 11: worse).
COLUMN_PSM = 6
# A first column narrower than this share of its table is a column of row numbers (STT).
NUMBER_COLUMN = 0.1
STT_CHARS = "0123456789.IVXLST"


# A page whose words are mostly unsure (mean confidence under this, 0-100) may be turned the wrong way.
POOR_CONFIDENCE = 50


# ... or whose words are mostly not Vietnamese syllables (an upside-down page reads as confident junk).
POOR_SYLLABLES = 0.5


def _poor(found) -> bool:
    from normalize.encodings import is_syllable
    if len(found) < 5 or sum(w.conf for w in found) / len(found) < POOR_CONFIDENCE:
        return True
    words = [w.text.lower().strip(".,;:()") for w in found if any(c.isalpha() for c in w.text)]
    words = [w for w in words if w.isalpha()]
    return len(words) >= 10 and sum(is_syllable(w) for w in words) < POOR_SYLLABLES * len(words)


def page_rotation(gray: np.ndarray, tmp: Path) -> int:
    """Degrees (0, 90, 180, 270) to turn a page counter-clockwise so its text is upright (Tesseract OSD)."""
    from extract.ocr import orientation
    path = tmp / "osd.pgm"
    _write_pgm(path, gray)
    return orientation(path)


def _ocr_regions(image: np.ndarray, grids, tmp: Path) -> list:
    """OCR a page. Each column of a ruled table is read on its own (whole-page OCR joins a two-line cell with the
    one-line cells beside it into one garbled line); to pay Tesseract's start-up once, not once per column, the
    columns and the rest of the page are stacked one below the other into a single image, and each word found
    is put back where it came from. A narrow first column of row numbers gets its own call (digits only)."""
    outside = image.copy()
    regions: list[tuple[int, int, np.ndarray]] = []   # (left, top, pixels) in page coordinates
    numbers: list[tuple[int, int, np.ndarray]] = []
    for grid in grids:
        x0, top, x1, bottom = (int(v) for v in grid.bbox)
        outside[top:bottom + 1, x0:x1 + 1] = 255
        widest = max(grid.rows, key=lambda r: sum(c is not None for c in r.cells))
        edges = sorted({int(c[0]) for c in widest.cells if c} | {int(c[2]) for c in widest.cells if c})
        for c_i, (left, right) in enumerate(zip(edges, edges[1:])):
            strip = (left, top, image[top:bottom + 1, left:right + 1])
            narrow = c_i == 0 and right - left < NUMBER_COLUMN * (x1 - x0)
            if narrow:  # black and white: the dots of '3.5.1' survive a blurred scan (24 → 30 of 30 on the samples)
                strip = (left, top, _otsu(strip[2]))
            # Tesseract's English model limited to digits and dots reads row numbers far better than the
            # Vietnamese one, which turns '3.2' into words ('các:')
            (numbers if narrow else regions).append(strip)
    ink = np.flatnonzero((outside < 128).sum(axis=1) > 2)
    if ink.size:
        regions.insert(0, (0, int(ink[0]), outside[int(ink[0]):int(ink[-1]) + 1]))
    found = _ocr_stacked(regions, tmp / "stack.pgm", {"psm": COLUMN_PSM})
    found += _ocr_stacked(numbers, tmp / "numbers.pgm", {"psm": COLUMN_PSM, "lang": "eng",
                                                         "whitelist": STT_CHARS})
    return found


def _otsu(gray: np.ndarray) -> np.ndarray:
    import cv2
    return cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)[1]


def _ocr_stacked(regions: list, path: Path, options: dict) -> list:
    """OCR regions stacked vertically (white margins between) in one Tesseract call; boxes in page coordinates."""
    if not regions:
        return []
    width = max(r[2].shape[1] for r in regions) + 2 * PAD
    blocks, offsets, y = [], [], 0
    for left, top, pixels in regions:
        h, w = pixels.shape
        block = np.full((h + 2 * PAD, width), 255, dtype=np.uint8)
        block[PAD:PAD + h, PAD:PAD + w] = pixels
        blocks.append(block)
        offsets.append((y + PAD, y + PAD + h, left, top))
        y += h + 2 * PAD
    _write_pgm(path, np.vstack(blocks))
    found = []
    for w in ocr_words(path, **options):
        centre = w.top + w.height / 2
        for i, (start, end, left, top) in enumerate(offsets):
            if start - PAD <= centre < end + PAD:
                w.left += left - PAD
                w.top += top - start
                w.region = (path.stem, i)
                found.append(w)
                break
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
    letters_digits = sum(c.isalnum() for c in text)
    return len(text) <= 2 or letters_digits == 0 or (word.conf < 30 and letters_digits < len(text) / 2)
