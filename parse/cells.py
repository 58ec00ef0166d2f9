"""A table row's cells as the record keeps them: every column, its header path, the number it holds."""
from __future__ import annotations

from typing import Optional

from parse.fields import strip_markup
from parse.numbers import parse_quantity
from schemas.model import RecordCell


def cell_value(text: str) -> Optional[float]:
    """The number a cell holds, read the Vietnamese way ('49,22%' → 49.22, '3.000' → 3000, '9,49/9,5' → 9.49,
    '12/63' → 12), or None for prose, statuses and empty cells."""
    q = parse_quantity(strip_markup(text))
    return None if q is None or q.no_data else q.value


def record_cells(columns: list[str], roles: list[Optional[str]], texts: list[str],
                 merged: list[bool]) -> list[RecordCell]:
    """One RecordCell per column, in column order; the STT column holds a row number, not a figure."""
    out = []
    for i, column in enumerate(columns):
        text = " ".join(strip_markup(texts[i]).split()) if i < len(texts) else ""
        value = None if (i < len(roles) and roles[i] == "stt") else cell_value(text)
        out.append(RecordCell(column, text, value, bool(i < len(merged) and merged[i])))
    return out
