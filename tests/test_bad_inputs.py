"""Bad input never crashes a batch: one clear line per failing file, the others go on, exit code 1.

The files come from tests/data/make_bad_inputs.py (see tests/data/README.md)."""
import json
import shutil

import pytest
from click.testing import CliRunner

from chitieu import cli
from chitieu import pipeline
from conftest import BAD, seed

FAILING = {
    "empty.txt": ("empty", "empty"),
    "empty.pdf": ("empty", "empty"),
    "html_named.pdf": ("not-pdf", "HTML"),
    "truncated.pdf": ("damaged-pdf", "damaged or truncated"),
    "encrypted_userpw.pdf": ("encrypted", "password-protected"),
    "not_utf8.txt": ("not-utf8", "not valid UTF-8"),
    "binary_junk.txt": (None, "binary"),
    "zero_pages.pdf": ("empty", "no pages"),
    "corrupt.png": ("damaged-image", "damaged"),
    "bomb.tiff": ("too-large", "million pixels"),  # refused from its header, before any pixel is decoded
}


@pytest.mark.parametrize("name", sorted(FAILING))
def test_each_bad_file_fails_with_one_sentence(name):
    code, words = FAILING[name]
    doc = pipeline.process_file(BAD / name, name)
    assert doc.status == "failed"
    if code:
        assert doc.error_code == code
    assert words.lower() in doc.error.lower()
    assert "\n" not in doc.error and "Traceback" not in doc.error
    assert doc.records == []


@pytest.mark.parametrize("name,min_records", [("utf16_bom.txt", 1), ("utf8_bom.txt", 1), ("cp1258.txt", 1),
                                              ("encrypted_ownerpw_only.pdf", 0)])
def test_valid_encodings_and_owner_password(name, min_records):
    doc = pipeline.process_file(BAD / name, name)
    assert doc.status == "ok", doc.error
    assert len(doc.records) >= min_records
    assert any(ch in line.text for p in doc.pages for line in p.lines for ch in "ệịạ")  # Vietnamese intact


def test_page_without_text_is_reported_not_skipped(tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(cli.main, ["run", str(BAD / "blank_page.pdf"), "--out", str(out), "--ocr", "never"])
    assert result.exit_code == 0, result.output
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["pages_without_text"] == [
        {"source": "blank_page.pdf", "page": 2, "reason": "no text layer (scanned page)"}]
    docs = json.loads((out / "documents.json").read_text(encoding="utf-8"))
    assert docs[0]["kind"] == "pdf-text" and docs[0]["page_paths"][1]["path"] == "no-text"


def test_page_without_text_is_ocrd_by_default():
    doc = pipeline.process_file(BAD / "blank_page.pdf", "blank_page.pdf")
    assert [p.path for p in doc.pages] == ["text-layer", "ocr"]
    assert doc.pages[1].reason.startswith("no text layer (scanned page); OCR'd")


def test_mixed_batch_goes_on_and_exits_1(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for name in FAILING:
        shutil.copy(BAD / name, folder / name)
    shutil.copy(seed("002"), folder / "good_002.txt")
    out = tmp_path / "out"
    result = CliRunner().invoke(cli.main, ["run", str(folder), "--out", str(out)])
    assert result.exit_code == 1
    failed_lines = [ln for ln in result.output.splitlines() if "FAILED" in ln]
    assert len(failed_lines) == len(FAILING)
    assert "Traceback" not in result.output
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["summary"]["failed"] == len(FAILING) and report["summary"]["ok"] == 1
    assert {f["source"] for f in report["failures"]} == set(FAILING)
    records = json.loads((out / "records.json").read_text(encoding="utf-8"))
    assert len(records) == 29  # every good file's records are written (28 rows and the total)


def test_huge_image_page_is_rendered_at_page_size_not_decoded_whole():
    doc = pipeline.process_file(BAD / "huge_image.pdf", "huge_image.pdf")
    assert doc.status == "ok"
    assert [p.path for p in doc.pages] == ["blank"]  # a white page: seen blank from a small render, no crash


def test_symlink_loop_and_unreadable_file_fail_alone(tmp_path):
    import os
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(seed("001"), folder / "good.txt")
    os.symlink("loop.txt", folder / "loop.txt")  # points at itself
    os.symlink(".", folder / "again")             # a folder loop: not followed
    locked = folder / "locked.txt"
    shutil.copy(seed("002"), locked)
    locked.chmod(0)
    result = pipeline.run([folder], tmp_path / "out", pipeline.RunSettings(workers=1))
    by = {d.source: d for d in result.documents}
    assert by["good.txt"].status == "ok" and by["good.txt"].records
    assert by["loop.txt"].status == "failed" and by["loop.txt"].error_code == "unreadable"
    if os.geteuid() != 0:  # root reads any file: the permission case only shows for other users
        assert by["locked.txt"].status == "failed" and "permission" in by["locked.txt"].error
    assert not any(d.source.startswith("again/") for d in result.documents)
