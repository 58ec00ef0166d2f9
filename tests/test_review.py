"""review.html, records.xlsx and the Python API, checked the way their users read them."""
from html.parser import HTMLParser

import pytest

import chitieu
from chitieu import pipeline
from chitieu.output.review import LABELS
from tests.conftest import SEEDS


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    result = pipeline.run([SEEDS], out, pipeline.RunSettings())
    return out, result


class _Page(HTMLParser):
    """Text of the page, and every repaired word with the printed text it carries."""

    def __init__(self):
        super().__init__()
        self.text, self.marks, self.external = [], [], []
        self._mark = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "mark":
            self._mark = [a.get("title", ""), ""]
        if tag in ("script", "link", "img") and (a.get("src") or a.get("href", "")).startswith(("http", "//")):
            self.external.append(a)

    def handle_endtag(self, tag):
        if tag == "mark" and self._mark:
            self.marks.append(tuple(self._mark))
            self._mark = None

    def handle_data(self, data):
        self.text.append(data)
        if self._mark is not None:
            self._mark[1] += data


def test_review_page_shows_every_record_and_warning(run):
    out, result = run
    page = _Page()
    page.feed((out / "review.html").read_text(encoding="utf-8"))
    text = " ".join(" ".join(page.text).split())
    assert not page.external, "the page must open offline"
    for doc in result.documents:
        assert doc.source in text
        for rec in doc.records:
            for w in rec.warnings:
                assert w in text, w
        for w in doc.warnings:
            assert w in text
    # every record is a row: count rows of the records tables
    html = (out / "review.html").read_text(encoding="utf-8")
    assert html.count('<tr class="rec') == sum(len(d.records) for d in result.documents)


def test_repaired_words_carry_what_was_printed(run):
    out, result = run
    page = _Page()
    page.feed((out / "review.html").read_text(encoding="utf-8"))
    # seed 003 was OCR'd without diacritics: its titles are restored, and the page shows what was printed
    printed = LABELS["vi"]["printed"].format(text="")
    assert any(title.startswith(printed) and "Ty" in title for title, word in page.marks), page.marks[:5]
    assert any(word.startswith("Tỷ") for _, word in page.marks)


def test_uncertain_rows_are_marked(run):
    out, result = run
    html = (out / "review.html").read_text(encoding="utf-8")
    looks = sum(1 for d in result.documents for r in d.records
                if r.warnings or (r.confidence is not None and r.confidence < 0.8))
    assert looks > 0 and html.count('<tr class="rec look"') == looks
    assert LABELS["vi"]["only_look"] in html


def test_workbook_types_header_and_neutralised_text(run):
    from openpyxl import load_workbook
    out, result = run
    wb = load_workbook(out / "records.xlsx")
    assert wb.sheetnames == ["records", "documents", "problems", "cells"]
    ws = wb["records"]
    header = [c.value for c in ws[1]]
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref
    rows = [dict(zip(header, [c.value for c in row])) for row in ws.iter_rows(min_row=2)]
    assert len(rows) == sum(len(d.records) for d in result.documents)
    r = next(r for r in rows if r["source"].startswith("002") and r["stt"] == "1.1")
    assert r["value"] == 49.22 and isinstance(r["value"], float)
    assert r["title"] == "Tỷ lệ thủ tục hành chính công bố đúng hạn"
    stt_cell = next(row[header.index("stt")] for row in ws.iter_rows(min_row=2) if row[header.index("stt")].value)
    assert stt_cell.data_type == "s" and stt_cell.number_format == "@"
    problems = [c.value for c in wb["problems"]["E"][1:]]
    assert any("does not follow" in (p or "") or "repeat" in (p or "") for p in problems)


def test_python_api_example_from_the_readme(run):
    out, finished = run
    result = chitieu.convert([next(SEEDS.glob("002_*.txt"))])
    frame = result.to_dataframe()
    assert str(frame["value"].dtype) == "Float64" and str(frame["stt"].dtype).startswith("string")
    row = frame[frame["stt"] == "1.1"].iloc[0]
    assert (row["value"], row["target_op"], row["target_value"]) == (49.22, ">=", 90.0)
    again = chitieu.read_records(out)
    assert len(again) == sum(len(d.records) for d in finished.documents)
    assert list(again.columns) == list(frame.columns)


def test_readme_api_example_runs_as_written(capsys, monkeypatch):
    import re
    from tests.conftest import ROOT
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"For data teams.*?```python\n(.*?)```", readme, re.S).group(1)
    expected = [ln[2:] for ln in block.splitlines() if ln.startswith("# ")]
    monkeypatch.chdir(ROOT)
    exec(compile(block, "README.md", "exec"), {})
    assert capsys.readouterr().out.splitlines() == expected


def test_scanned_rows_show_their_image(tmp_path):
    import shutil
    if shutil.which("tesseract") is None:
        pytest.skip("make setup installs tesseract-ocr")
    from tests.conftest import SAMPLES
    out = tmp_path / "out"
    result = pipeline.run([SAMPLES / "scans" / "scorecard_766_scan.pdf"], out, pipeline.RunSettings())
    html = (out / "review.html").read_text(encoding="utf-8")
    images = sorted((out / "review" / "img").glob("*.jpg"))
    assert html.count('class="thumb"') == 2 and html.count('class="row"') >= 20
    assert all(f'review/img/{p.name}' in html for p in images)
    per_page = {}
    for p in images:
        page = p.name.split("-")[1].removesuffix(".jpg")
        per_page[page] = per_page.get(page, 0) + p.stat().st_size
    assert max(per_page.values()) <= 150_000
    assert len(result.documents[0].records) >= 25


def test_range_ends_are_numbers_in_the_workbook(tmp_path):
    """value_high and target_high are numbers Excel can sum, like value (they were once written as text)."""
    from openpyxl import load_workbook

    from chitieu.output.excel import write_xlsx
    from chitieu.schemas.model import Document, Record
    rec = Record(doc_id="d" * 16, source="x.txt", page=1, seq=1, stt="1", title="Tỷ lệ", value=8.0, value_high=10.0,
                 target_op="between", target_value=1.0, target_high=1.5)
    write_xlsx(tmp_path / "r.xlsx", [Document(doc_id="d" * 16, source="x.txt", records=[rec])])
    ws = load_workbook(tmp_path / "r.xlsx")["records"]
    row = dict(zip([c.value for c in ws[1]], ws[2]))
    assert [row[f].data_type for f in ("value", "value_high", "target_value", "target_high")] == ["n"] * 4
    assert (row["value_high"].value, row["target_high"].value) == (10.0, 1.5)


def test_each_table_is_shown_with_its_cells_under_their_headers(run):
    """A clerk checks a table as printed: its header paths over every row's cells, totals marked."""
    out, result = run
    html = (out / "review.html").read_text(encoding="utf-8")
    doc = next(d for d in result.documents if d.source.startswith("002") and d.tables)
    table = doc.tables[0]
    rows = sum(r.table_index == table.index for r in doc.records)
    assert LABELS["vi"]["table_as_printed"].format(index=table.index, pages=table.page, rows=rows,
                                                   columns=len(table.columns)) in html
    header = "".join(f"<th>{c}</th>" for c in table.columns)
    assert header in html and "<th>TRUNG BÌNH CẢ NƯỚC</th>" in header
    assert '<tr class="kind-total"><td class="">Tổng điểm</td>' in html
    assert '<td class="num">49,22%</td>' in html


def test_operators_and_dash_labels_read_the_same_in_csv_workbook_and_json(run):
    """The formula guard must not alter data: target_op '=' and a '-' STT read as printed in records.csv,
    records.xlsx and records.json alike (before, the CSV and the workbook said "'=" and "'-")."""
    import csv
    import json

    from openpyxl import load_workbook
    out, result = run
    expected = [(r.target_op, r.stt_raw) for d in result.documents for r in d.records]
    assert any(op == "=" for op, _ in expected) and any(raw == "-" for _, raw in expected)
    rows = list(csv.DictReader((out / "records.csv").read_text(encoding="utf-8-sig").splitlines()))
    assert [(r["target_op"] or None, r["stt_raw"] or None) for r in rows] == expected
    ws = load_workbook(out / "records.xlsx")["records"]
    header = [c.value for c in ws[1]]
    op, raw = header.index("target_op"), header.index("stt_raw")
    assert [(row[op].value, row[raw].value) for row in ws.iter_rows(min_row=2)] == expected
    records = json.loads((out / "records.json").read_text(encoding="utf-8"))
    assert [(r["target_op"], r["stt_raw"]) for r in records] == expected


def test_workbook_keeps_formula_like_text_as_text(tmp_path):
    """A string cell is never run, so the workbook holds the text exactly, with no apostrophe; openpyxl would
    make '=HYPERLINK(…)' a formula cell, so it must come out as a string cell."""
    from openpyxl import load_workbook

    from chitieu.output.excel import write_xlsx
    from chitieu.schemas.model import Document, Record
    titles = ['=HYPERLINK("http://x","y")', "- Tổng số hồ sơ", "-5%", "+84 912", "@x", "'=quoted"]
    recs = [Record(doc_id="d" * 16, source="x.txt", page=1, seq=i, stt=str(i), title=t, target_op="=")
            for i, t in enumerate(titles, start=1)]
    write_xlsx(tmp_path / "r.xlsx", [Document(doc_id="d" * 16, source="x.txt", records=recs)])
    ws = load_workbook(tmp_path / "r.xlsx")["records"]
    header = [c.value for c in ws[1]]
    cells = [row[header.index("title")] for row in ws.iter_rows(min_row=2)]
    assert [c.value for c in cells] == titles and {c.data_type for c in cells} == {"s"}
    assert {row[header.index("target_op")].value for row in ws.iter_rows(min_row=2)} == {"="}


def test_the_csv_guard_leaves_operators_alone_and_reads_back_exactly():
    from chitieu.output.files import neutralise, unneutralise
    assert [neutralise(t) for t in ("=", ">=", "<=", "-", "- Tổng số")] == ["=", ">=", "<=", "-", "- Tổng số"]
    assert [neutralise(t) for t in ("=SUM(A1)", "-5%", "'=SUM(A1)")] == ["'=SUM(A1)", "'-5%", "''=SUM(A1)"]
    for text in ("=", "'=", "'-", "'=SUM(A1)", "''@x", "'", "-", "=1+1"):
        assert unneutralise(neutralise(text)) == text, text


# --- the page as a clerk sees it, in headless Chromium --------------------------------------------------------

# Sorts every records table of the page by its title column; returns each table's titles in their new order.
SORT_TITLES = """[...document.querySelectorAll('table.records')].map(t=>{sortBy(t.tHead.rows[0].cells[1]);
return [...t.tBodies[0].rows].map(r=>r.cells[1].innerText)})"""
ARROW = "getComputedStyle(document.querySelector('table.records th[aria-sort]'),'::after').content"
VIETNAMESE_ORDER = "aăâbcdđeêghiklmnoôơpqrstuưvxy"


@pytest.fixture(scope="module")
def browser():
    """tools/review_screenshot.py's headless Chromium, as `make review-screenshot` drives it."""
    import importlib.util

    from tests.conftest import ROOT
    spec = importlib.util.spec_from_file_location("review_screenshot", ROOT / "tools" / "review_screenshot.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    exe = tool.find_chromium()
    if exe is None:
        pytest.skip("headless Chromium (the Debian package chromium) is not installed")
    chromium = tool.Chromium(exe)
    yield tool, chromium
    chromium.close()


def _letter(title):
    """The place of a title's first letter in the Vietnamese alphabet (its tone aside: ắ is ă; đ is a letter of
    its own), or None for a title that starts with a figure."""
    import unicodedata
    first = title.strip()[:1].lower()
    if not first.isalpha():
        return None
    base, *marks = unicodedata.normalize("NFD", first)
    letter = {("a", "\u0306"): "ă", ("a", "\u0302"): "â", ("e", "\u0302"): "ê", ("o", "\u0302"): "ô",
              ("o", "\u031b"): "ơ", ("u", "\u031b"): "ư"}
    base = next((letter[(base, m)] for m in marks if (base, m) in letter), "đ" if first == "đ" else base)
    return VIETNAMESE_ORDER.index(base) if base in VIETNAMESE_ORDER else len(VIETNAMESE_ORDER)


@pytest.fixture(scope="module")
def samples_review(tmp_path_factory):
    """The review page of all the samples: scans with their row images, a table of 209 rows, titles in Đ."""
    from tests.conftest import SAMPLES
    out = tmp_path_factory.mktemp("samples-review")
    pipeline.run([SAMPLES], out, pipeline.RunSettings())
    return out / "review.html"


@pytest.mark.parametrize("screen", ["desktop", "phone"])
def test_review_page_fits_the_screen_and_keeps_its_headers_visible(browser, samples_review, screen):
    """At 1366×768 (the page was 1,848 px wide) and on a phone (390×844, the viewport meta obeyed): the page is
    no wider than the window, and scrolled into a long table, its column headers stay in view under the bar
    (the bar covered them)."""
    tool, chromium = browser
    width, height, mobile = tool.SCREENS[screen]
    chromium.open(samples_review.as_uri(), width, height, mobile)
    seen = chromium.evaluate(tool.LAYOUT)
    assert seen["innerWidth"] == width and seen["lang"] == "vi"
    assert tool.layout_problems(seen) == [] and chromium.console_errors() == []
    assert seen["thBottom"] < height / 2


def test_review_page_sorts_titles_the_vietnamese_way_and_shows_the_direction(browser, samples_review):
    tool, chromium = browser
    chromium.open(samples_review.as_uri(), 1366, 768, False)
    both = False
    for titles in chromium.evaluate(SORT_TITLES):
        letters = [_letter(t) for t in titles if _letter(t) is not None]
        assert letters == sorted(letters), titles
        both |= VIETNAMESE_ORDER.index("đ") in letters and any(x > VIETNAMESE_ORDER.index("e") for x in letters)
    assert both, "a table with titles in Đ and in later letters was sorted (code point order puts Đ after X)"
    assert chromium.evaluate(ARROW) == '" ▲"'
    assert chromium.console_errors() == []


def test_review_page_speaks_english_on_request(tmp_path):
    out = tmp_path / "en"
    pipeline.run([next(SEEDS.glob("003_*.txt"))], out, pipeline.RunSettings(lang="en"))
    html = (out / "review.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in html and LABELS["en"]["only_look"] in html and LABELS["vi"]["only_look"] not in html
    assert "printed: " in html and "<th>Title</th>" in html
    assert LABELS["vi"].keys() == LABELS["en"].keys()


def test_run_command_takes_the_language_of_the_review_page(tmp_path):
    from click.testing import CliRunner

    from chitieu import cli
    seed003 = str(next(SEEDS.glob("003_*.txt")))
    for lang in ("en", "vi"):
        result = CliRunner().invoke(cli.main, ["run", seed003, "--out", str(tmp_path / lang), "--lang", lang, "-q",
                                               "--workers", "0"])
        assert result.exit_code == 0, result.output
        html = (tmp_path / lang / "review.html").read_text(encoding="utf-8")
        assert f'<html lang="{lang}">' in html and LABELS[lang]["title"] in html
    assert CliRunner().invoke(cli.main, ["run", seed003, "--out", str(tmp_path / "x"), "--lang", "fr"]).exit_code == 2


def test_the_workbook_reads_and_prints_as_a_clerk_reads_a_row(run):
    # number and title first, long titles wrapped, printed landscape on A4 one page wide with the header repeated
    from openpyxl import load_workbook
    out, _ = run
    ws = load_workbook(out / "records.xlsx")["records"]
    assert [c.value for c in ws[1]][:8] == ["stt", "title", "value", "unit", "target_op", "target_value",
                                           "benchmark_value", "status"]
    assert ws["B2"].alignment.wrap_text
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
    # fitToWidth absent is its default, 1 (ECMA-376 CT_PageSetup)
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth in (None, 1)
    assert ws.page_setup.fitToHeight == 0
    assert ws.print_title_rows == "$1:$1"
    import zipfile
    names = zipfile.ZipFile(out / "records.xlsx").read("xl/workbook.xml").decode()
    assert '<definedName name="_xlnm.Print_Area" localSheetId="0">records!$A:$H</definedName>' in names


def test_a_large_runs_rerun_writes_only_the_new_documents_review_pages(tmp_path):
    # past PER_PAGE_LIMIT documents each has its own page; adding one to a finished run reads back and writes
    # that one, and the summary (made from the parts' briefs) still lists them all
    from chitieu.output.review import PER_PAGE_LIMIT
    folder = tmp_path / "in"
    folder.mkdir()
    text = next(SEEDS.glob("001_*.txt")).read_text(encoding="utf-8")
    for i in range(PER_PAGE_LIMIT + 1):
        (folder / f"bc_{i:03d}.txt").write_text(text + f"\nGhi chú {i}\n", encoding="utf-8")
    out = tmp_path / "out"
    settings = pipeline.RunSettings(workers=0, xlsx=False)
    first = pipeline.run([folder], out, settings)
    pages = {p.name: p.stat().st_mtime_ns for p in (out / "review").glob("*.html")}
    assert len(pages) == PER_PAGE_LIMIT + 1
    (folder / "bc_new.txt").write_text(text + "\nGhi chú mới\n", encoding="utf-8")
    again = pipeline.run([folder], out, settings)
    now = {p.name: p.stat().st_mtime_ns for p in (out / "review").glob("*.html")}
    new = set(now) - set(pages)
    assert len(new) == 1 and all(now[name] == pages[name] for name in pages)
    summary = (out / "review.html").read_text(encoding="utf-8")
    assert summary.count('href="review/') == PER_PAGE_LIMIT + 2 and "bc_new.txt" in summary
    assert len(first.briefs) + 1 == len(again.briefs)
    english = pipeline.run([folder], out, pipeline.RunSettings(workers=0, xlsx=False, lang="en"))
    assert all('<html lang="en">' in p.read_text(encoding="utf-8")[:200] for p in (out / "review").glob("*.html"))
    assert english.briefs
