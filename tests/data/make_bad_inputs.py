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
    for p in sorted(OUT.iterdir()):
        print(f"{p.name:32s} {p.stat().st_size:7d} bytes")


if __name__ == "__main__":
    main()
