"""What a batch shows while it runs: a progress bar (files, pages, rate, time left) on a terminal, one plain line
per file otherwise (logs, CI), failures always; and a closing summary."""
from __future__ import annotations

import sys
import time

from chitieu.output.controls import printable_name
from chitieu.output.parts import brief
from chitieu.schemas import Document


class Progress:
    """Call start(total) once, then document(doc, done, total) per finished file, then close(summary)."""

    def __init__(self, quiet: bool = False, stream=None):
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.live = self.stream.isatty()
        self.pages = 0
        self.started = time.monotonic()
        self._bar = None
        self._task = None

    def start(self, total: int) -> None:
        if not self.live or not total:
            return
        from rich.console import Console
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress as Bar, TextColumn, TimeElapsedColumn,
                                   TimeRemainingColumn)
        self._bar = Bar(TextColumn("[bold]files"), BarColumn(), MofNCompleteColumn(),
                        TextColumn("{task.fields[pages]} pages · {task.fields[rate]}"), TimeElapsedColumn(),
                        TextColumn("left"), TimeRemainingColumn(), console=Console(file=self.stream),
                        transient=True)
        self._bar.start()
        self._task = self._bar.add_task("files", total=total, pages=0, rate="")

    def document(self, doc, done: int, total: int, resumed: bool = False) -> None:
        """One finished input: a Document, or its brief (output/parts.brief: source, status, error, pages,
        records, unparsed; or source and duplicate_of for an input with the bytes of an earlier one)."""
        b = brief(doc) if isinstance(doc, Document) else doc
        self.pages += b.get("pages", 0)
        line = printable_name(self._line(b, done, total, resumed))  # no ESC or newline reaches the terminal
        failed = b.get("status") == "failed"
        if self._bar is not None:
            if failed:
                self._bar.console.print(line, markup=False, highlight=False)
            elapsed = max(time.monotonic() - self.started, 1e-6)
            self._bar.update(self._task, completed=done, pages=self.pages,
                             rate=f"{done / elapsed:.1f} files/s, {self.pages / elapsed:.1f} pages/s")
        elif failed or not self.quiet:
            print(line, file=self.stream, flush=True)

    def notes(self, report: dict) -> None:
        """The report's notes (an output not written, a workbook split), one line each, after the files."""
        for n in report.get("notes", []):
            print(printable_name(f"note: {n}"), file=self.stream, flush=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None

    @staticmethod
    def _line(b: dict, done: int, total: int, resumed: bool) -> str:
        if b.get("duplicate_of"):
            return f"[{done}/{total}] same   {b['source']}: the same bytes as {b['duplicate_of']}, written once"
        if b["status"] == "failed":
            return f"[{done}/{total}] FAILED {b['source']}: {b['error'].splitlines()[0] if b['error'] else ''}"
        extra = f", {b['unparsed']} unparsed lines" if b["unparsed"] else ""
        how = "done before" if resumed else "ok"
        return f"[{done}/{total}] {how:6s} {b['source']}: {b['records']} records, {b['pages']} page(s){extra}"


# What the terminal calls each kind of skipped file (batch.inputs.SkipCode), in a count line.
SKIP_NAMES = {"not-input": "not PDF, text or image", "hidden": "hidden", "too-long": "path too long",
              "unreadable": "unreadable folder", "not-regular": "not a regular file (FIFO, device, socket)",
              "link-outside": "link out of the input folder", "link-folder": "link to a folder",
              "output": "output folder"}


def skipped_lines(skipped: list[dict]) -> list[str]:
    """One line per path named on the command line that does not exist, then one count line for the rest
    (each is listed with its reason in report.json)."""
    lines = [f"skipped {s['source']}: {s['reason']}" for s in skipped if s.get("code") == "missing"]
    counts: dict[str, int] = {}
    for s in skipped:
        if s.get("code") != "missing":
            name = SKIP_NAMES.get(s.get("code"), s.get("code") or "other")
            counts[name] = counts.get(name, 0) + 1
    if counts:
        parts = ", ".join(f"{n} {name}" for name, n in counts.items())
        lines.append(f"{sum(counts.values())} files or folders skipped ({parts}); see report.json")
    return [printable_name(line) for line in lines]


def summary_table(summary: dict, resumed: int, out_dir, stream=None) -> None:
    """The closing summary: a table on a terminal, one line otherwise."""
    stream = stream or sys.stdout
    if stream.isatty():
        from rich.console import Console
        from rich.table import Table
        table = Table(title=printable_name(f"chitieu → {out_dir}"), show_edge=False)
        for col in ("documents", "ok", "failed", "skipped", "resumed", "records", "pages", "seconds"):
            table.add_column(col, justify="right")
        table.add_row(*(str(summary.get(c, resumed if c == "resumed" else "")) for c in
                        ("documents", "ok", "failed", "skipped", "resumed", "records", "pages", "seconds")))
        Console(file=stream).print(table)
        return
    again = f" ({resumed} finished by an earlier run)" if resumed else ""
    n = summary.get("duplicates") or 0
    same = f", {n} duplicate{'s' if n > 1 else ''} (same bytes as another file)" if n else ""
    print(printable_name(
        f"{summary['documents']} documents: {summary['ok']} ok, {summary['failed']} failed, "
        f"{summary['skipped']} skipped{same}{again}; {summary['records']} records from {summary['pages']} pages "
        f"in {summary['seconds']:.1f} s → {out_dir}"), file=stream)


