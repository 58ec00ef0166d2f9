"""One document from many page images (issue 20, item 5): scan_0001.jpg, scan_0002.jpg, … as scanner software
writes them are the pages of one document. The tests draw seed 001's ruled table split over two page images
(page 2 without the header row, as a table continued on the next page is printed) and the same table on one
tall page, and compare."""
import json
import random
import shutil
import sys
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from chitieu import pipeline
from chitieu.batch.inputs import PageGroup, collect_inputs
from tests.conftest import BAD, SAMPLES, seed

sys.path.insert(0, str(SAMPLES))
import make_scans  # noqa: E402  samples/make_scans.py: seed 001's rows, the scanner's noise, PDF rendering

needs_tesseract = pytest.mark.skipif(shutil.which("tesseract") is None, reason="make setup installs tesseract-ocr")


def _key(r):
    return (r.stt, r.value, r.benchmark_value, r.target_op, r.target_value, r.status, r.title)


def _table_pdf(path: Path, parts: list[list[list[str]]], page_height: float) -> None:
    """Seed 001's table as make_scans.make_001_pdf prints it, one part per page; only the first part has the
    header row, so a later page holds the table's continuation and nothing else."""
    from fpdf import FPDF

    pdf = FPDF(unit="pt", format=(595.28, page_height))
    pdf.set_auto_page_break(False)
    pdf.add_font("DejaVu", fname=str(make_scans.FONT))
    pdf.add_font("DejaVu", style="B", fname=str(make_scans.FONT_BOLD))
    for i, rows in enumerate(parts):
        pdf.add_page()
        pdf.set_font("DejaVu", size=12)
        make_scans.add_001_table(pdf, rows, first_row_as_headings=(i == 0))
    pdf.output(str(path))


def _scans(pdf: Path) -> list[Image.Image]:
    rng = random.Random(20)
    return [make_scans.noisy(page, rng) for page in make_scans.pdf_to_images(pdf)]


@pytest.fixture(scope="module")
def drawn(tmp_path_factory):
    """pages/: scan_0001.png (header and rows 1-4) and scan_0002.jpg (rows 5-8, no header); whole/: the same
    table on one tall page image."""
    base = tmp_path_factory.mktemp("page-images")
    rows = make_scans.seed_001_table()
    half = 1 + (len(rows) - 1) // 2
    _table_pdf(base / "split.pdf", [rows[:half], rows[half:]], 841.89)
    _table_pdf(base / "whole.pdf", [rows], 2 * 841.89)
    (base / "pages").mkdir()
    (base / "whole").mkdir()
    first, second = _scans(base / "split.pdf")
    first.save(base / "pages" / "scan_0001.png")
    second.save(base / "pages" / "scan_0002.jpg", quality=85)  # another format: still a page of the document
    _scans(base / "whole.pdf")[0].save(base / "whole" / "table.png")
    return base


@pytest.fixture(scope="module")
def grouped(drawn):
    out = drawn / "out"
    return pipeline.run([drawn / "pages"], out), out


def _documents(out: Path) -> list[dict]:
    return json.loads((out / "documents.json").read_text(encoding="utf-8"))


def _touch(folder: Path, *names: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        (folder / name).write_bytes(b"not read: only names are grouped: " + name.encode())  # each its own bytes


def _sources(folder: Path, **options) -> dict[str, object]:
    found, _ = collect_inputs([folder], **options)
    return {source: item for item, source in found}


# --- which images are one document: names alone, nothing is opened -----------------------------------------------

def test_numbers_are_compared_as_numbers_and_the_group_keeps_page_order(tmp_path):
    _touch(tmp_path / "in", *[f"trang {n}.png" for n in (10, 2, 1, 3, 4, 5, 6, 7, 8, 9)])
    (source, group), = _sources(tmp_path / "in").items()
    assert source == "trang {1..10}.png"
    assert [p.name for p in group.files] == [f"trang {n}.png" for n in range(1, 11)]  # 2 before 10
    assert group.warnings == ()


def test_what_users_expect_of_a_folder_of_images(tmp_path):
    folder = tmp_path / "in"
    _touch(folder, "scan_0001.jpg", "scan_0002.png", "scan_0003.jpg",  # one document, formats mixed
           "kehoach-1.tif", "kehoach-2.tif",       # another series in the same folder: another document
           "anh 7.jpg",                            # a single image with a number in its name stays alone
           "dispatch_003.png", "dispatch_003.tiff",  # one page saved in two formats: not a page order
           "IMG_0012.jpg", "IMG_0450.jpg",         # far apart: two photo sessions, not one report
           "p1.pdf", "p2.pdf")                     # PDFs are documents of their own
    _touch(folder / "sub", "scan_0004.jpg")        # another folder: not a page of scan_0001.jpg's document
    sources = _sources(folder)
    assert sorted(sources) == ["IMG_0012.jpg", "IMG_0450.jpg", "anh 7.jpg", "dispatch_003.png",
                               "dispatch_003.tiff", "kehoach-{1..2}.tif", "p1.pdf", "p2.pdf",
                               "scan_{0001..0003}.{jpg,png}", "sub/scan_0004.jpg"]
    assert isinstance(sources["kehoach-{1..2}.tif"], PageGroup)
    assert [p.name for p in sources["scan_{0001..0003}.{jpg,png}"].files] == [
        "scan_0001.jpg", "scan_0002.png", "scan_0003.jpg"]


def test_a_gap_in_the_numbering_is_warned_and_the_option_off_keeps_every_image_alone(tmp_path):
    _touch(tmp_path / "in", "p-1.jpg", "p-2.jpg", "p-4.jpg")
    (source, group), = _sources(tmp_path / "in").items()
    assert source == "p-{1..2,4}.jpg"
    assert group.warnings == ("page images: no page numbered 3 between p-2.jpg and p-4.jpg; a page may be missing",)
    assert sorted(_sources(tmp_path / "in", group_pages=False)) == ["p-1.jpg", "p-2.jpg", "p-4.jpg"]


# --- the group through the pipeline -----------------------------------------------------------------------------

@needs_tesseract
def test_a_table_over_two_page_images_is_one_document_with_every_row(drawn, grouped):
    result, out = grouped
    (doc,) = result.documents
    assert doc.status == "ok" and doc.kind == "image", doc.error
    assert doc.source == "scan_{0001..0002}.{jpg,png}"
    # the same records as the table on one page image, and as seed 001's text
    whole = pipeline.process_file(drawn / "whole" / "table.png", "table.png")
    text = pipeline.process_file(seed("001"), "001")
    assert [r.stt for r in doc.records] == [str(n) for n in range(1, 9)]
    assert [_key(r) for r in doc.records] == [_key(r) for r in whole.records] == [_key(r) for r in text.records]
    assert [r.page for r in doc.records] == [1] * 4 + [2] * 4
    assert len({r.table_index for r in doc.records}) == 1  # one table, not one per page image
    # documents.json names the group and, page by page, its files; manifest.json lists them too
    (entry,) = _documents(out)
    assert entry["source"] == "scan_{0001..0002}.{jpg,png}" and entry["pages"] == 2
    assert [p["reason"].split(":")[0] for p in entry["page_paths"]] == ["scan_0001.png", "scan_0002.jpg"]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["files"][0]["files"] == ["scan_0001.png", "scan_0002.jpg"]


@needs_tesseract
def test_with_grouping_off_each_image_is_a_document(drawn, tmp_path):
    result = pipeline.run([drawn / "pages"], tmp_path / "out", pipeline.RunSettings(group_pages=False))
    assert [d.source for d in result.documents] == ["scan_0001.png", "scan_0002.jpg"]
    assert [r.stt for r in result.documents[0].records] == ["1", "2", "3", "4"]
    # page 2 alone is a table without its header: not read as the table it continues (what issue 20 saw)
    assert result.documents[1].records == [] and "no numbered rows found" in result.documents[1].warnings


@needs_tesseract
def test_resume_takes_the_group_whole_and_redoes_it_when_one_page_changes(drawn, grouped):
    first, out = grouped
    again = pipeline.run([drawn / "pages"], out)
    assert again.resumed == 1 and again.documents[0].doc_id == first.documents[0].doc_id
    changed = drawn / "changed"
    shutil.copytree(drawn / "pages", changed)
    Image.open(changed / "scan_0002.jpg").save(changed / "scan_0002.jpg", quality=80)  # page 2 scanned again
    redone = pipeline.run([changed], out)
    assert redone.resumed == 0
    assert redone.documents[0].doc_id != first.documents[0].doc_id
    assert [_key(r) for r in redone.documents[0].records] == [_key(r) for r in first.documents[0].records]


def _line_image(path: Path, text: str) -> None:
    img = Image.new("L", (1400, 160), 255)
    ImageDraw.Draw(img).text((40, 50), text, font=ImageFont.truetype(str(make_scans.FONT), 40), fill=0)
    img.save(path, dpi=(300, 300))


@needs_tesseract
def test_a_damaged_page_image_fails_its_group_naming_the_page_in_a_worker(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    _line_image(folder / "scan_0001.png", "1. Tỷ lệ hồ sơ trực tuyến 50%")
    shutil.copy(BAD / "corrupt.png", folder / "scan_0002.png")
    _line_image(folder / "other.png", "1. Tỷ lệ hồ sơ trực tuyến 60%")
    result = pipeline.run([folder], tmp_path / "out", pipeline.RunSettings(workers=1))
    docs = {d.source: d for d in result.documents}
    failed = docs["scan_{0001..0002}.png"]
    assert failed.status == "failed" and failed.error_code == "damaged-image"
    assert failed.error.startswith("page image scan_0002.png: the image is damaged") and "\n" not in failed.error
    assert docs["other.png"].status == "ok"  # the other files go on
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert any("scan_0002.png" in json.dumps(f, ensure_ascii=False) for f in report["failures"])


@needs_tesseract
def test_a_gap_reaches_the_documents_warnings(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    _line_image(folder / "trang 1.png", "1. Tỷ lệ hồ sơ trực tuyến 50%")
    _line_image(folder / "trang 3.png", "2. Tỷ lệ hồ sơ đúng hạn 60%")
    result = pipeline.run([folder], tmp_path / "out", pipeline.RunSettings(review=False, xlsx=False))
    (entry,) = _documents(tmp_path / "out")
    assert entry["source"] == "trang {1,3}.png" and entry["status"] == "ok", entry["error"]
    assert "page images: no page numbered 2 between trang 1.png and trang 3.png; a page may be missing" \
        in entry["warnings"]
    assert [r.stt for r in result.documents[0].records] == ["1", "2"]


def test_the_cli_option_turns_grouping_off(tmp_path):
    from click.testing import CliRunner

    from chitieu import cli

    _touch(tmp_path / "in", "scan_0001.jpg", "scan_0002.jpg")
    documents = {}
    for option in ("--group-pages", "--no-group-pages"):
        out = tmp_path / option
        # --ocr never: no Tesseract call (a group fails at once, the dummy files alone are read as text); enough
        # to see which documents were made
        run = CliRunner().invoke(cli.main, ["run", str(tmp_path / "in"), "--out", str(out), "--workers", "0",
                                            "--ocr", "never", "--no-review", "--no-xlsx", option])
        assert run.exception is None or isinstance(run.exception, SystemExit), run.output
        documents[option] = [(d["source"], d["error"]) for d in _documents(out)]
    assert documents["--group-pages"] == [("scan_{0001..0002}.jpg",
                                           "page images need OCR, and --ocr never was given")]
    assert [source for source, _ in documents["--no-group-pages"]] == ["scan_0001.jpg", "scan_0002.jpg"]
