"""The command line: parses options and calls the library; nothing else happens here."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from chitieu.errors import ChitieuError, ExitCode, Stopped


def _fail(exc: ChitieuError, debug: bool) -> None:
    if debug:
        raise exc
    from chitieu.output.controls import printable_name
    click.echo(printable_name(f"chitieu: {exc}"), err=True)  # a path may hold a newline or an ESC
    sys.exit(int(exc.exit_code))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="chitieu")
def main() -> None:
    """Extract indicator tables from Vietnamese official reports into validated records."""
    _utf8_streams()


def _utf8_streams() -> None:
    """Write UTF-8 to stdout and stderr whatever the console's code page: a Vietnamese title or file name does
    not fit in cp1258 or cp1252 (a Windows console redirected to a file or a pipe), where printing it crashed
    run, search and repair with UnicodeEncodeError. Streams already in UTF-8 are left as they are."""
    import codecs

    for stream in (sys.stdout, sys.stderr):
        encoding = getattr(stream, "encoding", None) or "ascii"
        if codecs.lookup(encoding).name != "utf-8" and hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8", errors=stream.errors)


@main.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--out", "out_dir", required=True, type=click.Path(path_type=Path, file_okay=False),
              help="Folder for records.csv, records.json, documents.json and report.json.")
@click.option("--lexicon", "lexicons", multiple=True, type=click.Path(path_type=Path, dir_okay=False),
              help="Extra indicator lexicon (TSV: id, wording, kind, source); may be repeated.")
@click.option("--headers", "headers", multiple=True, type=click.Path(path_type=Path, dir_okay=False),
              help="Extra header vocabulary (TSV: role, pattern; as parse/data/header_roles.tsv): which column "
                   "fills which field; may be repeated.")
@click.option("--db", type=click.Path(path_type=Path, dir_okay=False),
              help="SQLite database to add this run to (default: DIR/chitieu.sqlite).")
@click.option("--workers", "-j", type=click.IntRange(0, 256), default=None,
              help="Worker processes, each converting one file at a time (default: one per CPU core; "
                   "0: no worker processes, no isolation).")
@click.option("--timeout", type=click.FloatRange(min=1), default=900, show_default=True,
              help="Seconds one file may take before it is stopped and reported as failed.")
@click.option("--max-memory", type=click.IntRange(min=256), default=4096, show_default=True,
              help="MB of memory one worker may use before its file is reported as failed.")
@click.option("--force", is_flag=True, help="Convert every file again, even those an earlier run finished.")
@click.option("--ocr", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True,
              help="auto: OCR pages without a usable text layer and images; always: every page; never: none.")
@click.option("--layout", type=click.Choice(["auto", "table", "flow"]), default="auto", show_default=True,
              help="auto: tables by their header, running text for the rest; table or flow: force one.")
@click.option("--executor", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help="local: worker processes on this machine; dask: a Dask distributed cluster.")
@click.option("--scheduler", help="Dask scheduler address (tcp://host:8786); without it, a local Dask cluster.")
@click.option("--review/--no-review", default=True, show_default=True, help="Write DIR/review.html.")
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True,
              help="Language of review.html: vi (Vietnamese) or en (English).")
@click.option("--xlsx/--no-xlsx", default=True, show_default=True, help="Write DIR/records.xlsx.")
@click.option("--follow-links", is_flag=True,
              help="Read links to files outside the input folders (by default they are skipped).")
@click.option("--group-pages/--no-group-pages", default=True, show_default=True,
              help="Page images of one folder named alike but for a page number (scan_0001.jpg, scan_0002.jpg) "
                   "are one document; --no-group-pages reads each image as a document of its own.")
@click.option("--debug", is_flag=True, help="Show tracebacks and library log lines instead of one-line errors.")
@click.option("--quiet", "-q", is_flag=True, help="Print only failures and the summary.")
def run(inputs: tuple[Path, ...], out_dir: Path, lexicons: tuple[Path, ...], headers: tuple[Path, ...], db: Path,
        workers: int,
        timeout: float, max_memory: int, force: bool, ocr: str, layout: str, executor: str, scheduler: str,
        review: bool, lang: str, xlsx: bool, follow_links: bool, group_pages: bool, debug: bool,
        quiet: bool) -> None:
    """Convert files and folders of reports (PDF, .txt, .md) into records.

    Running the same command again resumes: files an earlier run finished are taken as they are."""
    import contextlib
    import os

    from chitieu import pipeline
    from chitieu.batch.progress import Progress, skipped_lines, summary_table
    from chitieu.batch.session import library_logs_to, stop_on_signals

    if workers is None:
        workers = 0 if debug else (os.cpu_count() or 1)
    # --debug keeps library log lines on the terminal, for developers
    logs = library_logs_to(out_dir / ".chitieu" / "library.log") if not debug else contextlib.nullcontext()
    try:
        settings = pipeline.RunSettings(debug=debug, lexicons=lexicons, headers=headers, db=db, workers=workers,
                                        timeout=timeout,
                                        max_memory=max_memory, force=force, ocr=ocr, layout=layout,
                                        executor=executor, scheduler=scheduler, review=review, xlsx=xlsx,
                                        follow_links=follow_links, group_pages=group_pages, lang=lang)
        with logs, stop_on_signals():
            result = pipeline.run(inputs, out_dir, settings, Progress(quiet=quiet))
    except ChitieuError as exc:
        _fail(exc, debug)
        return
    except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM / SIGHUP (errors.Stopped)
        why = f"stopped by {exc.name}" if isinstance(exc, Stopped) else "interrupted"
        click.echo(f"chitieu: {why}; run the same command again to resume where it stopped", err=True)
        sys.exit(int(getattr(exc, "exit_code", ExitCode.interrupted)))
    for line in skipped_lines(result.skipped):
        click.echo(line, err=True)
    summary_table(result.report["summary"], result.resumed, out_dir)
    if any(d.error_code == "missing-dependency" for d in result.failed):
        sys.exit(int(ExitCode.missing_dependency))
    if result.failed or (not result.documents and result.skipped):
        sys.exit(int(ExitCode.input_failed))


@main.command()
@click.argument("query")
@click.option("--db", type=click.Path(path_type=Path, dir_okay=False), default=Path("out/chitieu.sqlite"),
              show_default=True, help="The database a run wrote (DIR/chitieu.sqlite) or --db gave.")
@click.option("--doc", help="Only this document (its doc_id).")
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per hit.")
def search(query: str, db: Path, doc: str, limit: int, as_json: bool) -> None:
    """Search records, then the documents' text, by words, with or without diacritics ('ty le dich vu cong').

    Each hit says what matched: `record` (a table row or item, with its STT) or `text` (a line of a page)."""
    import dataclasses
    import json

    from chitieu.output.sqlite import search as do_search

    try:
        hits = do_search(db, query, doc=doc, limit=limit)
    except ChitieuError as exc:
        _fail(exc, False)
        return
    for h in hits:
        if as_json:
            click.echo(json.dumps(dataclasses.asdict(h), ensure_ascii=False))
            continue
        if h.what == "text":
            click.echo(f"text   {h.source} p{h.page} line {h.line}: {h.snippet}")
            continue
        target = f"  target {h.target_op} {h.target_value:g}" if h.target_op and h.target_value is not None else ""
        value = f"  value {h.value_raw}" if h.value_raw else ""
        status = f"  [{h.status}]" if h.status else ""
        fuzzy = "  (close match)" if h.how == "fuzzy" else ""
        click.echo(f"record {h.source} p{h.page} STT {h.stt or '-'}: {h.snippet}{value}{target}{status}{fuzzy}")
    if not hits and not as_json:
        click.echo("nothing matches: no record and no line of the documents' text", err=True)


@main.command()
@click.option("--db", type=click.Path(path_type=Path, dir_okay=False), default=Path("out/chitieu.sqlite"),
              show_default=True)
@click.option("--format", "fmt", type=click.Choice(["csv", "json", "xlsx", "parquet"]), default="csv",
              show_default=True, help="The file `run` writes for these records: records.csv, records.json, "
                                      "records.xlsx or records.parquet (parquet needs pyarrow).")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), required=True, help="File to write.")
@click.option("--doc", help="Only this document (its doc_id).")
@click.option("--query", help="Only records matching these words (as in `chitieu search`).")
def export(db: Path, fmt: str, out: Path, doc: str, query: str) -> None:
    """Export records from a database as CSV, JSON, XLSX or Parquet, written as `run` writes them."""
    from chitieu.output.sqlite import export as do_export

    try:
        count = do_export(db, fmt, out, doc=doc, query=query)
    except ChitieuError as exc:
        _fail(exc, False)
        return
    click.echo(f"{count} records → {out}")


@main.command()
@click.argument("source", type=click.File("r", encoding="utf-8-sig"), default="-")
@click.option("--explain", is_flag=True, help="After each changed line, print its edits (before → after, why).")
def repair(source, explain: bool) -> None:
    """Repair Vietnamese text (stdin when no FILE): one output line per input line."""
    from chitieu.normalize import repair_text

    # the whole text at once: whether it lost its diacritics is decided on all of it, not line by line
    text = source.read()
    fixed = repair_text(text.removesuffix("\n"))
    edits = sorted(fixed.edits, key=lambda e: e.start)
    starts = [0]
    for line in fixed.text.split("\n"):
        starts.append(starts[-1] + len(line) + 1)
    for i, line in enumerate(fixed.text.split("\n")):
        click.echo(line)
        if explain:
            for e in edits:
                # restorer edits are placed by offset; whole-text edits (NFC, encodings) are listed once
                if starts[i] <= e.start < starts[i + 1] or (i == 0 and not e.reason.startswith("restore")):
                    click.echo(f"  # line {i + 1}: {e.reason}: {e.before!r} → {e.after!r} (score {e.score:g})",
                               err=True)


if __name__ == "__main__":
    main()
