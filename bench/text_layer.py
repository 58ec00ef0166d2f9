"""Text-layer PDFs: the pipeline's pages per second beside bare pdfplumber `extract_text` and bare pypdfium2 (every
character with its box) on the same pages, the text-layer reader alone through each of its two readers, and a
whole `chitieu run` process.

Usage: .venv/bin/python bench/text_layer.py [PDF ...] [--repeat N] [--process-only] [--copies K]
  (default: the six text-layer files of ../shared/realpdf the issue measured: 01 03 05 08 13 20, 122 pages)
Prints, per way of reading, pages/s in CPU time (steady on a machine other processes load) and in wall time,
both the best of N runs, and the ratios. In this process: the bare readers, the reader, the pipeline per file.
As whole processes, a fresh one per run, CPU time of the process and its children: `chitieu run --ocr never
--workers 0` into a new folder (everything a user pays: start-up, imports, models, conversion, every output),
the same writing neither records.xlsx nor review.html, the same with an empty model cache (as a first run
after installing: CHITIEU_CACHE_DIR in a new folder), and with two worker processes (CPU of all of them); with
--copies K, also on K distinct copies of each file, to part a page's cost in a long batch from a run's own.
Run by hand; figures go into the README and the issue."""
from __future__ import annotations

import argparse
import ctypes
import io
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pdfplumber  # noqa: E402
import pypdfium2  # noqa: E402
import pypdfium2.raw as pdfium  # noqa: E402

from chitieu import pipeline  # noqa: E402
from chitieu.extract import pdf_text  # noqa: E402

REALPDF = ROOT.parent / "shared" / "realpdf"
ISSUE_FILES = ("01_", "03_", "05_", "08_", "13_", "20_")


def bare_pdfplumber(paths: list[Path]) -> int:
    pages = 0
    for p in paths:
        with pdfplumber.open(p) as pdf:
            for page in pdf.pages:
                page.extract_text()
                page.close()
                pages += 1
    return pages


def bare_pypdfium2(paths: list[Path]) -> int:
    """Every character's text and box, and nothing else: the floor of any reader built on pdfium."""
    pages = 0
    left, right, bottom, top = (ctypes.c_double() for _ in range(4))
    for p in paths:
        pdf = pypdfium2.PdfDocument(p)
        for page in pdf:
            textpage = page.get_textpage()
            for i in range(textpage.count_chars()):
                pdfium.FPDFText_GetUnicode(textpage.raw, i)
                pdfium.FPDFText_GetCharBox(textpage.raw, i, left, right, bottom, top)
            textpage.close()
            page.close()
            pages += 1
        pdf.close()
    return pages


def reader(paths: list[Path], fast: bool) -> int:
    """extract/pdf_text.read_pdf alone, its pages read by pdfium (fast) or all through pdfplumber."""
    real = pdf_text._fast_page
    if not fast:
        pdf_text._fast_page = lambda *args: None
    try:
        return sum(len(pdf_text.read_pdf(p.read_bytes())) for p in paths)
    finally:
        pdf_text._fast_page = real


def whole(paths: list[Path]) -> int:
    pages = 0
    for p in paths:
        doc = pipeline.process_file(p, p.name, pipeline.RunSettings(ocr="never"))
        assert doc.status == "ok", doc.error
        pages += len(doc.pages)
    return pages


WAYS = {
    "bare pdfplumber extract_text": bare_pdfplumber,
    "bare pypdfium2 chars + boxes": bare_pypdfium2,
    "reader, all pages pdfplumber": lambda paths: reader(paths, fast=False),
    "reader (extract/pdf_text.py)": lambda paths: reader(paths, fast=True),
    "chitieu pipeline --ocr never": whole,
}


def run_process(paths: list[Path], extra: tuple[str, ...] = (), cold_cache: bool = False) -> tuple[float, float]:
    """One `chitieu run --ocr never --workers 0` as a fresh process into a new folder: (CPU seconds of the
    process and its children, wall seconds)."""
    with tempfile.TemporaryDirectory(prefix="text-layer-") as tmp:
        env = dict(os.environ)
        if cold_cache:
            env["CHITIEU_CACHE_DIR"] = str(Path(tmp) / "cache")
        command = [sys.executable, "-m", "chitieu", "run", *map(str, paths), "--out", str(Path(tmp) / "out"),
                   "--ocr", "never", "--workers", "0", *extra]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        wall = time.perf_counter()
        done = subprocess.run(command, cwd=ROOT.parent, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        wall = time.perf_counter() - wall
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"chitieu run failed ({done.returncode}): {done.stderr.decode(errors='replace')[-500:]}")
    return after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime, wall


PROCESSES = {
    "whole process, all outputs": {},
    "whole process, no xlsx/review": {"extra": ("--no-xlsx", "--no-review")},
    "whole process, model uncached": {"cold_cache": True},
    "whole process, 2 workers": {"extra": ("--workers", "2")},
}


def measure_process(paths: list[Path], repeat: int, options: dict) -> tuple[float, float]:
    """(best CPU seconds, best wall seconds) over `repeat` fresh processes."""
    runs = [run_process(paths, **options) for _ in range(repeat)]
    return min(c for c, _ in runs), min(w for _, w in runs)


def measure(fn, paths: list[Path], repeat: int) -> tuple[int, float, float]:
    """(pages, best CPU seconds, best wall seconds) over `repeat` runs."""
    cpu = wall = float("inf")
    pages = 0
    for _ in range(repeat):
        c, w = time.process_time(), time.perf_counter()
        pages = fn(paths)
        cpu, wall = min(cpu, time.process_time() - c), min(wall, time.perf_counter() - w)
    return pages, cpu, wall


def steady(paths: list[Path], pages: int, copies: int, repeat: int) -> None:
    """The whole process on the files and on `copies` distinct copies of each (a line after %%EOF makes each
    copy's bytes its own: no duplicate is skipped): the CPU a page costs in a long batch, and what a run costs
    beyond its pages (start-up, models, the outputs' frames)."""
    with tempfile.TemporaryDirectory(prefix="text-layer-copies-") as tmp:
        many = []
        for p in paths:
            data = p.read_bytes()
            for k in range(copies):
                many.append(Path(tmp) / f"{p.stem}_{k}.pdf")
                many[-1].write_bytes(data + f"\n%% copy {k}\n".encode())
        one, _ = measure_process(paths, repeat, {})
        more, wall = measure_process(many, repeat, {})
    per_page = (more - one) / (pages * (copies - 1))
    print(f"whole process, {copies} copies of each {pages * copies:5d} pages  cpu {more:7.2f} s "
          f"{pages * copies / more:6.1f} pages/s   wall {wall:7.2f} s {pages * copies / wall:6.1f} pages/s")
    print(f"in a long batch: {per_page * 1000:.1f} ms of CPU a page = {1 / per_page:.1f} pages/s; "
          f"a run's own cost: {one - pages * per_page:.2f} s", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("pdfs", nargs="*", type=Path)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--process-only", action="store_true", help="only the whole-process figures")
    ap.add_argument("--copies", type=int, default=0,
                    help="also run the whole process on this many distinct copies of each file, and print the "
                         "cost of a page beyond the first run's (what a long batch pays) and a run's own cost")
    args = ap.parse_args()
    paths = args.pdfs or sorted(p for p in REALPDF.glob("*.pdf") if p.name.startswith(ISSUE_FILES))
    if not paths:
        sys.exit("no text-layer PDFs given or found in ../shared/realpdf")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    run_process(paths[:1])  # warm-up: the page cache, the model cache
    pages = sum(len(pypdfium2.PdfDocument(p)) for p in paths)
    results = {}
    for name, options in PROCESSES.items():
        cpu, wall = measure_process(paths, args.repeat, options)
        results[name] = pages / cpu
        print(f"{name:30s} {pages:4d} pages  cpu {cpu:7.2f} s {pages / cpu:6.1f} pages/s   "
              f"wall {wall:7.2f} s {pages / wall:6.1f} pages/s", flush=True)
    if args.copies > 1:
        steady(paths, pages, args.copies, args.repeat)
    if args.process_only:
        print(f"files: {', '.join(p.name[:24] for p in paths)}")
        return
    whole(paths[:1])  # warm-up: imports, font caches
    for name, fn in WAYS.items():
        pages, cpu, wall = measure(fn, paths, args.repeat)
        results[name] = pages / cpu
        print(f"{name:30s} {pages:4d} pages  cpu {cpu:7.2f} s {pages / cpu:6.1f} pages/s   "
              f"wall {wall:7.2f} s {pages / wall:6.1f} pages/s", flush=True)
    pipe = results["chitieu pipeline --ocr never"]
    process = results["whole process, all outputs"]
    print(f"whole process / bare pdfplumber: {process / results['bare pdfplumber extract_text']:.2f}x   "
          f"whole process / bare pypdfium2: {process / results['bare pypdfium2 chars + boxes']:.2f}x   "
          f"whole process / pipeline per file: {process / pipe:.2f}x")
    print(f"pipeline / bare pdfplumber: {pipe / results['bare pdfplumber extract_text']:.2f}x   "
          f"pipeline / bare pypdfium2: {pipe / results['bare pypdfium2 chars + boxes']:.2f}x   "
          f"reader pdfium / reader pdfplumber: "
          f"{results['reader (extract/pdf_text.py)'] / results['reader, all pages pdfplumber']:.2f}x")
    print(f"files: {', '.join(p.name[:24] for p in paths)}")
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
