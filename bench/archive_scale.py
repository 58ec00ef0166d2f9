"""Archive scale (issue 23): a batch's memory, re-runs, and the workbook writer, on copies of the seeds.

    .venv/bin/python bench/archive_scale.py                      # everything: N = 100, 400, 1000
    .venv/bin/python bench/archive_scale.py --sizes 100,400,1600 # the sizes issue 23 names (bench/scale.py)
    .venv/bin/python bench/archive_scale.py --sizes 400 --repeat 3 --no-writers   # the re-run, three times
    .venv/bin/python bench/archive_scale.py --xlsx-only          # the workbook writers alone

Prints, per N distinct files (the five seeds copied round robin, each copy given a line of its own so that no
two files have the same bytes): the run's wall time and CPU time (the driver's and its workers'), the driver's
peak RSS (the process that runs `chitieu run` and writes the outputs; the worker processes are not counted,
they hold one file each) and its share spent writing outputs; then, for the 400-file batch, a re-run with
nothing new and re-runs after adding 5 files (--repeat times, each adding 5 more), each as a share of the first
run, and once more without review.html; then the time to write records.xlsx of ~28,000 records with the
openpyxl writer of before, with XlsxWriter cell by cell (constant-memory mode) and put together from the
documents' pieces as a run does (alternated, median of 3), and what making the pieces costs.

Each run is a fresh process (the child mode below), so peak RSS is the run's own.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "samples" / "seeds"


def make_folder(folder: Path, n: int, start: int = 0) -> None:
    """n distinct files: the seeds in turn, each copy ending with its own line (as tests/test_batch.py does)."""
    seeds = sorted(SEEDS.glob("*.txt"))
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(start, start + n):
        seed = seeds[i % len(seeds)]
        (folder / f"{seed.stem}_{i:05d}.txt").write_bytes(seed.read_bytes() + f"\n\nBản sao {i}\n".encode())


def child(in_dir: str, out_dir: str, workers: int, review: bool = True) -> None:
    """One run in this process; prints its seconds, the seconds spent writing outputs and its peak RSS."""
    from chitieu import pipeline

    spent = {"write": 0.0}
    real = pipeline._write_results

    def timed(*args, **kwargs):
        started = time.perf_counter()
        try:
            return real(*args, **kwargs)
        finally:
            spent["write"] += time.perf_counter() - started

    pipeline._write_results = timed
    # the driver's CPU per document for each step it takes as documents arrive (the workers stored and rendered
    # them: it writes their bytes and rows), and for the review page
    steps = {"store": (pipeline.Manifest, "keep"), "part": (pipeline, "_take"),
             "database": (pipeline._Database, "add"), "review": (pipeline.ReviewWriter, "add")}
    for step, (owner, name) in steps.items():
        _time_cpu(owner, name, step, spent)
    started, cpu = time.perf_counter(), _cpu()
    result = pipeline.run([Path(in_dir)], Path(out_dir), pipeline.RunSettings(workers=workers, review=review))
    print(json.dumps({"seconds": time.perf_counter() - started, "cpu": _cpu() - cpu, "write": spent["write"],
                      "steps": {step: spent.get(step, 0.0) for step in steps},
                      "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "documents": len(result.documents), "resumed": result.resumed,
                      "records": result.report["summary"]["records"]}))


def _time_cpu(owner, name: str, step: str, spent: dict) -> None:
    """Add the CPU seconds each call of owner.name takes to spent[step]."""
    real = getattr(owner, name)

    def timed(*args, **kwargs):
        started = time.process_time()
        try:
            return real(*args, **kwargs)
        finally:
            spent[step] = spent.get(step, 0.0) + time.process_time() - started

    setattr(owner, name, timed)


def _cpu() -> float:
    """CPU seconds of this process and of its finished children (the worker processes)."""
    return sum(resource.getrusage(who).ru_utime + resource.getrusage(who).ru_stime
               for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))


def run(in_dir: Path, out_dir: Path, workers: int, review: bool = True) -> dict:
    proc = subprocess.run([sys.executable, __file__, "--child", str(in_dir), str(out_dir), str(workers),
                           "review" if review else "no-review"],
                          capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def batches(sizes: list[int], workers: int, tmp: Path, repeat: int = 1) -> None:
    print(f"machine load (1 min) at the start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"{'files':>6} {'seconds':>8} {'CPU s':>7} {'s/file':>7} {'peak RSS MB':>12} {'writing outputs':>16}")
    first = {}
    for n in sizes:
        folder, out = tmp / f"in{n}", tmp / f"out{n}"
        make_folder(folder, n)
        r = run(folder, out, workers)
        first[n] = r
        print(f"{n:>6} {r['seconds']:>8.1f} {r['cpu']:>7.1f} {r['seconds'] / n:>7.3f} {r['rss_mb']:>12.0f} "
              f"{r['write'] / r['seconds']:>15.1%}   driver CPU a document: " +
              ", ".join(f"{k} {1000 * v / n:.1f} ms" for k, v in r["steps"].items()), flush=True)
    if len(sizes) > 1:
        lo, hi = min(sizes), max(sizes)
        print(f"peak RSS at {hi} files / at {lo}: {first[hi]['rss_mb'] / first[lo]['rss_mb']:.2f}")
    n = 400 if 400 in sizes else max(sizes)
    folder, out, base = tmp / f"in{n}", tmp / f"out{n}", first[n]
    assembly(out, tmp / "assembled")
    again = run(folder, out, workers)
    print(f"re-run of {n} files, nothing new: {again['seconds']:.2f} s "
          f"({again['seconds'] / base['seconds']:.1%} of the first run; {again['resumed']} resumed)")
    shares = []
    for k in range(repeat):
        make_folder(folder, 5, start=n + 5 * k)
        more = run(folder, out, workers)
        shares.append(more['seconds'] / base['seconds'])
        print(f"re-run after adding 5 files to {n + 5 * k}: {more['seconds']:.2f} s, CPU {more['cpu']:.2f} s "
              f"({shares[-1]:.1%} of the first run's time, {more['cpu'] / base['cpu']:.1%} of its CPU; writing "
              f"outputs {more['write']:.2f} s; load {os.getloadavg()[0]:.1f})", flush=True)
    if repeat > 1:
        print(f"re-run adding 5 files, median of {repeat}: {statistics.median(shares):.1%} of the first run")
    make_folder(folder, 5, start=n + 5 * repeat)
    bare = run(folder, out, workers, review=False)
    print(f"the same, 5 more files, --no-review: {bare['seconds']:.2f} s "
          f"({bare['seconds'] / base['seconds']:.1%} of the first run; writing outputs {bare['write']:.2f} s)")


def assembly(out: Path, into: Path, rounds: int = 3) -> None:
    """CPU per document to put a run's files together from its parts, as a re-run does (the table and text files
    already in place): the CSV and JSON files and report.json alone, with the Parquet files, with records.xlsx
    too. Median of rounds, alternated; in this process (the parts are read from the page cache)."""
    from chitieu.output.parts import PartStore, RunOutputs
    store = PartStore(out)
    names = [p.stem for p in sorted(store.dir.glob("*.part"))]
    whole = {"whole": True}
    if not names:  # the layout before chitieu-part/2 (one JSON file a part), to measure the code of before
        names, whole = [p.stem for p in sorted(store.dir.glob("*.json"))], {}
    kinds = {"CSV and JSON": (False, False), "+ Parquet": (False, True), "+ records.xlsx": (True, True)}
    times = {k: [] for k in kinds}
    into.mkdir(exist_ok=True)
    for r in range(rounds + 1):   # the first round writes the table and text files: not counted
        for kind, (xlsx, parquet) in kinds.items():
            started = time.process_time()
            outputs = RunOutputs(into, xlsx=xlsx, parquet=parquet)
            for name in names:
                outputs.add(store.load(name, **whole))
            outputs.close(0.0, [], [])
            if r:
                times[kind].append(time.process_time() - started)
    print(f"putting the files together from {len(names)} parts, CPU a document (median of {rounds}): " +
          ", ".join(f"{k} {1000 * statistics.median(v) / len(names):.2f} ms" for k, v in times.items()))


def openpyxl_workbook(path: Path, documents) -> None:
    """The openpyxl writer records.xlsx had before XlsxWriter (the same sheets, widths and formats), as the
    baseline."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    from chitieu.output.excel import (DOCUMENT_COLUMNS, NUMERIC, PROBLEM_COLUMNS, TEXT_FORMAT, WIDTHS, WRAPPED,
                                      document_row, problems)
    from chitieu.output.files import CELL_FIELDS, cell_rows
    from chitieu.schemas.model import FLAT_FIELDS

    wb = Workbook()
    sheets = [("records", FLAT_FIELDS, [r.to_dict() for d in documents for r in d.records]),
              ("documents", DOCUMENT_COLUMNS, [document_row(d) for d in documents]),
              ("problems", PROBLEM_COLUMNS, problems(documents)),
              ("cells", CELL_FIELDS, list(cell_rows(documents)))]
    for i, (name, columns, rows) in enumerate(sheets):
        ws = wb.active if i == 0 else wb.create_sheet()
        ws.title = name
        ws.append(columns)
        for c in ws[1]:
            c.font = Font(bold=True)
        for row in rows:
            ws.append([row.get(c) if c in NUMERIC or row.get(c) is None else
                       "; ".join(map(str, row[c])) if isinstance(row[c], list) else str(row[c]) for c in columns])
        for j, col in enumerate(columns, start=1):
            letter = get_column_letter(j)
            ws.column_dimensions[letter].width = WIDTHS.get(col, 12)
            if col in TEXT_FORMAT:
                for cell in ws[letter][1:]:
                    cell.number_format = "@"
            if col in WRAPPED:
                for cell in ws[letter][1:]:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = ws.dimensions
    buf = io.BytesIO()
    wb.save(buf)
    path.write_bytes(buf.getvalue())


def xlsx_documents(records: int):
    """Copies of the seeds' documents, enough for about `records` records."""
    import copy

    from chitieu import pipeline
    seeds = [pipeline.process_file(p, p.name) for p in sorted(SEEDS.glob("*.txt"))]
    per_round = sum(len(d.records) for d in seeds)
    docs = []
    for i in range(max(1, round(records / per_round))):
        for d in seeds:
            c = copy.copy(d)
            c.source = f"{i:04d}_{d.source}"
            docs.append(c)
    return docs


def pieces_of(docs) -> list:
    """Each document's sheet pieces, as its part holds them."""
    from chitieu.output.excel import document_pieces
    return [document_pieces(d) for d in docs]


def write_from_pieces(path: Path, pieces: list) -> None:
    """records.xlsx put together from pieces made beforehand: what a run does with the parts it finds."""
    from chitieu.output.excel import Workbooks
    books = Workbooks(path)
    for document in pieces:
        for sheet, (made, rows) in document.items():
            books.add(sheet, made, rows)
    books.close()


def xlsx(records: int, tmp: Path, rounds: int = 3) -> None:
    from chitieu.output.excel import write_xlsx
    docs = xlsx_documents(records)
    n = sum(len(d.records) for d in docs)
    cells = sum(len(r.cells) for d in docs for r in d.records)
    started = time.process_time()
    pieces = pieces_of(docs)
    making = time.process_time() - started
    writers = {"openpyxl": openpyxl_workbook,
               "XlsxWriter": lambda path, docs: write_xlsx(path, docs, direct=True),
               "pieces": lambda path, docs: write_from_pieces(path, pieces)}
    times = {name: [] for name in writers}
    for _ in range(rounds):  # alternated, so that a slower minute of the machine falls on both
        for name, write in writers.items():
            started = time.process_time()
            write(tmp / f"{name}.xlsx", docs)
            times[name].append(time.process_time() - started)
    old, direct, joined = (statistics.median(times[k]) for k in writers)
    print(f"records.xlsx, {n} records and {cells} cells, CPU seconds (median of {rounds}, alternated): openpyxl "
          f"{old:.2f}, XlsxWriter cell by cell (constant memory) {direct:.2f}, put together from the documents' "
          f"pieces {joined:.2f} ({direct / joined:.0f}x faster than XlsxWriter); making the pieces, once per "
          f"document: {making:.2f} ({1000 * making / len(docs):.1f} ms a document)")


def one_xlsx(writer: str, records: int) -> None:
    """Write one workbook with one writer (for timing each as a whole process)."""
    from chitieu.output.excel import write_xlsx
    docs = xlsx_documents(records)
    with tempfile.TemporaryDirectory() as tmp:
        if writer == "openpyxl":
            openpyxl_workbook(Path(tmp) / "r.xlsx", docs)
        else:
            write_xlsx(Path(tmp) / "r.xlsx", docs, direct=writer == "xlsxwriter")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="100,400,1000")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--records", type=int, default=28_000, help="records in the workbook comparison")
    ap.add_argument("--repeat", type=int, default=1, help="re-runs adding 5 files, one after the other")
    ap.add_argument("--xlsx-only", action="store_true")
    ap.add_argument("--no-writers", action="store_true", help="leave out the workbook writers' comparison")
    ap.add_argument("--write-xlsx", choices=["openpyxl", "xlsxwriter", "pieces"],
                    help="write one workbook and exit")
    ap.add_argument("--child", nargs=4, metavar=("IN", "OUT", "WORKERS", "REVIEW"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child[0], args.child[1], int(args.child[2]), args.child[3] == "review")
        return
    if args.write_xlsx:
        one_xlsx(args.write_xlsx, args.records)
        return
    with tempfile.TemporaryDirectory(prefix="archive_scale-") as tmp:
        if not args.xlsx_only:
            batches([int(s) for s in args.sizes.split(",")], args.workers, Path(tmp), args.repeat)
        if not args.no_writers:
            xlsx(args.records, Path(tmp))


if __name__ == "__main__":
    main()
