"""A document's rows of a records.xlsx sheet as SpreadsheetML, made once when its part is rendered: the cells
XlsxWriter writes in constant-memory mode (inline strings, numbers, booleans, the column's format), byte for
byte, but without the `r` references of rows and cells (optional in ECMA-376: a row follows the one before, a
cell the one before it), so that the same rows fit wherever the document lands in the sheet. An empty cell
between two others is written as a blank cell in its column's format, where XlsxWriter writes nothing.

Text goes through what XlsxWriter does to it (escape_controls first, as excel.py does for every writer): cut at
Excel's 32,767 UTF-16 units, `_xHHHH_` escapes, `xml:space="preserve"` for edge spaces, & < > escaped. One
difference on purpose: XlsxWriter writes text that begins with `<r>` and ends with `</r>` as raw rich-text XML;
here it is text like any other."""
from __future__ import annotations

import re
from typing import Iterable, Optional

from chitieu.output.controls import escape_controls

# The style (xf) index of each format: XlsxWriter numbers formats as they are first used, and excel.py uses them
# in this order (bold header, then text, then wrapped), checked when a workbook is put together.
STYLE = {"bold": 1, "text": 2, "wrap": 3}
STRING_MAX = 32_767          # UTF-16 units an Excel cell holds
# Text that needs more than its bytes: markup characters, `_` (perhaps an _xHHHH_ escape), controls XlsxWriter
# escapes (carriage return: escape_controls keeps it), edge spaces
_SPECIAL = re.compile(r"[&<>_\x00-\x08\x0b-\x1f]|^\s|\s$")
_ESCAPE_1 = re.compile("(_x[0-9a-fA-F]{4}_)")
_ESCAPE_2 = re.compile(r"([\x00-\x08\x0b-\x1f])")
_EDGE_SPACE = re.compile(r"^\s|\s$")


def _inline_text(text: str) -> str:
    """A string cell's <is> content for text that needs more than escaping nothing (see _SPECIAL)."""
    text = _cut(text)
    text = _ESCAPE_1.sub(r"_x005F\1", text)
    text = _ESCAPE_2.sub(lambda m: f"_x{ord(m.group(1)):04X}_", text)
    space = ' xml:space="preserve"' if _EDGE_SPACE.search(text) else ""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f"<is><t{space}>{text}</t></is>"


def _cut(text: str) -> str:
    """Text cut to what a cell holds, STRING_MAX UTF-16 units, never inside a character (as XlsxWriter cuts)."""
    if len(text) <= STRING_MAX // 2 or len(text.encode("utf-16-le", "surrogatepass")) // 2 <= STRING_MAX:
        return text
    units = 0
    for i, ch in enumerate(text):
        units += 2 if ord(ch) > 0xFFFF else 1
        if units > STRING_MAX:
            return text[:i]
    return text


class SheetColumns:
    """How each column of a sheet is written: its style attribute and whether its numbers are numbers."""

    def __init__(self, columns: list[str], numeric: set, styles: list[Optional[str]]):
        self.columns = columns
        self.numeric = [c in numeric for c in columns]
        self.style = [f' s="{STYLE[s]}"' if s else "" for s in styles]

    def row(self, values: list, seen: Optional[dict] = None) -> str:
        """One <row> of values in column order. seen: the cells of text and whole numbers written so far (the
        caller's, kept over a document's rows): its rows repeat them (its name, the page, a row's number and
        kind in each of that row's cells), and a cell looked up costs a tenth of one written."""
        out, gap = ["<row>"], []
        for value, numeric, style in zip(values, self.numeric, self.style):
            if seen is not None and (type(value) is str or type(value) is int):
                key = (value, numeric, style)
                cell = seen.get(key, seen)   # seen itself: not written yet
                if cell is seen:
                    cell = seen[key] = _cell(value, numeric, style)
            else:
                cell = _cell(value, numeric, style)
            if cell is None:
                gap.append(f"<c{style}/>")
                continue
            if gap:
                out += gap
                gap = []
            out.append(cell)
        out.append("</row>")
        return "".join(out) if len(out) > 2 else "<row/>"

    def rows(self, rows: Iterable[dict]) -> str:
        seen: dict = {}
        return "".join(self.row([r.get(c) for c in self.columns], seen) for r in rows)


def _cell(value, numeric: bool, style: str) -> Optional[str]:
    """One cell as XlsxWriter writes it (write_boolean, write_number, write_string), or None for none."""
    if value is None:
        return None
    if value is True or value is False:
        return f'<c{style} t="b"><v>{1 if value else 0}</v></c>'
    if numeric and isinstance(value, (int, float)) and value == value and value not in (float("inf"), float("-inf")):
        return f"<c{style}><v>{value:.16G}</v></c>"
    text = "; ".join(map(str, value)) if isinstance(value, list) else str(value)
    if not text:
        return None
    text = escape_controls(text)
    if len(text) > STRING_MAX // 2 or _SPECIAL.search(text):
        return f'<c{style} t="inlineStr">{_inline_text(text)}</c>'
    return f'<c{style} t="inlineStr"><is><t>{text}</t></is></c>'
