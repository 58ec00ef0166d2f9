"""records.parquet and cells.parquet, for data teams at scale: typed columns (whole numbers as int64, figures as
double, text as string, a record's warnings as a list of strings, as chitieu.read_records gives them), written in
row groups as documents arrive, so a run of any size is written in the memory of one group. Needs pyarrow
(`pip install 'chitieu[parquet]'`); without it the run says so in one line and writes the rest.

Each document's rows are made into Arrow tables once, when its part is rendered, and stored as Arrow IPC bytes
(document_tables); a run reads them back (checked against the schema) instead of building every table anew
from records.json."""
from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Callable, Optional

from chitieu.output.files import CELL_FIELDS, cell_json_lines, dict_cell_rows
from chitieu.output.stream import discard, replace_with, temp_beside
from chitieu.schemas.model import FLAT_FIELDS, INTEGER_FIELDS, NUMERIC_FIELDS

MISSING = ("records.parquet and cells.parquet were not written: pyarrow is not installed "
           "(pip install 'chitieu[parquet]')")
# Rows gathered before they are written as one row group: large enough for fast scans, small in memory (a row
# is a dict of 35 fields until then).
GROUP_ROWS = 8_192
CELL_INTEGERS = {"page", "seq", "table_index", "column_index"}


def available() -> bool:
    try:
        import pyarrow  # noqa: F401
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        return False
    return True


def _type(pa, field: str, integers, numbers, booleans=()):
    if field in integers:
        return pa.int64()
    if field in numbers:
        return pa.float64()
    if field in booleans:
        return pa.bool_()
    if field == "warnings":
        return pa.list_(pa.string())
    return pa.string()


def records_schema():
    import pyarrow as pa
    return pa.schema([(f, _type(pa, f, INTEGER_FIELDS, NUMERIC_FIELDS)) for f in FLAT_FIELDS])


def cells_schema():
    import pyarrow as pa
    return pa.schema([(f, _type(pa, f, CELL_INTEGERS, {"value"}, {"merged"})) for f in CELL_FIELDS])


def table(rows: list[dict] | Callable[[], list[dict]], schema, lines: Optional[list[str]] = None):
    """Rows (dicts; keys beyond the schema's fields are passed over) as an Arrow table of `schema`, read by
    pyarrow's JSON reader from the rows as JSON lines (`lines`, when the caller has them already:
    records.json's). pa.table on Python lists imports pandas to ask whether they are pandas objects, a quarter
    of a second of every process that writes Parquet; the JSON reader never does. Rows JSON cannot carry (a NaN,
    a lone surrogate) or the reader refuses go through pa.table, which says what is wrong with them. rows may be
    the function that makes them, called only then (given lines)."""
    import pyarrow as pa
    try:
        if lines is None:
            names = schema.names
            lines = [json.dumps({f: r.get(f) for f in names}, ensure_ascii=False) for r in _made(rows)]
        return _from_json_lines(lines, schema)
    except (pa.ArrowException, ValueError, UnicodeEncodeError):
        rows = _made(rows)
        return pa.table({f.name: [r.get(f.name) for r in rows] for f in schema}, schema=schema)


def _made(rows):
    return rows() if callable(rows) else rows


def _from_json_lines(lines: list[str], schema):
    import pyarrow.json as pj
    if not lines:
        return schema.empty_table()
    data = "\n".join(lines).encode("utf-8")
    if (b"NaN" in data or b"Infinity" in data) and _NOT_JSON.search(data):
        raise ValueError("NaN or Infinity is no JSON")   # json.dumps writes them; the reader takes them for text
    return pj.read_json(io.BytesIO(data), read_options=pj.ReadOptions(use_threads=False, block_size=len(data) + 1),
                        parse_options=pj.ParseOptions(explicit_schema=schema, unexpected_field_behavior="ignore"))


# json.dumps's NaN and Infinity, outside strings (a string's own text is in quotes): after a colon, a comma or '['
_NOT_JSON = re.compile(rb'[:,\[] ?-?(?:NaN|Infinity)\b')


def to_ipc(tab) -> bytes:
    """An Arrow table as IPC stream bytes (plain data: reading them back runs no code)."""
    import pyarrow as pa
    sink = io.BytesIO()
    with pa.ipc.new_stream(sink, tab.schema) as writer:
        writer.write_table(tab)
    return sink.getvalue()


def from_ipc(data: bytes, schema):
    """The table IPC bytes hold, if it is one of this schema; ValueError otherwise."""
    import pyarrow as pa
    try:
        tab = pa.ipc.open_stream(data).read_all()
        tab.validate()
    except (pa.ArrowException, OSError) as exc:
        raise ValueError(f"its Arrow data cannot be read ({exc})") from None
    if not tab.schema.equals(schema):
        raise ValueError("its Arrow data has other columns than records.parquet and cells.parquet")
    return tab


def document_tables(records: list[dict], lines: Optional[list[str]] = None) -> tuple[bytes, bytes]:
    """A document's rows of records.parquet and cells.parquet as IPC bytes (records as records.json holds them;
    lines: each of them as its line of records.json)."""
    return (to_ipc(table(records, records_schema(), lines)),
            to_ipc(table(lambda: list(dict_cell_rows(records)), cells_schema(), cell_json_lines(records))))


class _Writer:
    """One Parquet file written in row groups to a temp file beside it, put in place by close()."""

    def __init__(self, path: Path, schema):
        import pyarrow.parquet as pq
        self.path, self.schema = path, schema
        self.tmp = temp_beside(path)
        self._writer = pq.ParquetWriter(str(self.tmp), schema, compression="zstd")
        self._tables: list = []
        self._rows = 0

    def add(self, rows: list[dict]) -> None:
        if rows:
            self.add_table(table(rows, self.schema))

    def add_table(self, tab) -> None:
        self._tables.append(tab)
        self._rows += tab.num_rows
        if self._rows >= GROUP_ROWS:
            self._flush()

    def _flush(self) -> None:
        import pyarrow as pa
        self._writer.write_table(pa.concat_tables(self._tables))
        self._tables, self._rows = [], 0

    def close(self) -> None:
        if self._tables:
            self._flush()
        self._writer.close()
        replace_with(self.tmp, self.path)

    def abort(self) -> None:
        try:
            self._writer.close()
        except Exception:  # noqa: BLE001 — the temp file goes anyway
            pass
        discard(self.tmp)


class Writers:
    """records.parquet and cells.parquet of a run; add() per document, in input order."""

    def __init__(self, out_dir: Path):
        self.records = _Writer(Path(out_dir) / "records.parquet", records_schema())
        self.cells = _Writer(Path(out_dir) / "cells.parquet", cells_schema())

    def add(self, records: list[dict], cells) -> None:
        self.records.add(records)
        self.cells.add(list(cells))

    def add_ipc(self, records: bytes, cells: bytes) -> None:
        """A document's rows as document_tables made them; ValueError if they are not tables of ours."""
        tables = from_ipc(records, self.records.schema), from_ipc(cells, self.cells.schema)
        self.records.add_table(tables[0])
        self.cells.add_table(tables[1])

    def close(self) -> None:
        self.records.close()
        self.cells.close()

    def abort(self) -> None:
        self.records.abort()
        self.cells.abort()
