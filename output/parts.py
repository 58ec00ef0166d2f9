"""A run's outputs built from per-document parts, one document in memory at a time.

Each finished document is rendered once into its part, DIR/.chitieu/parts/NAME.json: its lines of records.csv
and cells.csv, its entries of records.json and documents.json as text, what the report needs of it, its
workbook rows and its tables. The part's NAME is a hash of the stored document and its source name, so a part
is reused only for exactly that document under exactly that name. The files of a run are the parts
concatenated in input order (RunOutputs), read one at a time: a run's memory is that of one document, whatever
its size, and a re-run renders only the documents that are new or changed."""
from __future__ import annotations

import hashlib
import json
from dataclasses import fields
from functools import lru_cache
from pathlib import Path
from typing import Optional

from chitieu.output.atomic import write_atomic
from chitieu.output.excel import MAX_ROWS, Workbooks, document_row, problem_rows
from chitieu.output.files import (CELL_FIELDS, FLAT_FIELDS, cell_csv_rows, cell_rows, document_entry, document_facts,
                                  document_text, record_csv_rows, report_from_facts, table_csv, table_file_name,
                                  text_file_name)
from chitieu.output.stream import AtomicText
from chitieu.schemas import Document
from chitieu.schemas.model import RECORD_FIELDS, Record, RecordCell

PARTS_DIR = ".chitieu/parts"
FORMAT = "chitieu-part/1"


@lru_cache(maxsize=1)
def writers_version() -> str:
    """A hash of the writers' code (output/): a new version of them renders every part again."""
    h = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        h.update(path.name.encode() + path.read_bytes())
    return h.hexdigest()[:16]


def part_name(doc_id: str, stored: bytes, source: str) -> str:
    """The part of this stored document (the resume cache's bytes) under this source name, for this version of
    the writers."""
    h = hashlib.sha256(writers_version().encode())
    h.update(stored)
    h.update(b"\0" + source.encode("utf-8", errors="backslashreplace"))
    return f"{doc_id}-{h.hexdigest()[:16]}"


def _inner(items: list) -> str:
    """The entries of a JSON list as json.dumps(indent=2) prints them inside the list: the parts of several
    documents joined by ',\\n' between '[\\n' and '\\n]' give exactly the list of them all."""
    return json.dumps(items, ensure_ascii=False, indent=2)[2:-2] if items else ""


def render(doc: Document) -> dict:
    """Everything the run's files take from one document."""
    records = [record_dict(r) for r in doc.records]
    return {
        "format": FORMAT,
        "brief": brief(doc),
        "csv": record_csv_rows(doc),
        "json": _inner(records),
        "cells_csv": cell_csv_rows(doc),
        "document": _inner([document_entry(doc)]),
        "facts": document_facts(doc),
        "sheets": {"documents": [document_row(doc)], "problems": problem_rows(doc)},
        "tables": {table_file_name(doc, t.index): table_csv(doc, t.index) for t in doc.tables},
        "text": {text_file_name(doc): document_text(doc)} if doc.pages else {},
    }


# A record's fields as Record.to_dict() gives them, in its order, and a cell's.
_RECORD_FIELDS = tuple(RECORD_FIELDS)
_CELL_FIELDS = tuple(f.name for f in fields(RecordCell))


def record_dict(rec: Record) -> dict:
    """Record.to_dict() without dataclasses.asdict's deep copy of every value (a third of rendering a document);
    a test keeps the two equal."""
    d = {name: getattr(rec, name) for name in _RECORD_FIELDS}
    d["warnings"] = list(rec.warnings)
    d["cells"] = [{name: getattr(c, name) for name in _CELL_FIELDS} for c in rec.cells]
    return d


def brief(doc: Document) -> dict:
    """What a progress line and the run's result need of a document, without the document."""
    from chitieu.output.review import needs_look
    return {"doc_id": doc.doc_id, "source": doc.source, "status": doc.status, "error": doc.error,
            "error_code": doc.error_code, "pages": len(doc.pages), "records": len(doc.records),
            "unparsed": len(doc.unparsed), "kind": doc.kind, "seconds": doc.seconds,
            "looks": sum(needs_look(r) for r in doc.records),
            "warnings": len(doc.warnings) + sum(len(r.warnings) for r in doc.records)}


class PartStore:
    """DIR/.chitieu/parts: one JSON file per rendered document."""

    def __init__(self, out_dir: Path):
        self.dir = Path(out_dir) / PARTS_DIR

    def path(self, name: str) -> Path:
        return self.dir / f"{name}.json"

    def save(self, name: str, part: dict) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        write_atomic(self.path(name), json.dumps(part, ensure_ascii=False, separators=(",", ":")))

    def load(self, name: str) -> Optional[dict]:
        """The part, or None when it is missing or not one of ours (read as JSON only: it runs no code)."""
        try:
            part = json.loads(self.path(name).read_bytes())
        except (OSError, ValueError, RecursionError):
            return None
        return part if isinstance(part, dict) and part.get("format") == FORMAT else None

    def prune(self, keep: set) -> None:
        """Remove the parts no input of the last run uses (documents gone, renamed or converted again)."""
        if not self.dir.is_dir():
            return
        for path in self.dir.glob("*.json"):
            if path.stem not in keep:
                path.unlink(missing_ok=True)


class RunOutputs:
    """The files of a run, written as parts arrive in input order: records.csv, records.json, cells.csv,
    documents.json, tables/, records.xlsx and, with pyarrow, records.parquet and cells.parquet; report.json at
    close(). Nothing is in place until close(); abort() leaves the earlier files."""

    def __init__(self, out_dir: Path, xlsx: bool = True, parquet: bool = True, max_rows: Optional[int] = None):
        from chitieu.output import parquet as pq

        self.out_dir = Path(out_dir)
        self._text = {name: AtomicText(self.out_dir / name) for name in
                      ("records.csv", "records.json", "cells.csv", "documents.json")}
        self._text["records.csv"].write("\ufeff" + record_csv_rows(None))
        self._text["cells.csv"].write("\ufeff" + cell_csv_rows(None))
        self._first = {"records.json": True, "documents.json": True}
        self._books = Workbooks(self.out_dir / "records.xlsx", max_rows or MAX_ROWS) if xlsx else None
        self._parquet = pq.Writers(self.out_dir) if parquet and pq.available() else None
        self.notes: list[str] = [] if not parquet or pq.available() else [pq.MISSING]
        self._facts: list[dict] = []
        self.files: set[tuple[str, str]] = set()   # (folder, name) of every table and text file

    def add(self, part: dict, fresh: bool = False) -> None:
        """One document's part; fresh: rendered in this run, so its table files are written even if present."""
        self._text["records.csv"].write(part["csv"])
        self._text["cells.csv"].write(part["cells_csv"])
        self._json("records.json", part["json"])
        self._json("documents.json", part["document"])
        self._facts.append(part["facts"])
        self._write_files("tables", part["tables"], fresh, "\ufeff")
        self._write_files("text", part.get("text", {}), fresh)
        if self._books is None and self._parquet is None:
            return
        records = json.loads("[" + part["json"] + "]") if part["json"] else []
        if self._books is not None:
            for rec in records:
                self._books.add("records", rec)
            for sheet in ("documents", "problems"):
                for row in part["sheets"][sheet]:
                    self._books.add(sheet, row)
            for row in dict_cell_rows(records):
                self._books.add("cells", row)
        if self._parquet is not None:
            self._parquet.add(records, dict_cell_rows(records))

    def _json(self, name: str, inner: str) -> None:
        if not inner:
            return
        self._text[name].write(("[\n" if self._first[name] else ",\n") + inner)
        self._first[name] = False

    def _write_files(self, folder_name: str, files: dict, fresh: bool, bom: str = "") -> None:
        """A document's files in DIR/tables/ (its tables as CSV, with a BOM for Excel) or DIR/text/ (its text)."""
        folder = self.out_dir / folder_name
        for name, text in files.items():
            self.files.add((folder_name, name))
            if fresh or not (folder / name).exists():
                folder.mkdir(parents=True, exist_ok=True)
                write_atomic(folder / name, bom + text)

    def close(self, seconds: float, skipped: list[dict], duplicates: list[dict]) -> dict:
        """Put every file in place (report.json last) and return the report."""
        for name, first in self._first.items():
            self._text[name].write("[]\n" if first else "\n]\n")
        for f in self._text.values():
            f.commit()
        if self._books is not None:
            written = self._books.close()
            if len(written) > 1:
                self.notes.append(f"a sheet outgrew Excel's {self._books.max_rows:,} rows: it goes on in "
                                  + ", ".join(p.name for p in written[1:]))
        if self._parquet is not None:
            self._parquet.close()
        # files of documents no longer in the run go (a changed file's table or text under its old id)
        for folder_name, pattern in (("tables", "*-table[0-9][0-9].csv"), ("text", "*-????????.txt")):
            folder = self.out_dir / folder_name
            for old in folder.glob(pattern) if folder.is_dir() else []:
                if (folder_name, old.name) not in self.files:
                    old.unlink()
        report = report_from_facts(self._facts, seconds, skipped, duplicates, self.notes)
        write_atomic(self.out_dir / "report.json", json.dumps(report, ensure_ascii=False, indent=2) + "\n")
        return report

    def abort(self) -> None:
        for f in self._text.values():
            f.abort()
        if self._books is not None:
            self._books.abort()
        if self._parquet is not None:
            self._parquet.abort()


def dict_cell_rows(records: list[dict]):
    """cells.csv's rows from records as records.json holds them (files.cell_rows does it from Records)."""
    for rec in records:
        for k, cell in enumerate(rec.get("cells") or [], start=1):
            yield {"doc_id": rec["doc_id"], "source": rec["source"], "page": rec["page"], "seq": rec["seq"],
                   "stt": rec["stt"], "kind": rec["kind"], "table_index": rec["table_index"], "column_index": k,
                   "column": cell["column"], "text": cell["text"], "value": cell["value"], "merged": cell["merged"]}

