"""The schema agrees with the dataclass; outputs open in Excel and are written atomically."""
import csv
import io
import json

import pytest
from click.testing import CliRunner

from chitieu import cli
from conftest import seed
from chitieu.schemas import RECORD_FIELDS, record_schema, validate_record
from chitieu.schemas.model import FLAT_FIELDS
from chitieu.schemas.model import Record


def test_schema_matches_dataclass():
    schema = record_schema()
    assert list(schema["properties"]) == RECORD_FIELDS
    assert schema["required"] == RECORD_FIELDS


def test_schema_rejects_bad_record():
    rec = Record(doc_id="0123456789abcdef", source="x.txt", page=1, seq=1).to_dict()
    assert validate_record(rec) == []
    rec["target_op"] = "≈"
    rec["confidence"] = 2
    problems = validate_record(rec)
    assert any("target_op" in p for p in problems) and any("confidence" in p for p in problems)


def test_run_writes_four_files(tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(cli.main, ["run", str(seed("001")), str(seed("002")), "--out", str(out)])
    assert result.exit_code == 0, result.output
    raw = (out / "records.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads the file as UTF-8
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == FLAT_FIELDS and "cells" not in rows[0] and "kind" in rows[0]
    assert len(rows) == 1 + 8 + 29  # seed 002: 28 rows and its total
    stt = FLAT_FIELDS.index("stt")
    by_stt = {(r[1].split("_")[0], r[stt]): dict(zip(FLAT_FIELDS, r)) for r in rows[1:]}
    assert by_stt[("002", "1.1")]["value"] == "49.22"          # point decimal in CSV
    assert by_stt[("002", "1.1")]["title"].startswith("Tỷ lệ thủ tục hành chính")
    records = json.loads((out / "records.json").read_text(encoding="utf-8"))
    assert len(records) == 37 and all(validate_record(r) == [] for r in records)
    docs = json.loads((out / "documents.json").read_text(encoding="utf-8"))
    assert [d["records"] for d in docs] == [8, 29] and all(d["status"] == "ok" for d in docs)
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["summary"]["records"] == 37 and report["failures"] == []
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]


def test_output_not_writable(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = CliRunner().invoke(cli.main, ["run", str(seed("001")), "--out", str(blocker / "sub")])
    assert result.exit_code == 4
    assert "cannot write" in result.output and "Traceback" not in result.output


def test_usage_error_exit_code():
    assert CliRunner().invoke(cli.main, ["run"]).exit_code == 2


# --- every JSON file of a real run, against the schemas shipped in schemas/ ----------------------------------

@pytest.fixture(scope="module")
def samples_run(tmp_path_factory):
    """The bundled samples (text, text-layer PDFs, scans, page images) run once through the CLI's pipeline."""
    from chitieu import pipeline
    from tests.conftest import SAMPLES
    out = tmp_path_factory.mktemp("samples")
    result = pipeline.run([SAMPLES], out, pipeline.RunSettings())
    return out, result


def _validator(name):
    from jsonschema import Draft202012Validator
    from tests.conftest import ROOT
    schema = json.loads((ROOT / "schemas" / f"{name}.schema.json").read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


@pytest.mark.parametrize("name", ["documents", "report", "manifest"])
def test_every_json_output_of_a_run_validates_against_its_schema(samples_run, name):
    out, result = samples_run
    data = json.loads((out / f"{name}.json").read_text(encoding="utf-8"))
    problems = [f"{'/'.join(map(str, e.path))}: {e.message}" for e in _validator(name).iter_errors(data)]
    assert problems == []
    entries = data if name == "documents" else [data]
    assert entries and all(e["schema_version"] == 1 for e in entries)
    if name == "documents":   # the run holds every kind of input the schema names, so each part was checked
        assert {d["kind"] for d in data} == {"text", "pdf-text", "pdf-scan", "image"}
        assert any(d["tables"] for d in data) and any(d["unparsed"] for d in data)
    if name == "report":
        assert data["skipped"], "samples/ holds files that are not inputs: their entries were checked"


def test_the_schemas_refuse_what_a_run_never_writes(samples_run):
    out, _ = samples_run
    docs = json.loads((out / "documents.json").read_text(encoding="utf-8"))
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    bad_doc = dict(docs[0], status="done")
    del bad_doc["schema_version"]
    errors = [e.message for e in _validator("documents").iter_errors([bad_doc])]
    assert any("schema_version" in m for m in errors) and any("'done'" in m for m in errors)
    bad_report = dict(report, summary=dict(report["summary"], records=-1), extra=1)
    assert len(list(_validator("report").iter_errors(bad_report))) == 2


def test_skip_codes_of_the_report_schema_are_the_codes_the_code_writes():
    from chitieu.batch.inputs import SkipCode
    codes = _validator("report").schema["properties"]["skipped"]["items"]["properties"]["code"]["enum"]
    assert sorted(codes) == sorted(c.value for c in SkipCode)


# --- export writes what run writes ----------------------------------------------------------------------------

def test_export_from_the_database_writes_the_run_s_own_files(samples_run, tmp_path):
    """records.csv and records.json byte for byte (formula guard, warnings as a list, page as 1 not 1.0), the
    workbook cell for cell; the exported JSON valid against the record schema."""
    from openpyxl import load_workbook

    from chitieu.output.sqlite import export
    out, result = samples_run
    db = out / "chitieu.sqlite"
    total = sum(len(d.records) for d in result.documents)
    for fmt in ("csv", "json", "xlsx"):
        assert export(db, fmt, tmp_path / f"records.{fmt}") == total
    assert (tmp_path / "records.csv").read_bytes() == (out / "records.csv").read_bytes()
    assert (tmp_path / "records.json").read_bytes() == (out / "records.json").read_bytes()
    exported = json.loads((tmp_path / "records.json").read_text(encoding="utf-8"))
    assert all(validate_record(r) == [] for r in exported)
    assert any(r["warnings"] for r in exported) and all(isinstance(r["page"], int) for r in exported)

    def sheets(path):
        book = load_workbook(path)
        return {ws.title: [[(c.value, c.data_type) for c in row] for row in ws.iter_rows()] for ws in book}
    assert sheets(tmp_path / "records.xlsx") == sheets(out / "records.xlsx")
    assert not list(tmp_path.glob(".chitieu-export-*")), "the writers' folder is removed"


def test_export_to_parquet_is_the_run_s_records_parquet(samples_run, tmp_path):
    from chitieu.output import parquet
    if not parquet.available():
        pytest.skip("pyarrow is not installed (chitieu[parquet])")
    import pyarrow.parquet as pq

    from chitieu.output.sqlite import export
    out, _ = samples_run
    export(out / "chitieu.sqlite", "parquet", tmp_path / "r.parquet")
    assert pq.read_table(tmp_path / "r.parquet").equals(pq.read_table(out / "records.parquet"))


def test_export_cli_writes_a_filtered_json_valid_against_the_schema(samples_run, tmp_path):
    out, result = samples_run
    doc = next(d for d in result.documents if d.source.startswith("seeds/002"))
    target = tmp_path / "x.json"
    proc = CliRunner().invoke(cli.main, ["export", "--db", str(out / "chitieu.sqlite"), "--format", "json", "--out",
                                         str(target), "--doc", doc.doc_id])
    assert proc.exit_code == 0, proc.output
    records = json.loads(target.read_text(encoding="utf-8"))
    assert f"{len(doc.records)} records" in proc.output
    assert records == [r.to_dict() for r in doc.records]


# --- the documents' text: every line that became no record can be found ---------------------------------------

def test_every_unparsed_line_of_the_samples_is_found_on_its_page(samples_run):
    """Before, only records were stored: 98 of the samples' 120 unparsed lines (recipients, legal bases, a
    dispatch's body, headers) were found nowhere in their document. Now each is found on its page; at its own line
    unless the page repeats it (a table header on every page of a text file) or wraps it over several lines."""
    from chitieu.output.sqlite import search
    out, result = samples_run
    db = out / "chitieu.sqlite"
    lines = [(d, u) for d in result.documents for u in d.unparsed]
    assert len(lines) >= 100
    on_page = at_line = 0
    for d, u in lines:
        hits = search(db, u.text, doc=d.doc_id, limit=50)
        on_page += any(h.page == u.page for h in hits)
        at_line += any(h.what == "text" and (h.page, h.line) == (u.page, u.line) for h in hits)
    assert on_page == len(lines)
    assert at_line >= 0.5 * len(lines)


def test_record_to_dict_is_what_asdict_gives_without_its_deep_copy():
    # to_dict is hand-written for speed (every record is validated and written through it): it must stay equal,
    # key order included, to dataclasses.asdict for records with cells and warnings
    from dataclasses import asdict
    from pathlib import Path

    from chitieu import pipeline
    from chitieu.schemas.model import RECORD_FIELDS
    seed = next((Path(__file__).resolve().parents[1] / "samples" / "seeds").glob("002_*.txt"))
    doc = pipeline.process_file(seed, seed.name)
    assert any(r.cells for r in doc.records)
    for rec in doc.records:
        want = {k: v for k, v in asdict(rec).items() if k in RECORD_FIELDS}
        got = rec.to_dict()
        assert got == want and list(got) == list(want)
        assert got["warnings"] is not rec.warnings   # a copy: writers may change it
