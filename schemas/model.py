"""The dataclasses that every stage takes and returns; defined once, here.

file → Document(pages=[Page(lines=[Line(cells=[Cell])])]) → repaired Lines (with Edits) → Records (+ Unparsed)
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Optional


@dataclass
class Edit:
    """One change the repair stage made to a line: where, what it was, what it became, and why."""

    start: int
    end: int
    before: str
    after: str
    reason: str
    score: float = 1.0


@dataclass
class Cell:
    """A piece of a table row whose column the extractor knows (from a ruled grid, tabs or word positions)."""

    text: str
    col: Optional[int] = None      # column index when the extractor knows it
    x0: Optional[float] = None     # left edge in PDF points (positioned text only)
    x1: Optional[float] = None
    merged: bool = False           # covered by a merged cell of a ruled grid (no text of its own)


@dataclass
class Line:
    """One line of text (or one table row, when `cells` is set) as the parser sees it."""

    text: str
    page: int
    number: int                        # 1-based line number within the page
    raw: Optional[str] = None          # the text before repair, when repair changed it
    cells: Optional[list[Cell]] = None
    words: Optional[list[Cell]] = None   # positioned words (PDF text layers), for assigning columns word by word
    edits: list[Edit] = field(default_factory=list)
    confidence: Optional[float] = None  # OCR word confidence in [0, 1]; None for text layers
    top: Optional[float] = None         # vertical position in PDF points (positioned text only)
    image: Optional[bytes] = None       # JPEG of the row as scanned (OCR'd table rows), for the review page
    doubts: list[str] = field(default_factory=list)  # what the reader doubts here ('two readings of a figure')


@dataclass
class Page:
    number: int
    lines: list[Line] = field(default_factory=list)
    path: str = "text"        # how the text was obtained: text | text-layer | ocr | no-text | blank
    reason: str = ""          # why that path was taken, for the user
    width: Optional[float] = None
    height: Optional[float] = None
    thumbnail: Optional[bytes] = None  # small JPEG of an OCR'd page, for the review page


@dataclass
class Problem:
    """Something the user should know about: a failure, a page without text, a doubt."""

    source: str
    message: str
    code: str = "warning"
    page: Optional[int] = None
    line: Optional[int] = None


@dataclass
class Unparsed:
    """A non-blank line of a table region that did not become (part of) a record."""

    page: int
    line: int
    text: str
    reason: str


class RowKind:
    """What a record is; a data team leaves totals out of a sum and headings out of a count."""

    ROW = "row"            # a numbered row of a table (1, 1.1, a, a roman part with figures of its own)
    SUBROW = "subrow"      # an un-numbered or '-' row under a numbered one
    HEADING = "heading"    # a row that only names a group (I, II, or an un-numbered title across the table)
    TOTAL = "total"        # Tổng số, Tổng cộng, Chỉ số chung, Cao nhất / Trung bình / Thấp nhất
    ITEM = "item"          # a numbered item of running text, outside any table
    ALL = (ROW, SUBROW, HEADING, TOTAL, ITEM)


@dataclass
class RecordCell:
    """One cell of a table row as printed, under its column's header; every cell of the row is kept."""

    column: str                     # the header path as printed ('Lâm Đồng / Điểm'), wrapped lines joined
    text: str                       # the cell's text after repair; '' when empty
    value: Optional[float] = None   # the number it holds, read the Vietnamese way ('49,22%' → 49.22), or None
    merged: bool = False            # repeated from the cell above: a cell merged down over several rows


@dataclass
class Table:
    """One table of a document: its header as column paths, the roles read from them, and where it is."""

    index: int                       # 1-based, in reading order; records point to it by `table_index`
    page: int                        # the page where it starts
    columns: list[str] = field(default_factory=list)
    roles: list[Optional[str]] = field(default_factory=list)   # parse/data/header_roles.tsv; None: no role
    how: str = ""                    # how its rows were found (pdf-grid, pdf-positions, tabs, markdown, …)
    pages: list[int] = field(default_factory=list)             # every page it has rows on


@dataclass
class Record:
    """One STT-numbered row (or `-` sub-row with its own label). Field order is the CSV column order."""

    doc_id: str
    source: str
    page: int
    seq: int
    kind: str = RowKind.ROW
    table_index: Optional[int] = None     # the Table it belongs to (Document.tables), None for running text
    stt: Optional[str] = None
    stt_raw: Optional[str] = None
    parent_stt: Optional[str] = None
    level: int = 1
    title: Optional[str] = None
    title_raw: Optional[str] = None
    indicator_id: Optional[str] = None
    match_score: Optional[float] = None
    formula: Optional[str] = None
    unit: Optional[str] = None
    value: Optional[float] = None
    value_raw: Optional[str] = None
    value_denominator: Optional[float] = None
    value_high: Optional[float] = None    # upper end when the value is a range ('8 - 10'); value is the lower
    benchmark_value: Optional[float] = None
    benchmark_raw: Optional[str] = None
    target_op: Optional[str] = None
    target_raw: Optional[str] = None
    target_value: Optional[float] = None
    target_high: Optional[float] = None   # upper end when the target is a range (target_op 'between')
    max_points: Optional[float] = None
    rank: Optional[float] = None          # 'Thứ hạng 12/63' → 12
    rank_of: Optional[float] = None       # … of 63
    status: Optional[str] = None
    responsible: Optional[str] = None
    note: Optional[str] = None
    confidence: float = 1.0
    warnings: list[str] = field(default_factory=list)
    cells: list[RecordCell] = field(default_factory=list)   # every cell of a table row, in column order
    # where the row starts in the extracted page (line number): for the review's row images; not an output field
    line: Optional[int] = field(default=None, metadata={"internal": True})

    def to_dict(self) -> dict:
        """The exported fields, as dataclasses.asdict gives them (cells as dicts, lists copied), without its deep
        copy of every value: validating and writing call this for every record."""
        out = {name: getattr(self, name) for name in RECORD_FIELDS}
        out["warnings"] = list(self.warnings)
        out["cells"] = [{k: getattr(c, k) for k in _CELL_FIELDS} for c in self.cells]
        return out


RECORD_FIELDS: list[str] = [f.name for f in fields(Record) if not f.metadata.get("internal")]
_CELL_FIELDS: list[str] = [f.name for f in fields(RecordCell)]
_EXPORTED = frozenset(RECORD_FIELDS)
# The columns of records.csv and the records table: one value each, so not the cells (cells.csv holds them).
FLAT_FIELDS: list[str] = [f for f in RECORD_FIELDS if f != "cells"]
# The fields that hold numbers: stored as numbers in the database and the workbook (one list, read off Record).
NUMERIC_FIELDS = frozenset(f.name for f in fields(Record)
                           if f.name in _EXPORTED and f.name != "cells"
                           and any(t in str(f.type) for t in ("float", "int")))
# Of those, the whole numbers (page, seq, level, table_index): stored as INTEGER, so no tool shows '1.0'.
INTEGER_FIELDS = frozenset(f.name for f in fields(Record) if f.name in NUMERIC_FIELDS and "int" in str(f.type))


@dataclass
class DocMeta:
    """The heading of a dispatch or plan, as far as it could be read."""

    doc_type: Optional[str] = None     # Công văn, Kế hoạch, Quyết định, …
    number: Optional[str] = None       # '144/KH-UBND'
    issuer: Optional[str] = None       # 'ỦY BAN NHÂN DÂN TỈNH BẮC NINH'
    place: Optional[str] = None
    date: Optional[str] = None         # ISO 8601
    subject: Optional[str] = None      # 'V/v …' or the plan's title
    recipients: list[str] = field(default_factory=list)


@dataclass
class Document:
    """One input file and everything the pipeline learned from it."""

    doc_id: str
    source: str
    kind: str = "text"            # text | pdf-text | pdf-scan | image
    status: str = "ok"            # ok | failed
    error: Optional[str] = None
    error_code: Optional[str] = None
    title: Optional[str] = None
    layout: Optional[str] = None
    layout_reason: Optional[str] = None
    pages: list[Page] = field(default_factory=list)
    records: list[Record] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    unparsed: list[Unparsed] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    meta: DocMeta = field(default_factory=DocMeta)
    seconds: float = 0.0

    def summary(self) -> dict:
        """The documents.json entry: everything but the page texts and the records themselves."""
        return {
            "doc_id": self.doc_id,
            "source": self.source,
            "kind": self.kind,
            "status": self.status,
            "error": self.error,
            "error_code": self.error_code,
            "title": self.title,
            "meta": asdict(self.meta),
            "layout": self.layout,
            "layout_reason": self.layout_reason,
            "pages": len(self.pages),
            "page_paths": [{"page": p.number, "path": p.path, "reason": p.reason} for p in self.pages],
            "records": len(self.records),
            "tables": [asdict(t) for t in self.tables],
            "unparsed": [asdict(u) for u in self.unparsed],
            "warnings": list(self.warnings),
            "seconds": round(self.seconds, 3),
        }
