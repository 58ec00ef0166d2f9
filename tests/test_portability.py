"""Issue 22, item 2: chitieu on a system without Linux's POSIX-only parts, as on Windows. Tested here, on Linux, by
taking those parts away (no `resource` module, no os.fork so that workers start by spawn, no os.fchmod as on
Windows before Python 3.13, no SIGHUP), by console code pages that cannot write Vietnamese (cp1258, cp1252), and
by folder and file names with Vietnamese letters and spaces. Not tested on a real Windows machine."""
import importlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from chitieu import pipeline
from chitieu.batch import memory
from chitieu.batch.memory import NOT_ENFORCED
from chitieu.output.atomic import write_atomic
from tests.conftest import ROOT, SEEDS

sys.path.insert(0, str(ROOT / "tests" / "data"))
from make_bad_inputs import _tiff_bomb  # noqa: E402

# The `chitieu` command as it runs where Python has no `resource`, no os.fork and no SIGHUP, less the names in
# $REMOVE too (os.fchmod, os.O_NONBLOCK). A spawned worker imports this script again (as __mp_main__) before it
# runs, so it lacks them too, and notes its pid in $SPAWNED: the proof that workers were spawned, not forked.
# `--api FOLDER` runs the README's Python API instead, as a user's script: its code under the __main__ guard.
WINDOWS_LIKE = '''
import os, signal, sys
sys.modules["resource"] = None
for name in ["fork", *os.environ.get("REMOVE", "").split()]:
    if hasattr(os, name):
        delattr(os, name)
if hasattr(signal, "SIGHUP"):
    del signal.SIGHUP
if __name__ == "__mp_main__":
    with open(os.environ["SPAWNED"], "a", encoding="ascii") as fh:
        fh.write(f"{os.getpid()}\\n")
if __name__ == "__main__" and sys.argv[1] == "--api":
    import chitieu
    result = chitieu.convert([sys.argv[2]], workers=2, max_memory=1024)
    print(len(result.records), *sorted(d.status for d in result.documents))
elif __name__ == "__main__":
    from chitieu.cli import main
    main()
'''



def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


UMASK_MODE = 0o666 & ~_umask()  # what outputs get: readable by other users and tools, as open() would make them


def _windows_like(tmp_path: Path, *args, wait=True, remove=(), **popen):
    script = tmp_path / "windows_like.py"
    script.write_text(WINDOWS_LIKE, encoding="utf-8")
    env = {**os.environ, "SPAWNED": str(tmp_path / "spawned.txt"), "REMOVE": " ".join(remove)}
    cmd = [sys.executable, str(script), *map(str, args)]
    if not wait:
        return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **popen)
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, timeout=300)


def _spawned(tmp_path: Path) -> list[int]:
    path = tmp_path / "spawned.txt"
    return [int(x) for x in path.read_text(encoding="ascii").split()] if path.exists() else []


def _records(out: Path) -> list[dict]:
    return json.loads((out / "records.json").read_text(encoding="utf-8"))


def _vietnamese_folder(tmp_path: Path) -> Path:
    """The seeds in folders and files named with Vietnamese letters and spaces, as a clerk names them."""
    folder = tmp_path / "Báo cáo quý 3" / "Phụ lục kèm theo"
    folder.mkdir(parents=True)
    for p in sorted(SEEDS.glob("*.txt")):
        shutil.copy(p, folder / f"Công văn số {p.name[:3]} – Sở Nội vụ.txt")
    return folder.parent


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")  # the ordinary run's, in this process
def test_a_run_without_posix_parts_spawns_its_workers_and_converts_everything(tmp_path):
    """No resource, fork or SIGHUP: two spawned workers convert every file, their warnings reach the log file,
    --max-memory is one note of the run (report.json and its closing line), and the records are those of an ordinary run, read from and
    written to folders named with Vietnamese letters and spaces."""
    inputs = _vietnamese_folder(tmp_path)
    # PIL warns (DecompressionBombWarning) inside the worker, then the file is refused
    (inputs / "ảnh quá lớn.tiff").write_bytes(_tiff_bomb(12000))
    out = tmp_path / "Kết quả lần 1"
    run = _windows_like(tmp_path, "run", inputs, "--out", out, "--workers", "2", "--max-memory", "512")
    stderr = run.stderr.decode("utf-8")
    assert run.returncode == 1, stderr  # the TIFF bomb fails, alone
    assert len(_spawned(tmp_path)) >= 2, "the workers were spawned"
    lines = stderr.splitlines()
    # one line per file, then the run's one note
    assert len(lines) == 7 and all(line.startswith("[") for line in lines[:6]), lines
    assert lines[6] == f"note: {NOT_ENFORCED}"
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert (report["summary"]["ok"], [f["source"] for f in report["failures"]]) == (5, ["ảnh quá lớn.tiff"])
    assert report["notes"] == [NOT_ENFORCED]
    assert not [w for w in report["warnings"] if w["warning"] == NOT_ENFORCED]
    # the warning went to the log file from a spawned worker, which inherited no handler
    log = (out / ".chitieu" / "library.log").read_text(encoding="utf-8")
    warned = re.findall(r" pid (\d+) py\.warnings WARNING: .*DecompressionBombWarning", log)
    assert warned and {int(pid) for pid in warned} <= set(_spawned(tmp_path)), log
    assert "Phụ lục kèm theo/Công văn số 002 – Sở Nội vụ.txt" in {r["source"] for r in _records(out)}

    usual = tmp_path / "usual"
    pipeline.run([inputs], usual, pipeline.RunSettings(workers=0))
    assert _records(out) == _records(usual)


def test_the_python_api_with_spawned_workers(tmp_path):
    run = _windows_like(tmp_path, "--api", SEEDS)
    assert run.returncode == 0, run.stderr.decode("utf-8")[-2000:]
    expected = sum(len(pipeline.process_file(p, p.name).records) for p in SEEDS.glob("*.txt"))
    assert run.stdout.decode().split() == [str(expected)] + ["ok"] * 5
    assert len(_spawned(tmp_path)) == 2


def test_a_run_without_fchmod_and_o_nonblock_as_on_windows(tmp_path):
    inputs = _vietnamese_folder(tmp_path)
    out = tmp_path / "Kết quả"
    run = _windows_like(tmp_path, "run", inputs, "--out", out, "--workers", "0", remove=("fchmod", "O_NONBLOCK"))
    assert run.returncode == 0, run.stderr.decode("utf-8")[-2000:]
    assert json.loads((out / "report.json").read_text(encoding="utf-8"))["summary"]["ok"] == 5
    assert (out / "records.json").stat().st_mode & 0o777 == UMASK_MODE


def test_without_resource_the_memory_limit_is_not_set_and_a_memory_error_stays_internal(monkeypatch):
    monkeypatch.setitem(sys.modules, "resource", None)
    try:
        importlib.reload(memory)
        assert memory.resource is None
        assert memory.limit_memory(None) == 0  # no limit asked: nothing to say
        assert memory.limit_memory(512) is None
        doc = pipeline.Document(doc_id="0" * 16, source="a.txt", status="failed", error_code="internal-error",
                                error="internal error (MemoryError: )")
        assert memory.out_of_memory(doc, 512, None).error_code == "internal-error"
    finally:
        monkeypatch.undo()
        importlib.reload(memory)
    assert memory.resource is not None


def test_an_atomic_write_without_fchmod_keeps_the_files_permissions(tmp_path, monkeypatch):
    monkeypatch.delattr(os, "fchmod")
    target = tmp_path / "báo cáo.json"
    write_atomic(target, '{"tên": "Tỷ lệ"}')
    assert target.read_text(encoding="utf-8") == '{"tên": "Tỷ lệ"}'
    assert target.stat().st_mode & 0o777 == UMASK_MODE
    assert [p.name for p in tmp_path.iterdir()] == ["báo cáo.json"]  # no temp file left


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def test_sigterm_stops_spawned_workers_and_the_run_says_so(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for p in sorted(SEEDS.glob("*.txt")):
        for i in range(8):
            (folder / f"{p.stem}_{i}.txt").write_bytes(p.read_bytes() + f"\n\nBản sao {i}\n".encode())
    out = tmp_path / "out"
    proc = _windows_like(tmp_path, "run", folder, "--out", out, "--workers", "2", "-q", wait=False,
                         start_new_session=True)
    done = out / ".chitieu" / "done"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and (len(_spawned(tmp_path)) < 2 or not done.exists()
                                           or len(list(done.glob("*.json"))) < 2):
        time.sleep(0.05)
    workers = _spawned(tmp_path)
    assert len(workers) >= 2 and all(_alive(pid) for pid in workers[:2])
    os.kill(proc.pid, signal.SIGTERM)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 143, stderr
    assert stderr.decode().strip().splitlines()[-1] == (
        "chitieu: stopped by SIGTERM; run the same command again to resume where it stopped")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_alive(pid) for pid in workers):
        time.sleep(0.05)
    assert not any(_alive(pid) for pid in workers), "no spawned worker outlives the run"
    assert 2 <= len(list(done.glob("*.json"))) < 40


@pytest.mark.parametrize("codepage", ["cp1258", "cp1252"])
def test_run_search_and_repair_write_utf8_whatever_the_consoles_code_page(tmp_path, codepage):
    """A console or a pipe in the Vietnamese (cp1258) or Western (cp1252) Windows code page: neither can write
    'ệ' or '→', which crashed every command that printed a title or a file name. Output is UTF-8."""
    inputs = _vietnamese_folder(tmp_path)
    out = tmp_path / "Kết quả"
    env = {**os.environ, "PYTHONIOENCODING": codepage}

    def chitieu(*args, stdin=None):
        proc = subprocess.run([sys.executable, "-m", "chitieu", *map(str, args)], cwd=tmp_path, env=env,
                              input=stdin, capture_output=True, timeout=300)
        assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")
        return proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8")  # strict: UTF-8 or the test fails

    stdout, stderr = chitieu("run", inputs, "--out", out, "--workers", "0")
    assert "Công văn số 002 – Sở Nội vụ.txt" in stderr + stdout
    assert "→" in stderr + stdout  # the summary line points at the output folder
    assert str(out) in stderr + stdout
    stdout, _ = chitieu("search", "tỷ lệ thủ tục", "--db", out / "chitieu.sqlite")
    assert "hành chính công bố đúng hạn" in stdout and "Công văn số 002 – Sở Nội vụ.txt" in stdout
    text = "Tỷ lệ thủ tục hành chính công bố đúng hạn: 49,22% – Đạt\n"
    stdout, _ = chitieu("repair", stdin=text.encode("utf-8"))
    assert stdout == text


def test_vietnamese_paths_with_spaces_in_worker_processes_and_a_resumed_run(tmp_path):
    inputs = _vietnamese_folder(tmp_path)
    out = tmp_path / "Kết quả tháng 9"
    cmd = [sys.executable, "-m", "chitieu", "run", str(inputs), "--out", str(out), "--workers", "2"]
    first = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr
    docs = json.loads((out / "documents.json").read_text(encoding="utf-8"))
    assert sorted(d["source"] for d in docs) == sorted(
        f"Phụ lục kèm theo/Công văn số {p.name[:3]} – Sở Nội vụ.txt" for p in SEEDS.glob("*.txt"))
    assert all(d["status"] == "ok" for d in docs)
    assert "Công văn số 002 – Sở Nội vụ.txt" in (out / "review.html").read_text(encoding="utf-8")
    records = _records(out)
    assert len(records) == sum(len(pipeline.process_file(p, p.name).records) for p in SEEDS.glob("*.txt"))
    again = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0 and "(5 finished by an earlier run)" in again.stdout, again.stdout
    assert _records(out) == records


def test_a_workers_slow_start_does_not_count_against_the_files_timeout(tmp_path, monkeypatch):
    """A spawned worker imports everything afresh (seconds on a busy machine): its file's --timeout starts when it
    is ready. The start is made slow here by the memory-limit step, run in forked workers as patched."""
    from chitieu.batch import workers

    real = workers.limit_memory

    def slow_start(memory_mb):
        time.sleep(3)
        return real(memory_mb)

    monkeypatch.setattr(workers, "limit_memory", slow_start)
    tasks = [workers.Task(0, seed, seed.name, "0" * 16) for seed in sorted(SEEDS.glob("001_*.txt"))]
    settings = pipeline.RunSettings(workers=1, timeout=2, max_memory=4096)  # models loaded before READY
    [(task, done)] = list(workers.run_isolated(tasks, settings, 1, 2, 4096))
    assert done.brief["status"] == "ok", done.brief["error"]
