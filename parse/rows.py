"""A table row as the layouts collect it, and how it becomes a Record."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from chitieu.normalize.unicode import fold
from chitieu.parse.cells import record_cells
from chitieu.parse.fields import clean_title, split_label, squash, strip_markup
from chitieu.parse.header import read_patterns
from chitieu.parse.numbers import parse_number, parse_quantity
from chitieu.parse.stt import BULLET, follows, is_roman, level_of, normalise_stt, ocr_stt, parent_of, slip_correction
from chitieu.parse.targets import Target, parse_status, parse_target, split_target
from chitieu.schemas.model import Record, RowKind

ROLES = ("title", "value", "rate", "benchmark", "target", "status", "unit", "responsible", "note", "max_points",
         "rank", "formula", "figure")
# Roles whose columns are joined when a table has several of them; the others are typed fields that take the
# first column of their role holding text (the rest stay in the record's cells).
JOINED_ROLES = ("responsible", "note")
# A reference to a legal basis, which belongs in the note, not among the responsible bodies.
LEGAL_BASIS_START = (r"(?:Theo|Căn cứ)\s+(?:Quyết định|Kế hoạch|Nghị quyết|Nghị định|Thông tư|Công văn|Chỉ thị|"
                     r"Văn bản)\b")
LEGAL_BASIS = re.compile(r"^\s*" + LEGAL_BASIS_START, re.I)


# A '-' bullet that starts another body inside a responsible cell: at the start or after whitespace.
BODY_BULLET = re.compile(r"(?:^|\s)[-–•+]\s+(?=\S)")


def _bodies(parts: list[str]) -> list[str]:
    """The bodies named in a responsible cell: wrapped lines joined, '-' bullets and ';' separating bodies."""
    text = " ".join(strip_markup(p) for p in parts)
    items = [s.strip(" ;,.") for chunk in BODY_BULLET.split(text) for s in chunk.split(";")]
    return [s for s in items if s]


@dataclass
class Row:
    """Cells of one numbered row gathered by role, with where they came from."""

    page: int
    line: int
    stt_raw: str
    parts: dict[str, list[str]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    confidence: Optional[float] = None
    stt: Optional[str] = None   # the row number the layout settled on, when the printed one is an OCR slip
    table_start: bool = False   # the first row under a table header: numbering starts afresh there
    table: Optional[int] = None          # Table.index of a table row
    columns: list[str] = field(default_factory=list)           # the table's header paths
    roles: list[Optional[str]] = field(default_factory=list)   # the table's column roles
    cells: list[str] = field(default_factory=list)             # the row's text in each column
    merged: list[bool] = field(default_factory=list)           # cells repeated from the row above
    kind: Optional[str] = None   # what the layout knows of the row (heading, total, subrow); else decided here
    last_page: int = 0           # the last page the row has text on (a row cut by a page break goes on)
    # an OCR'd table row's STT cell that reads as no number (':', '—' for a digit a fax lost): the sequence
    # around it may still place the row (parse/stt.settle_table_numbers)
    mark: str = ""

    def add(self, role: str, text: str) -> None:
        text = text.strip()
        if text:
            self.parts.setdefault(role, []).append(text)

    def add_cell(self, index: int, text: str) -> None:
        text = text.strip()
        if text and index < len(self.cells):
            self.cells[index] = f"{self.cells[index]} {text}" if self.cells[index] else text

    def text(self, role: str, sep: str = " ") -> str:
        return sep.join(self.parts.get(role, []))

    def field(self, role: str) -> str:
        """The text a typed field takes: in a table, the first column of the role that holds text (all of them
        for notes and bodies); in running text, what the layout collected."""
        if not self.roles:
            return self.text(role)
        texts = [c for c, r in zip(self.cells, self.roles) if r == role and c.strip()]
        if role in JOINED_ROLES:
            return " | ".join(texts) if role == "note" else " ".join(texts)
        return texts[0] if texts else ""


@dataclass
class Hierarchy:
    """Tracks the last numbered row so that '-' sub-rows find their parent and odd numbering is noticed."""

    last_numbered: Optional[str] = None
    last_level: int = 0
    section: Optional[str] = None   # the roman-numbered part (I, II, …) the numbered rows sit in
    section_level: int = 1
    part: Optional[str] = None      # a lettered part above the roman ones (real 05: A. TỔNG CHI, I. …, 1. …)
    seen: set = field(default_factory=set)   # (parent, stt) of the numbered rows so far: a repeat is warned about
    report: bool = False   # the document reports results (báo cáo): a 'Tỷ lệ' column holds values, not targets


# A sentence that opens with the share it demands: '100% hồ sơ … được số hóa'.
LEADING_SHARE = re.compile(r"^(\d+(?:,\d+)?)\s*%\s+(?=[^\W\d_])")
# ... or names whom it is for inside the sentence: '… cấp chứng thư số cá nhân cho 100% công chức …',
# '… số hóa đối với 100% hồ sơ tiếp nhận mới', '… phấn đấu 100% người dân có một tài khoản'.
SCOPE_SHARE = re.compile(r"\b(?:cho|đối với|phấn đấu(?:\s+(?:hoàn thành|đạt))?)\s+(\d+(?:,\d+)?)\s*%\s+"
                         r"(?=[^\W\d_])", re.I)
# A count the sentence strives for: 'Phấn đấu mỗi năm phát triển từ 05 bộ dữ liệu mở …' (at least 5).
STRIVE_COUNT = re.compile(r"\bphấn đấu\b[^.;%]*?\b((?:từ|tối thiểu|ít nhất)\s+(\d+))\s+(?=[^\W\d_])", re.I)
# A lettered item's number as the flow parser keeps it ('a)', 'đ)'), and as a table's STT cell prints it ('a').
LETTER_ITEM = re.compile(r"^([a-zđ])\)$")
LETTER_CELL = re.compile(r"^([a-zđ])\.?$")
# A part above the roman ones, lettered in capitals in a table's STT cell ('A', 'B.').
PART_LETTER = re.compile(r"^([A-H])\.?$")
# What each warning takes off a record's confidence (from 1.0, or from its OCR words' mean confidence).
WARNING_COST = 0.1
# A cell holding a figure and nothing else ('95,27%', '70,50'), where a label is expected.
FIGURE_ONLY = re.compile(r"^[\d.,]+\s*%?$")
# A figure in a value cell: digits with their separators ('11,4', '40.543', '49,22').
FIGURE = re.compile(r"\d+(?:[.,]\d+)*")


def _set_target(rec: Record, target, raw: Optional[str] = None) -> None:
    rec.target_op, rec.target_value, rec.target_high = target.op, target.value, target.high
    rec.target_raw = raw if raw is not None else target.raw


TOTALS = [pattern for _, pattern in read_patterns(Path(__file__).with_name("data") / "row_kinds.tsv",
                                                  frozenset({RowKind.TOTAL}), "row kinds")]


def is_total(label: str) -> bool:
    folded = " ".join(fold(strip_markup(label)).split())
    return any(p.search(folded) for p in TOTALS)


def row_kind(row: Row, rec: Record) -> str:
    """row, subrow, heading, total or item (parse/data/row_kinds.tsv names the totals)."""
    figures = rec.value is not None or rec.target_op is not None or rec.status is not None \
        or rec.benchmark_value is not None or any(c.value is not None for c, r in zip(rec.cells, row.roles)
                                                  if r not in ("stt", "title"))
    label = rec.title or next((c.text for c in rec.cells if c.text), "")
    if not row.roles:
        # running text: a row of a table read as text (its figures came apart from the label, in columns) or
        # an item of prose, numbered or bulleted, whatever figures its sentence holds
        columns = any(row.parts.get(k) for k in ("value", "benchmark", "status", "unit", "target"))
        if not columns:
            return RowKind.ITEM
        return RowKind.SUBROW if rec.stt is None and rec.stt_raw else RowKind.ROW
    if rec.stt is None and rec.stt_raw:
        return RowKind.SUBROW   # a '-' or '+' row: part of the row above, even when it reads 'Tổng số …'
    if "stt" not in row.roles:   # a table without row numbers: every row is a row
        return RowKind.TOTAL if is_total(label) else RowKind.ROW
    if row.kind in (RowKind.HEADING, RowKind.TOTAL, RowKind.SUBROW):
        if is_total(label):
            return RowKind.TOTAL
        if row.kind == RowKind.SUBROW and not figures and rec.parent_stt is None:
            return RowKind.HEADING   # an un-numbered row before any numbered one names the rows below it
        return row.kind
    if rec.stt is None:
        return RowKind.TOTAL if is_total(label) else RowKind.SUBROW if figures or rec.stt_raw else RowKind.HEADING
    if is_roman(rec.stt.split(".")[0]) and not figures:
        return RowKind.HEADING
    return RowKind.ROW


def _table_fields(rec: Record, row: Row) -> None:
    """What only a table's columns give: every cell under its header, the maximum score, the rank, the
    formula; a label cell holding nothing but a figure is a sign the columns slid."""
    if not row.roles:
        return
    rec.table_index = row.table
    rec.cells = record_cells(row.columns, row.roles, row.cells, row.merged)
    points = parse_quantity(strip_markup(row.field("max_points")))
    if points is not None and points.value is not None and rec.max_points is None:
        rec.max_points = points.value
    rank = parse_quantity(strip_markup(row.field("rank")))
    if rank is not None and rank.value is not None:
        rec.rank, rec.rank_of = rank.value, rank.denominator
    formula = strip_markup(row.field("formula"))
    if formula and not rec.formula:
        rec.formula = " ".join(formula.split())
    outside = [c.text for c in rec.cells if c.text and not c.column]
    if outside:
        # more cells than the header names: a header line not understood, or text run in from outside the table
        rec.warnings.append(f"{len(outside)} cell(s) beyond the columns the header names: "
                            f"{'; '.join(t[:40] for t in outside[:3])}")
    label = next((c for c, r in zip(rec.cells, row.roles) if r == "title"), None)
    if rec.value is not None and rec.value_denominator and rec.value > rec.value_denominator \
            and rec.unit != "%":
        # a score over its maximum ('11,4/1,8'): a lost comma, a misread digit, or two cells run together
        rec.warnings.append(f"value {rec.value:g} is more than its maximum {rec.value_denominator:g}")
    if label is not None and label.value is not None and FIGURE_ONLY.match(label.text):
        rec.warnings.append(f"the label column holds a figure ({label.text}): the columns may have slid")


def row_to_record(row: Row, doc_id: str, source: str, seq: int, hierarchy: Hierarchy) -> Record:
    """Turn a collected row into a Record, one step per group of fields, each a function of its own."""
    rec = Record(doc_id=doc_id, source=source, page=row.page, seq=seq, warnings=list(row.warnings), line=row.line)
    notes: list[str] = []
    stt = _number(rec, row, hierarchy)
    _label(rec, row, stt, notes)
    _value(rec, row, hierarchy, notes)
    _benchmark(rec, row)
    _target(rec, row, hierarchy)
    _status(rec, row, notes)
    _target_in_title(rec, notes)
    unit_text = clean_title(strip_markup(row.field("unit")))
    if unit_text:
        rec.unit = unit_text
    legal = _responsible(rec, row)
    notes.extend(strip_markup(n) for n in _role_texts(row, "note"))
    _table_fields(rec, row)
    notes.extend(legal)
    rec.note = " | ".join(n.strip() for n in notes if n.strip()) or None
    _kind(rec, row)
    base = row.confidence if row.confidence is not None else 1.0
    rec.confidence = round(max(0.0, min(1.0, base - WARNING_COST * len(rec.warnings))), 3)
    return rec


def _number(rec: Record, row: Row, hierarchy: Hierarchy) -> Optional[str]:
    """stt, stt_raw, parent_stt and level, from the printed number and the rows before it; returns the number
    the row settled on (None for an unnumbered row)."""
    stt_raw = row.stt_raw.strip()
    rec.stt_raw = stt_raw or None
    stt = row.stt or (normalise_stt(stt_raw) if stt_raw else None)
    if stt_raw and stt is None and row.confidence is not None:
        stt = ocr_stt(stt_raw)
    if row.table_start:  # a table's rows hang from its own numbering, not from the prose part around it
        hierarchy.section = hierarchy.last_numbered = hierarchy.part = None
        hierarchy.seen = set()
    part = PART_LETTER.match(stt_raw) if stt is None else None
    if part:
        rec.stt, rec.level = part.group(1), 1
        hierarchy.part, hierarchy.section, hierarchy.last_numbered, hierarchy.last_level = part.group(1), None, None, 1
        return stt
    stt = _slip(rec, stt, stt_raw, row, hierarchy)
    if stt:
        _place_numbered(rec, stt, hierarchy)
    else:
        _place_unnumbered(rec, stt_raw, hierarchy)
    return stt


def _slip(rec: Record, stt: Optional[str], stt_raw: str, row: Row, hierarchy: Hierarchy) -> Optional[str]:
    """OCR'd rows only: a lost dot or a misread digit, told by the sequence; typed numbering is data."""
    prev = hierarchy.last_numbered
    if stt and row.confidence is not None and prev and stt != "1" and not follows(prev, stt):
        fixed = slip_correction(prev, stt)
        if fixed:
            rec.warnings.append(f"row number read as {stt_raw}, taken as {fixed} from the sequence")
            return fixed
    return stt


def _place_numbered(rec: Record, stt: str, hierarchy: Hierarchy) -> None:
    rec.stt, rec.level, rec.parent_stt = stt, level_of(stt), parent_of(stt)
    if is_roman(stt.split(".")[0]):
        # a roman part, or a part inside one ('I.1'): the numbered rows under it restart at 1
        if hierarchy.part and "." not in stt:
            rec.parent_stt = hierarchy.part
        if hierarchy.part:
            rec.level += 1
        hierarchy.section, hierarchy.section_level = stt, rec.level
    elif hierarchy.section:
        # numbering restarts in each part (I. … 1. 2. II. … 1.): the part is the top of the tree
        rec.level += hierarchy.section_level
        rec.parent_stt = rec.parent_stt or hierarchy.section
    elif hierarchy.part:
        rec.level += 1
        rec.parent_stt = rec.parent_stt or hierarchy.part
    prev = hierarchy.last_numbered
    if prev and not is_roman(stt) and not is_roman(prev) and stt != "1" and not follows(prev, stt):
        # kept as printed: the source's own numbering error (real 06: 19, 22, 20, 21, 22) is data
        rec.warnings.append(f"row number {stt} does not follow {prev}")
    if stt.split(".")[-1] == "1":  # a list (re)starts: its numbers may be used again
        hierarchy.seen = {k for k in hierarchy.seen if k[0] != rec.parent_stt}
    elif (rec.parent_stt, stt) in hierarchy.seen:
        rec.warnings.append(f"row number {stt} is used twice under the same row")
    hierarchy.seen.add((rec.parent_stt, stt))
    hierarchy.last_numbered, hierarchy.last_level = stt, rec.level


def _place_unnumbered(rec: Record, stt_raw: str, hierarchy: Hierarchy) -> None:
    rec.parent_stt = hierarchy.last_numbered
    rec.level = hierarchy.last_level + 1
    letter = LETTER_ITEM.match(stt_raw) or LETTER_CELL.match(stt_raw)
    if letter:  # 'a)' under '1.': its own number, but the numbered rows around it stay the list
        rec.stt = letter.group(1)


def _label(rec: Record, row: Row, stt: Optional[str], notes: list[str]) -> None:
    """title, title_raw, and what the label carries: '(6đ)' points, the 'Cách tính …' formula."""
    title_src = row.field("title")
    if BULLET.match(title_src) and not stt:
        title_src = BULLET.sub("", title_src, count=1)
    rec.title_raw = squash(title_src) or None
    label = split_label(title_src)
    rec.title = label.title or None
    rec.formula, rec.max_points = label.formula, label.max_points
    if label.explanation:
        notes.append(label.explanation)


def _value(rec: Record, row: Row, hierarchy: Hierarchy, notes: list[str]) -> None:
    """The reported figure ('49,22%' → 49.22, '11,4/18 điểm' → 11.4 of 18): a report's 'Tỷ lệ' too."""
    rate_text = strip_markup(row.field("rate"))
    value_text = strip_markup(row.field("value")) or (rate_text if hierarchy.report else "")
    if not value_text:
        return
    rec.value_raw = value_text
    q = parse_quantity(value_text)
    if q is not None:
        rec.value, rec.value_denominator, rec.value_high, rec.unit = q.value, q.denominator, q.high, q.unit
        if len(FIGURE.findall(value_text)) > (2 if q.denominator is not None else 1):
            # two rows run together ('11,4/18 điểm 49,22%': a row's number was lost): only the first is kept
            rec.warnings.append("value cell holds more than one figure; the first was taken")
        return
    target = parse_target(value_text, whole=True)
    if target and target.op != "=":
        _set_target(rec, target)
    else:
        notes.append(value_text)
        rec.warnings.append("value is not a number")


def _benchmark(rec: Record, row: Row) -> None:
    bench_text = strip_markup(row.field("benchmark"))
    if bench_text:
        rec.benchmark_raw = bench_text
        q = parse_quantity(bench_text)
        rec.benchmark_value = q.value if q else None
        if q is None:
            rec.warnings.append("national average is not a number")


def _target(rec: Record, row: Row, hierarchy: Hierarchy) -> None:
    """The target column: a plan's 'Tỷ lệ' too."""
    target_text = strip_markup(row.field("target")) or ("" if hierarchy.report else strip_markup(row.field("rate")))
    if target_text:
        target = parse_target(target_text)
        rec.target_raw = target_text
        if target:
            _set_target(rec, target, raw=target_text)
        else:
            rec.warnings.append("target has no comparable figure")


def _status(rec: Record, row: Row, notes: list[str]) -> None:
    """'Đạt (từ 90% trở lên)': the status, and the target it names when the row has none."""
    status_text = strip_markup(row.field("status"))
    if not status_text:
        return
    status, target, rest = parse_status(status_text)
    rec.status = status
    if target and rec.target_op is None:
        _set_target(rec, target)
    if rest:
        notes.append(rest)


def _target_in_title(rec: Record, notes: list[str]) -> None:
    """A target the label itself states, when no column gave one (first way that finds one wins)."""
    if rec.target_op is None and rec.title:
        head, target, rest = split_target(rec.title)
        if target is not None:
            rec.title = clean_title(head)
            _set_target(rec, target)
            if rest:
                notes.append(rest)
    if rec.target_op is None and rec.title:
        share = LEADING_SHARE.match(rec.title)
        if share and parse_number(share.group(1)) is not None:
            # '100% thủ tục hành chính … phải thực hiện …': the share the sentence demands; the sentence stays whole
            _set_target(rec, Target("=", parse_number(share.group(1)), share.group(0).strip()))
    if rec.target_op is None and rec.title:
        shares = SCOPE_SHARE.findall(rec.title)
        if len(shares) == 1 and parse_number(shares[0]) is not None:  # two shares: which one is demanded?
            _set_target(rec, Target("=", parse_number(shares[0]), f"{shares[0]}%"))
    if rec.target_op is None and rec.title:
        count = STRIVE_COUNT.search(rec.title)
        if count:
            _set_target(rec, Target(">=", float(int(count.group(2))), count.group(1)))


def _role_texts(row: Row, role: str) -> list[str]:
    """Every text of a role: each column of it in a table, what the layout collected in running text."""
    if row.roles:
        return [c for c, r in zip(row.cells, row.roles) if r == role and c.strip()]
    return row.parts.get(role, [])


def _responsible(rec: Record, row: Row) -> list[str]:
    """The bodies that carry the row out; returns the legal bases found among them, which are notes."""
    responsible, legal = [], []
    for part in _bodies(_role_texts(row, "responsible")):
        (legal if LEGAL_BASIS.match(part) else responsible).append(part)
    rec.responsible = "; ".join(responsible) or None
    return legal


def _kind(rec: Record, row: Row) -> None:
    rec.kind = row_kind(row, rec)
    if rec.kind in (RowKind.TOTAL, RowKind.HEADING) and not rec.stt:
        rec.parent_stt, rec.level = None, 1
        # a label merged across the STT column ('CHỈ SỐ CHUNG'): the row's first text without a figure
        rec.title = rec.title or next((c.text for c in rec.cells if c.text and c.value is None), None)
    if rec.title is None and rec.kind not in (RowKind.TOTAL, RowKind.HEADING):
        rec.warnings.append("row has no title")
