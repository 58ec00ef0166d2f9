"""Batches: isolation of crashing, hanging and memory-hungry files, resume after kill -9, safe CSV cells."""
import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from chitieu import pipeline
from tests.conftest import ROOT, SEEDS


def _folder(tmp_path, copies=1):
    """The seeds, each `copies` times with different content (a trailing line), as a batch folder."""
    folder = tmp_path / "in"
    folder.mkdir()
    for p in sorted(SEEDS.glob("*.txt")):
        for i in range(copies):
            data = p.read_bytes() + (f"\n\nBản sao {i}\n".encode() if i else b"")
            (folder / f"{p.stem}_{i}.txt").write_bytes(data)
    return folder


def test_crash_hang_and_memory_blowup_cost_only_their_file(tmp_path, monkeypatch):
    folder = _folder(tmp_path)
    for name in ("crash", "hang", "hog"):  # each its own bytes: identical files would be converted once
        (folder / f"{name}.txt").write_text(f"1. Tỷ lệ hồ sơ {name} 50%\n", encoding="utf-8")
    real = pipeline.process_file

    def misbehaving(path, source, settings=None):
        if path.name == "crash.txt":
            os._exit(9)  # a segfault in a C library looks like this to the supervisor
        if path.name == "hang.txt":
            time.sleep(600)
        if path.name == "hog.txt":
            _ = bytearray(3 * 2**30)  # 3 GB against a 1 GB limit
        return real(path, source, settings)

    # worker processes are forked, so they run the patched function
    monkeypatch.setattr(pipeline, "process_file", misbehaving)
    settings = pipeline.RunSettings(workers=2, timeout=5, max_memory=1024)
    started = time.monotonic()
    result = pipeline.run([folder], tmp_path / "out", settings)
    assert time.monotonic() - started < 60
    by_name = {d.source: d for d in result.documents}
    assert by_name["crash.txt"].error_code == "crashed" and "died" in by_name["crash.txt"].error
    assert by_name["hang.txt"].error_code == "timeout" and "5 s" in by_name["hang.txt"].error
    assert by_name["hog.txt"].error_code == "out-of-memory"
    good = [d for d in result.documents if d.source.startswith(("00",))]
    assert len(good) == 5 and all(d.status == "ok" for d in good)
    assert sum(len(d.records) for d in good) == sum(len(d.records) for d in result.documents)
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert {f["code"] for f in report["failures"]} == {"crashed", "timeout", "out-of-memory"}


def test_rerun_resumes_and_gives_the_same_outputs(tmp_path):
    folder = _folder(tmp_path)
    out = tmp_path / "out"
    first = pipeline.run([folder], out, pipeline.RunSettings(workers=2))
    records = (out / "records.json").read_bytes()
    again = pipeline.run([folder], out, pipeline.RunSettings(workers=2))
    assert first.resumed == 0 and again.resumed == len(again.documents) == 5
    assert (out / "records.json").read_bytes() == records
    forced = pipeline.run([folder], out, pipeline.RunSettings(force=True))
    assert forced.resumed == 0 and (out / "records.json").read_bytes() == records


def test_a_changed_lexicon_redoes_the_files(tmp_path):
    folder = _folder(tmp_path)
    out = tmp_path / "out"
    pipeline.run([folder], out, pipeline.RunSettings())
    lex = tmp_path / "mine.tsv"
    lex.write_text("id\twording\tkind\tsource\nmine:1\tTỷ lệ hồ sơ giải quyết trước hạn\tindicator\ttest\n",
                   encoding="utf-8")
    again = pipeline.run([folder], out, pipeline.RunSettings(lexicons=(lex,)))
    assert again.resumed == 0


def test_kill_9_then_rerun_equals_an_uninterrupted_run(tmp_path):
    folder = _folder(tmp_path, copies=8)  # 40 files
    whole, broken = tmp_path / "whole", tmp_path / "broken"
    cmd = [sys.executable, "-m", "chitieu", "run", str(folder), "--workers", "1", "-q"]
    subprocess.run(cmd + ["--out", str(whole)], cwd=ROOT, check=True, capture_output=True)
    proc = subprocess.Popen(cmd + ["--out", str(broken)], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    done = broken / ".chitieu" / "done"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (not done.exists() or len(list(done.glob("*.json"))) < 5):
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)  # the supervisor and its workers, as kill -9 of a process group
    proc.wait()
    finished = len(list(done.glob("*.json")))
    assert 5 <= finished < 40, "the run should have been killed half-way"
    assert not (broken / "records.json").exists()
    rerun = subprocess.run(cmd + ["--out", str(broken)], cwd=ROOT, capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr
    assert f"{finished} finished by an earlier run" in rerun.stdout
    assert (broken / "records.json").read_bytes() == (whole / "records.json").read_bytes()
    assert (broken / "records.csv").read_bytes() == (whole / "records.csv").read_bytes()
    assert not list(broken.glob(".*.tmp")), "no half-written file is left behind"


def test_csv_neutralises_formulas_but_json_keeps_the_text(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "x.txt").write_text(
        "STT\tNội dung\tKết quả\n1\t=HYPERLINK(\"http://x\")\t-5%\n2\t- Tổng số hồ sơ\t@10\n", encoding="utf-8")
    out = tmp_path / "out"
    pipeline.run([folder], out, pipeline.RunSettings())
    rows = list(csv.DictReader((out / "records.csv").read_text(encoding="utf-8-sig").splitlines()))
    records = json.loads((out / "records.json").read_text(encoding="utf-8"))
    titles = {r["stt"]: r["title"] for r in rows}
    assert titles["1"].startswith("'=HYPERLINK")
    assert {r["stt"]: r["title"] for r in records}["1"].startswith("=HYPERLINK")
    assert not titles["2"].startswith("'")  # a '- item' label is not a formula
    raw = {r["stt"]: r["value_raw"] for r in rows}
    assert raw["1"] == "'-5%"


def test_outputs_are_readable_by_others(tmp_path):
    out = tmp_path / "out"
    pipeline.run([SEEDS / next(SEEDS.glob("001_*")).name], out, pipeline.RunSettings())
    mask = os.umask(0)
    os.umask(mask)
    assert (out / "records.csv").stat().st_mode & 0o777 == 0o666 & ~mask


def test_cli_exit_codes(tmp_path):
    folder = _folder(tmp_path)
    ok = subprocess.run([sys.executable, "-m", "chitieu", "run", str(folder), "--out", str(tmp_path / "o1"), "-q"],
                        cwd=ROOT, capture_output=True, text=True)
    assert ok.returncode == 0
    shutil.copy(ROOT / "tests" / "data" / "bad" / "truncated.pdf", folder)
    bad = subprocess.run([sys.executable, "-m", "chitieu", "run", str(folder), "--out", str(tmp_path / "o2"), "-q"],
                         cwd=ROOT, capture_output=True, text=True)
    assert bad.returncode == 1 and "truncated.pdf" in bad.stderr
    usage = subprocess.run([sys.executable, "-m", "chitieu", "run", str(folder), "--out", str(tmp_path / "o3"),
                            "--workers", "-1"], cwd=ROOT, capture_output=True, text=True)
    assert usage.returncode == 2


def test_dask_executor_gives_the_same_outputs_as_local_workers(tmp_path):
    pytest.importorskip("distributed")
    folder = _folder(tmp_path)
    local, dask = tmp_path / "local", tmp_path / "dask"
    pipeline.run([folder], local, pipeline.RunSettings(workers=2))
    result = pipeline.run([folder], dask, pipeline.RunSettings(executor="dask", workers=2))
    assert len(result.documents) == 5 and not result.failed
    assert (dask / "records.json").read_bytes() == (local / "records.json").read_bytes()
    # the manifest is kept on the client: a second run resumes without the cluster doing anything
    again = pipeline.run([folder], dask, pipeline.RunSettings(executor="dask", workers=2))
    assert again.resumed == 5


def test_folders_are_read_by_content_not_extension_alone(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(ROOT / "samples" / "scorecard_766_ruled.pdf", folder / "scorecard")      # no extension
    # a wrong one, and other bytes (identical files are one document): a comment after the end of the PDF
    (folder / "scorecard.dat").write_bytes((ROOT / "samples" / "scorecard_766_ruled.pdf").read_bytes() + b"\n%copy\n")
    (folder / "notes.docx").write_bytes(b"PK\x03\x04 not ours")
    result = pipeline.run([folder], tmp_path / "out", pipeline.RunSettings())
    assert sorted(d.source for d in result.documents) == ["scorecard", "scorecard.dat"]
    assert all(len(d.records) == 29 for d in result.documents)  # 28 rows and the total
    assert [s["source"] for s in result.skipped] == ["notes.docx"]


def test_layout_and_ocr_options_are_part_of_what_is_resumed(tmp_path):
    folder = _folder(tmp_path)
    out = tmp_path / "out"
    pipeline.run([folder], out, pipeline.RunSettings())
    assert pipeline.run([folder], out, pipeline.RunSettings(layout="flow")).resumed == 0
    assert pipeline.run([folder], out, pipeline.RunSettings(layout="flow")).resumed == 5


def test_a_planted_cache_file_runs_no_code_and_is_converted_again(tmp_path):
    """The resume cache lives in the output folder, often a shared one: a file planted there, under the name
    the next run will look for, must never run code (it was a pickle once); the input is converted afresh."""
    import pickle
    from chitieu.batch.manifest import CACHE_DIR, Manifest

    folder = _folder(tmp_path)
    out = tmp_path / "out"
    first = pipeline.run([folder], out, pipeline.RunSettings())
    done = out / CACHE_DIR
    cached = sorted(done.glob("*.json"))
    assert len(cached) == 5
    witness = tmp_path / "pwned"

    class Exploit:
        def __reduce__(self):
            return (os.system, (f"touch {witness}",))

    for path in cached:
        path.write_bytes(pickle.dumps(Exploit()))
    again = pipeline.run([folder], out, pipeline.RunSettings())
    assert not witness.exists()
    assert again.resumed == 0
    assert [len(d.records) for d in again.documents] == [len(d.records) for d in first.documents]
    # a well-formed JSON document claiming another file's content is not taken either
    for path in sorted(done.glob("*.json"))[:1]:
        stored = json.loads(path.read_bytes())
        stored["document"]["doc_id"] = "f" * 16
        path.write_text(json.dumps(stored), encoding="utf-8")
    assert pipeline.run([folder], out, pipeline.RunSettings()).resumed == 4
    assert Manifest(out, "k").load("0" * 16, "x") is None


def test_stored_documents_come_back_field_for_field(seed_docs):
    from chitieu.schemas.serialize import SerializeError, dump_document, load_document

    for doc in seed_docs.values():
        assert load_document(dump_document(doc)) == doc
    from chitieu.schemas.model import Document, Line, Page
    scanned = Document("a" * 16, "scan.png", pages=[Page(1, [Line("x", 1, 1, image=b"\xff\xd8\x00")],
                                                         thumbnail=b"\x00\x01")])
    assert load_document(dump_document(scanned)) == scanned
    with pytest.raises(SerializeError):
        load_document(b'{"format": "chitieu-document/1", "document": {"doc_id": "x", "source": "y", "evil": 1}}')
    with pytest.raises(SerializeError):
        load_document(b'{"format": "chitieu-document/1", "document": {"doc_id": 5, "source": "y"}}')
