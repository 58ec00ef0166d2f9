"""The files of a run: records.csv, records.json, cells.csv, tables/, documents.json and report.json, as the
lines and entries each document gives (output/parts.py puts them together, one document at a time)."""
from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

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


def _csv_cells(values, seen: dict) -> list[str]:
    """_csv_cell of each value; seen: the cells of text and whole numbers made so far (a document's rows repeat
    them: its name, the page, a row's number and kind in each of that row's cells)."""
    out = []
    for value in values:
        if type(value) is str or type(value) is int:
            cell = seen.get(value)
            if cell is None:
                cell = seen[value] = _csv_cell(value)
            out.append(cell)
        else:
            out.append(_csv_cell(value))
    return out


def _csv_lines(rows) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    return buf.getvalue()


def record_csv_rows(doc: Document | None) -> str:
    """records.csv's lines of one document; of None, the header line."""
    if doc is None:
        return _csv_lines([FLAT_FIELDS])
    # the flat fields read off each Record: the cells go to cells.csv
    seen: dict = {}
    return _csv_lines(_csv_cells([getattr(rec, f) for f in FLAT_FIELDS], seen) for rec in doc.records)


def records_csv(documents: list[Document]) -> str:
    """UTF-8 CSV text (the BOM is added on write, so Excel opens Vietnamese intact)."""
    return record_csv_rows(None) + "".join(record_csv_rows(doc) for doc in documents)


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


# cell_rows' fields that are its record's, the same in each of the record's cells: the first seven
CELL_RECORD_FIELDS = CELL_FIELDS[:CELL_FIELDS.index("column_index")]


def _cell_fields(k: int, cell: dict) -> dict:
    """The fields of a cell row that are the cell's own (its record's come first: CELL_RECORD_FIELDS)."""
    return {"column_index": k, "column": cell["column"], "text": cell["text"], "value": cell["value"],
            "merged": cell["merged"]}


def dict_cell_rows(records: list[dict]):
    """cell_rows from records as records.json holds them (dicts) rather than Records."""
    for rec in records:
        head = {f: rec[f] for f in CELL_RECORD_FIELDS}
        for k, cell in enumerate(rec.get("cells") or [], start=1):
            yield {**head, **_cell_fields(k, cell)}


_JSON = json.JSONEncoder(ensure_ascii=False).encode


def cell_json_lines(records: list[dict]) -> list[str]:
    """dict_cell_rows as JSON lines (json.dumps's compact form, keys in CELL_FIELDS' order), each record's own
    fields encoded once for all its cells: a table's rows have some ten cells each."""
    lines = []
    for rec in records:
        cells = rec.get("cells")
        if not cells:
            continue
        head = _JSON({f: rec[f] for f in CELL_RECORD_FIELDS})[:-1]
        for k, cell in enumerate(cells, start=1):
            lines.append(f"{head}, {_JSON(_cell_fields(k, cell))[1:]}")
    return lines


def cell_csv_rows(doc: Document | None) -> str:
    """cells.csv's lines of one document; of None, the header line."""
    if doc is None:
        return _csv_lines([CELL_FIELDS])
    seen: dict = {}
    return _csv_lines(_csv_cells([row[f] for f in CELL_FIELDS], seen) for row in cell_rows([doc]))


def cells_csv(documents: list[Document]) -> str:
    return cell_csv_rows(None) + "".join(cell_csv_rows(doc) for doc in documents)


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


def text_file_name(doc: Document) -> str:
    stem = SAFE_NAME.sub("_", Path(doc.source).stem).strip("_")[:80] or "document"
    return f"{stem}-{doc.doc_id[:8]}.txt"


def document_text(doc: Document) -> str:
    """The whole repaired text of a document, page by page, each page opened by a '--- page N ---' line (a table
    row's cells apart by tabs): what an archivist greps, or reads beside the records."""
    out = []
    for page in doc.pages:
        out.append(f"--- page {page.number} ---\n")
        out.extend(escape_controls(line.text) + "\n" for line in page.lines)
    return "".join(out)


# The layout version of documents.json, report.json and manifest.json (schemas/<name>.schema.json): raised when a
# field changes meaning or goes away, so that a reader can tell which layout it holds.
SCHEMA_VERSION = 1


def document_entry(doc: Document) -> dict:
    """The documents.json entry of a document."""
    return {"schema_version": SCHEMA_VERSION, **doc.summary()}


def document_facts(doc: Document) -> dict:
    """What report.json needs of one document."""
    return {
        "ok": doc.status != "failed",
        "records": len(doc.records),
        "pages": len(doc.pages),
        "unparsed_lines": len(doc.unparsed),
        "failure": ({"source": doc.source, "code": doc.error_code, "error": doc.error}
                    if doc.status == "failed" else None),
        # pages read as nothing: no usable text layer under --ocr never, and pages blank to the eye
        "no_text": [{"source": doc.source, "page": p.number, "reason": p.reason}
                    for p in doc.pages if p.path in ("no-text", "blank")],
        "warnings": [{"source": doc.source, "warning": w} for w in doc.warnings],
    }


def report_from_facts(facts: list[dict], seconds: float, skipped: list[dict], duplicates: list[dict] | None = None,
                      notes: list[str] | None = None) -> dict:
    """report.json from the facts of each document (document_facts), in input order. duplicates: inputs whose
    bytes are those of an earlier input ({source, duplicate_of, doc_id}), converted and written once."""
    report = {
        "schema_version": SCHEMA_VERSION,
        "summary": {
            "documents": len(facts),
            "ok": sum(f["ok"] for f in facts),
            "failed": sum(not f["ok"] for f in facts),
            "skipped": len(skipped),
            "duplicates": len(duplicates or []),
            "records": sum(f["records"] for f in facts),
            "pages": sum(f["pages"] for f in facts),
            "unparsed_lines": sum(f["unparsed_lines"] for f in facts),
            "seconds": round(seconds, 3),
        },
        "failures": [f["failure"] for f in facts if f["failure"]],
        "skipped": skipped,
        "duplicates": list(duplicates or []),
        "pages_without_text": [p for f in facts for p in f["no_text"]],
        "warnings": [w for f in facts for w in f["warnings"]],
    }
    if notes:
        report["notes"] = list(notes)
    return report


def build_report(documents: list[Document], seconds: float, skipped: list[dict]) -> dict:
    return report_from_facts([document_facts(d) for d in documents], seconds, skipped)


def write_outputs(out_dir: Path, documents: list[Document], seconds: float,
                  skipped: list[dict] | None = None, xlsx: bool = False) -> dict:
    """Write records.csv, records.json, cells.csv, tables/*.csv, documents.json and report.json (and with xlsx,
    records.xlsx) into out_dir from documents in memory; return the report. A batch streams its documents'
    parts instead (pipeline.run)."""
    from chitieu.output.parts import RunOutputs, render

    outputs = RunOutputs(Path(out_dir), xlsx=xlsx, parquet=False)
    try:
        for doc in documents:
            outputs.add(render(doc), fresh=True)
        return outputs.close(seconds, skipped or [], [])
    except BaseException:
        outputs.abort()
        raise
