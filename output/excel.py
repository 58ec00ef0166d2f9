"""records.xlsx: the run as an Excel workbook a clerk can filter: sheets records, documents, problems and cells;
numbers as numbers, STT as text ('1.10' stays '1.10'), header frozen, filters on, sensible widths, titles
wrapped. Text is written as string cells, so it is never run as a formula and needs no apostrophe; only control
characters are escaped (a workbook cannot hold them).

Each document's rows of each sheet are made once, when its part is rendered, as SpreadsheetML already deflated
(document_pieces; output/sheetxml.py, output/zipparts.py). A run's workbook is then put together (Workbooks):
XlsxWriter writes the frame (styles, sheets with their header, widths, frozen row, filter, print set-up, the
defined names), and each sheet's rows are the documents' pieces laid end to end in the zip, compressed once.
A re-run that adds five documents to four hundred therefore copies four hundred pieces and renders five.
Excel holds MAX_ROWS rows a sheet: a sheet that fills up goes on in records_2.xlsx, records_3.xlsx, …, under
the same name. DirectWorkbooks writes the same workbook cell by cell through XlsxWriter's constant-memory mode
(the writer before; kept as the reference the tests and bench/archive_scale.py hold the pieces to)."""
from __future__ import annotations

import io
import re
import tempfile
import zipfile
from pathlib import Path
from typing import Iterable, Optional

from chitieu.output.controls import escape_controls
from chitieu.output.files import CELL_FIELDS, cell_rows
from chitieu.output.sheetxml import STYLE, SheetColumns
from chitieu.output.stream import discard, replace_with, temp_beside
from chitieu.output.zipparts import Piece, Stream, ZipWriter, inflate, piece
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
# The format of each column: text ('@'), wrapped, or none.
FORMATS = {sheet: ["text" if c in TEXT_FORMAT else "wrap" if c in WRAPPED else None for c in columns]
           for sheet, columns in SHEETS.items()}
XML_COLUMNS = {sheet: SheetColumns(columns, NUMERIC, FORMATS[sheet]) for sheet, columns in SHEETS.items()}


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


def document_pieces(d: Document) -> dict[str, tuple[Piece, int]]:
    """A document's rows of each sheet that has any, as a deflated piece of SpreadsheetML, with their count."""
    rows = {"records": [[getattr(rec, c) for c in RECORD_COLUMNS] for rec in d.records],
            "documents": [[row.get(c) for c in DOCUMENT_COLUMNS] for row in [document_row(d)]],
            "problems": [[row.get(c) for c in PROBLEM_COLUMNS] for row in problem_rows(d)],
            "cells": [[row[c] for c in CELL_FIELDS] for row in cell_rows([d])]}
    seen: dict = {}
    return {sheet: (piece("".join(XML_COLUMNS[sheet].row(r, seen) for r in values).encode("utf-8")), len(values))
            for sheet, values in rows.items() if values}


_ROW = re.compile(rb"<row/>|<row>.*?</row>", re.S)   # a row of a piece: its text cannot hold '<' unescaped


class _Sheet:
    """A sheet of one file of the run's workbook: its rows' pieces joined in a temp file, and how many rows."""

    def __init__(self, folder: Path):
        # beside the workbook, not in /tmp: a million documents' rows are gigabytes, and /tmp may be memory
        self.file = tempfile.TemporaryFile(dir=folder)
        self.stream = Stream(self.file)
        self.rows = 1   # the header


class Workbooks:
    """records.xlsx, and records_2.xlsx … when a sheet outgrows Excel, put together from the documents' pieces
    (document_pieces) as they arrive. Call add(sheet, piece, rows) in row order per sheet (sheets may
    interleave), then close() or abort(). A piece is copied as it is, unless it would cross a sheet's last row:
    then its rows are split between this file and the next."""

    def __init__(self, path: Path, max_rows: int = MAX_ROWS):
        self.path = Path(path)
        self.max_rows = max_rows
        self._files: list[dict[str, _Sheet]] = []   # per file, its sheets in the order they were opened
        self._at: dict[str, int] = {}                # sheet → the file it goes on in

    def add(self, sheet: str, part: Piece, rows: int) -> None:
        if not self._files:
            self._start()
        target = self._files[self._at[sheet]][sheet]
        if target.rows + rows <= self.max_rows:
            target.stream.add(part.data, part.crc, part.size, part.shift)
            target.rows += rows
            return
        found = _ROW.findall(inflate(part.data))
        if len(found) != rows:
            raise ValueError(f"a piece of the {sheet} sheet holds {len(found)} rows, not {rows}")
        self._add_rows(sheet, found)

    def _add_rows(self, sheet: str, rows: list[bytes]) -> None:
        while rows:
            target = self._files[self._at[sheet]][sheet]
            room = self.max_rows - target.rows
            if room <= 0:
                self._open(sheet, self._at[sheet] + 1)
                continue
            some, rows = rows[:room], rows[room:]
            made = piece(b"".join(some))
            target.stream.add(made.data, made.crc, made.size, made.shift)
            target.rows += len(some)

    def close(self) -> list[Path]:
        """Finish every file and put it in place; files of an earlier, longer run beyond these are removed.
        Returns the files written."""
        if not self._files:
            self._start()  # an empty run still has every sheet with its header
        written, temps = [], []
        try:
            for i, sheets in enumerate(self._files):
                tmp = temp_beside(self.file(i))
                temps.append(tmp)
                with open(tmp, "wb") as fh:
                    _assemble(fh, sheets)
            for i, tmp in enumerate(temps):
                replace_with(tmp, self.file(i))
                written.append(self.file(i))
        except BaseException:
            for tmp in temps:
                discard(tmp)
            raise
        finally:
            self._drop()
        _remove_stale(self.path, written)
        return written

    def abort(self) -> None:
        self._drop()

    def file(self, i: int) -> Path:
        return _nth_file(self.path, i)

    def _drop(self) -> None:
        for sheets in self._files:
            for sheet in sheets.values():
                sheet.file.close()
        self._files = []

    def _start(self) -> None:
        for name in SHEETS:
            self._open(name, 0)

    def _open(self, sheet: str, i: int) -> None:
        while len(self._files) <= i:
            self._files.append({})
        self._files[i][sheet] = _Sheet(self.path.parent)
        self._at[sheet] = i


def _assemble(fh, sheets: dict[str, _Sheet]) -> None:
    """One workbook file: XlsxWriter's frame of these sheets, each sheet's rows spliced in after its header."""
    frame = zipfile.ZipFile(io.BytesIO(_frame({name: s.rows for name, s in sheets.items()})))
    bodies = {f"xl/worksheets/sheet{k}.xml": s for k, s in enumerate(sheets.values(), start=1)}
    out = ZipWriter(fh)
    for info in frame.infolist():
        data = frame.read(info)
        sheet = bodies.get(info.filename)
        if sheet is None or sheet.rows == 1:
            out.add(info.filename, data)
            continue
        cut = data.rindex(b"</sheetData>")
        sheet.file.flush()
        out.add_joined(info.filename, _dimension(data[:cut], sheet.rows), sheet.stream, sheet.file, data[cut:])
    out.close()


_DIMENSION = re.compile(rb'<dimension ref="A1:([A-Z]+)1"/>')


def _dimension(head: bytes, rows: int) -> bytes:
    """The frame's sheet head with its dimension over every row (XlsxWriter saw only the header)."""
    head, n = _DIMENSION.subn(lambda m: b'<dimension ref="A1:%s%d"/>' % (m.group(1), rows), head, count=1)
    if n != 1:
        raise RuntimeError("XlsxWriter's sheet has no dimension where records.xlsx expects one")
    return head


def _frame(sheets: dict[str, int]) -> bytes:
    """The workbook XlsxWriter writes for these sheets (name → rows, the header included) with no row but the
    header: styles, widths, formats of the columns, frozen header, filter over every row, print set-up."""
    import xlsxwriter
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, _OPTIONS)
    formats = _formats(book)
    # the rows' pieces name the formats by number: fix the numbers XlsxWriter would give as it meets them
    if [formats[name]._get_xf_index() for name in STYLE] != list(STYLE.values()):
        raise RuntimeError("XlsxWriter numbers records.xlsx's formats otherwise than its rows say")
    for name, rows in sheets.items():
        ws = book.add_worksheet(name)
        _lay_out(ws, name, formats)
        ws.autofilter(0, 0, max(rows - 1, 0), len(SHEETS[name]) - 1)
    book.close()
    return buf.getvalue()


_OPTIONS = {"constant_memory": True, "strings_to_numbers": False, "strings_to_formulas": False,
            "strings_to_urls": False}


def _formats(book) -> dict:
    return {"bold": book.add_format({"bold": True}),
            "text": book.add_format({"num_format": "@"}),
            "wrap": book.add_format({"text_wrap": True, "valign": "top"})}


def _lay_out(ws, sheet: str, fmt: dict) -> list:
    """A sheet's header, column widths and formats, frozen header and print set-up; returns each column's
    format."""
    formats = [fmt[f] if f else None for f in FORMATS[sheet]]
    for j, col in enumerate(SHEETS[sheet]):
        ws.set_column(j, j, WIDTHS.get(col, 12), formats[j])
        ws.write_string(0, j, col, fmt["bold"])
    ws.freeze_panes(1, 0)
    _page_setup(ws, sheet)
    return formats


def _nth_file(path: Path, i: int) -> Path:
    return path if i == 0 else path.with_name(f"{path.stem}_{i + 1}{path.suffix}")


def _remove_stale(path: Path, written: list[Path]) -> None:
    """Continuation files (records_2.xlsx, …) of an earlier, longer run that this one did not write."""
    for stale in path.parent.glob(f"{path.stem}_*{path.suffix}"):
        if stale not in written and stale.stem.rsplit("_", 1)[-1].isdigit():
            stale.unlink()


class DirectWorkbooks:
    """The same workbooks written cell by cell through XlsxWriter's constant-memory mode, as records.xlsx was
    before the pieces: the reference they are checked against. Call add(sheet, row) in row order per sheet
    (sheets may interleave), then close() or abort()."""

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
        for rec in d.records:  # the flat fields only: the cells have a sheet of their own
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
        _remove_stale(self.path, written)
        return written

    def abort(self) -> None:
        for book, tmp, _ in self._books:
            try:
                book.close()
            except Exception:  # noqa: BLE001 — already closed, or closing fails: the temp file goes anyway
                pass
            discard(tmp)

    def file(self, i: int) -> Path:
        return _nth_file(self.path, i)

    def _start(self) -> None:
        """The first file, with every sheet in its order."""
        for name in SHEETS:
            self._open(name, 0)

    def _book(self, i: int):
        while len(self._books) <= i:
            import xlsxwriter
            tmp = temp_beside(self.file(len(self._books)))
            book = xlsxwriter.Workbook(str(tmp), _OPTIONS)
            self._books.append((book, tmp, _formats(book)))
        return self._books[i]

    def _open(self, sheet: str, i: int) -> list:
        book, _, fmt = self._book(i)
        ws = book.add_worksheet(sheet)
        formats = _lay_out(ws, sheet, fmt)
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


def write_xlsx(path: Path, documents: Iterable[Document], max_rows: int = MAX_ROWS,
               direct: bool = False) -> list[Path]:
    """Write the workbook(s) of these documents atomically, from their pieces (direct: cell by cell through
    XlsxWriter, the reference); return the files written."""
    books = DirectWorkbooks(path, max_rows) if direct else Workbooks(path, max_rows)
    try:
        for d in documents:
            if direct:
                books.add_document(d)
            else:
                for sheet, (part, rows) in document_pieces(d).items():
                    books.add(sheet, part, rows)
    except BaseException:
        books.abort()
        raise
    return books.close()
