"""Issue 21, a hostile tester's files: text layers that are no text as they stand (a page turned by /Rotate,
fonts without a Unicode map), PDFs pdfminer gives up on but pdfium reads, blank pages. Each must give the
records that are there, say per page which path was taken and why, and never lose rows silently.

The files come from tests/data/make_bad_inputs.py; the source of the PDFs is samples/scorecard_766_ruled.pdf
(seed 002's table: 28 rows and the total)."""
import json
import shutil

import pytest
from click.testing import CliRunner

from chitieu import cli
from chitieu import pipeline
from conftest import BAD, SAMPLES


def _rows(doc):
    return [(r.stt, r.title, r.value, r.status) for r in doc.records]


@pytest.fixture(scope="module")
def scorecard():
    return pipeline.process_file(SAMPLES / "scorecard_766_ruled.pdf", "scorecard_766_ruled.pdf")


def test_page_rotated_90_is_read_turned_upright_with_every_row(scorecard):
    doc = pipeline.process_file(BAD / "rotated_90.pdf", "rotated_90.pdf")
    assert doc.status == "ok" and len(scorecard.records) == 29
    assert _rows(doc) == _rows(scorecard)
    assert all(p.path == "text-layer" for p in doc.pages)
    assert "read turned upright (page rotation 90° → 0°)" in doc.pages[0].reason


def test_fonts_without_unicode_map_are_ocrd_and_give_every_row(scorecard):
    doc = pipeline.process_file(BAD / "no_tounicode.pdf", "no_tounicode.pdf")
    assert doc.status == "ok"
    assert _rows(doc) == _rows(scorecard)
    assert all(p.path == "ocr" and "without a Unicode map" in p.reason for p in doc.pages)


def test_unicode_map_lost_under_ocr_never_is_listed_not_read_as_junk(tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(cli.main, ["run", str(BAD / "no_tounicode.pdf"), "--out", str(out),
                                           "--ocr", "never", "--workers", "0"])
    assert result.exit_code == 0, result.output
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert [p["page"] for p in report["pages_without_text"]] == [1, 2]
    assert "(cid:N)" in report["pages_without_text"][0]["reason"]
    assert "not OCR'd (--ocr never)" in report["pages_without_text"][0]["reason"]
    assert json.loads((out / "records.json").read_text(encoding="utf-8")) == []


def test_wrong_xref_offsets_are_repaired_by_pdfium(scorecard):
    doc = pipeline.process_file(BAD / "wrong_xref_offsets.pdf", "wrong_xref_offsets.pdf")
    assert doc.status == "ok", doc.error
    assert _rows(doc) == _rows(scorecard)
    assert any("pdfminer found no pages); pdfium repaired it" in w for w in doc.warnings)


def test_page_tree_past_the_recursion_limit_is_read_by_pdfium():
    doc = pipeline.process_file(BAD / "deep_page_tree.pdf", "deep_page_tree.pdf")
    assert doc.status == "ok", doc.error
    assert [(r.stt, r.title) for r in doc.records] == [("1", "Tỷ lệ hồ sơ giải quyết đúng hạn"),
                                                       ("2", "Tỷ lệ hồ sơ giải quyết trước hạn")]
    assert doc.pages[0].reason.startswith("text read by pdfium")
    assert any("read by pdfium, without word positions" in w for w in doc.warnings)


@pytest.mark.parametrize("name,why", [("truncated.pdf", "damaged or truncated"), ("zero_pages.pdf", "no pages")])
def test_pdfium_does_not_rescue_a_cut_off_or_empty_file(name, why):
    # pdfium opens what is left of a truncated file: converting it would lose the rest without a word
    doc = pipeline.process_file(BAD / name, name)
    assert doc.status == "failed" and why in doc.error


def test_blank_pages_are_told_from_their_pixels_without_ocr(monkeypatch):
    from chitieu import extract
    import chitieu.extract.scan  # noqa: F401

    def no_ocr(*args, **kwargs):
        raise AssertionError("a blank page was OCR'd")
    monkeypatch.setattr(extract.scan, "ocr_words", no_ocr)
    doc = pipeline.process_file(BAD / "blank_pages.pdf", "blank_pages.pdf")
    assert doc.status == "ok" and len(doc.pages) == 40
    assert {p.path for p in doc.pages} == {"blank"}
    assert doc.pages[0].reason == "blank page (no ink when rendered at 36 dpi); not OCR'd"
    assert "40 blank page(s), not OCR'd: 1-40" in doc.warnings
    from chitieu.output.files import build_report
    listed = build_report([doc], 1.0, [])["pages_without_text"]
    assert [p["page"] for p in listed] == list(range(1, 41)) and listed[0]["reason"].startswith("blank page")


def test_a_page_with_one_short_line_or_a_dark_drawing_is_not_blank():
    import pypdfium2

    from chitieu.extract.decide import BLANK_DPI, blank_reason
    from chitieu.extract.images import render_pdf_page
    pdf = pypdfium2.PdfDocument(str(BAD / "blank_page.pdf"))  # page 1: one line of 11-pt text; page 2: a drawing
    try:
        assert [blank_reason(render_pdf_page(pdf, i, BLANK_DPI)) for i in (0, 1)] == ["", ""]
    finally:
        pdf.close()


def test_hostile_pdfs_beside_a_good_file_all_convert_and_say_how(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    names = ["rotated_90.pdf", "wrong_xref_offsets.pdf", "deep_page_tree.pdf", "blank_pages.pdf"]
    for name in names:
        shutil.copy(BAD / name, folder / name)
    shutil.copy(SAMPLES / "scorecard_766_ruled.pdf", folder / "good.pdf")
    out = tmp_path / "out"
    result = CliRunner().invoke(cli.main, ["run", str(folder), "--out", str(out), "--workers", "1"])
    assert result.exit_code == 0, result.output
    docs = {d["source"]: d for d in json.loads((out / "documents.json").read_text(encoding="utf-8"))}
    assert {s: d["status"] for s, d in docs.items()} == {s: "ok" for s in names + ["good.pdf"]}
    assert docs["rotated_90.pdf"]["records"] == docs["good.pdf"]["records"] == 29
    assert "turned upright" in docs["rotated_90.pdf"]["page_paths"][0]["reason"]
    assert docs["blank_pages.pdf"]["page_paths"][0]["path"] == "blank"


def test_one_line_of_restored_text_keeps_every_word_as_extracted():
    # the words of seed 003 (OCR without diacritics) on one line, as a converter that lost the line breaks
    # writes them: the stream that gives titles back their words as extracted is built in one pass (it undid
    # edit after edit on the whole line, quadratic: 160 KB took 16 s); bench/hostile_inputs.py times it
    from conftest import seed
    from chitieu.normalize.repair import _word_stream, repair_pages
    from chitieu.schemas.model import Line, Page
    text = " ".join(seed("003").read_text(encoding="utf-8").split())
    page = Page(number=1, lines=[Line(text=text, page=1, number=1)])
    repair_pages([page])
    stream = _word_stream(page)
    assert sum(r != o for r, o, _, _ in stream) > 100  # restored words, of other lengths too
    assert [o for _, o, _, _ in stream] == text.split()
    assert [r for r, _, _, _ in stream] == page.lines[0].text.split()
    assert min(score for _, _, score, _ in stream) < 1.0


def test_dask_executor_enforces_the_timeout(tmp_path):
    # a real slow file: 2 MB of stripped text on one line takes about 25 s to restore; a timeout of 3 s stops it,
    # restarts the worker process that held it, and the other file converts
    pytest.importorskip("distributed")
    import time

    from conftest import seed
    folder = tmp_path / "in"
    folder.mkdir()
    words = " ".join(seed("003").read_text(encoding="utf-8").split())
    (folder / "one_line.txt").write_text((words + " ") * (2_000_000 // len(words)), encoding="utf-8")
    shutil.copy(seed("001"), folder / "good.txt")
    started = time.monotonic()
    result = pipeline.run([folder], tmp_path / "out", pipeline.RunSettings(executor="dask", workers=2, timeout=3))
    assert time.monotonic() - started < 60
    by = {d.source: d for d in result.documents}
    assert by["one_line.txt"].status == "failed" and by["one_line.txt"].error_code == "timeout"
    assert "longer than 3 s" in by["one_line.txt"].error
    assert by["good.txt"].status == "ok" and by["good.txt"].records, by["good.txt"].error


LEXICON_ROW = "mine:1\tTỷ lệ hồ sơ giải quyết trước hạn\tindicator\tKế hoạch số 12/KH-UBND 2025\n"


@pytest.mark.parametrize("encoding,line,says", [("latin-1", 3, "line 3 is not UTF-8"),
                                                ("utf-16", 1, "line 1 is UTF-16")])
def test_lexicon_in_another_encoding_is_a_usage_error_naming_the_line(tmp_path, encoding, line, says):
    from conftest import seed
    lex = tmp_path / "mine.tsv"
    text = "id\twording\tkind\tsource\nmine:0\tSo ho so\tterm\t\n" + "mine:2\tGrößenübersicht für Straßen\t\t\n"
    lex.write_bytes(text.encode(encoding) if encoding == "latin-1" else (text + LEXICON_ROW).encode(encoding))
    result = CliRunner().invoke(cli.main, ["run", str(seed("001")), "--out", str(tmp_path / "o"),
                                           "--lexicon", str(lex)])
    assert result.exit_code == 2, result.output
    assert says in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_one_id_for_several_wordings_is_refused(tmp_path):
    from conftest import seed
    lex = tmp_path / "mine.tsv"
    lex.write_text("id\twording\tkind\tsource\n" + LEXICON_ROW + LEXICON_ROW
                   + "mine:1\tTỷ lệ hồ sơ giải quyết quá hạn\tindicator\t\n"
                   + "mine:1\tSố hồ sơ tiếp nhận\tindicator\t\n", encoding="utf-8")
    result = CliRunner().invoke(cli.main, ["run", str(seed("001")), "--out", str(tmp_path / "o"),
                                           "--lexicon", str(lex)])
    assert result.exit_code == 2, result.output
    # the same row twice is harmless; the second wording is the error
    assert "line 4: id 'mine:1' is already used for another wording" in result.output
    assert "line 2)" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("content,says", [
    (b"id\twording\n", "is not a chitieu database (file is not a database)"),
    (None, "is an SQLite database but not one chitieu wrote"),
])
def test_search_and_export_on_a_file_that_is_not_our_database_say_so_in_one_line(tmp_path, content, says):
    import sqlite3
    db = tmp_path / "other.sqlite"
    if content is None:
        with sqlite3.connect(db) as conn:  # another program's database
            conn.execute("CREATE TABLE contacts (name TEXT)")
        conn.close()
    else:
        db.write_bytes(content)
    for args in (["search", "ty le", "--db", str(db)], ["export", "--db", str(db), "--out", str(tmp_path / "x.csv")]):
        result = CliRunner().invoke(cli.main, args)
        assert result.exit_code == 2, result.output
        assert says in result.output and "Traceback" not in result.output
        assert len(result.output.strip().splitlines()) == 1


def test_max_memory_is_the_files_share_and_a_file_past_it_is_out_of_memory(tmp_path, monkeypatch):
    # --max-memory 256 made every file fail ('internal error (MemoryError)'): the interpreter, numpy, OpenCV,
    # pdfium and the models take about 650 MB of address space before any file. Now the limit is on top of that:
    # real files convert under 256 MB, and one that needs 600 MB more is out-of-memory. (A file made to need that
    # much, not a big text: how much a text needs changes with every speed-up of the code.)
    from conftest import seed
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(seed("001"), folder / "good.txt")
    shutil.copy(SAMPLES / "scorecard_766_ruled.pdf", folder / "good.pdf")
    (folder / "hungry.txt").write_text("1. Tỷ lệ hồ sơ 50%\n", encoding="utf-8")
    real = pipeline.process_file

    def hungry(path, source, settings=None, **kwargs):
        if path.name == "hungry.txt":
            _ = bytearray(600 * 2**20)
        return real(path, source, settings, **kwargs)
    monkeypatch.setattr(pipeline, "process_file", hungry)   # worker processes are forked: they run it too
    out = tmp_path / "out"
    result = CliRunner().invoke(cli.main, ["run", str(folder), "--out", str(out), "--workers", "1",
                                           "--max-memory", "256"])
    assert result.exit_code == 1, result.output
    docs = {d["source"]: d for d in json.loads((out / "documents.json").read_text(encoding="utf-8"))}
    assert docs["good.txt"]["status"] == docs["good.pdf"]["status"] == "ok"
    assert docs["good.pdf"]["records"] == 29
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert [(f["source"], f["code"]) for f in report["failures"]] == [("hungry.txt", "out-of-memory")]
    assert "needed more than 256 MB of memory" in report["failures"][0]["error"]
