"""Numbers, targets and statuses, on strings taken from the seeds and real documents."""
import pytest

from chitieu.parse.numbers import parse_number, parse_quantity
from chitieu.parse.targets import parse_status, parse_target


@pytest.mark.parametrize("text,expected", [
    ("49,22", 49.22),        # seed 002 decimal comma
    ("3.000", 3000.0),       # dotted thousands
    ("172.033", 172033.0),   # real 05
    ("00", 0.0),             # seed 004
    ("04", 4.0),             # seed 004
    ("98.36", 98.36),        # seed 004: two digits after the dot is a decimal point
    ("1.234,5", 1234.5),
    ("80,984", 80.984),      # seed 002: a decimal comma, not thousands
    ("40543", 40543.0),
    ("1.2.3", None), ("abc", None), ("", None), ("3.4.1", None),
])
def test_parse_number(text, expected):
    assert parse_number(text) == expected


@pytest.mark.parametrize("text,value,den,unit", [
    ("11,4/18 điểm", 11.4, 18.0, "điểm"),   # seed 002 row 1
    ("86/90 đơn vị", 86.0, 90.0, "đơn vị"),  # seed 002 row 5.4
    ("49,22% ", 49.22, None, "%"),
    (" 57,30%", 57.3, None, "%"),
    ("75,5 điểm", 75.5, None, "điểm"),
    ("40543", 40543.0, None, None),
])
def test_parse_quantity(text, value, den, unit):
    q = parse_quantity(text)
    assert (q.value, q.denominator, q.unit) == (value, den, unit)


def test_no_data_is_null_but_kept():
    q = parse_quantity("Không có số liệu, không có điểm (Điểm tối đa của chỉ số này là 2 điểm)")
    assert q.no_data and q.value is None and q.raw.startswith("Không có số liệu")


def test_sentence_is_not_a_quantity():
    assert parse_quantity("15 ngày các cơ quan, đơn vị ban hành văn bản triển khai") is None


@pytest.mark.parametrize("text,op,value", [
    ("> 80%", ">", 80.0),                       # seed 001
    ("100%", "=", 100.0),                       # seed 001: bare figure
    ("từ 90% trở lên", ">=", 90.0),             # seed 002
    ("từ 25 % trở lên", ">=", 25.0),
    ("đạt tối thiểu 90%", ">=", 90.0),          # seed 003
    ("đạt trên 60%", ">", 60.0),                # seed 003
    ("≥ 80", ">=", 80.0), (">= 30", ">=", 30.0),  # real 10
    ("≤ 10", "<=", 10.0), ("tối đa 5%", "<=", 5.0),
    ("phải đạt 100%", "=", 100.0), ("yêu cầu 100%", "=", 100.0),
])
def test_parse_target(text, op, value):
    t = parse_target(text)
    assert (t.op, t.value) == (op, value)


def test_target_whole_refuses_prose():
    assert parse_target("Cộng cả toàn trình, một phần tỉnh đạt 80,984% (Vượt chỉ tiêu)", whole=True) is None


@pytest.mark.parametrize("text,status,op,value", [
    ("Đạt (từ 90% trở lên)", "Đạt", ">=", 90.0),
    ("Chưa đạt( từ 100% trở lên)", "Chưa đạt", ">=", 100.0),
    ("Chưa đạt (trên 90%)", "Chưa đạt", ">", 90.0),
    ("Chưa đạt (yêu cầu 100%)", "Chưa đạt", "=", 100.0),
    ("Đã hoàn thành quá hạn", "Đã hoàn thành quá hạn", None, None),
])
def test_parse_status(text, status, op, value):
    s, t, _rest = parse_status(text)
    assert s == status
    assert (t.op if t else None, t.value if t else None) == (op, value)


def test_text_without_status():
    s, t, rest = parse_status("Cộng cả toàn trình, một phần tỉnh đạt 80,984%")
    assert s is None and t is None and rest.startswith("Cộng")


@pytest.mark.parametrize("text,title,op,value,raw,rest", [
    # real 03 (KH 144/KH-UBND Bắc Ninh), Phụ lục: the target sits inside the indicator's text
    ("Tỷ lệ doanh nghiệp có hoạt động đổi mới sáng tạo đạt tối thiểu 40%",
     "Tỷ lệ doanh nghiệp có hoạt động đổi mới sáng tạo", ">=", 40.0, "đạt tối thiểu 40%", ""),
    ("Kinh tế số chiếm 45% GRDP tỉnh.", "Kinh tế số", "=", 45.0, "chiếm 45% GRDP tỉnh", ""),
    ("Tỷ lệ phủ sóng 5G trên địa bàn đạt 100% dân số.", "Tỷ lệ phủ sóng 5G trên địa bàn", "=", 100.0,
     "đạt 100% dân số", ""),
    ("Tỷ trọng đào tạo các ngành STEM của tỉnh đạt tối thiểu 30%, gắn với nhu cầu phát triển nguồn nhân lực số",
     "Tỷ trọng đào tạo các ngành STEM của tỉnh", ">=", 30.0, "đạt tối thiểu 30%",
     "gắn với nhu cầu phát triển nguồn nhân lực số"),
    # seed 003 item 2, diacritics restored
    ("Tỷ lệ hồ sơ được xử lý hoàn toàn trực tuyến đạt trên 60%.", "Tỷ lệ hồ sơ được xử lý hoàn toàn trực tuyến",
     ">", 60.0, "đạt trên 60%", ""),
])
def test_split_target(text, title, op, value, raw, rest):
    from chitieu.parse.targets import split_target
    head, target, after = split_target(text)
    assert (head, target.op, target.value, target.raw, after) == (title, op, value, raw, rest)


@pytest.mark.parametrize("text", [
    "Phấn đấu mỗi năm phát triển từ 05 bộ dữ liệu mở; có tối thiểu 05 kịch bản ứng dụng",  # counts, no %
    "Tỷ lệ ĐVSNCL đã cắt giảm so với năm 2015",                                          # seed 004
    "Tỉ lệ người sử dụng có khả năng truy nhập băng rộng cố định với tốc độ trên 1Gb/s.",  # real 10
])
def test_no_target_in_text(text):
    from chitieu.parse.targets import split_target
    assert split_target(text)[1] is None


def test_range_targets_keep_both_ends():
    from chitieu.parse.targets import parse_target, split_target
    t = parse_target("từ 1%-1,5%")
    assert (t.op, t.value, t.high) == ("between", 1.0, 1.5)
    assert parse_target("2026 - 2030") is None  # a span of years is no target
    head, t, rest = split_target("Tỷ lệ hộ nghèo giảm hàng năm 1%-1,5%")  # real 05
    assert head == "Tỷ lệ hộ nghèo giảm hàng năm" and (t.value, t.high) == (1.0, 1.5)


def test_two_rows_run_together_in_a_value_cell_are_flagged():
    from chitieu.parse.rows import Hierarchy, Row, row_to_record
    row = Row(page=1, line=6, stt_raw="1")
    row.add("title", "Công khai, minh bạch (18đ) Tỷ lệ thủ tục hành chính công bố đúng hạn (6đ)")
    row.add("value", "11,4/18 điểm 49,22%")  # row 1.1's number was lost: its value joined row 1's
    rec = row_to_record(row, "0" * 16, "x", 1, Hierarchy())
    assert rec.value == 11.4 and any("more than one figure" in w for w in rec.warnings)
    ok = Row(page=1, line=7, stt_raw="2")
    ok.add("title", "Tiến độ, kết quả giải quyết")
    ok.add("value", "15,1/20 điểm")
    assert not row_to_record(ok, "0" * 16, "x", 2, Hierarchy()).warnings


def test_a_range_of_figures_keeps_both_ends():
    from chitieu.parse.numbers import parse_quantity
    q = parse_quantity("8 - 10")
    assert (q.value, q.high) == (8.0, 10.0)
    q = parse_quantity("1-1,5%")
    assert (q.value, q.high, q.unit) == (1.0, 1.5, "%")
    assert parse_quantity("2026 - 2030") is None   # years, not a range of figures
