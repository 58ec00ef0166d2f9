"""Running text whose rows start with an STT at the beginning of a line (pdftotext dumps, dispatches).

A line starting with a plausible next STT opens a row; following lines continue it; '-' lines are sub-rows
(or more names of the responsible bodies); a paragraph that is neither ends the list. Row numbers must follow
each other (next sibling, first child, next of an ancestor, or a list restarting at 1), so numbers inside
sentences ('15 ngày', '2023') never open rows.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional

from chitieu.normalize.unicode import UPPER, fold
from chitieu.parse.assemble import Item
from chitieu.parse.header import is_header_text
from chitieu.parse.numbers import NUMBER
from chitieu.parse.rows import LEGAL_BASIS_START, Row
from chitieu.parse.stt import (BULLET, LETTER_LINE, OCR_NUMBER_START, ROMAN_LINE, STT_LINE, follows, is_roman,
                       misread_number, parent_of, settle_number, slip_correction, successors)
from chitieu.parse.table import PAGE_NUMBER
from chitieu.parse.targets import STATUSES
from chitieu.schemas.model import Line, Unparsed

# Units of measure that statistics annexes print in their own column (seed 004), as they are capitalised there.
UNIT_WORDS = ["Cơ quan, đơn vị, địa phương", "Cơ quan, đơn vị", "Văn bản", "Nhiệm vụ", "Hồ sơ", "Thủ tục",
              "Quyết định", "Quy trình", "Vấn đề", "PAKN", "Người", "Đơn vị", "Cơ quan", "Tổ chức", "Số lượng",
              "Triệu đồng", "Tỷ đồng", "Lượt", "%"]
# '<title> <Unit> [<figure>] [<responsible>]' at the end of a flattened row.
UNIT_VALUE = re.compile(r"(?:(?<=\s)|^)(?P<unit>" + "|".join(re.escape(u) for u in UNIT_WORDS) + r")"
                        rf"(?:\s+(?P<value>{NUMBER}))?(?:\s+(?P<rest>[-–{UPPER}].*))?$")
# A row of a flattened table that ends in a figure with no unit before it: the figure column's, unless the word
# before it is one that takes a number ('mức độ 3', 'năm 2015', 'Nghị định 61', 'Chương trình 135').
BARE_FIGURE = re.compile(rf"([^\W\d_]+)\s+({NUMBER})$")
NUMBERED_WORDS = {fold(w) for w in """năm tháng ngày quý tuần kỳ đợt lần khóa khoá độ số thứ mục điều khoản chương phần
phụ lục bản nhóm loại cấp hạng bậc lớp tầng vòng bước giai đoạn định tư thị luật hoạch trình án top""".split()}
# A unit column holding a code list instead of a unit ('Chưa = 0 Có = 1', 'Trực tuyến = 0 Phát phiếu = 1 Kết
# hợp = 2'), then maybe the figure and a remark.
_CODE = rf"[{UPPER}][^\W\d_]*(?:\s+[^\W\d_]+){{0,2}}\s*=\s*\d+"
CODE_LIST = re.compile(rf"(?P<unit>{_CODE}(?:\s+{_CODE})+)(?:\s+(?P<value>\d+)(?=\s|$))?(?:\s+(?P<rest>.*))?$")


def _trailing_columns(title: str):
    """The unit (or code list), figure and remark that end a flattened row, starting at a word after the first
    (the label comes first: 'Số lượng QTNB … Quy trình 0' is not split at the unit 'Số lượng')."""
    for pattern in (CODE_LIST, UNIT_VALUE):
        for word in re.finditer(r"\s(?=\S)", title):
            m = pattern.match(title, word.end())
            if m:
                return m
    return None
# Names of bodies that continue a responsible column on '-' lines.
BODY_START = re.compile(r"^(Sở|Cơ quan|Các cơ quan|UBND|Ủy ban|VP|Văn phòng|Đối với|Trung tâm|Bộ|Ban|Phòng)\b")
# A header line repeated at the top of each page of a flattened table.
HEADER_LINE = re.compile(r"^(stt|tt)\b")
# A row of an OCR'd ruled table whose number was misread as a letter: 'o | Cách tính …' (seed 000's row 2).
OCR_ROW_MARK = re.compile(r"^\s*([^\d\s|]{1,2})\s*\|\s+(?=\S)")
# In a flattened table (seed 004), the responsible column's text that ran into the title: a body's name followed
# by what it reports ('… Sở Nội vụ báo cáo', '- Văn phòng UBND tỉnh (VP.UBND tỉnh) báo cáo số liệu …').
RESPONSIBLE_TAIL = re.compile(r"\s+-?\s*((?:Sở|Văn phòng|VP|UBND|Cơ quan|Các cơ quan|Ban|Phòng|Trung tâm)\b"
                              r"(?:[^.;:]|\.(?=\S)){0,80}?\b(?:báo cáo|tổng hợp)\b.*)$")
# What a responsible body's entry says it does ('- Cơ quan, đơn vị, địa phương báo cáo'): such a '-' line in a
# flattened table is the responsible column, not a sub-row.
REPORTS = re.compile(r"\b(báo cáo|tổng hợp)\b")
# A row of an OCR'd ruled table: a short number (or its misreading), a rule read as '|', text.
OCR_GRID_ROW = re.compile(r"^\s*[^\s|]{1,6}\s*\|\s+\S")
OCR_GRID_ROWS = 3
# A line that ends in a figure ('Các sở, ban, ngành 100%', '> 80%'): the row's last column is reached.
# A flattened table's figure on a line of its own, or before a remark that starts with a capital.
FIGURE_LINE = re.compile(rf"^(\d{{1,3}}(?:[.,]\d{{3}})*(?:,\d+)?)(?:\s+(?=[{UPPER}])(.*))?$")
# A row number with parts alone on its line, its cell's text on the lines below (an OCR'd grid read cell by cell).
LONE_STT = re.compile(r"^\s*(\d{1,3}(?:\.\d{1,2})+)()\s*$")
LONE_CELL_LINES = 3
# A share whose '%' OCR read as '9', ending a grid row's label ('… thành phố 909').
PERCENT_AS_9 = re.compile(r"\s(\d{2,3})9$")
# A share between two runs of text on an OCR'd grid line: the figure column between the label and the next one.
MID_SHARE = re.compile(r"\s(\d{1,3}(?:,\d+)?\s*%+)\s+(?=\S)")
FIGURE_END = re.compile(r"\d\s*%+$|\d$")
FIGURE_THEN_COLUMN = re.compile(r"\d\s*%*\s+\|\s+\S")
# The addressee block that closes a dispatch (folded text).
RECIPIENTS = re.compile(r"\bnoi nhan\s*:")
# A signature block's opening: 'TM. BAN CHỈ ĐẠO', 'KT. GIÁM ĐỐC', 'TL. CHỦ TỊCH', 'Q. GIÁM ĐỐC' (Nghị định 30).
SIGNATURE = re.compile(r"(?:^|\s)(?:TM|KT|TL|TUQ|Q)\.\s+[A-ZĐÂĂÊÔƠƯÁÀẢÃẠÍÌỈĨỊÚÙỦŨỤÉÈẺẼẸÓÒỎÕỌÝ]{2,}")
# The last line of a distribution list: the copy kept in the archive ('- Lưu: VT, NC.').
ARCHIVE_COPY = re.compile(r"^\s*[-–+•]\s*Lưu\s*[:;]?\s*(VT|Văn thư)", re.I)
# A header naming a unit column (folded): only then is a trailing '<Unit> <figure>' split out of a row.
UNIT_HEADER = re.compile(r"(don vi tinh|\bdvt)\b")


@dataclass
class FlowResult:
    rows: list[Row] = field(default_factory=list)
    unparsed: list[Unparsed] = field(default_factory=list)
    across_columns: bool = False   # an OCR'd ruled table read across its columns (seed 000)


def double_spaced(items: list[Item]) -> bool:
    """True when blank lines separate nearly every line (then a blank line means nothing)."""
    texts = [it.line.text.strip() for it in items]
    blanks = sum(1 for t in texts if not t)
    return blanks > 0.6 * max(1, len(texts) - blanks)


def _split_columns(row: Row) -> None:
    """Move a trailing '<Unit> <figure> <responsible>' out of a flattened row's title."""
    title = row.text("title")
    m = _trailing_columns(title)
    if not m:
        bare = BARE_FIGURE.search(title)
        if bare and fold(bare.group(1)) not in NUMBERED_WORDS and not row.parts.get("value"):
            # the unit cell is empty and the figure ended up on the label's line ('Tuyển dụng công chức 0')
            row.parts["title"] = [title[:bare.start(2)].strip()]
            row.add("value", bare.group(2))
        return
    row.parts["title"] = [title[:m.start()].strip()]
    row.add("unit", m.group("unit"))
    if m.group("value"):
        row.add("value", m.group("value"))
    if m.group("rest"):
        row.add("responsible", m.group("rest"))


# A scorecard flattened to text (seed 002's '?' copy): the row's own figure and the national one end its title,
# then maybe its status ('… đúng hạn (6đ) 49,22% 50,36% Đạt (từ 90% trở lên)', '… (18đ) 11,4/18 điểm 10,5/18 điểm').
_FIGURE = r"\d{1,3}(?:,\d+)?\s*%|\d+(?:,\d+)?\s*/\s*\d+(?:,\d+)?(?:\s*điểm)?"
TRAILING_FIGURES = re.compile(rf"\s(?P<value>{_FIGURE})\s+(?P<benchmark>{_FIGURE})"
                              rf"(?:\s+(?P<status>(?:{'|'.join(map(re.escape, STATUSES))})(?![^\W\d_]).*))?$",
                              re.I)


def _split_figures(row: Row) -> None:
    """Move two trailing figures (and a status after them) out of a flattened scorecard row's title."""
    title = row.text("title")
    m = TRAILING_FIGURES.search(title)
    if not m:
        return
    row.parts["title"] = [title[:m.start()].strip()]
    row.add("value", m.group("value"))
    row.add("benchmark", m.group("benchmark"))
    if m.group("status"):
        row.add("status", m.group("status"))


def has_unit_column(items: list[Item]) -> bool:
    """True when a header line names a unit column (a table flattened to text, like seed 004)."""
    return any(UNIT_HEADER.search(fold(it.line.text)) for it in items)


# A table rule read as '|' between the row number and the label.
BAR = re.compile(r"^\s*\|\s*")


def one_row_missing(prev: str, stt: str) -> bool:
    """True when stt would follow prev if one row between them were lost (OCR dropped it)."""
    return any(stt in successors(s) for s in successors(prev))


def _expected_from_next(prev: str, following: list) -> str | None:
    """The row number between prev and the next numbered line, when exactly one fits ('1' … '2.1' → '2')."""
    nxt = next((n for n in following if n), None)
    if nxt is None:
        return None
    fits = [s for s in successors(prev) if follows(s, nxt)]
    return fits[0] if len(fits) == 1 else None


@dataclass
class NumberMark:
    printed: str          # the mark as printed ('o', '1.', '§.')
    end: int              # where the row's text starts after it
    stt: Optional[str]    # the row number the rows around it settle, or None when they cannot


# How many lines ahead the next row's number is looked for (a row of a scanned list wraps over a few).
LOOKAHEAD_LINES = 12


def number_from_rows_around(items: list[Item], index: int, prev: Optional[str], numbered: list) -> Optional[NumberMark]:
    """The row number of a line whose number OCR misread, told by the rows around it: a letter before a table
    rule ('o | Cách tính …', seed 000) between two numbered rows; or, on an OCR'd page, a number-like mark opening
    the line ('1.' between '6.' and '8.' is 7; '§.', '3.]', 'S') that the sequence settles (stt None: it cannot,
    and the caller warns). None for a line that opens with no such mark."""
    if prev is None:
        return None
    line = items[index].line
    text = line.text.strip().replace("**", "").strip().strip("*").strip()
    mark = OCR_ROW_MARK.match(text)
    if mark:
        expected = _expected_from_next(prev, numbered[index + 1:])
        return NumberMark(mark.group(1), mark.end(), expected) if expected else None
    misread = misread_number(text) if line.confidence is not None else None
    if misread is None:
        return None
    printed, number = misread
    following = [n for n in numbered[index + 1:index + 1 + LOOKAHEAD_LINES] if n is not None]
    return NumberMark(printed, OCR_NUMBER_START.match(text).end(), settle_number(prev, number, following))


def _header_follows(items: list[Item], index: int) -> bool:
    """True when the next non-blank line is a table header (a page number stands just before it), or none is."""
    nxt = next((it.line.text.strip() for it in items[index + 1:] if it.line.text.strip()), None)
    return nxt is None or bool(HEADER_LINE.match(fold(nxt)))


def _opens(prev: str | None, stt: str) -> bool:
    """True when a top row follows: its title cell (several lines, centred on its number) began above it."""
    return prev is None or "." not in stt or stt.count(".") < prev.count(".")


# Where the text of the next column starts on an OCR'd grid line: its legal basis ('… trực Theo Quyết định'), or a
# mark no text uses ('tuyến =~ ở 6 3003/QĐ-': a rule or a speck read as symbols; '-' and brackets are text).
OTHER_COLUMN = re.compile(rf"\s(?={LEGAL_BASIS_START})|\s(?=[=~|{{}}<>^\\]{{1,3}}(?:\s|$))")


def _other_column(text: str) -> tuple[str, str]:
    """(the title column's part of a grid line, the rest)."""
    m = OTHER_COLUMN.search(text)
    return (text[:m.start()].strip(), text[m.end():].strip()) if m and m.start() > 0 else (text, "")


def _continue(row: Row | None, text: str) -> None:
    if row is not None:
        row.add("responsible" if row.parts.get("responsible") else "title", text)


class _Grid:
    """An OCR'd ruled table read across its columns (seed 000: 'N | …' rows). A cell's text is centred on its
    row number, so a row owns as many lines below its number as its cell had above it; once a row reached its
    figure, the lines up to the next number are held: they open the next top row, or are a sub-row's tall
    'Thực hiện' cell."""

    def __init__(self, items: list[Item]):
        rows = [it.line.text for it in items if OCR_GRID_ROW.match(it.line.text)]
        self.on = len(rows) >= OCR_GRID_ROWS
        # the figure column holds shares: a row ending in '909' is '90%' misread
        self.percent = self.on and sum("%" in t for t in rows) >= 0.6 * len(rows)
        self.held: list[tuple[Line, str]] = []
        self.waiting = False   # the last row is complete: what follows is held for the next one
        self.own = 0           # lines below the current row's number that are still its own

    def first_line(self, row: Row, text: str) -> None:
        """A row's first line; in the grid a further ' | ' is the rule before the next column, and a share
        inside the line is the figure column's (a cell's text is centred on its row's number, the figure too)."""
        head, bar, rest = text.partition(" | ") if self.on else (text, "", "")
        slip = PERCENT_AS_9.search(head) if self.on and self.percent else None
        if slip and int(slip.group(1)) <= 100:
            row.warnings.append(f"figure read as {slip.group(1)}9, taken as {slip.group(1)}% (the column's "
                                "figures are shares; OCR reads '%' as '9')")
            row.add("target", f"{slip.group(1)}%")
            head = head[:slip.start()]
        share = MID_SHARE.search(head) if self.on and not bar else None
        if share:
            row.add("target", share.group(1))
            head = f"{head[:share.start()]} {head[share.end():]}"
        row.add("title", head)
        if bar:
            row.add("responsible", rest)

    def start(self, before: Row | None, row: Row, prev: str | None, stt: str, rest: str) -> None:
        """Place the held lines around a new row (rest: its first line after the number) and see if it is done."""
        texts = [t for _, t in self.held]
        self.own = 0
        if texts and _opens(prev, stt):
            parts = [_other_column(t) for t in texts]
            row.parts["title"] = [" ".join(t for t, _ in parts)] + row.parts.get("title", [])
            other = " ".join(o for _, o in parts if o)
            if other:
                row.parts["responsible"] = [other] + row.parts.get("responsible", [])
            self.own = len(texts)
        elif texts and stt.count(".") == (prev or "").count("."):
            row.parts["responsible"] = [" ".join(texts)] + row.parts.get("responsible", [])
            self.own = len(texts)   # its tall cell goes on below the label as far as it began above
        else:
            for t in texts:   # a first sub-row: the lines were the end of the row above's text
                _continue(before, t)
        self.held = []
        done = bool(FIGURE_END.search(rest) or FIGURE_THEN_COLUMN.search(rest))  # it reached its figure ('… 100%')
        if done and not row.parts.get("responsible"):
            self.own = 0   # its cells end on this line
        self.waiting = self.own == 0 and done
        if self.on and not rest.strip():
            self.own = LONE_CELL_LINES  # a number alone: its label and figure are on the lines below

    def take(self, row: Row | None, line: Line, text: str) -> bool:
        """True when the grid took the line: as the current row's own, or held for the next."""
        if not self.on:
            return False
        if self.own and row is not None:
            _continue(row, text)
            self.own = 0 if FIGURE_END.search(text) else self.own - 1
            self.waiting = self.own == 0
            return True
        if self.waiting:
            self.held.append((line, text))
            return True
        return False

    def release(self, row: Row | None) -> None:
        """Held lines a next row did not take continue the row before, as any other line."""
        for _, t in self.held:
            _continue(row, t)
        self.held = []

    def finish(self, row: Row | None, prev: str | None, unparsed: list[Unparsed]) -> list[Row]:
        """What is left at the table's end: held lines after complete rows are a row whose number OCR lost
        (rebuilt when its shape says which: a cell, then a sub-row's label and figure), else unparsed."""
        if not (self.on and self.waiting and self.held):
            self.release(row)
            return []
        rebuilt = _lost_last_rows(self.held, prev)
        if not rebuilt:
            unparsed.extend(Unparsed(ln.page, ln.number, t, "text of a table cell whose row number was not found")
                            for ln, t in self.held)
        return rebuilt


def _lost_last_rows(held: list[tuple[Line, str]], prev: str | None) -> list[Row]:
    """The top row after prev and its first sub-row, from the lines after the last numbered row: its cell's
    lines, then a short label ending in a figure or followed by one ('Các huyện, thị xã, thành phố' / '100%')."""
    if prev is None or not prev.split(".")[0].isdigit() or len(held) < 3:
        return []
    texts = [t for _, t in held]
    figure_alone = bool(re.fullmatch(r"[\d.,]+\s*%*", texts[-1]))
    label_at = len(texts) - 2 if figure_alone else len(texts) - 1
    label = " ".join(texts[label_at:])
    if not FIGURE_END.search(label) or len(texts[label_at].split()) > 8 or label_at < 1:
        return []
    top = str(int(prev.split(".")[0]) + 1)
    first, sub = held[0][0], held[label_at][0]
    parent = Row(first.page, first.number, "", confidence=first.confidence, stt=top)
    parent.add("title", " ".join(texts[:label_at]))
    child = Row(sub.page, sub.number, "", confidence=sub.confidence, stt=f"{top}.1")
    child.add("title", label)
    for r in (parent, child):
        r.warnings.append(f"row number not found, taken as {r.stt} from the rows around it")
    return [parent, child]


def _wraps_on(row: Row, text: str) -> bool:
    """True when text, after a blank line, is the rest of row's unfinished sentence."""
    last = next((parts[-1] for role in ("responsible", "title") if (parts := row.parts.get(role))), "")
    return text[:1].islower() and bool(last) and not last.rstrip().endswith((".", ":", ";", "!", "?"))


def _bold(raw: str) -> str | None:
    """'done' for a line that is one bold or italic run ('**1. Thể chế**', '*a) Chi đầu tư*'), 'open' for such a
    run that wraps on, else None."""
    raw = raw.strip()
    mark = "**" if raw.startswith("**") else "*" if raw.startswith("*") else None
    if mark is None:
        return None
    return "done" if raw.endswith(mark) and len(raw) > 2 * len(mark) and raw.count(mark) == 2 else "open"


def _old_list_goes_on(prev: str | None, following: list) -> bool:
    """True when the next numbered line continues the list that `prev` is in, not one restarting at 1: then a
    line '1 …' in between is a figure of a cell ('1 Sở TNMT được cấp 70 chứng thư số', seed 004), not a row."""
    if prev is None or is_roman(prev):
        return False
    nxt = next((n for n in following if n), None)
    if nxt is not None and nxt not in successors("1") and (follows(prev, nxt) or one_row_missing(prev, nxt)):
        return True
    # an OCR'd list whose next marks are misread too ('1.', '§.', '9,' after '6.'): the sequence has its place
    return settle_number(prev, "", [n for n in following if n is not None]) is not None


def leading_numbers(items: list[Item]) -> list[Optional[str]]:
    """The number each line opens with: a typed row number; on an OCR'd page also a number-like mark's reading
    ('' when the mark reads as no number: '§.'); None for a line that opens with neither."""
    out: list[Optional[str]] = []
    for it in items:
        text = it.line.text.strip().replace("**", "").strip().strip("*").strip()
        m = STT_LINE.match(text)
        misread = misread_number(text) if m is None and it.line.confidence is not None else None
        out.append(m.group(1) if m else misread[1] if misread else None)
    return out


def parse_flow(items: list[Item]) -> FlowResult:
    """Rows from running text; lines that belong to no row are not records (prose around the list)."""
    result = FlowResult()
    spaced = double_spaced(items)
    units = has_unit_column(items)
    current: Row | None = None
    last_numbered: Row | None = None
    prev_stt: str | None = None
    closed = False
    in_header = False
    recipients = False  # inside a dispatch's 'Nơi nhận:' block: its '-' lines are addressees, not rows
    numbered = leading_numbers(items)
    heading = None  # the current row's heading is bold: 'open' until its closing '**', then 'done'
    heading_row: Row | None = None  # the row that heading belongs to
    grid = _Grid(items)

    for index, item in enumerate(items):
        line = item.line
        # bold and italic markup of converters ('**I. TÌNH HÌNH', '*2.1. Thu NSNN*') is not part of the text
        text = line.text.strip().replace("**", "").strip().strip("*").strip()
        if not text:
            closed = closed or not spaced
            continue
        if current is not None and PAGE_NUMBER.match(text) and not (units and not _header_follows(items, index)):
            # (in a statistics table a bare number is a figure, unless the page's repeated header comes next)
            result.unparsed.append(Unparsed(line.page, line.number, text, "page number"))
            continue
        if (current is not None or grid.on) and (HEADER_LINE.match(fold(text)) or
                                                 (in_header and is_header_text(text))):
            result.unparsed.append(Unparsed(line.page, line.number, text, "repeated table header"))
            grid.release(current)
            in_header, grid.waiting = True, grid.on  # under a header, a cell's lines may come before its number
            continue
        in_header = False
        to = RECIPIENTS.search(fold(text)) or SIGNATURE.search(text)
        if to:
            # 'Nơi nhận:', or a signature block ('TM. BAN CHỈ ĐẠO', 'KT. GIÁM ĐỐC') when a scan lost that
            # heading, ends the body of a dispatch (fold keeps positions: one letter for one letter)
            before = text[:to.start()].strip()
            if before and current is not None and not closed:
                current.add("responsible" if current.parts.get("responsible") else "title", before)
            result.unparsed.append(Unparsed(line.page, line.number, text[to.start():].strip(),
                                            "signature block or distribution list (Nơi nhận)"))
            current, last_numbered, recipients = None, None, True
            continue
        roman = ROMAN_LINE.match(text)
        if roman and roman.group(1) and (text[roman.end():][:1].isupper() or prev_stt is None or
                                         roman.group(1) != "I" or last_numbered is None):
            grid.release(current)
            grid.waiting = False
            current = Row(line.page, line.number, roman.group(1) + ".", confidence=line.confidence)
            current.add("title", text[roman.end():])
            result.rows.append(current)
            last_numbered, prev_stt, closed = current, None, False  # numbering restarts under a new part
            heading, heading_row = _bold(line.text), current
            continue
        letter = LETTER_LINE.match(text)
        if letter and last_numbered is not None:
            current = Row(line.page, line.number, letter.group(1) + ")", confidence=line.confidence)
            current.add("title", text[letter.end():])
            result.rows.append(current)
            closed = False
            heading, heading_row = _bold(line.text), current
            continue
        m = STT_LINE.match(text) or (LONE_STT.match(text) if grid.on else None)
        slip = m is not None and grid.on and prev_stt is not None and not follows(prev_stt, m.group(1)) \
            and slip_correction(prev_stt, m.group(1))
        skipped = m is not None and prev_stt is not None and not follows(prev_stt, m.group(1)) \
            and one_row_missing(prev_stt, m.group(1))
        restart = m is not None and m.group(1) == "1" and not _old_list_goes_on(prev_stt, numbered[index + 1:])
        if m and (follows(prev_stt, m.group(1)) or restart or skipped or slip):
            lost = parent_of(m.group(1))
            if grid.on and skipped and grid.held and lost and follows(prev_stt, lost):
                # the parent row's own number was lost (seed 000: rows 8 and 9): its cell's lines were held
                current = Row(line.page, line.number, "", confidence=line.confidence, stt=lost)
                current.add("title", " ".join(t for _, t in grid.held))
                current.warnings.append(f"row number not found, taken as {lost} from the rows around it")
                result.rows.append(current)
                grid.held, prev_stt, last_numbered, skipped = [], lost, current, False
            before = current
            rest = BAR.sub("", text[m.end():], count=1)
            current = Row(line.page, line.number, m.group(1) + m.group(2), confidence=line.confidence)
            grid.first_line(current, rest)
            stt = m.group(1)
            if slip:  # an OCR'd grid's number read wrong ('1.2' where the rows around say 7.2)
                current.stt, stt = slip, slip
                current.warnings.append(f"row number read as {m.group(1)}, taken as {slip} from the sequence")
            elif skipped:
                current.warnings.append(f"row number {m.group(1)} does not follow {prev_stt}: a row may be missing")
            grid.start(before, current, prev_stt, stt, rest)
            result.rows.append(current)
            last_numbered, prev_stt, closed, recipients = current, stt, False, False
            heading, heading_row = _bold(line.text), current
            continue
        mark = number_from_rows_around(items, index, prev_stt, numbered)
        if mark and mark.stt:
            before, expected = current, mark.stt
            current = Row(line.page, line.number, expected, confidence=line.confidence)
            grid.first_line(current, text[mark.end:])
            grid.start(before, current, prev_stt, expected, text[mark.end:])
            current.warnings.append(f"row number read as {mark.printed!r}, taken as {expected} from the rows "
                                    "around it")
            result.rows.append(current)
            last_numbered, prev_stt, closed = current, expected, False
            continue
        if mark and current is not None:   # said, not swallowed silently: the clerk checks the row
            current.warnings.append(f"a line inside the row starts with {mark.printed!r}, which may be a row "
                                    "number the sequence could not place")
        if (recipients and BULLET.match(text)) or ARCHIVE_COPY.match(text):
            # an addressee of the dispatch ('- Lưu: VT' closes the list even where its heading was not read)
            result.unparsed.append(Unparsed(line.page, line.number, text, "distribution list (Nơi nhận)"))
            recipients = True
            continue
        if grid.take(current, line, text):
            continue
        if BULLET.match(text) and last_numbered is not None:
            body = BULLET.sub("", text, count=1)
            reports = units and REPORTS.search(body) and not UNIT_VALUE.search(body)
            if current is not None and BODY_START.match(body) and (
                    reports or current.parts.get("responsible") and not (units and UNIT_VALUE.search(body))):
                current.add("responsible", body)
            else:
                current = Row(line.page, line.number, "-", confidence=line.confidence)
                current.add("title", body)
                result.rows.append(current)
            closed = False
            continue
        if current is not None and closed and _wraps_on(current, text):
            closed = False  # a stray blank line inside a sentence (OCR): the sentence goes on in small letters
        if current is not None and not closed:
            if heading == "done" and current is heading_row:
                # the paragraph under a bold heading describes it: not its title; its wrapped lines are one part
                notes = current.parts.get("note")
                if notes and not (notes[-1].rstrip().endswith((".", ":", ";")) and text[:1].isupper()):
                    notes[-1] = f"{notes[-1]} {text}"
                else:
                    current.add("note", text)
                continue
            if heading == "open" and line.text.rstrip().endswith("*"):
                heading = "done"
            figure = FIGURE_LINE.match(text) if units and not current.parts.get("value") else None
            if figure and not current.text("title").rstrip().endswith("="):
                # the value column's figure on a line of its own, maybe with a remark ('0 Hiện nay Sở …')
                current.add("value", figure.group(1))
                remark = figure.group(2) or ""
                current.add("responsible" if REPORTS.search(remark) or BODY_START.match(remark) else "note", remark)
            elif current.parts.get("note") and current.parts.get("value") and not current.parts.get("responsible"):
                current.add("note", text)  # the remark goes on
            elif current.parts.get("responsible"):
                current.add("responsible", text)
            else:
                current.add("title", text)
                if units and UNIT_VALUE.search(current.text("title")):
                    _split_columns(current)
            continue
        if result.rows:  # said, not dropped: the review lists it, a clerk sees if a row was missed
            result.unparsed.append(Unparsed(line.page, line.number, text, "prose between or after numbered rows"))
        current, last_numbered = None, None  # a paragraph of prose: the list is over
    result.rows.extend(grid.finish(current, prev_stt, result.unparsed))
    result.across_columns = grid.on
    for row in result.rows:
        if not any(row.parts.get(role) for role in ("value", "benchmark", "status")):
            _split_figures(row)
        if units and not row.parts.get("unit"):
            _split_columns(row)
        if units:
            _move_responsible_tail(row)
    return result


def _move_responsible_tail(row: Row) -> None:
    """Move the responsible column's text out of a flattened row's title, in front of what it already has."""
    title = row.text("title")
    m = RESPONSIBLE_TAIL.search(title)
    if not m or m.start() < 15:
        return
    row.parts["title"] = [title[:m.start()].strip()]
    row.parts["responsible"] = [m.group(1).strip()] + row.parts.get("responsible", [])
