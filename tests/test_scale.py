"""Archive scale (issue 23): a batch holds one document at a time, a re-run touches only what changed, identical
inputs are one document, and the workbook and Parquet files scale."""
import gc
import json
import time
from contextlib import contextmanager

import pytest

from chitieu import pipeline
from chitieu.output import parts as parts_module
from chitieu.schemas.model import Document
from tests.conftest import SEEDS


def _folder(tmp_path, n, start=0, name="in"):
    """n distinct files: the seeds in turn, each copy with a line of its own (as bench/archive_scale.py)."""
    folder = tmp_path / name
    folder.mkdir(exist_ok=True)
    seeds = sorted(SEEDS.glob("*.txt"))
    for i in range(start, start + n):
        seed = seeds[i % len(seeds)]
        (folder / f"{seed.stem}_{i:03d}.txt").write_bytes(seed.read_bytes() + f"\n\nBản sao {i}\n".encode())
    return folder


def _live_documents() -> int:
    """Documents reachable now (garbage collected first, so that only what is held counts)."""
    gc.collect()
    return sum(isinstance(o, Document) for o in gc.get_objects())


def _outputs(out):
    """The files of a run, as bytes, without what says how long it took."""
    found = {}
    for name in ("records.csv", "records.json", "cells.csv"):
        found[name] = (out / name).read_bytes()
    docs = json.loads((out / "documents.json").read_text(encoding="utf-8"))
    found["documents.json"] = [dict(d, seconds=None) for d in docs]
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    report["summary"]["seconds"] = None
    found["report.json"] = report
    found["tables"] = {p.name: p.read_bytes() for p in sorted((out / "tables").glob("*.csv"))}
    found["text"] = {p.name: p.read_bytes() for p in sorted((out / "text").glob("*.txt"))}
    found["records.xlsx"] = _sheets(out / "records.xlsx")
    frame, rows = found["records.xlsx"]["documents"]
    at = [c[0] for c in rows[0]].index("seconds")   # how long each document took, as in documents.json
    found["records.xlsx"]["documents"] = (frame, [row[:at] + row[at + 1:] for row in rows])
    try:
        import pyarrow.parquet as pq
    except ImportError:
        return found
    for name in ("records.parquet", "cells.parquet"):
        found[name] = pq.read_table(out / name).to_pylist()
    return found


def _sheets(path):
    """Every sheet of a workbook: each row's cells as (value, type), and each sheet's frame: frozen header, filter,
    column widths and formats, print set-up."""
    import warnings

    from openpyxl import load_workbook
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl cannot keep a print area of whole columns; the file has it
        book = load_workbook(path)
    found = {}
    for ws in book:
        widths = {k: (d.width, d.number_format, d.alignment.wrap_text, d.alignment.vertical)
                  for k, d in ws.column_dimensions.items()}
        frame = (ws.freeze_panes, ws.auto_filter.ref, ws.dimensions, widths, ws.page_setup.orientation,
                 ws.page_setup.paperSize, ws.page_setup.fitToHeight, ws.print_title_rows)
        cells = [[(c.value, c.data_type, c.number_format if c.value is not None else None) for c in row]
                 for row in ws.iter_rows()]
        found[ws.title] = (frame, cells)
    return found


def test_a_batch_holds_one_document_at_a_time(tmp_path, monkeypatch):
    """Converting and writing, the run never holds more than the document at hand (and the one just let go),
    whatever the batch's size: before, every Document stayed until the end."""
    folder = _folder(tmp_path, 15)
    before = _live_documents()  # other tests' fixtures (the seeds' documents) live as long as the session
    most = {"convert": 0, "write": 0}
    real_process, real_add = pipeline.process_file, parts_module.RunOutputs.add

    def process(*args, **kwargs):
        most["convert"] = max(most["convert"], _live_documents() - before)
        return real_process(*args, **kwargs)

    def add(self, part, fresh=False):
        most["write"] = max(most["write"], _live_documents() - before)
        return real_add(self, part, fresh)

    monkeypatch.setattr(pipeline, "process_file", process)
    monkeypatch.setattr(parts_module.RunOutputs, "add", add)
    result = pipeline.run([folder], tmp_path / "out", pipeline.RunSettings(workers=0, review=False))
    assert len(result.documents) == 15 and result.report["summary"]["records"] > 15 * 8
    assert most["convert"] <= 2 and most["write"] <= 1, most
    # the result still gives every document, read back one at a time
    assert [d.source for d in result.documents] == sorted(p.name for p in folder.iterdir())


def test_a_rerun_touches_only_what_changed(tmp_path, monkeypatch):
    folder = _folder(tmp_path, 10)
    out = tmp_path / "out"
    pipeline.run([folder], out, pipeline.RunSettings(workers=0))
    written = {p.name: p.stat().st_mtime_ns for p in out.iterdir() if p.is_file()}
    rendered, ingested = [], []
    from chitieu.batch import finish
    real_render, real_writer = finish.render, pipeline.run_writer

    @contextmanager
    def counting_writer(path):
        with real_writer(path) as add:
            yield lambda doc: ingested.append(doc.source) or add(doc)

    monkeypatch.setattr(finish, "render", lambda doc, lang: rendered.append(doc.source) or real_render(doc, lang))
    monkeypatch.setattr(pipeline, "run_writer", counting_writer)

    again = pipeline.run([folder], out, pipeline.RunSettings(workers=0))
    assert again.resumed == 10 and rendered == [] and ingested == []
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir() if p.is_file()} == written, "nothing rewritten"

    _folder(tmp_path, 1, start=10)
    more = pipeline.run([folder], out, pipeline.RunSettings(workers=0))
    new = "000_9a5b333f471db3ff_010.txt"
    assert more.resumed == 10 and rendered == [new] and ingested == [new]
    # the files are those of a run of all eleven from scratch
    fresh = tmp_path / "fresh"
    pipeline.run([folder], fresh, pipeline.RunSettings(workers=0))
    assert _outputs(out) == _outputs(fresh)
    import sqlite3
    with sqlite3.connect(out / "chitieu.sqlite") as conn:
        assert conn.execute("SELECT count(*) FROM documents").fetchone()[0] == 11


def test_a_renamed_file_is_written_under_its_new_name(tmp_path):
    folder = _folder(tmp_path, 3)
    out = tmp_path / "out"
    pipeline.run([folder], out, pipeline.RunSettings(workers=0))
    old = sorted(folder.iterdir())[0]
    old.rename(folder / "renamed.txt")
    again = pipeline.run([folder], out, pipeline.RunSettings(workers=0))
    assert again.resumed == 3
    records = json.loads((out / "records.json").read_text(encoding="utf-8"))
    sources = {r["source"] for r in records}
    assert "renamed.txt" in sources and old.name not in sources
    import sqlite3
    with sqlite3.connect(out / "chitieu.sqlite") as conn:
        assert {s for s, in conn.execute("SELECT DISTINCT source FROM records")} == sources


def test_identical_inputs_are_one_document_and_the_second_is_reported(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    seed = next(SEEDS.glob("001_*.txt"))
    (folder / "a.txt").write_bytes(seed.read_bytes())
    (folder / "b copy.txt").write_bytes(seed.read_bytes())
    (folder / "c.txt").write_bytes(seed.read_bytes() + b"\nother bytes\n")
    out = tmp_path / "out"
    result = pipeline.run([folder], out, pipeline.RunSettings(workers=0))
    assert [d.source for d in result.documents] == ["a.txt", "c.txt"]
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    doc_id = result.documents[0].doc_id
    assert report["duplicates"] == [{"source": "b copy.txt", "duplicate_of": "a.txt", "doc_id": doc_id}]
    assert report["summary"]["duplicates"] == 1 and report["summary"]["documents"] == 2
    import csv
    rows = list(csv.DictReader((out / "records.csv").read_text(encoding="utf-8-sig").splitlines()))
    assert {r["source"] for r in rows} == {"a.txt", "c.txt"}
    assert len(rows) == 2 * len(result.documents[0].records)
    files = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["files"]
    assert [(f["source"], f["status"]) for f in files] == [("a.txt", "ok"), ("b copy.txt", "duplicate"),
                                                            ("c.txt", "ok")]
    # and the files still fit their published schemas
    from tests.test_schema_outputs import _validator
    for name in ("report", "manifest"):
        data = json.loads((out / f"{name}.json").read_text(encoding="utf-8"))
        assert [e.message for e in _validator(name).iter_errors(data)] == [], name


def test_outputs_after_a_stop_between_the_parts_and_the_files_equal_an_uninterrupted_run(tmp_path, monkeypatch):
    """A run stopped after every document was rendered, while the files were written: the next run writes them
    from the parts as they are, and they equal a run that was never stopped."""
    folder = _folder(tmp_path, 6)
    whole, broken = tmp_path / "whole", tmp_path / "broken"
    pipeline.run([folder], whole, pipeline.RunSettings(workers=0))
    real_add = parts_module.RunOutputs.add
    calls = []

    def stop_at_the_fourth(self, part, fresh=False):
        calls.append(1)
        if len(calls) == 4:
            raise KeyboardInterrupt
        return real_add(self, part, fresh)

    with monkeypatch.context() as patched:
        patched.setattr(parts_module.RunOutputs, "add", stop_at_the_fourth)
        with pytest.raises(KeyboardInterrupt):
            pipeline.run([folder], broken, pipeline.RunSettings(workers=0))
    assert not (broken / "records.json").exists() and not list(broken.glob(".*.tmp"))
    again = pipeline.run([folder], broken, pipeline.RunSettings(workers=0))
    assert again.resumed == 6
    assert _outputs(broken) == _outputs(whole)


def test_the_workbook_goes_on_in_a_second_file_beyond_the_rows_of_a_sheet(tmp_path):
    """Excel holds 1,048,576 rows a sheet; with the limit made small, a sheet that fills up goes on in
    records_2.xlsx, … under the same name, each with its header, and no row is lost or repeated."""
    from openpyxl import load_workbook

    from chitieu.output.excel import write_xlsx
    docs = [pipeline.process_file(p, p.name) for p in sorted(SEEDS.glob("*.txt"))]
    records = [r.to_dict() for d in docs for r in d.records]
    files = write_xlsx(tmp_path / "records.xlsx", docs, max_rows=100)
    assert [p.name for p in files] == ["records.xlsx", "records_2.xlsx", "records_3.xlsx"]
    rows, cells = [], 0
    assert load_workbook(files[0], read_only=True).sheetnames == ["records", "documents", "problems", "cells"]
    for path in files:
        wb = load_workbook(path, read_only=True)
        sheet = list(wb["records"].iter_rows(values_only=True))
        assert sheet[0][:3] == ("stt", "title", "value") and len(sheet) <= 100
        rows += [dict(zip(sheet[0], row)) for row in sheet[1:]]
        if "cells" in wb.sheetnames:
            cells += sum(1 for _ in wb["cells"].iter_rows()) - 1
    assert [(r["source"], r["seq"]) for r in rows] == [(r["source"], r["seq"]) for r in records]
    assert cells == sum(len(r.cells) for d in docs for r in d.records)
    # a smaller run later leaves no stale continuation behind
    assert [p.name for p in write_xlsx(tmp_path / "records.xlsx", docs[:1], max_rows=100)] == ["records.xlsx"]
    assert not (tmp_path / "records_2.xlsx").exists() and not (tmp_path / "records_3.xlsx").exists()


def test_a_run_says_in_its_report_when_the_workbook_was_split(tmp_path, monkeypatch):
    from chitieu.output import excel
    monkeypatch.setattr(excel, "MAX_ROWS", 60)
    monkeypatch.setattr(parts_module, "MAX_ROWS", 60)
    out = tmp_path / "out"
    pipeline.run([SEEDS], out, pipeline.RunSettings(workers=0, review=False))
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert any("records_2.xlsx" in n and "60" in n for n in report["notes"]), report.get("notes")
    assert (out / "records_2.xlsx").exists()


def test_parquet_files_hold_what_read_records_and_read_cells_give(tmp_path):
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    import chitieu
    out = tmp_path / "out"
    pipeline.run([SEEDS], out, pipeline.RunSettings(workers=0, review=False))
    records = pd.read_parquet(out / "records.parquet", dtype_backend="numpy_nullable")
    expected = chitieu.read_records(out)
    assert list(records.columns) == list(expected.columns) and len(records) == len(expected) == 282
    for col in ("page", "seq", "level", "table_index"):
        assert str(records[col].dtype) == "Int64"
    for col in ("value", "target_value", "confidence"):
        assert str(records[col].dtype) == "Float64"
        assert records[col].equals(expected[col])
    assert records["title"].tolist() == expected["title"].tolist()
    assert [list(w) for w in records["warnings"]] == expected["warnings"].tolist()
    cells = pd.read_parquet(out / "cells.parquet", dtype_backend="numpy_nullable")
    expected_cells = chitieu.read_cells(out)
    assert len(cells) == len(expected_cells) > 0
    assert cells["text"].tolist() == expected_cells["text"].tolist()
    assert cells["value"].equals(expected_cells["value"]) and cells["merged"].tolist() == expected_cells[
        "merged"].tolist()


def test_without_pyarrow_the_run_says_so_in_one_line_and_writes_the_rest(tmp_path, monkeypatch):
    import io

    from chitieu.batch.progress import Progress
    from chitieu.output import parquet
    monkeypatch.setattr(parquet, "available", lambda: False)
    out = tmp_path / "out"
    stream = io.StringIO()
    pipeline.run([next(SEEDS.glob("001_*.txt"))], out, pipeline.RunSettings(workers=0, review=False),
                 Progress(quiet=True, stream=stream))
    assert not (out / "records.parquet").exists() and (out / "records.csv").exists()
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["notes"] == [parquet.MISSING]
    assert stream.getvalue().splitlines() == [f"note: {parquet.MISSING}"]


def _misbehave_on_this_worker() -> None:
    """Run on each Dask worker: files named crash, hang and hog misbehave as in tests/test_batch.py."""
    import os
    import time
    from pathlib import Path

    from chitieu import pipeline
    real = pipeline.process_file

    def misbehaving(path, source, settings=None, timings=None):
        name = Path(path).name
        if name == "crash.txt":
            os._exit(9)  # a segfault in a C library looks like this
        if name == "hang.txt":
            time.sleep(600)
        if name == "hog.txt":
            _ = bytearray(3 * 2**30)  # 3 GB against a 1 GB limit
        return real(path, source, settings)

    pipeline.process_file = misbehaving


def test_dask_workers_hold_timeout_and_max_memory_and_a_crash_costs_only_its_file(tmp_path):
    """On the cluster path as locally: each file runs in a child process of its Dask worker, stopped past
    --timeout, limited by --max-memory, and its crash loses that file only; the Dask workers all live on."""
    pytest.importorskip("distributed")
    import sys

    import cloudpickle
    import dask
    from distributed import Client, LocalCluster
    cloudpickle.register_pickle_by_value(sys.modules[__name__])  # the workers cannot import this test module
    folder = _folder(tmp_path, 4)
    for name in ("crash", "hang", "hog"):
        (folder / f"{name}.txt").write_text(f"1. Tỷ lệ hồ sơ {name} 50%\n", encoding="utf-8")
    with dask.config.set({"distributed.worker.daemon": False}):
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    with cluster, Client(cluster) as client:
        client.run(_misbehave_on_this_worker)
        workers = set(client.scheduler_info()["workers"])
        started = time.monotonic()
        result = pipeline.run([folder], tmp_path / "out", pipeline.RunSettings(
            executor="dask", scheduler=cluster.scheduler_address, timeout=5, max_memory=1024, review=False))
        assert time.monotonic() - started < 90
        by_name = {d.source: d for d in result.documents}
        assert by_name["crash.txt"].error_code == "crashed" and "died" in by_name["crash.txt"].error
        assert by_name["hang.txt"].error_code == "timeout" and "5 s" in by_name["hang.txt"].error
        assert by_name["hog.txt"].error_code == "out-of-memory"
        assert [d.status for d in result.documents if d.source.startswith("00")] == ["ok"] * 4
        assert set(client.scheduler_info()["workers"]) == workers, "no Dask worker died or was restarted"


def test_a_damaged_part_is_rendered_again_not_copied_into_the_outputs(tmp_path):
    """A byte of a stored workbook piece flipped (a bad disk, a hand edit): the next run refuses the part, says
    why in the report, renders it again from the resume cache and writes what a run from scratch writes."""
    folder = _folder(tmp_path, 4)
    out = tmp_path / "out"
    pipeline.run([folder], out, pipeline.RunSettings(workers=0))
    store = parts_module.PartStore(out)
    victim = sorted(store.dir.glob("*.part"))[1]
    head = store.load(victim.stem)
    data = bytearray(victim.read_bytes())
    at = len(b"".join(data.split(b"\n", 2)[:2])) + 2   # the segments start after the two lines
    for key, size in head["index"]:
        if key == "xlsx/records":
            data[at + size // 2] ^= 0x01
            break
        at += size
    victim.write_bytes(bytes(data))
    _folder(tmp_path, 1, start=4)   # something new, so that the files are written again
    again = pipeline.run([folder], out, pipeline.RunSettings(workers=0))
    assert again.resumed == 4
    notes = again.report["notes"]
    assert len(notes) == 1 and victim.stem in notes[0] and "SHA-256" in notes[0] and "rendered again" in notes[0]
    assert store.load(victim.stem, whole=True) is not None, "the part is stored again, whole"
    fresh = tmp_path / "fresh"
    pipeline.run([folder], fresh, pipeline.RunSettings(workers=0))
    damaged = _outputs(out)
    del damaged["report.json"]["notes"]
    assert damaged == _outputs(fresh)


def _sections(html: str) -> list[str]:
    return html.split('<h2 id="doc-')[1:]


def test_the_review_is_written_from_the_parts_and_read_back_only_for_another_language(tmp_path, monkeypatch):
    """Each document's section of review.html is rendered with its part: a re-run writes the page without
    reading any document back, unless it asks for another language, and the page equals a fresh run's."""
    import re
    folder = _folder(tmp_path, 3)
    out = tmp_path / "out"
    pipeline.run([folder], out, pipeline.RunSettings(workers=0))
    first = (out / "review.html").read_text(encoding="utf-8")
    read_back = []
    real = pipeline.Manifest.load
    monkeypatch.setattr(pipeline.Manifest, "load",
                        lambda self, doc_id, *a, **k: read_back.append(doc_id) or real(self, doc_id, *a, **k))
    (out / "review.html").unlink()
    pipeline.run([folder], out, pipeline.RunSettings(workers=0))
    assert read_back == [] and _sections((out / "review.html").read_text(encoding="utf-8")) == _sections(first)
    assert len(_sections(first)) == 3 and not re.search(r"chitieu-[0-9a-f]{32}", first)
    pipeline.run([folder], out, pipeline.RunSettings(workers=0, lang="en"))
    english = (out / "review.html").read_text(encoding="utf-8")
    assert len(read_back) == 3 and '<html lang="en">' in english
    fresh = tmp_path / "fresh"
    pipeline.run([folder], fresh, pipeline.RunSettings(workers=0, lang="en"))
    assert _sections(english) == _sections((fresh / "review.html").read_text(encoding="utf-8"))
    assert _sections(english) != _sections(first)
