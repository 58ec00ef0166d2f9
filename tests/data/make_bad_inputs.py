"""Make tests/data/bad/: inputs that must fail cleanly (or pass despite looking odd). Deterministic.

Run: .venv/bin/python tests/data/make_bad_inputs.py   (samples/make_samples.py must have run first)"""
from __future__ import annotations

import codecs
import datetime as dt
import random
from pathlib import Path

from fpdf import FPDF

HERE = Path(__file__).resolve().parent
OUT = HERE / "bad"
ROOT = HERE.parents[1]
SEEDS = ROOT / "samples" / "seeds"
FONT = ROOT / "samples" / "fonts" / "DejaVuSans.ttf"
LINE = "Tỷ lệ thủ tục hành chính công bố đúng hạn (6đ) 49,22% Đạt"


def _pdf() -> FPDF:
    pdf = FPDF(unit="pt", format="A4")
    pdf.add_font("DejaVu", fname=str(FONT))
    pdf.set_font("DejaVu", size=11)
    pdf.set_creation_date(dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc))
    pdf.file_id = lambda: "<00112233445566778899AABBCCDDEEFF><00112233445566778899AABBCCDDEEFF>"
    return pdf


def _text_pdf(path: Path, owner: str | None = None, user: str | None = None) -> None:
    pdf = _pdf()
    pdf.add_page()
    pdf.text(50, 80, "1.1")
    pdf.text(80, 80, LINE)
    if owner is not None:
        pdf.set_encryption(owner_password=owner, user_password=user or "")
    pdf.output(str(path))


def _pdf_bytes(objects: list[bytes]) -> bytes:
    """A PDF file from its numbered objects (1-based), with a correct cross-reference table."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def _zero_page_pdf() -> bytes:
    return _pdf_bytes([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"])


def _huge_image_pdf(side: int) -> bytes:
    import zlib
    row = b"\xff" * side  # white grayscale rows
    comp = zlib.compressobj(9)
    data = b"".join(comp.compress(row) for _ in range(side)) + comp.flush()
    image = (f"<< /Type /XObject /Subtype /Image /Width {side} /Height {side} /ColorSpace /DeviceGray "
             f"/BitsPerComponent 8 /Filter /FlateDecode /Length {len(data)} >>\nstream\n").encode() + data + \
        b"\nendstream"
    content = b"q 595 0 0 842 0 0 cm /Im0 Do Q"
    return _pdf_bytes([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /Im0 4 0 R >> >>"
        b" /Contents 5 0 R >>",
        image,
        f"<< /Length {len(content)} >>\nstream\n".encode() + content + b"\nendstream",
    ])


def _tiff_bomb(side: int) -> bytes:
    import struct
    entries = [(256, 4, 1, side), (257, 4, 1, side), (258, 3, 1, 8), (259, 3, 1, 1), (262, 3, 1, 1),
               (273, 4, 1, 8), (278, 4, 1, side), (279, 4, 1, 0xFFFFFFFF)]
    ifd = struct.pack("<H", len(entries)) + b"".join(
        struct.pack("<HHII", tag, typ, n, val) if typ == 4 else struct.pack("<HHIHH", tag, typ, n, val, 0)
        for tag, typ, n, val in entries) + struct.pack("<I", 0)
    return b"II*\x00" + struct.pack("<I", 8 + 16) + b"\x00" * 16 + ifd


def _cp1258(text: str) -> bytes:
    """Windows-1258 bytes: letters it has as one byte stay composed, tone marks go as combining bytes."""
    import unicodedata
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            base, *marks = unicodedata.normalize("NFD", ch)
            head = unicodedata.normalize("NFC", base + "".join(m for m in marks if m not in "\u0300\u0301\u0303\u0309\u0323"))
            out += head.encode("cp1258") + "".join(m for m in marks if m in "\u0300\u0301\u0303\u0309\u0323").encode("cp1258")
    return bytes(out)


def _rotated(pdf_bytes: bytes, rotation: int) -> bytes:
    """The same PDF with /Rotate set on every page (by pdfium, not by the library that reads it in the tests):
    upright text shown sideways, as a viewer's "rotate and save" leaves it."""
    import io

    import pypdfium2
    pdf = pypdfium2.PdfDocument(pdf_bytes)
    for page in pdf:
        page.set_rotation(rotation)
    buf = io.BytesIO()
    pdf.save(buf)
    pdf.close()
    return buf.getvalue()


def _without_tounicode(pdf_bytes: bytes) -> bytes:
    """The fonts' /ToUnicode entries blanked out (same length, so every offset stays right): the glyphs are
    drawn as before, the text layer reads '(cid:N)' and wrong letters."""
    import re
    return re.sub(rb"/ToUnicode \d+ 0 R", lambda m: b" " * len(m.group()), pdf_bytes)


def _wrong_xref_offsets(pdf_bytes: bytes, delta: int = 5) -> bytes:
    """Every cross-reference offset off by delta bytes: pdfminer trusts the table and finds no pages, pdfium
    rebuilds it."""
    import re
    at = pdf_bytes.rindex(b"\nxref\n")
    return pdf_bytes[:at] + re.sub(rb"(\d{10}) 00000 n", lambda m: b"%010d 00000 n" % (int(m.group(1)) + delta),
                                   pdf_bytes[at:])


def _deep_page_tree(depth: int) -> bytes:
    """One page under depth nested /Pages nodes; the page shows two rows in a standard font. pdfminer walks the
    tree recursively and passes Python's recursion limit at about 1,000 levels; pdfium allows 1,024."""
    rows = b"BT /F1 11 Tf 50 780 Td (1. Ty le ho so giai quyet dung han 49,22%) Tj 0 -20 Td " \
        b"(2. Ty le ho so giai quyet truoc han 50,36%) Tj ET"
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>"]
    for level in range(depth):
        parent = b" /Parent %d 0 R" % (level + 1) if level else b""
        objects.append(b"<< /Type /Pages /Kids [%d 0 R] /Count 1%s >>" % (level + 3, parent))
    page = len(objects) + 1
    objects.append(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 %d 0 R >> >>"
                   b" /Contents %d 0 R >>" % (page - 1, page + 1, page + 2))
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(rows), rows))
    return _pdf_bytes(objects)


def _blank_pages(count: int) -> bytes:
    """count pages with nothing on them (a hostile file had 3,000)."""
    pdf = _pdf()
    for _ in range(count):
        pdf.add_page()
    return bytes(pdf.output())


def main() -> None:
    OUT.mkdir(exist_ok=True)
    (OUT / "empty.txt").write_bytes(b"")
    (OUT / "empty.pdf").write_bytes(b"")
    (OUT / "html_named.pdf").write_text("<!DOCTYPE html>\n<html><body><h1>404 Not Found</h1></body></html>\n")
    ruled = (ROOT / "samples" / "scorecard_766_ruled.pdf").read_bytes()
    (OUT / "truncated.pdf").write_bytes(ruled[: int(len(ruled) * 0.4)])
    _text_pdf(OUT / "encrypted_userpw.pdf", owner="owner-secret", user="secret")
    _text_pdf(OUT / "encrypted_ownerpw_only.pdf", owner="owner-secret")
    # Latin-1 bytes of a German sentence: neither UTF-8 nor any Vietnamese encoding.
    (OUT / "not_utf8.txt").write_bytes("Größenübersicht für Straßen, Plätze und Häuser\n".encode("latin-1"))
    seed001 = next(SEEDS.glob("001_*.txt")).read_text(encoding="utf-8").split("\n")
    (OUT / "utf16_bom.txt").write_bytes(codecs.BOM_UTF16_LE + "\n".join(seed001[:10]).encode("utf-16-le"))
    seed002 = next(SEEDS.glob("002_*.txt")).read_text(encoding="utf-8").split("\n")
    (OUT / "utf8_bom.txt").write_bytes(codecs.BOM_UTF8 + "\n".join(seed002[:24]).encode("utf-8"))
    rng = random.Random(20251124)
    (OUT / "binary_junk.txt").write_bytes(bytes(rng.randrange(256) for _ in range(2048)))
    pdf = _pdf()  # page 1 with text, page 2 with only a drawing: a stand-in for a scanned page
    pdf.add_page()
    pdf.text(50, 80, LINE)
    pdf.add_page()
    pdf.rect(60, 60, 400, 600, style="F")
    pdf.output(str(OUT / "blank_page.pdf"))
    # a PDF whose page tree is empty
    (OUT / "zero_pages.pdf").write_bytes(_zero_page_pdf())
    # a page holding one 20000 x 20000 pixel image (400 MB when decoded; 0.4 MB as stored)
    (OUT / "huge_image.pdf").write_bytes(_huge_image_pdf(20000))
    (OUT / "corrupt.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(rng.randrange(256) for _ in range(512)))
    # a TIFF header that claims 100000 x 100000 pixels: a decompression bomb if anyone believed it
    (OUT / "bomb.tiff").write_bytes(_tiff_bomb(100_000))
    # seed 001 in Windows-1258 (Vietnamese code page, decomposed tones): must be converted, not refused
    import unicodedata
    (OUT / "cp1258.txt").write_bytes(_cp1258("\n".join(seed001[:10])))
    # issue 21: text layers that are no text as they stand, PDFs pdfminer gives up on, blank pages
    (OUT / "rotated_90.pdf").write_bytes(_rotated(ruled, 90))
    (OUT / "no_tounicode.pdf").write_bytes(_without_tounicode(ruled))
    (OUT / "wrong_xref_offsets.pdf").write_bytes(_wrong_xref_offsets(ruled))
    (OUT / "deep_page_tree.pdf").write_bytes(_deep_page_tree(1000))
    (OUT / "blank_pages.pdf").write_bytes(_blank_pages(40))
    for p in sorted(OUT.iterdir()):
        print(f"{p.name:32s} {p.stat().st_size:7d} bytes")


if __name__ == "__main__":
    main()
