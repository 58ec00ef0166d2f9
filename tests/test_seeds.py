"""Seeds 001 and 002 row for row, expectations read off the source files by hand."""
import pytest

from chitieu.schemas import validate_record

# Seed 002 (clean part), columns: STT | TÊN CÁC CHỈ SỐ | TỈNH | TRUNG BÌNH CẢ NƯỚC | MỨC ĐỘ
# (stt, value, denominator, unit, benchmark, target_op, target_value, max_points, status)
SEED_002 = [
    ("1", 11.4, 18, "điểm", 10.5, None, None, 18, None),
    ("1.1", 49.22, None, "%", 50.36, ">=", 90, 6, "Đạt"),
    ("1.2", 49.22, None, "%", 42.44, ">=", 90, 4, "Đạt"),
    ("1.3", 100, None, "%", 100, ">=", 90, 2, "Đạt"),
    ("1.4", 75.02, None, "%", 62.86, ">=", 100, 6, "Chưa đạt"),
    ("2", 15.1, 20, "điểm", 16.2, None, None, 20, None),
    ("2.1", 74.11, None, "%", 80.52, ">=", 90, None, "Chưa đạt"),
    ("3", 10.8, 12, "điểm", 5.4, None, None, 22, None),
    ("3.1", None, None, None, None, None, None, 2, None),
    ("3.1.1", 21.64, None, "%", 58.26, None, None, None, None),
    ("3.1.2", 59.2, None, "%", 10.93, None, None, None, None),
    ("3.2", 11.8, None, "%", 24.5, None, None, 4, None),
    ("3.3", 49.08, None, "%", 43.93, ">=", 50, 6, "Chưa đạt"),
    ("3.4", 84.96, None, "%", 90.91, ">", 90, None, "Chưa đạt"),
    ("3.5", 9.2, 10, "điểm", 5.5, None, None, None, None),
    ("3.5.1", 58.55, None, "%", 32.12, ">=", 25, 6, "Đạt"),
    ("3.5.2", 46.19, None, "%", 39.77, ">=", 25, 2, "Đạt"),
    ("3.5.3", 44.39, None, "%", 100, "=", 100, 2, "Chưa đạt"),
    ("4", 17.1, 18, "điểm", 17.0, None, None, 18, None),
    ("4.1", 100, None, "%", None, ">=", 90, 6, "Đạt"),
    ("4.2", 100, None, "%", 100, ">=", 90, 6, "Đạt"),
    ("4.3", 75.72, None, "%", 80.59, ">", 90, 6, "Chưa đạt"),
    ("5", 11.9, 22, "điểm", 11.1, None, None, 22, None),
    ("5.1", 57.30, None, "%", 50.28, ">", 90, 6, "Chưa đạt"),
    ("5.2", 50.43, None, "%", 46.10, ">", 90, 4, "Chưa đạt"),
    ("5.3", None, None, None, 10.53, None, None, 2, None),
    ("5.4", 86, 90, "đơn vị", None, None, None, 2, None),
    ("5.5", None, None, None, None, None, None, 4, None),
]


def _num(x):
    return None if x is None else float(x)


def test_seed_002_rows(seed_docs):
    doc = seed_docs["002"]
    got = [(r.stt, r.value, r.value_denominator, r.unit, r.benchmark_value, r.target_op, r.target_value,
            r.max_points, r.status) for r in doc.records if r.kind != "total"]
    want = [(s, _num(v), _num(d), u, _num(b), op, _num(t), _num(p), st) for s, v, d, u, b, op, t, p, st in SEED_002]
    assert got == want
    # the un-numbered 'Tổng điểm' row is a record of its own, marked as a total, not glued to the row above
    (total,) = [r for r in doc.records if r.kind == "total"]
    assert (total.title, total.value, total.benchmark_value, total.stt, total.parent_stt) == \
        ("Tổng điểm", 75.5, 65.7, None, None)
    assert [c.column for c in total.cells][:4] == ["STT", "TÊN CÁC CHỈ SỐ", "TỈNH", "TRUNG BÌNH CẢ NƯỚC"]


def test_seed_002_titles_and_hierarchy(seed_docs):
    recs = {r.stt: r for r in seed_docs["002"].records}
    assert recs["1.3"].title == ("Tỷ lệ thủ tục hành chính được công khai có đầy đủ các nội dung quy định về "
                                 "các bộ phận tạo thành của thủ tục hành chính")
    assert recs["4"].title == "Mức độ hài lòng"            # '(18đ): ' moved to max_points
    assert recs["3.5.3"].parent_stt == "3.5" and recs["3.5.3"].level == 3
    assert recs["1"].parent_stt is None and recs["1"].level == 1
    assert recs["5.5"].value_raw == "Không có số liệu"
    assert recs["3.1"].note.startswith("Cộng cả toàn trình")  # not a status: kept as a note


def test_seed_002_damaged_copy_is_not_duplicated(seed_docs):
    doc = seed_docs["002"]
    rows = [r for r in doc.records if r.kind == "row"]
    assert len(rows) == 28 and len({r.stt for r in rows}) == 28
    repeats = [u for u in doc.unparsed if u.reason.startswith("repeat")]
    assert repeats and any("repeat" in w for w in doc.warnings)
    # the total row is a record once (from the clean table), its repeat in the damaged copy is reported
    assert [r.title for r in doc.records if r.kind == "total"] == ["Tổng điểm"]



def test_seed_002_damaged_copy_alone_gives_its_figures_and_statuses(tmp_path):
    # the '?' copy as a file of its own: a scorecard flattened to text, each row's figures and status ending its
    # (wrapped) title; they had stayed in the title ('… đúng hạn (6đ) 49,22% 50,36% Đạt (từ 90% trở lên)')
    from chitieu import pipeline
    from conftest import seed
    lines = seed("002").read_text(encoding="utf-8").splitlines()
    cut = next(i for i, ln in enumerate(lines) if "CH?" in ln)
    path = tmp_path / "copy.txt"
    path.write_text("\n".join(lines[cut:]), encoding="utf-8")
    by_stt = {r.stt: r for r in pipeline.process_file(path, "copy").records}
    r = by_stt["1.1"]
    assert r.title == "Tỷ lệ thủ tục hành chính công bố đúng hạn" and r.max_points == 6
    assert (r.value, r.benchmark_value, r.status, r.target_op, r.target_value) == (49.22, 50.36, "Đạt", ">=", 90)
    assert (by_stt["1"].value, by_stt["1"].value_denominator, by_stt["1"].benchmark_value) == (11.4, 18, 10.5)
    assert by_stt["1.4"].status == "Chưa đạt" and by_stt["3.1.1"].value == 21.64


# Seed 001, columns: STT | Nội dung chỉ tiêu | Tỷ lệ (target) | Thực hiện
SEED_001 = [
    ("1", "Tỷ lệ dịch vụ công trực tuyến toàn trình được công bố trên Hệ thống iGate", "b/a*100", "=", 100),
    ("2", "Hồ sơ giải quyết được cập nhật lên Hệ thống iGate", "b/a*100", "=", 100),
    ("3", "Hồ sơ giải quyết trực tuyến toàn trình", "(b/a)*100", ">", 80),
    ("4", "Thực hiện quy trình số hóa hồ sơ giải quyết TTHC", "b/a*100", "=", 100),
    ("5", "TTHC được triển khai thanh toán trực tuyến", "(b/a)*100", "=", 100),
    ("6", "Số TTHC có phát sinh giao dịch thanh toán trực tuyến", "(b/a)*100", "=", 100),
    ("7", "Số hồ sơ thanh toán trực tuyến", "(b/a)*100", "=", 100),
    ("8", "CBCCVVC sử dụng dịch vụ công và tuyên truyền, hướng dẫn người thân sử dụng dịch vụ công trực "
          "tuyến toàn trình", None, "=", 100),
]


def test_seed_001_rows(seed_docs):
    doc = seed_docs["001"]
    got = [(r.stt, r.title, r.formula, r.target_op, r.target_value) for r in doc.records]
    assert got == [(s, t, f, op, float(v)) for s, t, f, op, v in SEED_001]


def test_seed_001_row_split_over_page_break(seed_docs):
    row6 = seed_docs["001"].records[5]
    # The explanation of row 6 sits after the repeated header, on a row with an empty STT cell.
    assert "a là tổng số TTHC đang triển khai thanh toán trực tuyến" in row6.note
    assert any(u.reason == "repeated table header" for u in seed_docs["001"].unparsed)


def test_seed_001_responsible_and_legal_basis(seed_docs):
    recs = seed_docs["001"].records
    assert recs[0].responsible == "Các phòng, ban thuộc Sở"
    assert recs[1].responsible is None
    assert "Theo Quyết định số 3003/QĐ-UBND ngày 30/12/2022" in recs[1].note


def test_every_seed_runs_and_validates(seed_docs):
    assert set(seed_docs) == {"000", "001", "002", "003", "004"}
    for key, doc in seed_docs.items():
        assert doc.status == "ok", (key, doc.error)
        for rec in doc.records:
            assert validate_record(rec.to_dict()) == []


def test_seed_004_deep_stt_and_subrows(seed_docs):
    recs = seed_docs["004"].records
    by_stt = {r.stt: r for r in recs if r.stt}
    assert by_stt["3.4.1"].parent_stt == "3.4" and by_stt["3.4.1"].level == 3
    received = next(r for r in recs if r.title == "Tổng số hồ sơ TTHC đã tiếp nhận" and r.value == 40543)
    assert received.parent_stt == "3.4.1" and received.unit == "Hồ sơ" and received.stt is None


def test_seed_000_rows_are_found_through_ocr_slips(seed_docs):
    """Seed 000 (English-model OCR of a ruled table): row 2's number was read as 'o |' and row numbers skip."""
    doc = seed_docs["000"]
    stts = [r.stt for r in doc.records]
    assert stts[:8] == ["1", "2", "2.1", "2.2", "3", "3.1", "3.2", "4"]
    row2 = doc.records[1]
    assert row2.stt_raw == "2" and any("taken as 2" in w for w in row2.warnings)
    assert doc.records[2].target_raw == "100%"


def test_layout_can_be_forced():
    from chitieu import pipeline
    from conftest import seed
    auto = pipeline.process_file(seed("002"), "002")
    table = pipeline.process_file(seed("002"), "002", pipeline.RunSettings(layout="table"))
    flow = pipeline.process_file(seed("002"), "002", pipeline.RunSettings(layout="flow"))
    assert (auto.layout, table.layout, flow.layout) == ("table", "table", "flow")
    rows = [r for r in auto.records if r.kind == "row"]
    assert len(table.records) == len(auto.records) == 29 and len(rows) == 28
    # forced to running text, the one-cell-per-line table no longer gives its rows whole
    assert len(flow.records) != 28 and flow.layout_reason == "--layout flow"
    # nothing is dropped: lines outside the table are unparsed with the reason
    assert any(u.reason == "outside the tables (--layout table)" for u in table.unparsed)


def test_plan_numbering_roman_parts_numbers_and_letters():
    """Real 05 (a provincial financial plan): I. / 1. / 2.1. alone on its line / a) items, and a column of
    thousands ('20.330') that is not a row number."""
    from chitieu import pipeline
    from conftest import REAL
    doc = pipeline.process_file(next(REAL.glob("05_*.txt")), "05")
    recs = doc.records
    part1 = next(r for r in recs if r.stt == "I")
    assert part1.level == 1 and part1.title.startswith("TÌNH HÌNH THỰC HIỆN")
    first = recs[recs.index(part1) + 1]
    assert (first.stt, first.parent_stt, first.level) == ("1", "I", 2)
    sub = next(r for r in recs if r.stt == "2.1")
    assert sub.level == 3 and sub.title.startswith("Thu ngân sách nhà nước")
    lettered = [r for r in recs if r.stt_raw in ("a)", "b)")]
    # a lettered item is numbered by its letter, under the numbered row above it
    assert lettered and all(r.stt == r.stt_raw[0] and r.parent_stt and r.parent_stt[0].isdigit() for r in lettered)
    assert not any(r.stt_raw and r.stt_raw.startswith("20.330") for r in recs)
    parts = [r for r in recs if r.stt and r.level == 1]
    assert [r.stt for r in parts if r.line < 526] == ["I", "II", "III"]   # the plan's own parts
    # Mẫu biểu số 01 (l.526) numbers its rows afresh: they hang from no part of the prose before it
    form = [r for r in recs if 526 <= r.line <= 1243 and r.stt]
    assert [r.stt for r in form] == [str(n) for n in range(1, 14)] and all(r.parent_stt is None for r in form)
    # the appendix tables' sections, printed in bold ('**I**' | '**THU NỘI ĐỊA**'), are rows too
    assert any(r.stt == "I" and r.title == "THU NỘI ĐỊA" for r in parts if r.line > 1000)


def test_addressees_of_a_dispatch_are_not_rows(seed_docs):
    """Seed 003 and real 02/06 end with 'Nơi nhận:' and '-' addressees; they are not indicator rows."""
    from chitieu import pipeline
    from conftest import REAL
    last = seed_docs["003"].records[-1]
    assert last.stt_raw == "5." and "Nơi nhận" not in (last.title_raw or "")
    for name in ("02_", "06_"):
        doc = pipeline.process_file(next(REAL.glob(name + "*.txt")), name)
        assert not any((r.title or "").startswith(("Lưu: VT", "Như Điều", "VPCP:")) for r in doc.records)


def test_seed_004_responsible_text_leaves_the_title(seed_docs):
    recs = {r.stt_raw: r for r in seed_docs["004"].records if r.stt_raw}
    assert recs["1.5."].title == "Thực hiện nhiệm vụ Chính phủ, Thủ tướng Chính phủ giao"
    assert recs["1.5."].responsible.startswith("Văn phòng UBND tỉnh (VP.UBND tỉnh) báo cáo")
    assert recs["1.4."].title.endswith("tổ chức bộ máy") and recs["1.4."].responsible == "Sở Nội vụ báo cáo"


def _scorer():
    """bench/parse_scorer.py, whose references (bench/references/) were written from the sources by reading."""
    import importlib.util
    from tests.conftest import ROOT
    spec = importlib.util.spec_from_file_location("parse_scorer", ROOT / "bench" / "parse_scorer.py")
    scorer = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(scorer)
    return scorer


def test_seed_004_against_its_hand_reference(seed_docs):
    # bench/references/seed_004.rows.json was written line by line from the source, not from the parser
    scorer = _scorer()
    m = scorer.score(seed_docs["004"].records, scorer.reference("seed_004")[0])
    assert m["F1"] >= 0.98
    assert m["num_right"] == m["num"]


@pytest.mark.parametrize("name, pattern", [("real_10", "10_*.txt"), ("real_03", "03_*.txt"), ("real_02", "02_*.txt"),
                                           ("real_05", "05_*.txt"), ("real_06", "06_*.txt")])
def test_real_documents_against_their_hand_references(name, pattern):
    # real 02 / 06: cells between bar lines; real 05: the same with empty cells that look like row ends, '-' and
    # '+' sub-rows without a number, a header cell spanning 'Kế hoạch' and 'Ước thực hiện'; real 06: statuses
    from chitieu import pipeline
    from conftest import REAL
    records = pipeline.process_file(next(REAL.glob(pattern)), name).records
    scorer = _scorer()
    want, _ = scorer.reference(name)
    first, last = scorer.line_range(name)
    # these references list numbered rows and their sub-rows; un-numbered group headings and totals are scored
    # by the table references (bench/references/tables)
    m = scorer.score([r for r in records if first <= r.line <= last
                      and not (r.kind in ("heading", "total") and r.stt is None)], want)
    assert m["F1"] >= 0.98 and m["num_right"] == m["num"] and m["status_right"] == m["status"]
    assert m["parent_right"] == m["parent"] and m["title_right"] >= 0.95 * m["titled"]


def test_seed_000_ocr_grid_against_its_hand_reference(seed_docs):
    """Seed 000's columns came out interleaved line by line: every row is put back together, row 1's title cut
    from the 'Thực hiện' words inside it by its lexicon entry, rows 9 / 9.1 rebuilt though OCR lost both numbers,
    row 5.2's '90%' read back from '909'."""
    scorer = _scorer()
    m = scorer.score(seed_docs["000"].records, scorer.reference("seed_000")[0])
    assert m["F1"] >= 0.98 and m["num_right"] == m["num"]
    rows = {r.stt: r for r in seed_docs["000"].records}
    assert rows["1"].indicator_id == "dvctt-2023:1" and rows["1"].responsible.startswith("Các sở, Ban")
    assert rows["1"].target_value == 100
    assert (rows["9.1"].parent_stt, rows["9.1"].target_value) == ("9", 100)
    assert rows["5.2"].target_value == 90 and "read as 909" in rows["5.2"].warnings[0]
    assert all("row number not found" in " ".join(rows[s].warnings) for s in ("9", "9.1"))


def test_seed_003_dispatch_items_against_their_hand_reference(seed_docs):
    # two numbered lists that both restart at 1; a task's demanded share ('cho 100% công chức') is its target
    scorer = _scorer()
    m = scorer.score(seed_docs["003"].records, scorer.reference("seed_003")[0])
    assert m["F1"] >= 0.98 and m["num_right"] == m["num"]


def test_budget_table_lettered_parts_and_figures_apart():
    """Real 05, Mẫu biểu 04: A / I / 1 / 1.2 / a numbering in the STT column, and five figure columns under a
    two-line header that the record has no field for: each stays a note part of its own, none runs into another."""
    from chitieu import pipeline
    from conftest import REAL
    recs = [r for r in pipeline.process_file(next(REAL.glob("05_*.txt")), "05").records if 2620 <= r.line < 3050]
    by = {(r.stt, r.parent_stt): r for r in recs}
    assert (by[("A", None)].level, by[("I", "A")].level, by[("1", "I")].level) == (1, 2, 3)
    assert by[("a", "1.2")].title == "Chi đầu tư XDCB vốn trong nước"
    # the numbered parts at the top (an un-numbered line under the header is a heading of its own, level 1)
    assert [r.stt for r in recs if r.level == 1 and r.stt] == ["A", "B", "C", "D"]
    # the figure columns stay cells of their own, each typed, none joined into the note
    figures = [c for c in by[("A", None)].cells if c.value is not None]
    assert [c.text for c in figures] == ["26.811.096", "27.535.000", "26.278.107", "29.284.105", "30.928.602"]
    assert figures[0].value == 26811096 and by[("A", None)].note is None


def test_italic_heading_keeps_its_paragraph_as_note():
    """Real 05 l.152: '*a) Tình hình thu NSNN năm\\n2025*' then a paragraph: the heading is the title, the paragraph
    (its wrapped lines joined with spaces) the note."""
    from chitieu import pipeline
    from conftest import REAL
    recs = pipeline.process_file(next(REAL.glob("05_*.txt")), "05").records
    a = next(r for r in recs if r.line == 152)
    assert (a.stt, a.parent_stt, a.title) == ("a", "2.1", "Tình hình thu NSNN năm 2025")
    assert a.note.startswith("Năm 2025, Hội đồng nhân dân tỉnh quyết nghị thông qua tổng thu ngân sách nhà nước")


def test_numbering_errors_of_the_source_are_kept_and_warned_about():
    """Real 06 prints …19, 22, 20, 21, 22… and 37 twice: kept as printed, each slip warned about; a list that
    restarts at 1 (seed 003's second list) is no repeat."""
    from chitieu import pipeline
    from conftest import REAL, seed
    recs = pipeline.process_file(next(REAL.glob("06_*.txt")), "06").records
    warned = {(r.line, r.stt): " ".join(r.warnings) for r in recs if 1830 < r.line < 2400 and r.kind == "row"}
    assert [s for _, s in sorted(warned)][:6] == ["19", "22", "20", "21", "22", "23"]
    assert "does not follow 19" in warned[(1866, "22")] and "used twice" in warned[(1944, "22")]
    assert "used twice" in warned[(2373, "37")]
    seed3 = pipeline.process_file(seed("003"), "003").records
    assert not any("used twice" in w for r in seed3 for w in r.warnings)
