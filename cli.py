"""The command line: parses options and calls the library; nothing else happens here."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from errors import ChitieuError, ExitCode


def _fail(exc: ChitieuError, debug: bool) -> None:
    if debug:
        raise exc
    click.echo(f"chitieu: {exc}", err=True)
    sys.exit(int(exc.exit_code))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="chitieu")
def main() -> None:
    """Extract indicator tables from Vietnamese official reports into validated records."""


@main.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--out", "out_dir", required=True, type=click.Path(path_type=Path, file_okay=False),
              help="Folder for records.csv, records.json, documents.json and report.json.")
@click.option("--lexicon", "lexicons", multiple=True, type=click.Path(path_type=Path, dir_okay=False),
              help="Extra indicator lexicon (TSV: id, wording, kind, source); may be repeated.")
@click.option("--debug", is_flag=True, help="Show tracebacks instead of one-line errors.")
@click.option("--quiet", "-q", is_flag=True, help="Print only failures and the summary.")
def run(inputs: tuple[Path, ...], out_dir: Path, lexicons: tuple[Path, ...], debug: bool, quiet: bool) -> None:
    """Convert files and folders of reports (PDF, .txt, .md) into records."""
    import pipeline

    def on_document(doc, i, n):
        if doc.status == "failed":
            click.echo(f"[{i}/{n}] FAILED {doc.source}: {doc.error}", err=True)
        elif not quiet:
            extra = f", {len(doc.unparsed)} unparsed lines" if doc.unparsed else ""
            click.echo(f"[{i}/{n}] ok     {doc.source}: {len(doc.records)} records, "
                       f"{len(doc.pages)} page(s){extra}")

    try:
        settings = pipeline.RunSettings(debug=debug, lexicons=lexicons)
        result = pipeline.run(inputs, out_dir, settings, on_document)
    except ChitieuError as exc:
        _fail(exc, debug)
        return
    missing = [s for s in result.skipped if s["reason"] == "no such file or folder"]
    for s in missing:
        click.echo(f"skipped {s['source']}: {s['reason']}", err=True)
    if len(result.skipped) > len(missing):  # other file types in the folders: counted, listed in report.json
        click.echo(f"{len(result.skipped) - len(missing)} other files skipped (not PDF, text or image); "
                   f"see report.json", err=True)
    summary = result.report["summary"]
    click.echo(f"{summary['documents']} documents: {summary['ok']} ok, {summary['failed']} failed, "
               f"{summary['skipped']} skipped; {summary['records']} records from {summary['pages']} pages "
               f"in {summary['seconds']:.1f} s → {out_dir}")
    if result.failed or (not result.documents and result.skipped):
        sys.exit(int(ExitCode.input_failed))


@main.command()
@click.argument("source", type=click.File("r", encoding="utf-8-sig"), default="-")
@click.option("--explain", is_flag=True, help="After each changed line, print its edits (before → after, why).")
def repair(source, explain: bool) -> None:
    """Repair Vietnamese text (stdin when no FILE): one output line per input line."""
    from normalize import repair_text

    for raw in source:
        line = raw.rstrip("\n")
        fixed = repair_text(line)
        click.echo(fixed.text)
        if explain:
            for e in fixed.edits:
                click.echo(f"  # {e.reason}: {e.before!r} → {e.after!r} (score {e.score:g})", err=True)


if __name__ == "__main__":
    main()
