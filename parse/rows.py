"""A table row as the layouts collect it, and how it becomes a Record."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional

from parse.fields import clean_title, split_label, squash, strip_markup
from parse.numbers import parse_number, parse_quantity
from parse.stt import BULLET, follows, is_roman, level_of, normalise_stt, ocr_stt, parent_of, slip_correction
from parse.targets import Target, parse_status, parse_target, split_target
from schemas.model import Record

ROLES = ("title", "value", "benchmark", "target", "status", "unit", "responsible", "note")
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

    def add(self, role: str, text: str) -> None:
        text = text.strip()
        if text:
            self.parts.setdefault(role, []).append(text)

    def text(self, role: str, sep: str = " ") -> str:
        return sep.join(self.parts.get(role, []))


@dataclass
class Hierarchy:
    """Tracks the last numbered row so that '-' sub-rows find their parent and odd numbering is noticed."""

    last_numbered: Optional[str] = None
    last_level: int = 0
    section: Optional[str] = None   # the roman-numbered part (I, II, …) the numbered rows sit in
    section_level: int = 1
    part: Optional[str] = None      # a lettered part above the roman ones (real 05: A. TỔNG CHI, I. …, 1. …)
    seen: set = field(default_factory=set)   # (parent, stt) of the numbered rows so far: a repeat is warned about


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
# A figure in a value cell: digits with their separators ('11,4', '40.543', '49,22').
FIGURE = re.compile(r"\d+(?:[.,]\d+)*")


def _set_target(rec: Record, target, raw: Optional[str] = None) -> None:
    rec.target_op, rec.target_value, rec.target_high = target.op, target.value, target.high
    rec.target_raw = raw if raw is not None else target.raw


def row_to_record(row: Row, doc_id: str, source: str, seq: int, hierarchy: Hierarchy) -> Record:
    """Turn a collected row into a Record: hierarchy, label parts, numbers, target, status."""
    rec = Record(doc_id=doc_id, source=source, page=row.page, seq=seq, warnings=list(row.warnings), line=row.line)
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
    prev = hierarchy.last_numbered
    if stt and row.confidence is not None and prev and stt != "1" and not follows(prev, stt):
        # OCR'd rows only: a lost dot or a misread digit, told by the sequence; typed numbering is data
        fixed = slip_correction(prev, stt)
        if fixed:
            rec.warnings.append(f"row number read as {stt_raw}, taken as {fixed} from the sequence")
            stt = fixed
    if part:
        pass
    elif stt:
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
    else:
        rec.parent_stt = hierarchy.last_numbered
        rec.level = hierarchy.last_level + 1
        letter = LETTER_ITEM.match(stt_raw) or LETTER_CELL.match(stt_raw)
        if letter:  # 'a)' under '1.': its own number, but the numbered rows around it stay the list
            rec.stt = letter.group(1)

    title_src = row.text("title")
    if BULLET.match(title_src) and not stt:
        title_src = BULLET.sub("", title_src, count=1)
    rec.title_raw = squash(title_src) or None
    label = split_label(title_src)
    rec.title = label.title or None
    rec.formula, rec.max_points = label.formula, label.max_points
    notes = [label.explanation] if label.explanation else []

    value_text = strip_markup(row.text("value"))
    if value_text:
        rec.value_raw = value_text
        q = parse_quantity(value_text)
        if q is not None:
            rec.value, rec.value_denominator, rec.value_high, rec.unit = q.value, q.denominator, q.high, q.unit
            if len(FIGURE.findall(value_text)) > (2 if q.denominator is not None else 1):
                # two rows run together ('11,4/18 điểm 49,22%': a row's number was lost): only the first is kept
                rec.warnings.append("value cell holds more than one figure; the first was taken")
        else:
            target = parse_target(value_text, whole=True)
            if target and target.op != "=":
                _set_target(rec, target)
            else:
                notes.append(value_text)
                rec.warnings.append("value is not a number")
    bench_text = strip_markup(row.text("benchmark"))
    if bench_text:
        rec.benchmark_raw = bench_text
        q = parse_quantity(bench_text)
        rec.benchmark_value = q.value if q else None
        if q is None:
            rec.warnings.append("national average is not a number")
    target_text = strip_markup(row.text("target"))
    if target_text:
        target = parse_target(target_text)
        rec.target_raw = target_text
        if target:
            _set_target(rec, target, raw=target_text)
        else:
            rec.warnings.append("target has no comparable figure")
    status_text = strip_markup(row.text("status"))
    if status_text:
        status, target, rest = parse_status(status_text)
        rec.status = status
        if target and rec.target_op is None:
            _set_target(rec, target)
        if rest:
            notes.append(rest)
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
    unit_text = clean_title(strip_markup(row.text("unit")))
    if unit_text:
        rec.unit = unit_text
    responsible, legal = [], []
    for part in _bodies(row.parts.get("responsible", [])):
        (legal if LEGAL_BASIS.match(part) else responsible).append(part)
    rec.responsible = "; ".join(responsible) or None
    notes.extend(strip_markup(n) for n in row.parts.get("note", []))
    notes.extend(legal)
    rec.note = " | ".join(n.strip() for n in notes if n.strip()) or None
    if rec.title is None:
        rec.warnings.append("row has no title")
    base = row.confidence if row.confidence is not None else 1.0
    rec.confidence = round(max(0.0, min(1.0, base - 0.1 * len(rec.warnings))), 3)
    return rec
