"""Tables as data, on real PDFs against hand references written from the rendered pages
(bench/references/tables/, scored by bench/table_scorer.py), and the outputs that carry the cells."""
import csv
import io
import json
import sqlite3
import sys

import pytest

from chitieu import pipeline
from tests.conftest import ROOT, seed

sys.path.insert(0, str(ROOT / "bench"))
REALPDF = ROOT / "tests" / "data" / "realpdf"   # copies of ../shared/realpdf (official documents, no copyright)
REFS = ROOT / "bench" / "references" / "tables"


def _scored(name: str):
    from table_scorer import score_document
    ref = json.loads((REFS / f"{name}.json").read_text(encoding="utf-8"))
    doc = pipeline.process_file(REALPDF / ref["source"], ref["source"])
    return doc, score_document(ref, doc)


@pytest.mark.parametrize("name", ["realpdf_13", "realpdf_08", "realpdf_01"])
def test_real_pdf_tables_against_hand_references(name):
    """A ranking table over five pages with repeated headers and summary rows (13), a ruled fee schedule with
    group headings (08), a two-row header of three provinces × (Điểm, Chỉ số, Thứ hạng) (01)."""
    doc, m = _scored(name)
    assert m["rows"] / m["want"] >= 0.97 and m["merged"] == 0
    assert m["cells"] / m["cells_want"] >= 0.95
    assert m["figures"] == m["figures_want"]


def test_ruled_tables_without_row_numbers():
    """Bảng 1 and 2 of a draft regulation: no STT column, no header word the vocabulary knows, a category merged
    down over the rows that each have their own cells, a cell's lines cut into strips by rules."""
    from table_scorer import score_document
    ref = json.loads((REFS / "realpdf_24.json").read_text(encoding="utf-8"))
    ref["pages"], ref["tables"] = [11, 12], [t for t in ref["tables"] if t["first_page"] in (11, 12)]
    doc = pipeline.process_file(next(REALPDF.glob("24_*.pdf")), "24.pdf")
    for r in doc.records:   # the cut-out pages are numbered 1 and 2
        r.page += 10
    m = score_document(ref, doc)
    # measured 18/21 rows, 81/117 cells: the rows of Bảng 1 whose code cell spans two strips still split
    assert m["rows"] / m["want"] >= 0.85 and m["cells"] / m["cells_want"] >= 0.65
    water = [r for r in doc.records if r.cells and r.cells[0].text == "Nước"]
    assert [r.cells[2].text for r in water] == ["Phun tia", "Phun sương"]
    assert water[1].cells[0].merged and all(r.kind == "row" for r in water)


def test_ranking_table_rows_are_bodies_with_scores():
    doc = pipeline.process_file(next(REALPDF.glob("13_*.pdf")), "13.pdf")
    first = next(r for r in doc.records if r.kind == "row")
    assert (first.stt, first.title, first.unit) == ("1", "Sở Tư pháp", None)
    assert (first.max_points, first.value) == (14.5, 13.5)   # Điểm chuẩn tối đa, Điểm thẩm định
    assert [c.column for c in first.cells] == ["STT", "Đơn vị", "Điểm chuẩn tối đa", "Điểm tự đánh giá",
                                               "Điểm thẩm định", "Chỉ số"]
    assert [c.value for c in first.cells] == [None, None, 14.5, 14.5, 13.5, 93.1]
    totals = [r for r in doc.records if r.kind == "total"]
    assert [t.title for t in totals[:3]] == ["Chỉ số cao nhất", "Chỉ số trung bình", "Chỉ số thấp nhất"]
    assert all(t.parent_stt is None and t.confidence == 1.0 for t in totals)
    assert not any(r.title in {"2", "3", "4", "5"} for r in doc.records)   # page numbers at the top


def test_clean_titles_are_never_rewritten_by_the_lexicon():
    """A title read from a text layer keeps its words: the lexicon links it, it replaces only damaged words."""
    for path in sorted(REALPDF.glob("*.pdf")):
        for rec in pipeline.process_file(path, path.name).records:
            assert not any("restored from lexicon" in w for w in rec.warnings), (path.name, rec.title)
            if rec.indicator_id and rec.title_raw:   # linked to an indicator, in its own words
                assert set(rec.title.split()) <= set(rec.title_raw.split()), (path.name, rec.title)


def test_two_row_header_gives_header_paths_and_ranks():
    doc = pipeline.process_file(next(REALPDF.glob("01_*.pdf")), "01.pdf")
    row = next(r for r in doc.records if r.kind == "row" and r.table_index is not None)
    assert [c.column for c in row.cells][2:5] == ["Lâm Đồng / Điểm số", "Lâm Đồng / Chỉ số", "Lâm Đồng / Thứ hạng"]
    assert (row.value, row.value_denominator, row.rank, row.rank_of) == (9.49, 9.5, 12, 63)
    assert [c.value for c in row.cells if c.column.startswith("Đắk Nông")] == [9.45, 99.5, 22]
    assert doc.tables[0].columns == [c.column for c in row.cells]


def test_columns_without_a_role_stay_cells_and_are_named_once():
    """Real 05's budget table: year columns no role names; their figures stay typed cells, never a note."""
    from tests.conftest import REAL
    doc = pipeline.process_file(next(REAL.glob("05_*.txt")), "05")
    unnamed = [w for w in doc.warnings if w.startswith("no role is known for the column")]
    assert unnamed and len(unnamed) == len(set(unnamed))
    assert all(r.note is None or not any(c.text and c.text in r.note for c in r.cells if c.value is not None)
               for r in doc.records if r.cells)


def test_cells_reach_every_output(tmp_path):
    out = tmp_path / "out"
    result = pipeline.run([seed("002"), next(REALPDF.glob("13_*.pdf"))], out, pipeline.RunSettings())
    n_cells = sum(len(r.cells) for d in result.documents for r in d.records)
    rows = list(csv.DictReader(io.StringIO((out / "cells.csv").read_text(encoding="utf-8-sig"))))
    assert len(rows) == n_cells
    total = next(r for r in rows if r["column"] == "TỈNH" and r["kind"] == "total")
    assert (total["text"], total["value"]) == ("75,5 điểm", "75.5")
    records = json.loads((out / "records.json").read_text(encoding="utf-8"))
    assert records[0]["cells"][2] == {"column": "TỈNH", "text": "11,4/18 điểm", "value": 11.4, "merged": False}
    tables = sorted((out / "tables").glob("*.csv"))
    # seed 002's table; the ranking of sở and the ranking of xã (same header, under their own headings)
    assert len(tables) == sum(len(d.tables) for d in result.documents) == 3
    ranking_file = next(p for p in tables if p.name.startswith("13_") and p.name.endswith("table01.csv"))
    ranking = list(csv.reader(io.StringIO(ranking_file.read_text(encoding="utf-8-sig"))))
    assert ranking[0] == ["STT", "Đơn vị", "Điểm chuẩn tối đa", "Điểm tự đánh giá", "Điểm thẩm định", "Chỉ số"]
    assert ranking[1] == ["1", "Sở Tư pháp", "14,50", "14,50", "13,50", "93,10%"]
    with sqlite3.connect(out / "chitieu.sqlite") as conn:
        assert conn.execute("SELECT count(*) FROM cells").fetchone()[0] == n_cells
        assert conn.execute('SELECT value FROM cells WHERE "column" = ? AND text = ?',
                            ("Điểm thẩm định", "13,50")).fetchone()[0] == 13.5
    from openpyxl import load_workbook
    sheet = load_workbook(out / "records.xlsx", read_only=True)["cells"]
    assert sum(1 for _ in sheet.iter_rows()) == n_cells + 1


def test_a_headers_file_gives_a_column_its_role(tmp_path):
    """Real 05's 'Năm 2026' column has no role; a user's header vocabulary gives it one (target), the run is
    redone because the vocabulary changed, and a malformed file stops the run with exit 2 and one line."""
    from click.testing import CliRunner
    from chitieu import cli
    from tests.conftest import REAL
    source = next(REAL.glob("05_*.txt"))
    mine = tmp_path / "headers.tsv"
    mine.write_text("# the plan's first year is its target\ntarget\t^nam 2026$\twhy\n", encoding="utf-8")
    out = tmp_path / "out"
    plain = pipeline.run([source], out, pipeline.RunSettings())
    named = pipeline.run([source], out, pipeline.RunSettings(headers=(mine,)))
    assert named.resumed == 0
    before = {r.seq: r for r in plain.documents[0].records}
    changed = [r for r in named.documents[0].records
               if any(c.column == "Năm 2026" and c.value is not None for c in r.cells)]
    newly = [r for r in changed if before[r.seq].target_value is None and r.target_value is not None]
    assert len(newly) >= 10
    assert all(r.target_value == next(c.value for c in r.cells if c.column == "Năm 2026") for r in newly)
    assert not any("'Năm 2026'" in w for w in named.documents[0].warnings)
    bad = tmp_path / "bad.tsv"
    bad.write_text("colour\t^mau$\n", encoding="utf-8")
    result = CliRunner().invoke(cli.main, ["run", str(source), "--out", str(tmp_path / "o2"), "--headers", str(bad)])
    assert result.exit_code == 2 and "bad.tsv line 1" in result.output and "Traceback" not in result.output


def test_cells_beyond_the_header_are_warned_about():
    """Real 02 (a web page's table): the page's own furniture after the last row falls into cells the header
    does not name; that row says so and is not trusted at 1.0, and rows that fit their header are."""
    from tests.conftest import REAL
    recs = pipeline.process_file(next(REAL.glob("02_*.txt")), "02").records
    odd = [r for r in recs if any("beyond the columns the header names" in w for w in r.warnings)]
    assert odd and all(r.confidence < 1.0 for r in odd)
    assert any("NỘI DUNG SỬA ĐỔI" in w for r in odd for w in r.warnings)
    fitting = [r for r in recs if r.table_index and r.kind == "row" and r not in odd]
    assert len(fitting) >= 20 and not any("beyond the columns" in w for r in fitting for w in r.warnings)


def test_structural_doubts_lower_confidence():
    """Issue 20's confidence: a title far longer than its kind's (rows swallowed) and a score over its maximum
    are warned about and not trusted at 1.0, whatever the OCR confidence."""
    from chitieu.parse.document import _warn_swollen_titles
    from chitieu.parse.rows import Hierarchy, Row, row_to_record
    from chitieu.schemas.model import Record
    recs = [Record("0" * 16, "x", 1, i, stt=str(i), title="Tỷ lệ hồ sơ đúng hạn") for i in range(1, 7)]
    recs[3].title = "Xã Lạc Dương " * 200   # a list row that ate the rows after it
    _warn_swollen_titles(recs)
    assert [r.confidence < 1.0 for r in recs] == [False, False, False, True, False, False]
    row = Row(1, 1, "1", table=1, columns=["STT", "Chỉ tiêu", "Điểm"], roles=["stt", "title", "value"],
              cells=["1", "Công khai, minh bạch", "11,4/1,8 điểm"], merged=[False] * 3)
    rec = row_to_record(row, "0" * 16, "x", 1, Hierarchy())
    assert any("more than its maximum" in w for w in rec.warnings) and rec.confidence < 1.0


def test_a_distribution_list_is_never_records_even_without_its_heading(tmp_path):
    """A scanned dispatch whose 'Nơi nhận:' heading OCR lost: the signature block ends the body, the '-' lines
    after it and the '- Lưu: VT' line are listed in unparsed with their reason, not read as items."""
    text = ("KẾ HOẠCH\n\n1. Tỷ lệ hồ sơ trực tuyến phải đạt trên 40%.\n\n2. Tỷ lệ hồ sơ đúng hạn phải đạt 95%./.\n"
            "TM. BAN CHỈ ĐẠO\n- Văn phòng Tỉnh ủy;\n- Công an tỉnh (PC06);\n- Lưu: VT, NC. PHÓ TRƯỞNG BAN\n")
    path = tmp_path / "dispatch.txt"
    path.write_text(text, encoding="utf-8")
    doc = pipeline.process_file(path, path.name)
    assert [r.stt for r in doc.records] == ["1", "2"]
    listed = [u.text for u in doc.unparsed if "Nơi nhận" in u.reason]
    assert listed[0].startswith("TM. BAN CHỈ ĐẠO") and "- Văn phòng Tỉnh ủy;" in listed
    assert any(t.startswith("- Lưu: VT") for t in listed)


def test_cells_for_pandas_in_memory_and_read_back(tmp_path):
    """A data team's view: one row per cell, typed, the same whether taken from memory or from cells.csv."""
    import chitieu
    result = chitieu.convert([str(next(REALPDF.glob("13_*.pdf")))], workers=0)
    cells = result.cells_to_dataframe()
    assert str(cells["value"].dtype) == "Float64" and str(cells["page"].dtype) == "Int64"
    ranking = cells[(cells["table_index"] == 1) & (cells["kind"] == "row")]
    wide = ranking.pivot(index="seq", columns="column", values="value")
    assert wide["Điểm thẩm định"].iloc[0] == 13.5 and wide["Chỉ số"].iloc[0] == 93.1
    out = tmp_path / "out"
    pipeline.run([next(REALPDF.glob("13_*.pdf"))], out, pipeline.RunSettings(review=False, xlsx=False))
    again = chitieu.read_cells(out)
    assert len(again) == len(cells)
    assert again["value"].equals(cells["value"]) and again["column"].equals(cells["column"])
    assert again["text"].equals(cells["text"])


def test_a_second_header_line_names_the_columns_under_its_groups():
    """Real 05's budget tables: 'Năm 2025' and 'Dự kiến 03 năm kế hoạch' over 'Dự toán HĐND tỉnh quyết định |
    Đánh giá thực hiện | Năm 2026 | Năm 2027 | Năm 2028': every body cell falls under a named column (no
    'beyond the header' warnings left but one), and 'Đánh giá thực hiện', a status wording over figures, holds
    figures, never a note."""
    from tests.conftest import REAL
    doc = pipeline.process_file(next(REAL.glob("05_*.txt")), "05")
    named = [t for t in doc.tables if "Năm 2027" in t.columns and "Đánh giá thực hiện" in t.columns]
    assert named and all(t.columns[:2] == ["STT", "Nội dung"] for t in named)
    assert sum(any("beyond the columns" in w for w in r.warnings) for r in doc.records) <= 1
    total = next(r for r in doc.records if (r.title or "").startswith("TỔNG THU NSNN TRÊN ĐỊA BÀN"))
    assert total.kind == "total" and total.note is None
    assert next(c for c in total.cells if c.column == "Đánh giá thực hiện").value == 11580000


def test_the_csv_guard_is_undone_exactly_on_reading_back():
    from chitieu.output.files import neutralise, unneutralise
    for text in ("=SUM(A1)", "+84 912", "-5%", "- Tổng số hồ sơ", "'- trích dẫn", "@x", "Tỷ lệ 49,22%"):
        assert unneutralise(neutralise(text)) == text


def test_a_caption_row_is_a_row_of_its_own_and_the_rows_under_it_stay_whole(tmp_path):
    # a budget plan's table (real 05's shape): 'Trong đó:' alone in the label column names the '+' rows below it
    text = ("KẾ HOẠCH\n\nSTT\tNội dung\tĐơn vị tính\tNăm 2026\tNăm 2027\n"
            "1\tGiáo dục\t\t\t\n"
            "\t- Số học sinh\tNgười\t398.672\t398.672\n"
            "\tTrong đó:\t\t\t\n"
            "\t+ Học sinh dân tộc nội trú\tNgười\t724\t760\n"
            "\t+ Học sinh bán trú\tNgười\t1.210\t1.250\n")
    path = tmp_path / "plan.txt"
    path.write_text(text, encoding="utf-8")
    rows = [r for r in pipeline.process_file(path, path.name).records if r.table_index is not None]
    assert [(r.title, r.kind) for r in rows] == [
        ("Giáo dục", "row"), ("Số học sinh", "subrow"), ("Trong đó", "heading"),
        ("Học sinh dân tộc nội trú", "subrow"), ("Học sinh bán trú", "subrow")]
    assert [c.value for c in rows[4].cells][3:] == [1210.0, 1250.0]


def test_a_tables_notes_inside_its_frame_are_no_row():
    # a draft regulation's table (realpdf 24 p12): its legend, 'CHÚ THÍCH: Dấu “+++” Chữa cháy rất hiệu quả …',
    # is one cell across the table inside its frame; it was a row of the table
    doc = pipeline.process_file(REALPDF / "24_qcvn-du-thao-bca-2025_pages-11-12.pdf", "24.pdf")
    assert not [r for r in doc.records if any(c.text.startswith("CHÚ THÍCH") for c in r.cells)]
    notes = [u for u in doc.unparsed if u.reason.startswith("notes of the table")]
    assert len(notes) == 1 and notes[0].text.startswith("CHÚ THÍCH: Dấu “+++” Chữa cháy rất hiệu quả")
    assert [r.cells[0].text for r in doc.records if r.page == 2 and r.table_index == 2][-1] == "Bột"


def test_every_documents_whole_text_is_kept_page_by_page(tmp_path):
    # an archivist greps a dispatch's body, which is in no record: DIR/text/<doc>.txt, pages marked
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("003", "002"):
        src = seed(name)
        (folder / src.name).write_bytes(src.read_bytes())
    out = tmp_path / "out"
    pipeline.run([folder], out, pipeline.RunSettings(workers=0, review=False, xlsx=False))
    texts = {p.name[:3]: p.read_text(encoding="utf-8") for p in (out / "text").iterdir()}
    assert sorted(texts) == ["002", "003"]
    assert texts["003"].startswith("--- page 1 ---\n")
    # the dispatch's subject line (seed 003, OCR-garbled: 'V/v thuc hién 03 thang cao diém'), repaired, and its
    # distribution list's heading, which is never a record ('Noi nhdn:' in the seed)
    assert "V/v thực hiện 03 tháng cao điểm" in texts["003"]
    assert "\nNơi nhận:" in texts["003"]
    (folder / seed("002").name).unlink()
    pipeline.run([folder], out, pipeline.RunSettings(workers=0, review=False, xlsx=False))
    assert [p.name[:3] for p in (out / "text").iterdir()] == ["003"]   # a document gone takes its text along
