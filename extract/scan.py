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
    grids, erased = find_grid(gray)
    with tempfile.TemporaryDirectory(prefix="chitieu-ocr-") as tmp:
        found = _ocr_regions(erased, grids, Path(tmp))
    scale = 72 / dpi
    found = [w for w in found if not _speck(w)]
    words = [{"text": w.text, "x0": w.left * scale, "x1": (w.left + w.width) * scale, "top": w.top * scale,
              "bottom": (w.top + w.height) * scale, "conf": max(w.conf, 0.0)} for w in found]
    height, width = gray.shape
    if angle:
        reason += f"; straightened by {angle:+.1f}°"
    page = Page(number=number, path="ocr", reason=reason, width=width * scale, height=height * scale)
    page.lines = lines_from_words(words, [_Table(g, scale) for g in grids], number, settings)
    return page


PAD = 60
# A table column is one uniform block of text: --psm 6 read the STT column of the scanned samples best (4, 11: worse).
COLUMN_PSM = 6
# A first column narrower than this share of its table is a column of row numbers (STT).
NUMBER_COLUMN = 0.1
STT_CHARS = "0123456789.IVXLST"


def _ocr_regions(image: np.ndarray, grids, tmp: Path) -> list:
    """OCR a page: each column of a ruled table on its own (whole-page OCR joins a two-line cell with the
    one-line cells beside it into one garbled line), and the rest of the page as a whole."""
    found = []
    outside = image
    for g_i, grid in enumerate(grids):
        x0, top, x1, bottom = (int(v) for v in grid.bbox)
        outside = outside.copy()
        outside[top:bottom + 1, x0:x1 + 1] = 255
        widest = max(grid.rows, key=lambda r: sum(c is not None for c in r.cells))
        edges = sorted({int(c[0]) for c in widest.cells if c} | {int(c[2]) for c in widest.cells if c})
        for c_i, (left, right) in enumerate(zip(edges, edges[1:])):
            # a white margin: Tesseract finds little in a narrow strip that touches its edges (the STT column)
            strip = np.pad(image[top:bottom + 1, left:right + 1], PAD, constant_values=255)
            path = tmp / f"g{g_i}c{c_i}.pgm"
            _write_pgm(path, strip)
            numbers = c_i == 0 and right - left < NUMBER_COLUMN * (x1 - x0)
            # a narrow first column holds row numbers: Tesseract's English model limited to digits and dots reads
            # them far better than the Vietnamese one, which turns '3.2' into words ('các:')
            words = ocr_words(path, psm=COLUMN_PSM, lang="eng", whitelist=STT_CHARS) if numbers else \
                ocr_words(path, psm=COLUMN_PSM)
            for w in words:
                w.left += left - PAD
                w.top += top - PAD
                found.append(w)
    path = tmp / "page.pgm"  # uncompressed: no PNG encoding in the hot path
    _write_pgm(path, outside)
    found += ocr_words(path)
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
