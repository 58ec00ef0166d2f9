"""records.parquet and cells.parquet, for data teams at scale: typed columns (whole numbers as int64, figures as
double, text as string, a record's warnings as a list of strings, as chitieu.read_records gives them), written in
row groups as documents arrive, so a run of any size is written in the memory of one group. Needs pyarrow
(`pip install 'chitieu[parquet]'`); without it the run says so in one line and writes the rest."""
from __future__ import annotations

from pathlib import Path

from chitieu.output.files import CELL_FIELDS
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


class _Writer:
    """One Parquet file written in row groups to a temp file beside it, put in place by close()."""

    def __init__(self, path: Path, schema):
        import pyarrow.parquet as pq
        self.path, self.schema = path, schema
        self.tmp = temp_beside(path)
        self._writer = pq.ParquetWriter(str(self.tmp), schema, compression="zstd")
        self._rows: list[dict] = []

    def add(self, rows) -> None:
        self._rows.extend(rows)
        if len(self._rows) >= GROUP_ROWS:
            self._flush()

    def _flush(self) -> None:
        import pyarrow as pa
        columns = {f.name: [r.get(f.name) for r in self._rows] for f in self.schema}
        self._writer.write_table(pa.table(columns, schema=self.schema))
        self._rows = []

    def close(self) -> None:
        if self._rows:
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
        self.records.add({f: r.get(f) for f in FLAT_FIELDS} for r in records)
        self.cells.add(cells)

    def close(self) -> None:
        self.records.close()
        self.cells.close()

    def abort(self) -> None:
        self.records.abort()
        self.cells.abort()
