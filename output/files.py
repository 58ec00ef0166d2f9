"""The four files of a run, rebuilt from the documents each time."""
from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

from chitieu.output.atomic import write_atomic
from chitieu.output.controls import escape_controls
from chitieu.schemas.model import FLAT_FIELDS, Document


# Text a spreadsheet would run as a formula (OWASP's CSV injection list): =, +, @, tab, CR, and '-' unless it
# opens a '- item' label; apostrophes before it are looked through, so that text which already starts with one
# is guarded too and reading back stays exact ("'=x" → "''=x" → "'=x").
FORMULA_START = re.compile(r"^'*(?:[=+@\t\r]|-(?! ))")
# Values that start like a formula but are none: a comparison operator alone (target_op '=', '>=' …) and a '-'
# alone (a sub-row's STT). A formula needs an expression after its sign; Excel and LibreOffice read these as
# the text they are, so an apostrophe would only corrupt them.
NOT_A_FORMULA = re.compile(r"^'*(?:[=<>]=?|<>|-)$")


def needs_guard(text: str) -> bool:
    """Whether a CSV cell holding text would be read by a spreadsheet as a formula."""
    return bool(FORMULA_START.match(text)) and not NOT_A_FORMULA.match(text)


def neutralise(text: str) -> str:
    """Text safe in a CSV cell a spreadsheet opens (JSON and the workbook's string cells, never formulas, keep
    the text as it is): control characters escaped, formula-like text prefixed with an apostrophe."""
    text = escape_controls(text)
    return "'" + text if needs_guard(text) else text


def unneutralise(text: str) -> str:
    """The text neutralise() guarded, read back from a CSV: the apostrophe it added taken off (and only that)."""
    return text[1:] if text.startswith("'") and needs_guard(text[1:]) else text


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, list):
        return neutralise("; ".join(map(str, value)))
    return neutralise(str(value))


def records_csv(documents: list[Document]) -> str:
    """UTF-8 CSV text (the BOM is added on write, so Excel opens Vietnamese intact)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(FLAT_FIELDS)
    for doc in documents:
        for rec in doc.records:
            d = rec.to_dict()
            writer.writerow([_csv_cell(d[f]) for f in FLAT_FIELDS])
    return buf.getvalue()


# The columns of cells.csv and of the cells table: one line per cell of every table row.
CELL_FIELDS = ["doc_id", "source", "page", "seq", "stt", "kind", "table_index", "column_index", "column", "text",
               "value", "merged"]


def cell_rows(documents: list[Document]):
    """Every cell of every table record, tidy: one dict per cell, in document, record and column order."""
    for doc in documents:
        for rec in doc.records:
            for k, cell in enumerate(rec.cells, start=1):
                yield {"doc_id": rec.doc_id, "source": rec.source, "page": rec.page, "seq": rec.seq,
                       "stt": rec.stt, "kind": rec.kind, "table_index": rec.table_index, "column_index": k,
                       "column": cell.column, "text": cell.text, "value": cell.value, "merged": cell.merged}


def cells_csv(documents: list[Document]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(CELL_FIELDS)
    for row in cell_rows(documents):
        writer.writerow([_csv_cell(row[f]) for f in CELL_FIELDS])
    return buf.getvalue()


def table_csv(doc: Document, index: int) -> str:
    """One table as a clerk would rebuild it: its header row, then each record's cells as printed."""
    table = next(t for t in doc.tables if t.index == index)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([neutralise(c) for c in table.columns])
    for rec in doc.records:
        if rec.table_index == index:
            texts = [c.text for c in rec.cells] + [""] * (len(table.columns) - len(rec.cells))
            writer.writerow([neutralise(t) for t in texts])
    return buf.getvalue()


SAFE_NAME = re.compile(r"[^0-9A-Za-z._-]+")


def table_file_name(doc: Document, index: int) -> str:
    stem = SAFE_NAME.sub("_", Path(doc.source).stem).strip("_")[:80] or "document"
    return f"{stem}-{doc.doc_id[:8]}-table{index:02d}.csv"


def write_tables(out_dir: Path, documents: list[Document]) -> list[str]:
    """DIR/tables/: one CSV per table; files of earlier runs that no document gives now are removed."""
    folder = Path(out_dir) / "tables"
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for doc in documents:
        for table in doc.tables:
            name = table_file_name(doc, table.index)
            write_atomic(folder / name, "\ufeff" + table_csv(doc, table.index))
            written.append(name)
    for old in folder.glob("*-table[0-9][0-9].csv"):
        if old.name not in written:
            old.unlink()
    return written


def _json(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=2) + "\n"


# The layout version of documents.json, report.json and manifest.json (schemas/<name>.schema.json): raised when a
# field changes meaning or goes away, so that a reader can tell which layout it holds.
SCHEMA_VERSION = 1


def build_report(documents: list[Document], seconds: float, skipped: list[dict]) -> dict:
    failed = [d for d in documents if d.status == "failed"]
    # pages read as nothing: no usable text layer under --ocr never, and pages blank to the eye
    no_text = [{"source": d.source, "page": p.number, "reason": p.reason}
               for d in documents for p in d.pages if p.path in ("no-text", "blank")]
    return {
        "schema_version": SCHEMA_VERSION,
        "summary": {
            "documents": len(documents),
            "ok": len(documents) - len(failed),
            "failed": len(failed),
            "skipped": len(skipped),
            "records": sum(len(d.records) for d in documents),
            "pages": sum(len(d.pages) for d in documents),
            "unparsed_lines": sum(len(d.unparsed) for d in documents),
            "seconds": round(seconds, 3),
        },
        "failures": [{"source": d.source, "code": d.error_code, "error": d.error} for d in failed],
        "skipped": skipped,
        "pages_without_text": no_text,
        "warnings": [{"source": d.source, "warning": w} for d in documents for w in d.warnings],
    }


def write_outputs(out_dir: Path, documents: list[Document], seconds: float,
                  skipped: list[dict] | None = None) -> dict:
    """Write records.csv, records.json, cells.csv, tables/*.csv, documents.json and report.json into out_dir;
    return the report."""
    out_dir = Path(out_dir)
    report = build_report(documents, seconds, skipped or [])
    write_atomic(out_dir / "records.csv", "\ufeff" + records_csv(documents))
    write_atomic(out_dir / "records.json", _json([r.to_dict() for d in documents for r in d.records]))
    write_atomic(out_dir / "cells.csv", "\ufeff" + cells_csv(documents))
    write_tables(out_dir, documents)
    write_atomic(out_dir / "documents.json",
                 _json([{"schema_version": SCHEMA_VERSION, **d.summary()} for d in documents]))
    write_atomic(out_dir / "report.json", _json(report))
    return report
