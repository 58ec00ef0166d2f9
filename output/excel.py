"""records.xlsx: the run as an Excel workbook a clerk can filter: sheets records, documents and problems; numbers
as numbers, STT as text ('1.10' stays '1.10'), header frozen, filters on, sensible widths, titles wrapped, and
text kept as it is (a string cell is never run as a formula, so the CSV's apostrophe guard has no place here;
control characters are escaped, as openpyxl refuses them)."""
from __future__ import annotations

import io
from pathlib import Path

from chitieu.output.atomic import write_atomic
from chitieu.output.controls import escape_controls
from chitieu.output.files import CELL_FIELDS, cell_rows
from chitieu.schemas.model import FLAT_FIELDS, NUMERIC_FIELDS, Document

NUMERIC = NUMERIC_FIELDS
WIDTHS = {"title": 60, "title_raw": 40, "responsible": 30, "note": 40, "warnings": 40, "source": 28, "formula": 14,
          "doc_id": 18, "error": 50, "text": 70, "reason": 40, "subject": 50, "problem": 50}
WRAPPED = {"title", "note", "warnings", "responsible", "error", "text", "subject", "problem"}


def _cell(field: str, value):
    if value is None:
        return None
    if field in NUMERIC:
        return value
    if isinstance(value, list):
        value = "; ".join(map(str, value))
    return escape_controls(str(value))


def problems(documents: list[Document]) -> list[dict]:
    """Every failure, warning and unparsed line of a run, one row each, with document, page and line."""
    rows = []
    for d in documents:
        if d.status == "failed":
            rows.append({"source": d.source, "page": None, "line": None, "kind": "failed", "problem": d.error})
        for w in d.warnings:
            rows.append({"source": d.source, "page": None, "line": None, "kind": "document warning", "problem": w})
        for u in d.unparsed:
            rows.append({"source": d.source, "page": u.page, "line": u.line, "kind": "unparsed line",
                         "problem": f"{u.reason}: {u.text}"})
        for r in d.records:
            for w in r.warnings:
                rows.append({"source": d.source, "page": r.page, "line": None, "kind": f"record STT {r.stt_raw or '-'}",
                             "problem": w})
    return rows


def write_xlsx(path: Path, documents: list[Document]) -> None:
    """Write the workbook atomically."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    sheets = [
        ("records", FLAT_FIELDS, [r.to_dict() for d in documents for r in d.records]),
        ("documents", ["doc_id", "source", "kind", "status", "error", "pages", "records", "unparsed", "number",
                       "date", "issuer", "subject", "seconds"],
         [{"doc_id": d.doc_id, "source": d.source, "kind": d.kind, "status": d.status, "error": d.error,
           "pages": len(d.pages), "records": len(d.records), "unparsed": len(d.unparsed), "number": d.meta.number,
           "date": d.meta.date, "issuer": d.meta.issuer, "subject": d.meta.subject, "seconds": round(d.seconds, 3)}
          for d in documents]),
        ("problems", ["source", "page", "line", "kind", "problem"], problems(documents)),
        ("cells", CELL_FIELDS, list(cell_rows(documents))),
    ]
    numeric = NUMERIC | {"pages", "records", "unparsed", "seconds", "line", "value", "column_index", "seq",
                         "table_index", "page"}
    for i, (name, columns, rows) in enumerate(sheets):
        ws = wb.active if i == 0 else wb.create_sheet()
        ws.title = name
        ws.append(columns)
        for c in ws[1]:
            c.font = Font(bold=True)
        for row in rows:
            ws.append([row.get(c) if c in numeric else _cell(c, row.get(c)) for c in columns])
            for cell in ws[ws.max_row]:
                if cell.data_type == "f":  # openpyxl takes text starting with '=' for a formula: it is text
                    cell.data_type = "s"
        for j, col in enumerate(columns, start=1):
            letter = get_column_letter(j)
            ws.column_dimensions[letter].width = WIDTHS.get(col, 12)
            if col == "stt" or col == "stt_raw" or col == "parent_stt":
                for cell in ws[letter][1:]:
                    cell.number_format = "@"  # text: '1.10' must not become 1.1
            if col in WRAPPED:
                for cell in ws[letter][1:]:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = ws.dimensions
    buf = io.BytesIO()
    wb.save(buf)
    write_atomic(Path(path), buf.getvalue())
