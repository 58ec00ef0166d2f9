"""Paragraph breaks of a scanned page come from the page: a wider gap, or an indented first line after a short
last line, opens a paragraph, as a blank line does in a text file."""
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from chitieu.extract.paragraphs import with_paragraph_breaks
from chitieu.extract.scan import read_scanned_page
from chitieu.schemas.model import Cell, Line


def _line(text, top, x0, x1):
    words = text.split()
    step = (x1 - x0) / max(len(words), 1)
    return Line(text, 1, 0, top=top, words=[Cell(w, None, x0 + i * step, x0 + (i + 1) * step - 2)
                                            for i, w in enumerate(words)])


def test_a_gap_or_an_indent_opens_a_paragraph_and_table_rows_are_left_alone():
    lines = [_line("Một dòng dài của đoạn thứ nhất chạy đến lề phải", 100, 72, 520),
             _line("và dòng cuối ngắn.", 118, 72, 200),
             _line("Đoạn hai thụt đầu dòng rồi chạy đến lề phải", 136, 110, 520),
             _line("và đi tiếp tới lề phải của trang in ra", 154, 72, 520),
             _line("Đoạn ba sau một khoảng trống rộng", 190, 72, 520),
             Line("1\tA", 1, 0, top=210, cells=[Cell("1", col=0), Cell("A", col=1)])]
    out = with_paragraph_breaks(lines, 1)
    assert [ln.text for ln in out] == [lines[0].text, lines[1].text, "", lines[2].text, lines[3].text, "",
                                       lines[4].text, "1\tA"]
    assert [ln.number for ln in out] == list(range(1, 9))


def test_a_scanned_page_gets_its_paragraph_breaks(tmp_path):
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf", 40)
    page = Image.new("L", (2480, 1200), 255)
    draw = ImageDraw.Draw(page)
    rows = [(300, 200, "1. Tỷ lệ hồ sơ giải quyết trực tuyến toàn trình phải đạt trên 40%."),
            (200, 260, "của toàn tỉnh trong năm 2026."),
            (300, 320, "Tuy nhiên, các sở, ban, ngành cần tập trung thực hiện các nhiệm vụ"),
            (200, 380, "sau đây để bảo đảm tiến độ chung của tỉnh theo kế hoạch đã đề ra.")]
    for x, y, text in rows:
        draw.text((x, y), text, font=font, fill=0)
    got = read_scanned_page(np.array(page), 1, 300, "test")
    texts = [ln.text for ln in got.lines]
    assert "" in texts
    gap = texts.index("")
    assert "40%" in " ".join(texts[:gap]) and texts[gap + 1].startswith("Tuy")


def test_a_mark_far_left_of_the_text_does_not_make_every_line_indented():
    # a phone photo's page edge read as '|' beside a few lines: the text's margin is where most lines start
    lines = [_line("- 100% thủ tục hành chính, dịch vụ công phát sinh", 100, 72, 520),
             _line("hiện nộp hồ sơ bằng hình thức trực tuyến trên", 118, 72, 480),
             _line("| thông tin giải quyết TTHC; trong đó phải đảm", 136, 2, 520),
             _line("toàn trực tuyến (toàn trình) trên hệ thống", 154, 72, 470),
             _line("vụ công đạt trên 80%.", 172, 72, 250),
             _line("- 100% các khoản phí, lệ phí, thuế theo quy định", 190, 72, 520)]
    out = with_paragraph_breaks(lines, 1)
    assert [ln.text for ln in out] == [ln.text for ln in lines]
