"""A table row's cells as the record keeps them: every column, its header path, the number it holds."""
from __future__ import annotations

import re
from typing import Optional

from chitieu.parse.fields import strip_markup
from chitieu.parse.numbers import parse_quantity
from chitieu.parse.targets import parse_target
from chitieu.schemas.model import RecordCell


# A comparison sign opening a target cell.
COMPARISON = re.compile(r"[≥≤<>]=?|>=|<=")


def cell_value(text: str) -> Optional[float]:
    """The number a cell holds, read the Vietnamese way ('49,22%' → 49.22, '3.000' → 3000, '9,49/9,5' → 9.49,
    '12/63' → 12, a target '≥ 80%' → 80, '≥ 3% và tăng dần …' → 3), or None for prose, statuses, empty cells and
    cells with two comparisons ('≤ 3 Đông Nam Á; ≤ 50 Thế giới': which one is the cell's?)."""
    text = strip_markup(text).strip()
    q = parse_quantity(text)
    if q is not None:
        return None if q.no_data else q.value
    if len(COMPARISON.findall(text)) == 1 and COMPARISON.match(text):
        target = parse_target(text, whole=True) or parse_target(text)
        return target.value if target else None
    return None


def record_cells(columns: list[str], roles: list[Optional[str]], texts: list[str],
                 merged: list[bool]) -> list[RecordCell]:
    """One RecordCell per column, in column order; the STT column holds a row number, not a figure."""
    out = []
    for i, column in enumerate(columns):
        text = " ".join(strip_markup(texts[i]).split()) if i < len(texts) else ""
        value = None if (i < len(roles) and roles[i] == "stt") else cell_value(text)
        out.append(RecordCell(column, text, value, bool(i < len(merged) and merged[i])))
    return out
