"""Text-layer PDFs from samples/ (made by samples/make_samples.py from the seeds)."""
import pdfplumber

from chitieu import pipeline
from conftest import SAMPLES, seed

RULED = SAMPLES / "scorecard_766_ruled.pdf"
LAYOUT = SAMPLES / "cchc_stats_layout.pdf"
FIELDS = ("stt", "parent_stt", "level", "title", "value", "value_denominator", "unit", "benchmark_value",
          "target_op", "target_value", "max_points", "status", "note")


def test_ruled_pdf_equals_its_text_twin():
    pdf_doc = pipeline.process_file(RULED, RULED.name)
    txt_doc = pipeline.process_file(seed("002"), "002.txt")
    assert pdf_doc.kind == "pdf-text" and pdf_doc.layout_reason == "table header found (pdf-grid)"
    assert [tuple(getattr(r, f) for f in FIELDS) for r in pdf_doc.records] == \
        [tuple(getattr(r, f) for f in FIELDS) for r in txt_doc.records]
    assert [r.page for r in pdf_doc.records][-1] == 2  # the table runs onto page 2 under a repeated header
    assert any(u.reason == "repeated table header" for u in pdf_doc.unparsed)


def test_positioned_words_are_not_glued():
    with pdfplumber.open(LAYOUT) as pdf:  # pdfplumber's defaults glue this PDF's words: the case we handle
        assert "CôngtácchỉđạođiềuhànhCCHC" in pdf.pages[0].extract_text()
    doc = pipeline.process_file(LAYOUT, LAYOUT.name)
    assert doc.records[0].title == "Công tác chỉ đạo điều hành CCHC"


def test_positioned_columns_seed_004_layout():
    doc = pipeline.process_file(LAYOUT, LAYOUT.name)
    assert doc.layout_reason == "table header found (pdf-positions)" and len(doc.records) == 45
    r = {(x.stt or f"-{x.seq}"): x for x in doc.records}
    assert r["1.2"].title == "Tỷ lệ hoàn thành kế hoạch CCHC năm (lũy kế đến thời điểm báo cáo)"  # wrapped
    assert (r["1.2"].unit, r["1.2"].value) == ("%", None)
    assert r["1.1"].responsible == ("Sở Nội vụ báo cáo số liệu, kết quả của tỉnh; "
                                    "Cơ quan, đơn vị, địa phương báo cáo")
    assert (r["3.4.4"].unit, r["3.4.4"].value) == ("%", 98.36)
    assert r["1.3.1"].unit == "Cơ quan, đơn vị, địa phương"  # wrapped inside its narrow column
    received = next(x for x in doc.records if x.title == "Tổng số hồ sơ TTHC đã tiếp nhận")
    assert (received.parent_stt, received.unit, received.value) == ("3.4.1", "Hồ sơ", 40543)
    assert {(u.reason, u.text) for u in doc.unparsed} >= {("page number", "2")}
