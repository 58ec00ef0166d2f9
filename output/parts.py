"""A run's outputs built from per-document parts, one document in memory at a time.

Each finished document is rendered once into its part, DIR/.chitieu/parts/NAME.part: its lines of records.csv
and cells.csv, its entries of records.json and documents.json, its table and text files, its rows of each sheet
of records.xlsx as deflated SpreadsheetML and its rows of the Parquet files as Arrow IPC (the segments, as
bytes), and what the report and the progress lines need of it (the head, as JSON). The part's NAME is a hash of
the stored document and its source name, so a part is reused only for exactly that document under exactly that
name. The files of a run are the parts' segments laid end to end in input order (RunOutputs), one part at a
time: a run's memory is that of one document, whatever its size, and a re-run renders only the documents that
are new or changed and copies the rest, the workbook's rows included (output/excel.py).

A part file is three things in a row: a line of JSON with the SHA-256 of the next line and of the segments, the
head (a line of JSON), the segments. It is read as JSON and bytes only, so it can run no code; a part whose
head or segments fail their digest, or whose head is not of the expected shape, is refused with its reason
(PartStore.rejected) and rendered again from the resume cache rather than copied into the outputs."""
from __future__ import annotations

import hashlib
import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Optional

from chitieu.output import parquet as pq
from chitieu.output.atomic import write_atomic
from chitieu.output.excel import MAX_ROWS, SHEETS, Workbooks, document_pieces
from chitieu.output.files import (cell_csv_rows, dict_cell_rows, document_entry, document_facts, document_text,
                                  record_csv_rows, report_from_facts, table_csv, table_file_name, text_file_name)
from chitieu.output.review import LABELS, Labels, section_pieces
from chitieu.output.stream import AtomicText
from chitieu.output.zipparts import Piece
from chitieu.schemas import Document

PARTS_DIR = ".chitieu/parts"
FORMAT = "chitieu-part/3"
SUFFIX = ".part"
# The segments every part has, in this order; then its table and text files, its sheets, its Arrow tables.
TEXT_SEGMENTS = ("records.csv", "cells.csv", "records.json", "documents.json")
REVIEW_SECTION, REVIEW_IMAGES = "review/section", "review/img/"


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


def _lines(items: list) -> list[str]:
    """Each entry of a JSON list on a line of its own (json.dumps's compact form): records.json holds them
    joined by ',\\n' (a record a line, as line tools read it), and the Parquet files' JSON reader takes them."""
    return [json.dumps(item, ensure_ascii=False) for item in items]


def _utf8(text: str) -> bytes:
    # backslashreplace as write_atomic: a lone surrogate from an undecodable file name never fails the output
    return text.encode("utf-8", errors="backslashreplace")


def render(doc: Document, lang: str = "vi") -> dict:
    """Everything the run's files take from one document: the head (brief, facts, file names, sheet pieces'
    checks, the language of its review section and its images' names) and the segments (bytes)."""
    records = [r.to_dict() for r in doc.records]
    lines = _lines(records)
    segments = {"records.csv": _utf8(record_csv_rows(doc)), "cells.csv": _utf8(cell_csv_rows(doc)),
                "records.json": _utf8(",\n".join(lines)), "documents.json": _utf8(_inner([document_entry(doc)]))}
    files = {"tables": {table_file_name(doc, t.index): "\ufeff" + table_csv(doc, t.index) for t in doc.tables},
             "text": {text_file_name(doc): document_text(doc)} if doc.pages else {}}
    for folder, named in files.items():
        segments.update({f"{folder}/{name}": _utf8(text) for name, text in named.items()})
    xlsx = {}
    for sheet, (made, rows) in document_pieces(doc).items():
        segments[f"xlsx/{sheet}"] = made.data
        xlsx[sheet] = [made.crc, made.size, made.shift, rows]
    if pq.available():
        segments["parquet/records"], segments["parquet/cells"] = pq.document_tables(records, lines)
    pieces, images = section_pieces(doc, Labels(lang))
    segments[REVIEW_SECTION] = json.dumps(pieces, ensure_ascii=False).encode("utf-8", "backslashreplace")
    segments.update({f"{REVIEW_IMAGES}{name}": data for name, data in images.items()})
    return {"format": FORMAT, "brief": brief(doc), "facts": document_facts(doc),
            "files": {folder: list(named) for folder, named in files.items()}, "xlsx": xlsx,
            "review": {"lang": lang, "images": list(images)}, "segments": segments}


def review_section(part: dict, lang: str) -> Optional[tuple[list[str], dict]]:
    """A part's review section in lang (output/review.section_pieces) and its images; None when the part holds
    it in another language."""
    if part["review"]["lang"] != lang:
        return None
    segments = part["segments"]
    try:
        pieces = json.loads(segments[REVIEW_SECTION])
    except (ValueError, RecursionError):
        return None
    if not (isinstance(pieces, list) and all(isinstance(p, str) for p in pieces)):
        return None
    return pieces, {name: segments[f"{REVIEW_IMAGES}{name}"] for name in part["review"]["images"]}


def brief(doc: Document) -> dict:
    """What a progress line and the run's result need of a document, without the document."""
    from chitieu.output.review import needs_look
    return {"doc_id": doc.doc_id, "source": doc.source, "status": doc.status, "error": doc.error,
            "error_code": doc.error_code, "pages": len(doc.pages), "records": len(doc.records),
            "unparsed": len(doc.unparsed), "kind": doc.kind, "seconds": doc.seconds,
            "looks": sum(needs_look(r) for r in doc.records),
            "warnings": len(doc.warnings) + sum(len(r.warnings) for r in doc.records)}


class PartStore:
    """DIR/.chitieu/parts: one file per rendered document (see the module's doc for its layout)."""

    def __init__(self, out_dir: Path):
        self.dir = Path(out_dir) / PARTS_DIR
        self.rejected: dict[str, str] = {}   # name → why its part was refused

    def path(self, name: str) -> Path:
        return self.dir / f"{name}{SUFFIX}"

    def save(self, name: str, part: dict) -> None:
        segments = part["segments"]
        head = {k: v for k, v in part.items() if k != "segments"}
        head["index"] = [[key, len(data)] for key, data in segments.items()]
        line = json.dumps(head, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "backslashreplace")
        blob = b"".join(segments.values())
        check = {"format": FORMAT, "head": hashlib.sha256(line).hexdigest(),
                 "segments": hashlib.sha256(blob).hexdigest(), "size": len(blob)}
        self.dir.mkdir(parents=True, exist_ok=True)
        write_atomic(self.path(name), json.dumps(check).encode() + b"\n" + line + b"\n" + blob)

    def load(self, name: str, whole: bool = False) -> Optional[dict]:
        """The part's head, with its segments when whole; None when it is missing or refused (the reason in
        self.rejected: not one of ours, cut short, damaged or edited)."""
        try:
            with open(self.path(name), "rb") as fh:
                first = fh.readline(1024)   # the check line is short: a planted file is not read whole for it
                line = fh.readline() if first.endswith(b"\n") else b""
                part, why = _head(first, line)
                if part is not None and whole:
                    part["segments"], why = _segments(fh.read(), part["index"], json.loads(first))
        except OSError:
            return None
        if why:
            self.rejected[name] = why
            return None
        return part

    def notes(self) -> list[str]:
        """A line for the report per part refused in this run."""
        return [f"the stored part {name} was refused ({why}); it was rendered again from the resume cache"
                for name, why in self.rejected.items()]

    def prune(self, keep: set) -> None:
        """Remove the parts no input of the last run uses (documents gone, renamed or converted again), and parts
        of an earlier layout."""
        if not self.dir.is_dir():
            return
        for path in self.dir.iterdir():
            if path.suffix != SUFFIX or path.stem not in keep:
                path.unlink(missing_ok=True)


_HEX = re.compile(r"[0-9a-f]{64}")
# A table or text file's name as files.table_file_name and text_file_name make it: a name in its folder, no path.
_FILE_NAME = re.compile(r"[0-9A-Za-z_-][0-9A-Za-z._-]*\.(?:csv|txt)")
_IMAGE_NAME = re.compile(r"[0-9A-Za-z_-][0-9A-Za-z._-]*\.jpg")


def _head(first: bytes, line: bytes) -> tuple[Optional[dict], str]:
    """The head of a part file from its first two lines, checked; or None and why it is refused."""
    if not first.endswith(b"\n"):
        return None, "its first line is not a part's check"
    try:
        check = json.loads(first)
        if not (isinstance(check, dict) and check.get("format") == FORMAT):
            return None, "it is not a part of this version"
        if not (isinstance(check.get("head"), str) and _HEX.fullmatch(check["head"])
                and isinstance(check.get("segments"), str) and _HEX.fullmatch(check["segments"])
                and type(check.get("size")) is int):
            return None, "its first line is not a part's check"
        if hashlib.sha256(line.rstrip(b"\n")).hexdigest() != check["head"]:
            return None, "its head fails its SHA-256 check (damaged or edited)"
        part = json.loads(line)
    except (ValueError, RecursionError):
        return None, "it is not JSON where a part's head should be"
    why = _shape(part)
    return (None, why) if why else (part, "")


def _shape(part) -> str:
    """Why a head is not of the shape render() gives, or ''."""
    if not isinstance(part, dict) or part.get("format") != FORMAT:
        return "its head is not a part's"
    if not all(isinstance(part.get(k), dict) for k in ("brief", "facts", "files", "xlsx", "review")):
        return "its head lacks the brief, facts, files, sheets or review"
    if not _typed(part["brief"], _BRIEF) or not _typed(part["facts"], _FACTS):
        return "its brief or report facts are not of the expected kinds"
    index = part.get("index")
    if not (isinstance(index, list) and all(isinstance(e, list) and len(e) == 2 and isinstance(e[0], str)
                                            and type(e[1]) is int and e[1] >= 0 for e in index)):
        return "its list of segments is not one"
    keys = {e[0] for e in index}
    if len(keys) != len(index) or not set(TEXT_SEGMENTS) <= keys:
        return "its segments are not those of a part"
    for folder in ("tables", "text"):
        names = part["files"].get(folder)
        if not (isinstance(names, list) and all(isinstance(n, str) and _FILE_NAME.fullmatch(n)
                                                 and f"{folder}/{n}" in keys for n in names)):
            return f"its {folder} files are not plain names among its segments"
    review = part["review"]
    if not (review.get("lang") in LABELS and REVIEW_SECTION in keys and isinstance(review.get("images"), list)
            and all(isinstance(n, str) and _IMAGE_NAME.fullmatch(n) and f"{REVIEW_IMAGES}{n}" in keys
                    for n in review["images"])):
        return "its review section or images are not plain names among its segments"
    for sheet, meta in part["xlsx"].items():
        if not (sheet in SHEETS and f"xlsx/{sheet}" in keys and isinstance(meta, list) and len(meta) == 4
                and all(type(v) is int and 0 <= v for v in meta) and meta[0] < 2 ** 32 and meta[2] < 2 ** 32
                and meta[3] > 0):
            return f"its {sheet} sheet's check is not one"
    return ""


# What the pipeline and the report read of a part's brief and facts, with the kinds they must have.
_BRIEF = {"doc_id": str, "source": str, "status": str, "pages": int, "records": int, "unparsed": int,
          "looks": int, "warnings": int, "seconds": (int, float)}
_FACTS = {"ok": bool, "records": int, "pages": int, "unparsed_lines": int, "failure": (dict, type(None)),
          "no_text": list, "warnings": list}


def _typed(found: dict, kinds: dict) -> bool:
    return all(isinstance(found.get(key), kind) for key, kind in kinds.items())


def _segments(blob: bytes, index: list, check: dict) -> tuple[Optional[dict], str]:
    """The segments of a part from its bytes after the head, checked against the first line's digest."""
    if len(blob) != check["size"] or sum(n for _, n in index) != check["size"]:
        return None, f"its segments are cut short or overlong ({len(blob)} bytes, not {check['size']})"
    if hashlib.sha256(blob).hexdigest() != check["segments"]:
        return None, "its segments fail their SHA-256 check (damaged or edited)"
    out, at = {}, 0
    view = memoryview(blob)
    for key, n in index:
        out[key] = bytes(view[at:at + n])
        at += n
    return out, ""


class RunOutputs:
    """The files of a run, written as parts arrive in input order: records.csv, records.json, cells.csv,
    documents.json, tables/, text/, records.xlsx and, with pyarrow, records.parquet and cells.parquet;
    report.json at close(). Nothing is in place until close(); abort() leaves the earlier files."""

    def __init__(self, out_dir: Path, xlsx: bool = True, parquet: bool = True, max_rows: Optional[int] = None):
        self.out_dir = Path(out_dir)
        self._text = {name: AtomicText(self.out_dir / name) for name in TEXT_SEGMENTS}
        self._text["records.csv"].write("\ufeff" + record_csv_rows(None))
        self._text["cells.csv"].write("\ufeff" + cell_csv_rows(None))
        self._first = {"records.json": True, "documents.json": True}
        self._books = Workbooks(self.out_dir / "records.xlsx", max_rows or MAX_ROWS) if xlsx else None
        self._parquet = pq.Writers(self.out_dir) if parquet and pq.available() else None
        self.notes: list[str] = [] if not parquet or pq.available() else [pq.MISSING]
        self._facts: list[dict] = []
        self.files: set[tuple[str, str]] = set()   # (folder, name) of every table and text file

    def add(self, part: dict, fresh: bool = False) -> None:
        """One document's part, with its segments; fresh: rendered in this run, so its table and text files are
        written even if present."""
        segments = part["segments"]
        for name in ("records.csv", "cells.csv"):
            self._text[name].write(segments[name])
        for name in ("records.json", "documents.json"):
            self._json(name, segments[name])
        self._facts.append(part["facts"])
        for folder in ("tables", "text"):
            self._write_files(folder, part["files"][folder], segments, fresh)
        if self._books is not None:
            for sheet, (crc, size, shift, rows) in part["xlsx"].items():
                self._books.add(sheet, Piece(segments[f"xlsx/{sheet}"], crc, size, shift), rows)
        if self._parquet is not None:
            self._add_parquet(segments)

    def _add_parquet(self, segments: dict) -> None:
        """The document's Arrow tables; made from its records.json entries when its part has none (rendered
        without pyarrow) or they are not ours."""
        if "parquet/records" in segments:
            try:
                return self._parquet.add_ipc(segments["parquet/records"], segments["parquet/cells"])
            except (ValueError, KeyError):
                pass
        data = segments["records.json"]
        records = json.loads(b"[" + data + b"]") if data else []
        self._parquet.add(records, dict_cell_rows(records))

    def _json(self, name: str, inner: bytes) -> None:
        if not inner:
            return
        self._text[name].write((b"[\n" if self._first[name] else b",\n") + inner)
        self._first[name] = False

    def _write_files(self, folder_name: str, names: list, segments: dict, fresh: bool) -> None:
        """A document's files in DIR/tables/ (its tables as CSV, with a BOM for Excel) or DIR/text/ (its text)."""
        folder = self.out_dir / folder_name
        for name in names:
            self.files.add((folder_name, name))
            if fresh or not (folder / name).exists():
                folder.mkdir(parents=True, exist_ok=True)
                write_atomic(folder / name, segments[f"{folder_name}/{name}"])

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
