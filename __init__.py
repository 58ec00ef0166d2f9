"""The Python API for data teams: convert files into the pipeline's own dataclasses, or load a finished run.

    import chitieu
    result = chitieu.convert(["samples/seeds"], workers=0)
    frame = result.to_dataframe()            # one row per record, numbers as floats, STT as strings
    cells = result.cells_to_dataframe()      # one row per cell of every table row, under its column header
    again = chitieu.read_records("out/samples")  # a finished run's records.json as a DataFrame
    table = chitieu.read_cells("out/samples")    # a finished run's cells.csv, same columns and dtypes
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Union

from chitieu.schemas.model import FLAT_FIELDS, INTEGER_FIELDS, NUMERIC_FIELDS, Document, Record

NUMBERS = NUMERIC_FIELDS
INTEGERS = INTEGER_FIELDS
# pandas' string dtype kept in Python storage: with pyarrow installed (the parquet extra) pandas would store it in
# Arrow, whose comparisons with <NA> cannot be combined with & (frame["a"].str.startswith(…) & (frame["b"] == …)).
TEXT = "string[python]"


@dataclass
class Result:
    """What convert() returns: the documents (with their records, pages and problems) in input order."""

    documents: list[Document] = field(default_factory=list)

    @property
    def records(self) -> list[Record]:
        return [r for d in self.documents for r in d.records]

    @property
    def failed(self) -> list[Document]:
        return [d for d in self.documents if d.status == "failed"]

    def to_dataframe(self):
        """The records as a pandas DataFrame with proper dtypes."""
        return _frame([r.to_dict() for r in self.records])

    def cells_to_dataframe(self):
        """Every cell of every table row, tidy (as DIR/cells.csv): doc_id, source, page, seq, stt, kind,
        table_index, column_index, column, text, value (Float64), merged; pivot on 'column' to rebuild a table."""
        from chitieu.output.files import cell_rows
        return _cells_frame(list(cell_rows(self.documents)))


def convert(paths: Union[str, Path, Iterable[Union[str, Path]]], **settings) -> Result:
    """Convert files and folders into records in memory (nothing written); settings as pipeline.RunSettings
    (workers, ocr, lexicons, timeout, ...). A file that fails is a Document with status 'failed' and its reason."""
    from chitieu import pipeline

    if isinstance(paths, (str, Path)):
        paths = [paths]
    run_settings = pipeline.RunSettings(**settings)
    run_settings.lexicon()  # a bad lexicon file fails here, with its one-line reason
    files, _ = pipeline.collect([Path(p) for p in paths], run_settings)
    tasks = [pipeline.Task(i, path, source, "0" * 16) for i, (path, source) in enumerate(files)]
    runner = (pipeline.run_isolated(tasks, run_settings, run_settings.workers, run_settings.timeout,
                                    run_settings.max_memory, finished=False) if run_settings.workers > 0
              else pipeline.run_in_process(tasks, run_settings, pipeline.process_file))
    docs: list = [None] * len(files)
    for task, doc in runner:
        docs[task.index] = doc
    return Result([d for d in docs if d is not None])


def read_records(out_dir: Union[str, Path]):
    """The records of a finished run (DIR/records.json) as a DataFrame with the same dtypes as to_dataframe()."""
    path = Path(out_dir) / "records.json"
    return _frame(json.loads(path.read_text(encoding="utf-8")))


def read_cells(out_dir: Union[str, Path]):
    """The cells of a finished run (DIR/cells.csv) as a DataFrame with the same dtypes as
    Result.cells_to_dataframe()."""
    import pandas as pd
    from chitieu.output.files import CELL_FIELDS, unneutralise
    raw = pd.read_csv(Path(out_dir) / "cells.csv", encoding="utf-8-sig", dtype=str, keep_default_na=False)
    rows = raw.to_dict("records")
    for row in rows:   # the CSV's spreadsheet guard (a leading ') is undone: the data is the text as printed
        for key in ("column", "text", "stt", "source"):
            row[key] = unneutralise(row[key])
        row["merged"] = row["merged"] == "true"
    return _cells_frame([{k: (None if v == "" and k not in ("text", "column") else v) for k, v in r.items()}
                         for r in rows], CELL_FIELDS)


def _cells_frame(rows: list[dict], columns=None):
    import pandas as pd
    from chitieu.output.files import CELL_FIELDS

    frame = pd.DataFrame(rows, columns=columns or CELL_FIELDS)
    for col in ("page", "seq", "table_index", "column_index"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype("Int64")
    frame["value"] = pd.to_numeric(frame["value"], errors="coerce").astype("Float64")
    frame["merged"] = frame["merged"].astype("boolean")
    for col in ("doc_id", "source", "stt", "kind", "column", "text"):
        frame[col] = frame[col].astype(TEXT)
    return frame


def _frame(rows: list[dict]):
    import pandas as pd

    frame = pd.DataFrame(rows, columns=FLAT_FIELDS)
    for col in NUMBERS:
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype("Int64" if col in INTEGERS else "Float64")
    for col in FLAT_FIELDS:
        if col not in NUMBERS and col != "warnings":
            frame[col] = frame[col].astype(TEXT)
    return frame


__all__ = ["Result", "extract", "read_records", "read_cells", "Document", "Record"]
