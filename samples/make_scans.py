"""Make the scanned demo inputs in samples/scans/ from the seeds' text, with mild scan noise (a slight rotation,
blur, JPEG artefacts). Run after samples/make_samples.py: .venv/bin/python samples/make_scans.py

- scans/scorecard_766_scan.pdf  samples/scorecard_766_ruled.pdf (seed 002's table, ruled) printed and scanned
- scans/dvctt_001_scan.pdf      seed 001's table (converter markup removed) as a ruled 2-page table, scanned
- scans/dispatch_003.png        page 1 of seed 003 (a dispatch, OCR text without diacritics) as a PNG
- scans/dispatch_003.tiff       seed 003, all pages, as one multi-page TIFF
Deterministic: fixed noise seed and PDF dates."""
from __future__ import annotations

import io
import random
import re
from pathlib import Path

import pypdfium2
from fpdf import FPDF
from fpdf.fonts import FontFace
from PIL import Image, ImageDraw, ImageFilter, ImageFont

HERE = Path(__file__).resolve().parent
OUT = HERE / "scans"
FONT = HERE / "fonts" / "DejaVuSans.ttf"
FONT_BOLD = HERE / "fonts" / "DejaVuSans-Bold.ttf"
DPI = 300
A4 = (2480, 3508)  # pixels at 300 dpi
PDF_DATE = "D:20250101000000Z"
MARKUP = re.compile(r"</?(?:b|i|u|math)>")


def noisy(img: Image.Image, rng: random.Random) -> Image.Image:
    """A page as a flatbed scanner returns it: turned a little, slightly soft, JPEG-compressed."""
    angle = rng.uniform(-0.5, 0.5)
    img = img.rotate(angle, resample=Image.BICUBIC, fillcolor=255)
    img = img.filter(ImageFilter.GaussianBlur(0.7))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=72)
    return Image.open(io.BytesIO(buf.getvalue())).convert("L")


def pdf_to_images(path: Path) -> list[Image.Image]:
    pdf = pypdfium2.PdfDocument(str(path))
    try:
        return [pdf[i].render(scale=DPI / 72, grayscale=True).to_pil().convert("L") for i in range(len(pdf))]
    finally:
        pdf.close()


def save_pdf(images: list[Image.Image], path: Path) -> None:
    images[0].save(path, "PDF", resolution=DPI, save_all=True, append_images=images[1:],
                   creationDate=PDF_DATE, modDate=PDF_DATE, producer="chitieu samples/make_scans.py")


def seed_001_table() -> list[list[str]]:
    """Seed 001's rows (header first): tab-separated cells, markup removed, repeated headers dropped."""
    text = next((HERE / "seeds").glob("001_*.txt")).read_text(encoding="utf-8")
    rows = []
    for line in text.splitlines():
        cells = [MARKUP.sub("", c).strip() for c in line.split("\t")]
        if len(cells) < 3:
            continue
        if rows and cells[:2] == rows[0][:2]:
            continue  # the header again, after a page break of the source
        if not cells[0] and rows:  # a row continued from the page before
            rows[-1] = [f"{a} {b}".strip() for a, b in zip(rows[-1], cells + [""] * (len(rows[-1]) - len(cells)))]
            continue
        rows.append(cells + [""] * (4 - len(cells)))
    return rows


def make_001_pdf(path: Path) -> None:
    pdf = FPDF(unit="pt", format="A4")
    pdf.add_font("DejaVu", fname=str(FONT))
    pdf.add_font("DejaVu", style="B", fname=str(FONT_BOLD))
    pdf.set_creation_date(__import__("datetime").datetime(2025, 1, 1, tzinfo=__import__("datetime").timezone.utc))
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 12)
    for t in ("Phụ lục I", "THỰC HIỆN CÁC CHỈ TIÊU ĐỀ TĂNG TỶ LỆ SỬ DỤNG",
              "DỊCH VỤ CÔNG TRỰC TUYẾN NĂM HỌC 2023 - 2024"):
        pdf.multi_cell(0, 16, t, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(10)
    pdf.set_font("DejaVu", size=12)
    add_001_table(pdf, seed_001_table(), repeat_headings=1)
    pdf.output(str(path))


def add_001_table(pdf: FPDF, rows: list[list[str]], **options) -> None:
    """Seed 001's ruled table as the samples print it (its column widths and style); options as FPDF.table's
    (repeat_headings, first_row_as_headings)."""
    with pdf.table(col_widths=(35, 300, 70, 70), line_height=17, headings_style=FontFace(emphasis="BOLD"),
                   text_align="LEFT", padding=4, **options) as table:
        for row in rows:
            cells = table.row()
            for value in row[:4]:
                cells.cell(value)


def text_pages(text: str, lines_per_page: int = 52) -> list[Image.Image]:
    font = ImageFont.truetype(str(FONT), 38)
    lines = text.splitlines()
    pages = []
    for start in range(0, len(lines), lines_per_page):
        img = Image.new("L", A4, 255)
        draw = ImageDraw.Draw(img)
        for i, ln in enumerate(lines[start:start + lines_per_page]):
            draw.text((200, 200 + 60 * i), ln.expandtabs(8), font=font, fill=0)
        pages.append(img)
    return pages


def main() -> None:
    OUT.mkdir(exist_ok=True)
    rng = random.Random(20251130)
    save_pdf([noisy(p, rng) for p in pdf_to_images(HERE / "scorecard_766_ruled.pdf")],
             OUT / "scorecard_766_scan.pdf")
    tmp = OUT / "_dvctt_001_print.pdf"
    make_001_pdf(tmp)
    save_pdf([noisy(p, rng) for p in pdf_to_images(tmp)], OUT / "dvctt_001_scan.pdf")
    tmp.unlink()
    seed3 = next((HERE / "seeds").glob("003_*.txt")).read_text(encoding="utf-8")
    pages = [noisy(p, rng) for p in text_pages(seed3)]
    pages[0].save(OUT / "dispatch_003.png", dpi=(DPI, DPI), optimize=True)
    pages[0].save(OUT / "dispatch_003.tiff", dpi=(DPI, DPI), save_all=True, append_images=pages[1:],
                  compression="jpeg", quality=80)
    for p in sorted(OUT.iterdir()):
        print(f"{p.name:28s} {p.stat().st_size / 1e3:8.0f} kB")


if __name__ == "__main__":
    main()
