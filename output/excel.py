"""records.xlsx: the run as an Excel workbook a clerk can filter: sheets records, documents, problems and cells;
numbers as numbers, STT as text ('1.10' stays '1.10'), header frozen, filters on, sensible widths, titles
wrapped. Text is written as string cells, so it is never run as a formula and needs no apostrophe; only control
characters are escaped (a workbook cannot hold them).

Written with XlsxWriter in constant-memory mode: each row goes to disk as it is added, so the workbook of a
run of any size costs the memory of one row (openpyxl held every cell, and was several times slower). Excel holds
MAX_ROWS rows a sheet: a sheet that fills up goes on in records_2.xlsx, records_3.xlsx, …, under the same name."""
from __future__ import annotations

from pathlib import Path
from typing import Iterable, Optional

from chitieu.output.controls import escape_controls
from chitieu.output.files import CELL_FIELDS, cell_rows
from chitieu.output.stream import discard, replace_with, temp_beside
from chitieu.schemas.model import FLAT_FIELDS, NUMERIC_FIELDS, Document

# Rows a sheet holds in Excel (the header included).
MAX_ROWS = 1_048_576
WIDTHS = {"stt": 8, "target_op": 8, "title": 60, "title_raw": 40, "responsible": 30, "note": 40, "warnings": 40, "source": 28, "formula": 14,
          "doc_id": 18, "error": 50, "text": 70, "reason": 40, "subject": 50, "problem": 50}
WRAPPED = {"title", "note", "warnings", "responsible", "error", "text", "subject", "problem"}
# Kept as text with Excel's text format '@', so that editing a cell keeps '1.10' from becoming 1.1.
TEXT_FORMAT = {"stt", "stt_raw", "parent_stt"}
DOCUMENT_COLUMNS = ["doc_id", "source", "kind", "status", "error", "pages", "records", "unparsed", "number", "date",
                    "issuer", "subject", "seconds"]
PROBLEM_COLUMNS = ["source", "page", "line", "kind", "problem"]
# The records sheet's columns as a clerk reads a row: number, title, the figures and the verdict first, where the
# screen and the printed page show them; then where the row came from and the raw readings (records.csv keeps
# the order of the record's fields).
RECORD_COLUMNS = ["stt", "title", "value", "unit", "target_op", "target_value", "benchmark_value", "status",
                  "responsible", "note", "value_denominator", "value_high", "target_high", "max_points", "rank",
                  "rank_of", "kind", "source", "page", "seq", "table_index", "level", "parent_stt", "stt_raw",
                  "title_raw", "indicator_id", "match_score", "formula", "value_raw", "benchmark_raw", "target_raw",
                  "confidence", "warnings", "doc_id"]
if sorted(RECORD_COLUMNS) != sorted(FLAT_FIELDS):   # a field added to Record must find its place here
    raise RuntimeError(f"records sheet columns differ from the record's fields: "
                       f"{sorted(set(RECORD_COLUMNS) ^ set(FLAT_FIELDS))}")
# The columns a printed records sheet holds, landscape A4 within its width (number to status).
PRINTED_COLUMNS = RECORD_COLUMNS.index("status") + 1
# The sheets in their order, with their columns.
SHEETS = {"records": RECORD_COLUMNS, "documents": DOCUMENT_COLUMNS, "problems": PROBLEM_COLUMNS, "cells": CELL_FIELDS}
NUMERIC = NUMERIC_FIELDS | {"pages", "records", "unparsed", "seconds", "line", "value", "column_index", "seq",
                            "table_index", "page"}


def document_row(d: Document) -> dict:
    return {"doc_id": d.doc_id, "source": d.source, "kind": d.kind, "status": d.status, "error": d.error,
            "pages": len(d.pages), "records": len(d.records), "unparsed": len(d.unparsed), "number": d.meta.number,
            "date": d.meta.date, "issuer": d.meta.issuer, "subject": d.meta.subject, "seconds": round(d.seconds, 3)}


def problem_rows(d: Document) -> list[dict]:
    """Every failure, warning and unparsed line of a document, one row each, with page and line."""
    rows = []
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


def problems(documents: Iterable[Document]) -> list[dict]:
    """Every failure, warning and unparsed line of a run."""
    return [row for d in documents for row in problem_rows(d)]


class Workbooks:
    """records.xlsx, and records_2.xlsx … when a sheet outgrows Excel, written row by row as documents arrive.
    Call add(sheet, row) in row order per sheet (sheets may interleave), then close() or abort()."""

    def __init__(self, path: Path, max_rows: int = MAX_ROWS):
        self.path = Path(path)
        self.max_rows = max_rows
        self._books: list = []        # (workbook, temp path, its formats), one per file
        self._sheets: dict = {}       # sheet name → [worksheet, formats per column, next row, file number]

    def add(self, sheet: str, row: dict) -> None:
        if not self._books:
            self._start()
        state = self._sheets[sheet]
        if state[2] >= self.max_rows:
            self._finish_sheet(state)
            state = self._open(sheet, state[3] + 1)
        ws, formats, n, _ = state
        for j, col in enumerate(SHEETS[sheet]):
            _write(ws, n, j, col, row.get(col), formats[j])
        state[2] = n + 1

    def add_document(self, d: Document) -> None:
        """Every row a document gives, on every sheet."""
        for rec in d.records:  # the fields as they are: Record.to_dict() deep-copies every cell, 40 % of the time
            self.add("records", {f: getattr(rec, f) for f in FLAT_FIELDS})
        self.add("documents", document_row(d))
        for row in problem_rows(d):
            self.add("problems", row)
        for row in cell_rows([d]):
            self.add("cells", row)

    def close(self) -> list[Path]:
        """Finish every file and put it in place; files of an earlier, longer run beyond these are removed.
        Returns the files written."""
        if not self._books:
            self._start()  # an empty run still has every sheet with its header
        for state in self._sheets.values():
            self._finish_sheet(state)
        written = []
        try:
            for book, _, _ in self._books:
                book.close()
            for i, (_, tmp, _) in enumerate(self._books):
                target = self.file(i)
                replace_with(tmp, target)
                written.append(target)
        except BaseException:
            self.abort()
            raise
        for stale in self.path.parent.glob(f"{self.path.stem}_*{self.path.suffix}"):
            if stale not in written and stale.stem.rsplit("_", 1)[-1].isdigit():
                stale.unlink()
        return written

    def abort(self) -> None:
        for book, tmp, _ in self._books:
            try:
                book.close()
            except Exception:  # noqa: BLE001 — already closed, or closing fails: the temp file goes anyway
                pass
            discard(tmp)

    def file(self, i: int) -> Path:
        return self.path if i == 0 else self.path.with_name(f"{self.path.stem}_{i + 1}{self.path.suffix}")

    def _start(self) -> None:
        """The first file, with every sheet in its order."""
        for name in SHEETS:
            self._open(name, 0)

    def _book(self, i: int):
        while len(self._books) <= i:
            import xlsxwriter
            tmp = temp_beside(self.file(len(self._books)))
            book = xlsxwriter.Workbook(str(tmp), {"constant_memory": True, "strings_to_numbers": False,
                                                   "strings_to_formulas": False, "strings_to_urls": False})
            formats = {"bold": book.add_format({"bold": True}),
                       "text": book.add_format({"num_format": "@"}),
                       "wrap": book.add_format({"text_wrap": True, "valign": "top"})}
            self._books.append((book, tmp, formats))
        return self._books[i]

    def _open(self, sheet: str, i: int) -> list:
        book, _, fmt = self._book(i)
        ws = book.add_worksheet(sheet)
        columns = SHEETS[sheet]
        formats = [fmt["text"] if c in TEXT_FORMAT else fmt["wrap"] if c in WRAPPED else None for c in columns]
        for j, col in enumerate(columns):
            ws.set_column(j, j, WIDTHS.get(col, 12), formats[j])
            ws.write_string(0, j, col, fmt["bold"])
        ws.freeze_panes(1, 0)
        _page_setup(ws, sheet)
        state = [ws, formats, 1, i]
        self._sheets[sheet] = state
        return state

    @staticmethod
    def _finish_sheet(state: list) -> None:
        ws, formats, n, _ = state
        ws.autofilter(0, 0, max(n - 1, 0), len(formats) - 1)


def _page_setup(ws, sheet: str) -> None:
    """Printed landscape on A4, as wide as the page, the header row on every page; the records sheet prints the
    clerk's columns (number to status), the others all of theirs."""
    ws.set_landscape()
    ws.set_paper(9)               # A4
    ws.fit_to_pages(1, 0)         # one page wide, as many long as it takes
    ws.repeat_rows(0)
    if sheet == "records":
        ws.print_area(0, 0, MAX_ROWS - 1, PRINTED_COLUMNS - 1)


def _write(ws, row: int, col: int, field: str, value, fmt: Optional[object]) -> None:
    if value is None:
        return
    if isinstance(value, bool):
        ws.write_boolean(row, col, value, fmt)
    elif field in NUMERIC and isinstance(value, (int, float)):
        ws.write_number(row, col, value, fmt)
    else:
        text = "; ".join(map(str, value)) if isinstance(value, list) else str(value)
        if text:  # an empty text is an empty cell, as an empty list of warnings
            ws.write_string(row, col, escape_controls(text), fmt)


def write_xlsx(path: Path, documents: Iterable[Document], max_rows: int = MAX_ROWS) -> list[Path]:
    """Write the workbook(s) of these documents atomically; return the files written."""
    books = Workbooks(path, max_rows)
    try:
        for d in documents:
            books.add_document(d)
    except BaseException:
        books.abort()
        raise
    return books.close()
