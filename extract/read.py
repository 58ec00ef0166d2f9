"""One entry point: the bytes of an input file in, its pages out."""
from __future__ import annotations

from pathlib import Path

from errors import InputError
from extract.pdf_text import read_pdf
from extract.sniff import sniff_kind
from extract.text import read_text
from schemas.model import Page


def extract_pages(data: bytes, path: Path) -> tuple[str, list[Page], list[str]]:
    """Return (document kind, pages, notes for the user) for an input file's bytes."""
    kind = sniff_kind(data, path)
    if kind == "pdf":
        pages = read_pdf(data)
        scanned = sum(1 for p in pages if p.path == "no-text")
        return ("pdf-scan" if scanned == len(pages) else "pdf-text"), pages, []
    if kind == "image":
        raise InputError("image files need OCR, which this version does not do yet; "
                         "convert the scan to a text PDF first", "needs-ocr")
    pages, notes = read_text(data)
    return "text", pages, notes
