"""Plain text input (OCR or converter output): decoded, split into pages at form feeds, kept as it is."""
from __future__ import annotations

import codecs
import unicodedata

from chitieu.errors import InputError
from chitieu.normalize.encodings import decode_legacy
from chitieu.schemas.model import Line, Page

# Control characters other than tab, newline, carriage return and form feed mean the bytes are not text.
_CONTROL = {chr(c) for c in range(32)} - {"\t", "\n", "\r", "\f"}


def decode_text(data: bytes) -> tuple[str, list[str]]:
    """Decode UTF-8 (with or without BOM), UTF-16 with BOM, or a legacy Vietnamese encoding; return notes too."""
    notes: list[str] = []
    if data.startswith(codecs.BOM_UTF8):
        encoding, data = "utf-8", data[len(codecs.BOM_UTF8):]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    else:
        encoding = "utf-8"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        legacy = decode_legacy(data) if encoding == "utf-8" else None
        if legacy is None:
            raise InputError(
                f"the text is not valid {encoding.upper()} (byte {exc.start}) nor a known Vietnamese encoding "
                "(TCVN3, VNI, VISCII, Windows-1258); save it as UTF-8 and try again", "not-utf8") from None
        text = legacy.text
        notes.append(f"decoded from the legacy {legacy.encoding} encoding")
        if legacy.warning:
            notes.append(legacy.warning)
    controls = sum(1 for ch in text[:4096] if ch in _CONTROL)
    if controls > 8:
        raise InputError("the file is binary, not text; convert it to PDF or UTF-8 text first", "binary")
    return text, notes


def read_text(data: bytes) -> tuple[list[Page], list[str]]:
    """Pages of the text file (line numbers count within each page), and notes on how it was decoded."""
    text, notes = decode_text(data)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = unicodedata.normalize("NFC", text)
    pages = []
    for number, chunk in enumerate(text.split("\f"), start=1):
        lines = [Line(text=t, page=number, number=i) for i, t in enumerate(chunk.split("\n"), start=1)]
        pages.append(Page(number=number, lines=lines, path="text", reason="plain text file"))
    return pages, notes
