"""Issue 21, what a hostile tester found: files that are not files, names that are not text, control characters,
stop signals, a full disk, an output folder inside the input folder, library log lines. Each test makes the real
thing (a FIFO, a link out of the tree, a name with byte 0xff, a SIGTERM to a running batch, ENOSPC) and checks
what the README promises: one line for the bad file, the others converted, nothing half-written, the exit code."""
import errno
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from chitieu import cli
from chitieu import pipeline
from chitieu.batch.inputs import PATH_MAX
from chitieu.errors import InputError
from tests.conftest import ROOT, SAMPLES, SEEDS, seed

sys.path.insert(0, str(ROOT / "tests" / "data"))
from make_bad_inputs import _pdf_bytes, _tiff_bomb  # noqa: E402

# A line the CLI prints per file, or the closing lines: nothing else may reach the terminal.
PER_FILE = ("[", "chitieu:")


def _run_cli(*args, timeout=300):
    """The CLI in its own process, as a user runs it (a hang fails the test instead of stalling it)."""
    return subprocess.run([sys.executable, "-m", "chitieu", "run", *map(str, args)], cwd=ROOT, capture_output=True,
                          timeout=timeout)


def _seed_folder(tmp_path, copies=1, name="in"):
    """The seeds, each `copies` times with different content (a trailing line), as a batch folder."""
    folder = tmp_path / name
    folder.mkdir()
    for p in sorted(SEEDS.glob("*.txt")):
        for i in range(copies):
            (folder / f"{p.stem}_{i}.txt").write_bytes(p.read_bytes() + f"\n\nBản sao {i}\n".encode())
    return folder


def _deep_folder(top: Path) -> str:
    """Folders nested until their path passes PATH_MAX, with a text file at the bottom; made through directory
    descriptors, since no path that long can be opened. Returns the first folder's name."""
    name = "d" * 240
    fd = os.open(top, os.O_RDONLY)
    for _ in range(PATH_MAX // len(name) + 1):
        os.mkdir(name, dir_fd=fd)
        inner = os.open(name, os.O_RDONLY, dir_fd=fd)
        os.close(fd)
        fd = inner
    out = os.open("deep.txt", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
    os.write(out, seed("001").read_bytes())
    os.close(out)
    os.close(fd)
    return name


def _skipped(out: Path) -> dict:
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    return {s["source"]: s for s in report["skipped"]}


# --- 1. only regular files are inputs; nothing is left out without a word --------------------------------------

def test_fifo_devices_hidden_long_paths_and_links_out_are_skipped_with_a_reason(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(seed("001"), folder / "good.txt")
    shutil.copy(seed("002"), folder / ".hidden.txt")
    os.mkfifo(folder / "pipe.txt")              # opening it would wait for a writer forever
    os.symlink("/dev/zero", folder / "zero.pdf")  # hashing it would never end
    outside = tmp_path / "private"
    outside.mkdir()
    (outside / "secret.txt").write_text("1. Tỷ lệ hồ sơ mật 50%\n", encoding="utf-8")
    os.symlink(outside / "secret.txt", folder / "secret.txt")
    os.symlink("good.txt", folder / "alias.txt")  # a link inside the folder is an ordinary input
    deep = _deep_folder(folder)
    out = tmp_path / "out"
    run = _run_cli(folder, "--out", out, "--workers", "1")
    assert run.returncode == 0, run.stderr
    skipped = _skipped(out)
    assert skipped["pipe.txt"]["code"] == "not-regular" and "FIFO" in skipped["pipe.txt"]["reason"]
    assert skipped["zero.pdf"]["code"] == "not-regular" and "/dev/zero" in skipped["zero.pdf"]["reason"]
    assert skipped[".hidden.txt"]["code"] == "hidden"
    assert skipped["secret.txt"]["code"] == "link-outside" and "--follow-links" in skipped["secret.txt"]["reason"]
    too_long = [s for src, s in skipped.items() if src.startswith(deep)]
    assert [s["code"] for s in too_long] == ["too-long"]
    docs = json.loads((out / "documents.json").read_text(encoding="utf-8"))
    # the link is read as the file it names: the same bytes, so one document and a duplicate
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert [d["source"] for d in docs] == ["alias.txt"]
    assert [(d["source"], d["duplicate_of"]) for d in report["duplicates"]] == [("good.txt", "alias.txt")]
    assert all(d["status"] == "ok" for d in docs)
    assert "5 files or folders skipped" in run.stderr.decode()

    # --follow-links reads the link out of the folder; a device stays skipped whatever the option
    followed = _run_cli(folder, "--out", tmp_path / "out2", "--workers", "1", "--follow-links")
    assert followed.returncode == 0, followed.stderr
    assert "secret.txt" not in _skipped(tmp_path / "out2") and "zero.pdf" in _skipped(tmp_path / "out2")
    records = json.loads((tmp_path / "out2" / "records.json").read_text(encoding="utf-8"))
    assert any(r["source"] == "secret.txt" for r in records)


def test_hashing_and_reading_never_open_a_fifo_or_a_device(tmp_path):
    fifo = tmp_path / "swapped.txt"
    os.mkfifo(fifo)  # a file replaced by a FIFO after the folder was listed
    assert pipeline.file_id(fifo) is None
    assert pipeline.file_id(Path("/dev/zero")) is None
    with pytest.raises(InputError) as exc:
        pipeline.read_input(fifo)
    assert exc.value.code == "not-regular"
    doc = pipeline.process_file(fifo, "swapped.txt")
    assert doc.status == "failed" and doc.error_code == "not-regular"


# --- 2, 3. names that are not UTF-8 or hold control characters; control characters in the text ------------------

def _with_controls() -> str:
    """Seed 002 with NUL, VT, ESC, BEL, DEL and a C1 control in a row's title (past the first KB, where a NUL
    would make the file binary)."""
    lines = seed("002").read_text(encoding="utf-8").split("\n")
    last = max(i for i, line in enumerate(lines) if "Tỷ lệ" in line)
    lines[last] = lines[last].replace("Tỷ lệ", "Tỷ\x00 lệ\x0b\x1b[31m\x07\x7f\x85", 1)
    return "\n".join(lines)


def test_names_and_text_with_control_characters_or_bytes_that_are_not_utf8(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "controls.txt").write_text(_with_controls(), encoding="utf-8")
    shutil.copy(seed("001"), os.fsdecode(bytes(folder) + b"/b\xe1o c\xe1o\xff.txt"))  # Latin-1 bytes
    shutil.copy(seed("003"), folder / "two\nlines\x1b[2J.txt")
    out = tmp_path / "out"
    run = _run_cli(folder, "--out", out, "--workers", "1")
    assert run.returncode == 0, run.stderr
    err = run.stderr.decode("utf-8")
    assert "\x1b" not in err and "Traceback" not in err
    assert all(line.startswith(PER_FILE) or "skipped" in line for line in err.splitlines()), err
    assert "two\\x0alines\\x1b[2J.txt" in err
    docs = json.loads((out / "documents.json").read_text(encoding="utf-8"))
    assert sorted(d["source"] for d in docs) == ["b\\xe1o c\\xe1o\\xff.txt", "controls.txt",
                                                 "two\\x0alines\\x1b[2J.txt"]
    assert all(d["status"] == "ok" and d["records"] for d in docs)
    # JSON and the database hold any character: the text is kept as it was
    records = json.loads((out / "records.json").read_text(encoding="utf-8"))
    assert any("\x1b[31m" in (r["title"] or "") for r in records)
    with sqlite3.connect(out / "chitieu.sqlite") as conn:
        assert any("\x1b[31m" in (t or "") for t, in conn.execute("SELECT title FROM records"))
    # the workbook, the CSV and the review page cannot: they show the escapes
    from openpyxl import load_workbook
    from chitieu.output.excel import RECORD_COLUMNS
    column = RECORD_COLUMNS.index("title") + 1
    sheet = load_workbook(out / "records.xlsx")["records"]
    titles = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True, min_col=column, max_col=column)]
    assert any("\\x1b[31m" in (t or "") for t in titles), "the title column holds the escaped text"
    for name in ("review.html", "records.csv", "cells.csv"):
        text = (out / name).read_text(encoding="utf-8")
        assert not any(ch in text for ch in "\x00\x0b\x1b\x07\x7f\x85"), name
    assert "\\x1b[31m" in (out / "review.html").read_text(encoding="utf-8")


# --- 4. SIGTERM and SIGHUP: stop the workers, say so, exit 143 / 129, resume ----------------------------------

def _alive_with(text: str) -> list[int]:
    """Live processes whose command line holds text: forked workers keep their supervisor's command line."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue  # ended while we looked
        if text.encode() in cmdline and state not in ("Z", "X"):
            pids.append(int(entry.name))
    return pids


@pytest.mark.parametrize("sig, code, to_group", [
    (signal.SIGTERM, 143, False),  # kill PID: the supervisor alone gets it and must stop its workers
    (signal.SIGHUP, 129, True),    # a closed terminal: the whole process group gets it
])
def test_a_stop_signal_stops_the_workers_and_the_next_run_resumes(tmp_path, sig, code, to_group):
    folder = _seed_folder(tmp_path, copies=8)  # 40 files
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "chitieu", "run", str(folder), "--out", str(out), "--workers", "2", "-q"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    done = out / ".chitieu" / "done"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and (not done.exists() or len(list(done.glob("*.json"))) < 2
                                           or len(_alive_with(str(out))) < 3):
        time.sleep(0.02)
    assert len(_alive_with(str(out))) >= 3, "the supervisor and its two workers run"
    if to_group:
        os.killpg(proc.pid, sig)
    else:
        os.kill(proc.pid, sig)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == code
    assert stderr.decode().strip().splitlines()[-1] == (
        f"chitieu: stopped by {signal.Signals(sig).name}; run the same command again to resume where it stopped")
    assert "Traceback" not in stderr.decode()
    assert _alive_with(str(out)) == [], "no worker outlives the run"
    finished = len(list(done.glob("*.json")))
    assert 2 <= finished < 40, "the run was stopped half-way"
    assert not (out / "records.json").exists()
    rerun = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    assert f"({finished} finished by an earlier run)" in rerun.stdout
    assert len({r["source"] for r in json.loads((out / "records.json").read_text(encoding="utf-8"))}) == 40


def test_workers_die_with_a_supervisor_killed_with_9(tmp_path):
    """kill -9 of the supervisor alone runs no cleanup at all: the workers must still not be orphaned."""
    folder = _seed_folder(tmp_path, copies=8)
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "chitieu", "run", str(folder), "--out", str(out), "--workers", "2",
                             "-q"], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(_alive_with(str(out))) < 3:
        time.sleep(0.02)
    workers = [pid for pid in _alive_with(str(out)) if pid != proc.pid]
    assert len(workers) >= 2
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)
    deadline = time.monotonic() + 30  # the kernel delivers the workers' death signal at once; this only bounds
    while time.monotonic() < deadline and _alive_with(str(out)):
        time.sleep(0.05)
    assert _alive_with(str(out)) == [], "no worker outlives its supervisor"


# --- 5. a full disk: exit 4, one line, nothing half-written, the next run resumes -------------------------------

def _disk_full_when_syncing(monkeypatch, part: str) -> None:
    """os.fsync fails with ENOSPC for files whose path holds `part` (write_atomic syncs every file it writes; a
    full disk shows there, or at write())."""
    real = os.fsync

    def fsync(fd):
        if part in os.readlink(f"/proc/self/fd/{fd}"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(fd)
    monkeypatch.setattr(os, "fsync", fsync)


def _outputs(out: Path) -> dict:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and ".chitieu" not in p.parts and p.suffix != ".sqlite" and "sqlite-" not in p.name}


@pytest.mark.parametrize("part, kept", [
    (".chitieu/done/", "records.json"),  # the resume cache: nothing else is written after it fails
    ("/.manifest.json.", "records.json"),
    ("/.records.json.", "records.json"),
    ("/.records.xlsx.", "records.xlsx"),
    ("/.review.html.", "review.html"),
])
def test_a_full_disk_exits_4_with_one_line_and_keeps_the_earlier_outputs_whole(tmp_path, monkeypatch, part, kept):
    folder = _seed_folder(tmp_path)
    out = tmp_path / "out"
    first = CliRunner().invoke(cli.main, ["run", str(folder), "--out", str(out), "-q", "--workers", "1"])
    assert first.exit_code == 0, first.output
    before = _outputs(out)
    # a new file of its own bytes (a copy of seed 001 would be a duplicate, written once)
    (folder / "new.txt").write_bytes(seed("001").read_bytes() + "\nBản mới\n".encode())
    with monkeypatch.context() as patched:
        _disk_full_when_syncing(patched, part)
        full = CliRunner().invoke(cli.main, ["run", str(folder), "--out", str(out), "-q", "--workers", "1"])
    assert full.exit_code == 4
    lines = full.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("chitieu: cannot write ") and "No space left" in lines[0]
    assert "free some space and run the same command again" in lines[0]
    assert not [p for p in out.rglob("*.tmp")], "no temp file is left behind"
    after = _outputs(out)
    assert after[kept] == before[kept], f"{kept} is the earlier one, whole"
    for name in (n for n in after if n.endswith(".json")):
        json.loads(after[name])  # every JSON file whole: the earlier one or the new one
    again = CliRunner().invoke(cli.main, ["run", str(folder), "--out", str(out), "-q", "--workers", "1"])
    assert again.exit_code == 0, again.output
    assert len(json.loads((out / "documents.json").read_text(encoding="utf-8"))) == 6


def test_a_full_database_exits_4_and_keeps_none_of_the_run(tmp_path, monkeypatch):
    """SQLite's own 'database or disk is full' (SQLITE_FULL), made real by capping the file's pages."""
    from chitieu import output
    import chitieu.output.sqlite  # noqa: F401  (binds the submodule)
    folder = _seed_folder(tmp_path)
    out = tmp_path / "out"
    real = output.sqlite.connect

    def capped(path):
        conn = real(path)
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages + 8}")  # room for a document or two, not five
        return conn
    with monkeypatch.context() as patched:
        patched.setattr(output.sqlite, "connect", capped)
        full = CliRunner().invoke(cli.main, ["run", str(folder), "--out", str(out), "-q", "--workers", "1"])
    assert full.exit_code == 4
    lines = full.output.strip().splitlines()
    assert len(lines) == 1 and "database or disk is full" in lines[0] and "Traceback" not in full.output
    with sqlite3.connect(out / "chitieu.sqlite") as conn:
        # the run's documents go in as one transaction: none of them is in, the database is as before the run
        assert conn.execute("SELECT count(*) FROM documents").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM records").fetchone()[0] == 0
    again = CliRunner().invoke(cli.main, ["run", str(folder), "--out", str(out), "-q", "--workers", "1"])
    assert again.exit_code == 0, again.output
    with sqlite3.connect(out / "chitieu.sqlite") as conn:
        assert conn.execute("SELECT count(*) FROM documents").fetchone()[0] == 5


@pytest.fixture
def small_disk(tmp_path):
    """A 2 MB tmpfs, where the test may mount one (root, and a kernel or container that allows it)."""
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a 2 MB tmpfs needs root")
    mnt = tmp_path / "small"
    mnt.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mnt)], capture_output=True,
                          text=True)
    if made.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr.strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def test_a_real_full_disk(tmp_path, small_disk):
    folder = _seed_folder(tmp_path, copies=2)  # 10 files: about 3 MB of outputs
    out = small_disk / "out"
    run = _run_cli(folder, "--out", out, "--workers", "1", "-q")
    assert run.returncode == 4, run.stderr
    err = run.stderr.decode().strip().splitlines()
    assert len(err) == 1 and ("No space left on device" in err[0] or "database or disk is full" in err[0]), err
    assert not list(out.rglob("*.tmp"))
    for name in ("records.json", "documents.json", "report.json", "manifest.json"):
        if (out / name).exists():
            json.loads((out / name).read_text(encoding="utf-8"))  # whole, or absent
    cached = len(list((out / ".chitieu" / "done").glob("*.json")))
    subprocess.run(["mount", "-o", "remount,size=64m", str(small_disk)], check=True)
    rerun = _run_cli(folder, "--out", out, "--workers", "1", "-q")
    assert rerun.returncode == 0, rerun.stderr
    assert (f"({cached} finished by an earlier run)" in rerun.stdout.decode()) or cached == 0


# --- 6. --out inside the input folder ---------------------------------------------------------------------------

def test_an_output_folder_inside_the_input_folder_is_not_read_back(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(SAMPLES / "scans" / "dispatch_003.png", folder)  # a scan: the review gets JPEG row images
    shutil.copy(seed("001"), folder / "good.txt")
    out = folder / "out"
    first = _run_cli(folder, "--out", out, "--workers", "1")
    assert first.returncode == 0, first.stderr
    assert list((out / "review" / "img").glob("*.jpg")), "the run wrote images an input scan would match"
    shutil.copytree(out, folder / "last-week")  # an earlier run's output folder, under another name
    again = _run_cli(folder, "--out", out, "--workers", "1")
    assert again.returncode == 0, again.stderr
    docs = json.loads((out / "documents.json").read_text(encoding="utf-8"))
    assert sorted(d["source"] for d in docs) == ["dispatch_003.png", "good.txt"]
    skipped = _skipped(out)
    assert skipped["out"]["code"] == "output" and skipped["last-week"]["code"] == "output"


# --- 7. library log lines and warnings stay off the terminal ------------------------------------------------------

def test_library_log_lines_and_warnings_do_not_break_the_one_line_per_file_output(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    # a content stream whose matrix operands are names: pdfminer logs "Cannot concatenate matrix …" (the page
    # is turned, /Rotate 90, so that pdfplumber over pdfminer reads it: pdfium reads upright pages, silently)
    content = b"BT /F1 12 Tf 1 0 0 1 50 700 Tm (1. Ty le ho so 50%) Tj ET /A /B 0 1 0 0 cm"
    (folder / "odd_matrix.pdf").write_bytes(_pdf_bytes([
        b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Rotate 90 /Resources << /Font << /F1 4 0 R >> >>"
        b" /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        f"<< /Length {len(content)} >>\nstream\n".encode() + content + b"\nendstream"]))
    # a TIFF header of 144 megapixels: PIL warns (DecompressionBombWarning), then the file is refused
    (folder / "big.tiff").write_bytes(_tiff_bomb(12000))
    shutil.copy(seed("001"), folder / "good.txt")
    out = tmp_path / "out"
    run = _run_cli(folder, "--out", out, "--workers", "1")
    assert run.returncode == 1  # big.tiff fails, alone
    err = run.stderr.decode().splitlines()
    assert len(err) == 3 and all(line.startswith("[") for line in err), err
    log = (out / ".chitieu" / "library.log").read_text(encoding="utf-8")
    assert "Cannot concatenate matrix" in log and "DecompressionBombWarning" in log
