"""Doubts about OCR'd table rows that no single field shows: structural checks whose warnings mark the row for the
clerk (the review page marks every record with a warning) and take WARNING_COST off its confidence each.

OCR word confidence alone does not separate right rows from wrong ones: a fax's '909%' or 'trở tèn' is read with
confidence. What the row says about itself does: a figure printed in a figure or status column that no field of
the record took, a share above 100 %, a score or a rank above its own maximum. Each check is a small function
of one record; text layers are left alone (their figures are as printed, however odd)."""
from __future__ import annotations

import re
from typing import Callable, Optional

from chitieu.parse.numbers import parse_number
from chitieu.parse.rows import WARNING_COST
from chitieu.schemas.model import Record, Table

# Columns whose figures the record's typed fields take (parse/data/header_roles.tsv's roles).
FIGURE_ROLES = frozenset({"value", "rate", "benchmark", "target", "max_points", "rank", "figure", "status"})
# The record's fields that hold a figure read from a cell.
FIGURE_FIELDS = ("value", "value_denominator", "value_high", "benchmark_value", "target_value", "target_high",
                 "max_points", "rank", "rank_of")
# The fields a column's figures go to, where its role says so; the others' may go to any (a 'Tỷ lệ' column is a
# target in a plan and a value in a report; a value's '/18' is the maximum).
ROLE_FIELDS = {"status": ("target_value", "target_high"), "target": ("target_value", "target_high"),
               "benchmark": ("benchmark_value",), "rank": ("rank", "rank_of")}
FIGURE = re.compile(r"\d+(?:[.,]\d+)*")


def doubt_ocr_rows(records: list[Record], tables: list[Table], ocr_pages: set[int]) -> None:
    """Warn on the OCR'd table records each check doubts."""
    roles = {t.index: t.roles for t in tables}
    for rec in records:
        if rec.page not in ocr_pages or rec.table_index not in roles:
            continue
        for check in CHECKS:
            doubt = check(rec, roles[rec.table_index])
            if doubt:
                rec.warnings.append(doubt)
                rec.confidence = round(max(0.0, rec.confidence - WARNING_COST), 3)


def unread_figure(rec: Record, roles: list[Optional[str]]) -> Optional[str]:
    """A figure in a figure or status column that neither the cell nor any field of the record holds: a target
    the reader garbled ('từ 90% trở tèn'), a score with a stray mark ("'17,1/18")."""
    for cell, role in zip(rec.cells, roles):
        if role not in FIGURE_ROLES or cell.value is not None:
            continue
        taken = {getattr(rec, f) for f in ROLE_FIELDS.get(role, FIGURE_FIELDS)} - {None}
        figures = [parse_number(f) for f in FIGURE.findall(cell.text)]
        missed = [f for f in figures if f is not None and f not in taken]
        if missed:
            return f"the figure {_shown(missed[0])} in column '{cell.column}' was not read into any field"
    return None


def share_above_whole(rec: Record, roles: list[Optional[str]]) -> Optional[str]:
    """A target share above 100 % ('từ 909% trở lên'): a digit read twice or wrong."""
    if rec.target_value is not None and rec.target_value > 100 and "%" in (rec.target_raw or ""):
        return f"target of {_shown(rec.target_value)}% is above 100%: check the figure"
    return None


def above_its_maximum(rec: Record, roles: list[Optional[str]]) -> Optional[str]:
    """A score above its maximum ('19,5/18 điểm') or a rank below the last place ('64/63')."""
    if rec.value is not None and rec.value_denominator and rec.value > rec.value_denominator:
        return f"value {_shown(rec.value)} is above its maximum {_shown(rec.value_denominator)}: check the figure"
    if rec.rank is not None and rec.rank_of and rec.rank > rec.rank_of:
        return f"rank {_shown(rec.rank)} is beyond the {_shown(rec.rank_of)} ranked: check the figure"
    return None


def _shown(x: float) -> str:
    return f"{x:g}".replace(".", ",")


CHECKS: tuple[Callable[[Record, list], Optional[str]], ...] = (unread_figure, share_above_whole, above_its_maximum)
