"""Targets and statuses: '> 80%', 'từ 90% trở lên', 'tối thiểu 90%', 'Đạt (từ 90% trở lên)'."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from parse.numbers import NUMBER, parse_number

_NUM = rf"({NUMBER})\s*%?"
# Comparison phrases, most specific first; each maps to one operator.
TARGET_PATTERNS: list[tuple[re.Pattern, str]] = [
    (re.compile(rf"\btừ\s*{_NUM}\s*trở\s*lên", re.I), ">="),
    (re.compile(rf"\b(?:tối thiểu|ít nhất|không thấp hơn|không dưới)\s*(?:là\s*)?{_NUM}", re.I), ">="),
    (re.compile(rf"(?:≥|>=|=>)\s*{_NUM}"), ">="),
    (re.compile(rf"\b(?:tối đa|không quá|không vượt quá|không cao hơn)\s*{_NUM}", re.I), "<="),
    (re.compile(rf"(?:≤|<=|=<)\s*{_NUM}"), "<="),
    (re.compile(rf"(?:>|\btrên|\bhơn)\s*{_NUM}", re.I), ">"),
    (re.compile(rf"(?:<|\bdưới)\s*{_NUM}", re.I), "<"),
    (re.compile(rf"^(?:(?:phải\s+)?đạt|yêu cầu|bằng|=)?\s*{_NUM}$", re.I), "="),
    (re.compile(rf"\b(?:phải đạt|yêu cầu|đạt)\s*{_NUM}", re.I), "="),
]
# Statuses as they appear in status columns, longest first so 'Chưa đạt' is not read as 'Đạt'.
STATUSES = ["Đã hoàn thành quá hạn", "Đã hoàn thành", "Chưa hoàn thành", "Đang thực hiện", "Hoàn thành",
            "Chưa đạt", "Không đạt", "Đạt"]
STATUS_RE = re.compile(r"^\s*(" + "|".join(re.escape(s) for s in STATUSES) + r")\b\s*(.*)$", re.I | re.S)


@dataclass
class Target:
    op: str
    value: float
    raw: str


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
            return Target(op, value, raw if whole else m.group(0).strip())
    return None


def parse_status(text: str) -> tuple[Optional[str], Optional[Target], str]:
    """Split 'Đạt (từ 90% trở lên)' into status 'Đạt', its target, and any text left over."""
    m = STATUS_RE.match(text)
    if not m:
        return None, None, text.strip()
    status = next(s for s in STATUSES if s.lower() == m.group(1).lower())
    rest = m.group(2).strip()
    inner = rest.strip("() ").strip()
    target = parse_target(inner) if inner else None
    if target is not None:
        target = Target(target.op, target.value, inner)
        rest = ""
    return status, target, rest
