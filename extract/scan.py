"""Scanned pages: a page image in, the same kind of Page a text layer gives out (lines, table rows as cells,
positioned words), so that the parser reads scans and text PDFs alike."""
from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from extract.cleanup import clean_page
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
    gray, angle = deskew(clean_page(gray))   # extract/cleanup.py: paper, light, photo, streaks, specks
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
    """OCR a page. Each column of a ruled table is read as an image of its own (whole-page OCR joins a two-line
    cell with the one-line cells beside it into one garbled line), and so is the rest of the page; one Tesseract
    call reads them all, and each word found is put back where it came from."""
    outside = image.copy()
    regions: list[tuple[int, int, np.ndarray]] = []   # (left, top, pixels) in page coordinates
    for grid in grids:
        x0, top, x1, bottom = (int(v) for v in grid.bbox)
        outside[top:bottom + 1, x0:x1 + 1] = 255
        widest = max(grid.rows, key=lambda r: sum(c is not None for c in r.cells))
        edges = sorted({int(c[0]) for c in widest.cells if c} | {int(c[2]) for c in widest.cells if c})
        for c_i, (left, right) in enumerate(zip(edges, edges[1:])):
            strip = image[top:bottom + 1, left:right + 1]
            if c_i == 0 and right - left < NUMBER_COLUMN * (x1 - x0):
                # black and white: the dots of '3.5.1' survive a blurred scan (24 → 30 of 30 on the samples)
                strip = _otsu(strip)
            regions.append((left, top, strip))
    ink = outside < 128
    rows, cols = np.flatnonzero(ink.sum(axis=1) > 2), np.flatnonzero(ink.sum(axis=0) > 2)
    # as narrow as its ink: Tesseract's cost grows with the pixels it is given (a blank page costs 0.1 s more than
    # a small image), which is why the columns are separate images too rather than stacked into one tall one
    rest = [(int(cols[0]), int(rows[0]), outside[int(rows[0]):int(rows[-1]) + 1, int(cols[0]):int(cols[-1]) + 1])
            ] if rows.size and cols.size else []
    return _ocr_separately(rest + regions, tmp, "text", {"psm": COLUMN_PSM})


def _otsu(gray: np.ndarray) -> np.ndarray:
    import cv2
    return cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)[1]


def _ocr_separately(regions: list, tmp: Path, name: str, options: dict) -> list:
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
    for w in ocr_words(source, **options):
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
    letters_digits = sum(c.isalnum() for c in text)
    return len(text) <= 2 or letters_digits == 0 or (word.conf < 30 and letters_digits < len(text) / 2)
