"""Make the demo inputs in samples/ from the seeds (../shared/seeds). Run: .venv/bin/python samples/make_samples.py

- samples/seeds/*.txt             byte-for-byte copies of the five seeds
- samples/scorecard_766_ruled.pdf the clean part of seed 002 as a ruled table (every cell framed), DejaVu Sans
                                  embedded, header row repeated on each page
- samples/cchc_stats_layout.pdf   seed 004's layout: a borderless five-column statistics table over several pages,
                                  the column header on every page, page numbers, every word drawn on its own
                                  (no space characters in the text layer, as in many real PDFs)
Output is deterministic (fixed dates and file id), so rerunning it changes nothing unless this script changed.
"""
from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import FontFace

HERE = Path(__file__).resolve().parent
SEEDS = HERE.parents[0].parent / "shared" / "seeds"
FONT = HERE / "fonts" / "DejaVuSans.ttf"
FONT_BOLD = HERE / "fonts" / "DejaVuSans-Bold.ttf"
FIXED_DATE = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)

# Seed 004 (Phụ lục 2, Sở TNMT, Q1/2023), sections 1-3.4, transcribed by hand from the seed's text with each
# piece put back in its column: (STT, Chỉ tiêu thống kê, Đơn vị tính, Số liệu, Cơ quan, đơn vị thực hiện).
CCHC_ROWS = [
    ("1.", "Công tác chỉ đạo điều hành CCHC", "", "", ""),
    ("1.1", "Số văn bản chỉ đạo CCHC đã ban hành (kết luận, chỉ thị, công văn chỉ đạo, quán triệt)", "Văn bản",
     "14", "- Sở Nội vụ báo cáo số liệu, kết quả của tỉnh; - Cơ quan, đơn vị, địa phương báo cáo"),
    ("1.2.", "Tỷ lệ hoàn thành kế hoạch CCHC năm (lũy kế đến thời điểm báo cáo)", "%", "",
     "- Sở Nội vụ báo cáo số liệu, kết quả của tỉnh; - Cơ quan, đơn vị, địa phương báo cáo"),
    ("-", "Số nhiệm vụ đề ra trong kế hoạch", "Nhiệm vụ", "37", ""),
    ("-", "Số nhiệm vụ đã hoàn thành", "Nhiệm vụ", "10", ""),
    ("1.3.", "Kiểm tra công tác CCHC", "", "",
     "- Sở Nội vụ báo cáo số liệu, kết quả của tỉnh; - Cơ quan, đơn vị, địa phương báo cáo"),
    ("1.3.1.", "Số cơ quan, đơn vị, địa phương đã kiểm tra, trong đó:", "Cơ quan, đơn vị, địa phương", "0",
     "Hiện nay Sở Tài nguyên và môi trường chưa xây dựng kế hoạch kiểm tra công tác CCHC"),
    ("-", "Số sở, ngành đã kiểm tra", "Cơ quan, đơn vị", "", ""),
    ("-", "Số UBND cấp huyện", "Cơ quan, đơn vị", "", ""),
    ("1.3.2.", "Tỷ lệ xử lý các vấn đề phát hiện qua kiểm tra", "%", "", ""),
    ("-", "Số vấn đề phát hiện qua kiểm tra", "Vấn đề", "", ""),
    ("-", "Số vấn đề phát hiện đã xử lý xong", "Vấn đề", "", ""),
    ("1.5.", "Thực hiện nhiệm vụ Chính phủ, Thủ tướng Chính phủ giao", "", "",
     "- Văn phòng UBND tỉnh (VP.UBND tỉnh) báo cáo số liệu, kết quả của tỉnh"),
    ("-", "Tổng số nhiệm vụ được giao", "Nhiệm vụ", "206", ""),
    ("-", "Số nhiệm vụ đã hoàn thành đúng hạn", "Nhiệm vụ", "55", ""),
    ("-", "Số nhiệm vụ đã hoàn thành nhưng quá hạn", "Nhiệm vụ", "45", ""),
    ("-", "Số nhiệm vụ quá hạn nhưng chưa hoàn thành", "Nhiệm vụ", "106", ""),
    ("2.", "Cải cách thể chế", "", "", "- Sở Tư pháp báo cáo kết quả thực hiện của tỉnh"),
    ("2.1.", "Số văn bản quy phạm pháp luật (VBQPPL) do tỉnh ban hành", "Văn bản", "", ""),
    ("2.1.1", "Số VBQPPL do tỉnh ban hành, trong đó:", "Văn bản", "00", ""),
    ("-", "Số VBQPPL do HĐND tỉnh ban hành", "Văn bản", "", ""),
    ("-", "Số VBQPPL do UBND tỉnh ban hành", "Văn bản", "00", ""),
    ("2.2.", "Kiểm tra, xử lý VBQPPL", "", "", ""),
    ("-", "Số VBQPPL đã kiểm tra theo thẩm quyền", "Văn bản", "0", ""),
    ("-", "Tỷ lệ xử lý VBQPPL sau kiểm tra", "%", "0", ""),
    ("3.", "Cải cách thủ tục hành chính (TTHC)", "", "", "- VP UBND tỉnh tổng hợp, báo cáo"),
    ("3.1.", "Thống kê TTHC", "", "", ""),
    ("3.1.2.", "Số TTHC công bố mới", "Thủ tục", "00", ""),
    ("3.1.3.", "Số TTHC bãi bỏ, thay thế", "Thủ tục", "00", ""),
    ("3.1.4.", "Tổng số TTHC ngành/lĩnh vực đang có hiệu lực. Trong đó:", "Thủ tục", "112", ""),
    ("-", "Số TTHC cấp tỉnh (bao gồm cả TTHC của cơ quan ngành dọc)", "Thủ tục", "92", ""),
    ("-", "Số TTHC cấp huyện (bao gồm cả TTHC của cơ quan ngành dọc)", "Thủ tục", "19", ""),
    ("-", "Số TTHC cấp xã (bao gồm cả TTHC của cơ quan ngành dọc)", "Thủ tục", "01", ""),
    ("3.3.", "Thực hiện cơ chế một cửa, một cửa liên thông", "", "", ""),
    ("3.3.1.", "Số TTHC thực hiện theo cơ chế một cửa liên thông. Trong đó:", "Thủ tục", "179",
     "- VP.UBND tỉnh báo cáo số liệu của tỉnh; - Cơ quan chuyên môn cấp tỉnh báo cáo"),
    ("-", "Số TTHC liên thông cùng cấp", "Thủ tục", "71", ""),
    ("-", "Số TTHC liên thông giữa các cấp chính quyền", "Thủ tục", "108", ""),
    ("3.4.", "Kết quả giải quyết hồ sơ TTHC", "", "", "- Các cơ quan, đơn vị, địa phương báo cáo"),
    ("3.4.1.", "Tỷ lệ hồ sơ TTHC được giải quyết đúng hạn của cơ quan chuyên môn cấp tỉnh. Trong đó:", "%", "",
     ""),
    ("-", "Tổng số hồ sơ TTHC đã tiếp nhận", "Hồ sơ", "40543", ""),
    ("-", "Số hồ sơ TTHC đã giải quyết xong", "Hồ sơ", "34071", ""),
    ("-", "Số hồ sơ TTHC đã giải quyết đúng hạn", "Hồ sơ", "33798", ""),
    ("3.4.4.", "Tỷ lệ hồ sơ TTHC được giải quyết đúng hạn trên lĩnh vực đất đai, xây dựng, đầu tư (cả 03 cấp). "
     "Trong đó:", "%", "98.36", "- Sở Tài nguyên và Môi trường, Sở Xây dựng, Sở Kế hoạch và Đầu tư báo cáo"),
    ("-", "Tỷ lệ hồ sơ trễ hạn trên lĩnh vực đất đai", "%", "1.64", ""),
    ("-", "Tỷ lệ hồ sơ trễ hạn trên lĩnh vực xây dựng", "%", "", ""),
]


class Pdf(FPDF):
    """FPDF with the fonts registered and fixed metadata, so output bytes are stable."""

    def __init__(self, **kw):
        super().__init__(unit="pt", format="A4", **kw)
        self.add_font("DejaVu", fname=str(FONT))
        self.add_font("DejaVu", style="B", fname=str(FONT_BOLD))
        self.set_creation_date(FIXED_DATE)
        self.set_auto_page_break(True, margin=50)
        self.set_margins(40, 40, 40)

    def file_id(self):  # a fixed id instead of a random one
        return "<00112233445566778899AABBCCDDEEFF><00112233445566778899AABBCCDDEEFF>"


def copy_seeds() -> None:
    out = HERE / "seeds"
    out.mkdir(exist_ok=True)
    for src in sorted(SEEDS.glob("*.txt")):
        shutil.copyfile(src, out / src.name)


def seed_002_rows() -> tuple[list[str], list[list[str]]]:
    """Title lines and the table (header first) of seed 002's clean part: blocks of tab-indented cell lines."""
    text = next(SEEDS.glob("002_*.txt")).read_text(encoding="utf-8")
    clean = text[:text.index(" CÁC CH?")]
    lines = clean.split("\n")
    titles = [ln.strip() for ln in lines[:3]]
    rows, block = [], []
    for ln in lines[3:] + [""]:
        if ln.startswith("\t"):
            block.append(ln[1:].strip())
        elif block:
            rows.append(block)
            block = []
    return titles, rows


def make_ruled() -> None:
    titles, rows = seed_002_rows()
    pdf = Pdf()
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 11)
    for t in titles:
        pdf.multi_cell(0, 15, t, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)
    pdf.set_font("DejaVu", size=9)
    with pdf.table(col_widths=(30, 215, 75, 75, 120), line_height=12, repeat_headings=1,
                   headings_style=FontFace(emphasis="BOLD"), text_align="LEFT", padding=3) as table:
        for row in rows:
            cells = table.row()
            for value in row + [""] * (5 - len(row)):
                cells.cell(value)
    pdf.output(str(HERE / "scorecard_766_ruled.pdf"))


def _words(pdf: FPDF, x: float, y: float, text: str, width: float, line_h: float) -> float:
    """Draw text word by word (no space glyphs), wrapping inside width; return the y after the last line."""
    space = pdf.get_string_width(" ")
    cx = x
    for word in text.split():
        w = pdf.get_string_width(word)
        if cx > x and cx + w > x + width:
            cx, y = x, y + line_h
        pdf.text(cx, y, word)
        cx += w + space
    return y + line_h


COLUMNS = [(40, 38), (80, 230), (312, 70), (384, 40), (430, 125)]  # (x, width) of the five columns
HEADER = ["STT", "Chỉ tiêu thống kê", "Đơn vị tính", "Số liệu", "Cơ quan, đơn vị thực hiện"]


def make_layout() -> None:
    pdf = Pdf()
    pdf.set_auto_page_break(False)
    line_h, bottom = 12, 780

    def new_page(first: bool) -> float:
        pdf.add_page()
        y = 60
        if first:
            pdf.set_font("DejaVu", "B", 11)
            for t in ["Phụ lục 2", "THỐNG KÊ SỐ LIỆU VỀ KẾT QUẢ THỰC HIỆN CÔNG TÁC CẢI CÁCH HÀNH CHÍNH",
                      "QUÝ I TẠI SỞ TÀI NGUYÊN MÔI TRƯỜNG"]:
                _words(pdf, (595 - pdf.get_string_width(t)) / 2, y, t, 520, line_h)
                y += 16
            pdf.set_font("DejaVu", size=9)
            t = "(Ban hành kèm theo Báo cáo số /BC-STNMT ngày / 3 / 2023 của Sở TNMT)"
            _words(pdf, (595 - pdf.get_string_width(t)) / 2, y, t, 520, line_h)
            y += 26
        else:
            pdf.set_font("DejaVu", size=9)
            pdf.text(290, 815, str(pdf.page_no()))  # page number, centred at the foot, as in the seed
        pdf.set_font("DejaVu", "B", 9)
        ends = [_words(pdf, x, y, h, w, line_h) for (x, w), h in zip(COLUMNS, HEADER)]
        pdf.set_font("DejaVu", size=9)
        return max(ends) + 6

    y = new_page(True)
    for row in CCHC_ROWS:
        needed = max(len(cell) // 40 + 1 for cell in row) * line_h + 4
        if y + needed > bottom:
            y = new_page(False)
        ends = [_words(pdf, x, y, cell, w, line_h) for (x, w), cell in zip(COLUMNS, row) if cell]
        y = max(ends) + 4
    pdf.output(str(HERE / "cchc_stats_layout.pdf"))


def main() -> None:
    copy_seeds()
    make_ruled()
    make_layout()
    for p in sorted(HERE.glob("*.pdf")):
        print(f"wrote {p.relative_to(HERE.parent)} ({p.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
