"""Targets and statuses: '> 80%', 'từ 90% trở lên', 'tối thiểu 90%', 'Đạt (từ 90% trở lên)'."""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Optional

from chitieu.normalize.unicode import fold
from chitieu.parse.numbers import NUMBER, parse_number

_NUM = rf"({NUMBER})\s*%?"
# Comparison phrases, most specific first; each maps to one operator.
TARGET_PATTERNS: list[tuple[re.Pattern, str]] = [
    # a range, both ends kept: 'từ 1%-1,5%', '8 - 10%', 'từ 10 đến 12%'
    # (a percentage at the end, so that '2026 - 2030' stays a span of years)
    (re.compile(rf"(?:\btừ\s*)?{_NUM}\s*(?:-|–|đến)\s*({NUMBER})\s*%", re.I), "between"),
    # ... or a target cell that holds nothing but a range ('40 - 50' organisations)
    (re.compile(rf"^(?:từ\s*)?{_NUM}\s*(?:-|–|đến)\s*({NUMBER})\s*%?$", re.I), "between"),
    (re.compile(rf"\btừ\s*{_NUM}\s*trở\s*lên", re.I), ">="),
    (re.compile(rf"\btừ\s*{_NUM}\s*trở\s*xuống", re.I), "<="),
    # 'trở lên' a scan garbled ('trở tèn', 'trở lêr;'): 'từ X trở' is a floor unless it says 'xuống'
    # (a share only: 'từ 2020 trở đi' is a year)
    (re.compile(rf"\btừ\s*({NUMBER})\s*%\s*trở\b(?!\s*xu)", re.I), ">="),
    (re.compile(rf"\b(?:tối thiểu|ít nhất|không thấp hơn|không dưới)\s*(?:là\s*)?{_NUM}", re.I), ">="),
    (re.compile(rf"(?:≥|>=|=>)\s*{_NUM}"), ">="),
    (re.compile(rf"\b(?:tối đa|không quá|không vượt quá|không cao hơn)\s*{_NUM}", re.I), "<="),
    (re.compile(rf"(?:≤|<=|=<)\s*{_NUM}"), "<="),
    (re.compile(rf"(?:>|\btrên|\bhơn)\s*{_NUM}", re.I), ">"),
    (re.compile(rf"(?:<|\bdưới)\s*{_NUM}", re.I), "<"),
    (re.compile(rf"^(?:(?:phải\s+)?đạt|yêu cầu|bằng|=)?\s*{_NUM}$", re.I), "="),
    (re.compile(rf"\b(?:phải đạt|yêu c\wu|đạt|chiếm)\s*{_NUM}", re.I), "="),
]
# Statuses as they appear in status columns, longest first so 'Chưa đạt' is not read as 'Đạt'.
STATUSES = ["Đã hoàn thành quá hạn", "Đã hoàn thành", "Chưa hoàn thành", "Đang thực hiện", "Hoàn thành",
            "Chưa đạt", "Không đạt", "Đạt"]
STATUS_RE = re.compile(r"^\s*(" + "|".join(re.escape(s) for s in STATUSES) + r")\b\s*(.*)$", re.I | re.S)


# The statuses of two words or more, accents folded: OCR drops a mark ('Chua đạt', 'Khong dat'); one word alone
# is too short to tell from another ('Đất' folds to 'dat' as 'Đạt' does). fold keeps one letter for one letter.
FOLDED_STATUS_RE = re.compile(r"^\s*(" + "|".join(re.escape(fold(s)) for s in STATUSES if " " in s) + r")\b\s*(.*)$",
                              re.S)


def _folded_status(text: str):
    m = FOLDED_STATUS_RE.match(fold(text))
    return re.match(r"(.{%d})(.*)$" % m.end(1), text, re.S) if m else None


# Two figures in this span joined by a dash are years ('2026 - 2030'), not a range of target values.
YEARS = (1900, 2100)


@dataclass
class Target:
    op: str
    value: float
    raw: str
    high: Optional[float] = None   # the upper end of a range ('between')


def parse_target(text: str, whole: bool = False) -> Optional[Target]:
    """Find a target phrase in text; with whole=True the text must be nothing but the target."""
    raw = " ".join(text.split())
    for pattern, op in TARGET_PATTERNS:
        m = pattern.search(raw)
        if not m:
            continue
        if whole and (m.start() > 0 or raw[m.end():].strip(" .;,)(")):
            continue
        value = parse_number(m.group(1))
        if value is not None:
            high = parse_number(m.group(2)) if op == "between" else None
            if op == "between" and (high is None or high < value or YEARS[0] <= value <= high <= YEARS[1]):
                continue  # '2026 - 2030' or a dash between unrelated numbers: not a range
            return Target(op, value, raw if whole else m.group(0).strip(), high)
    return None


def parse_status(text: str) -> tuple[Optional[str], Optional[Target], str]:
    """Split 'Đạt (từ 90% trở lên)' into status 'Đạt', its target, and any text left over."""
    m = STATUS_RE.match(text)
    if not m:
        m = _folded_status(text)
    if not m:
        return None, None, text.strip()
    status = next(s for s in STATUSES if fold(s) == fold(m.group(1)))
    rest = m.group(2).strip()
    inner = rest.strip("() ").strip()
    target = parse_target(inner) if inner else None
    if target is not None:
        target = replace(target, raw=inner)
        rest = ""
    return status, target, rest


# A target stated inside an indicator's text: 'đạt tối thiểu 40%', 'chiếm 45% GRDP', 'đạt 100% dân số'.
# A percentage is required so that counts inside sentences ('có tối thiểu 05 kịch bản') stay text.
IN_TEXT_TARGET = re.compile(
    r"\s*,?\s*((?:phải\s+)?(?:đạt|chiếm)?\s*(?:tối thiểu|ít nhất|trên|dưới|tối đa|không quá|từ|≥|>=|≤|<=|>|<)?"
    r"\s*(?:\d+(?:[.,]\d+)?\s*%?\s*(?:-|–|đến)\s*)?\d+(?:[.,]\d+)?\s*%+(?:\s*trở lên)?)(?=[\s.,;/]|$)", re.I)
# Words before 'đạt' that make it a reported result, not a target ('ước đạt 45,2% kế hoạch', 'đã đạt').
REPORTED = re.compile(r"\b(ước|đã|chỉ|mới|bằng|được)\s*$", re.I)
# A target clause ends an indicator's label; after it at most a short qualifier follows, not more prose,
# and before it one phrase (no sentence break), not a paragraph.
MAX_REST = 100
MAX_LABEL = 200
# A label that names a band ('ĐVSNCL tự bảo đảm từ 70% - dưới 100% chi thường xuyên'): its second figure is part
# of the label, not a target.
RANGE_OPEN = re.compile(r"\d\s*%?\s*[-–]\s*$")
SENTENCE_BREAK = re.compile(r"[.;:!?]\s+\S")
# What a percentage is of, when a few words end the text after it ('đạt 100% dân số', 'chiếm 45% GRDP tỉnh').
_TAIL = re.compile(r"^(?:[^\W\d_]+\s*){1,3}$")
# The phrase must start with one of these, or the percentage must end the text.
_INTRO = re.compile(r"^(phải\s+)?(đạt|chiếm|tối thiểu|ít nhất|trên|dưới|tối đa|không quá|từ|≥|>=|≤|<=|>|<)",
                    re.I)


def split_target(text: str) -> tuple[str, Optional[Target], str]:
    """Move a target phrase out of an indicator's text: (text before it, the target, text after it)."""
    if "%" not in text:
        return text, None, ""   # IN_TEXT_TARGET needs a percentage, and trying it at every place costs
    for m in IN_TEXT_TARGET.finditer(text):
        phrase = m.group(1).strip()
        rest = text[m.end():].strip(" .;,")
        if rest and _TAIL.match(rest):
            phrase, rest = f"{phrase} {rest}", ""
        if (not _INTRO.match(phrase) and rest) or len(rest) > MAX_REST or REPORTED.search(text[:m.start()]):
            continue
        target = parse_target(phrase)
        if target is None:
            continue
        head = text[:m.start()].strip(" ,")
        if not head or len(head) > MAX_LABEL or SENTENCE_BREAK.search(head) or RANGE_OPEN.search(head):
            continue
        return head, replace(target, raw=phrase), rest
    return text, None, ""
