"""What kind of input a file is, decided from its first bytes (the extension only breaks ties)."""
from __future__ import annotations

from pathlib import Path

from chitieu.errors import InputError

# Extensions collected when a folder is given; a file named on the command line is always tried.
INPUT_SUFFIXES = {".pdf", ".txt", ".md", ".png", ".jpg", ".jpeg", ".tif", ".tiff"}

PDF_MAGIC = b"%PDF-"
IMAGE_MAGICS = {
    b"\x89PNG\r\n\x1a\n": "png",
    b"\xff\xd8\xff": "jpeg",
    b"II*\x00": "tiff",
    b"MM\x00*": "tiff",
}
# Text encodings announced by a byte-order mark.
BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")


def looks_like_input(path: Path) -> bool:
    """For a file in a folder whose extension is not an input type: do its first bytes say PDF or image?"""
    try:
        with open(path, "rb") as fh:
            head = fh.read(1024)
    except OSError:
        return False
    return PDF_MAGIC in head or any(head.startswith(m) for m in IMAGE_MAGICS)


def sniff_kind(data: bytes, path: Path) -> str:
    """Return 'pdf', 'image' or 'text' for the file's bytes, or raise InputError saying what it is instead."""
    if not data:
        raise InputError("the file is empty (0 bytes); check that it was copied completely", "empty")
    head = data[:1024]
    if PDF_MAGIC in head:
        return "pdf"
    for magic in IMAGE_MAGICS:
        if data.startswith(magic):
            return "image"
    if path.suffix.lower() == ".pdf":
        lowered = head.lstrip().lower()
        what = "an HTML page" if lowered.startswith((b"<!doctype html", b"<html")) else "not a PDF"
        raise InputError(f"the file is named .pdf but is {what}; download the real PDF again", "not-pdf")
    if head.startswith(BOMS):
        return "text"
    # NUL bytes never occur in UTF-8 text (UTF-16 without a BOM is not supported either).
    if b"\x00" in head:
        raise InputError("the file is binary, not text; convert it to PDF or UTF-8 text first", "binary")
    return "text"
