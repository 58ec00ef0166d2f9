"""The parse stage for one document: tables first, running text for the rest, records numbered in order."""
from __future__ import annotations

import heapq
import re

from rapidfuzz import fuzz

from chitieu.normalize.lexicon import split_interleaved
from chitieu.normalize.unicode import fold
from chitieu.parse.assemble import assemble
from chitieu.parse.doubts import doubt_ocr_rows
from chitieu.parse.flow import FlowResult, parse_flow
from chitieu.parse.metadata import extract_meta
from chitieu.parse.rows import ROLES, WARNING_COST, Hierarchy, row_to_record
from chitieu.parse.stt import normalise_stt, settle_table_numbers
from chitieu.parse.side_by_side import unfold_side_by_side
from chitieu.parse.table import TableResult, parse_tables
from chitieu.schemas.model import Document, RowKind, Unparsed

# Lines of the national motto and similar furniture that are never a document's title.
NOT_TITLE = re.compile(r"^(CỘNG HÒA|CỘNG HOÀ|Độc lập|ỦY BAN|UỶ BAN|Số:|Kính gửi|\||-+$)", re.I)
# Share of a later run of rows that repeat rows already read for the run to count as a second copy.
REPEAT_SHARE = 0.5
# How alike (rapidfuzz partial_ratio on folded text) a row must be to the table row of the same STT to be
# its repeat; '?' damage and run-together columns still score above this, different items far below.
REPEAT_SIMILARITY = 75


def _title(lines) -> str | None:
    """The first run of mostly upper-case lines near the top: the document's heading."""
    picked: list[str] = []
    for line in lines[:60]:
        text = line.text.replace("**", "").replace("#", "").strip(" \t*|")
        letters = [c for c in text if c.isalpha()]
        upper = len(letters) >= 8 and sum(c.isupper() for c in letters) / len(letters) > 0.7
        if upper and not NOT_TITLE.match(text) and "\t" not in line.text:
            picked.append(text)
        elif picked and text:
            break
    return " ".join(picked)[:300] or None


LAYOUTS = ("auto", "table", "flow")
# Documents that report results (parse/metadata.py's types): their 'Tỷ lệ' columns are achieved values.
REPORT_TYPES = frozenset({"Báo cáo", "Tờ trình", "Thông báo"})


def parse_document(doc: Document, layout: str = "auto", lexicon=None) -> Document:
    """Fill doc.records, doc.unparsed, doc.layout and doc.title from doc.pages.

    lexicon (normalize.lexicon.Lexicon): known names that separate the columns of an OCR'd table read across
    them; without it such titles keep the other columns' words.

    layout: 'auto' finds tables and reads the rest as running text; 'table' keeps only table rows (the rest is
    unparsed); 'flow' reads every line as running text, for when a table header was found where there is none."""
    lines = [ln for page in doc.pages for ln in page.lines]
    heights = {p.number: p.height for p in doc.pages if p.height}
    items = unfold_side_by_side(assemble(lines))
    if layout == "flow":
        tables = TableResult(leftover=items)
    else:
        tables = parse_tables(items, heights)
    if layout == "table":
        flow = FlowResult(unparsed=[Unparsed(it.line.page, it.line.number, it.line.text.strip(),
                                             "outside the tables (--layout table)")
                                    for it in tables.leftover if it.line.text.strip()])
    else:
        flow = parse_flow(tables.leftover)
    table_titles = {normalise_stt(r.stt_raw): fold(r.text("title")) for r in tables.rows if normalise_stt(r.stt_raw)}
    flow_rows = flow.rows
    numbered = [r for r in flow_rows if normalise_stt(r.stt_raw)]
    repeats = [r for r in numbered if normalise_stt(r.stt_raw) in table_titles
               and fuzz.partial_ratio(table_titles[normalise_stt(r.stt_raw)][:80], fold(r.text("title")))
               >= REPEAT_SIMILARITY]
    if numbered and len(repeats) / len(numbered) >= REPEAT_SHARE:
        for r in flow_rows:
            # the whole row, every column it was split into: nothing of the copy is dropped
            text = " ".join(t for t in [r.stt_raw or "", *(r.text(role) for role in ROLES)] if t)
            doc.unparsed.append(Unparsed(r.page, r.line, text,
                                         "repeat of rows already read (a second copy of the table)"))
        doc.warnings.append(f"{len(flow_rows)} rows repeat a table already read; kept once")
        flow_rows = []
    # each list is in reading order already; a merge keeps the tables' own order where it is not the lines'
    # (a list printed side by side gives its left copy's rows, then its right copy's, from the same lines)
    settle_table_numbers(tables.rows)
    rows = list(heapq.merge(tables.rows, flow_rows, key=lambda r: (r.page, r.line)))
    if layout != "auto":
        doc.layout, doc.layout_reason = layout, f"--layout {layout}"
    elif tables.rows:
        doc.layout = "table"
        doc.layout_reason = f"table header found ({', '.join(sorted(tables.how))})"
    elif flow_rows:
        doc.layout, doc.layout_reason = "flow", "row numbers at the start of lines"
        if flow.across_columns:
            doc.layout_reason += "; an OCR'd ruled table read across its columns"
    else:
        doc.layout, doc.layout_reason = "none", "no numbered rows found"
        doc.warnings.append("no numbered rows found")
    doc.meta = extract_meta(lines)
    # a report's 'Tỷ lệ' column holds what was reached; a plan's, what must be reached
    hierarchy = Hierarchy(report=doc.meta.doc_type in REPORT_TYPES)
    doc.records = [row_to_record(r, doc.doc_id, doc.source, i, hierarchy) for i, r in enumerate(rows, start=1)]
    _warn_swollen_titles(doc.records)
    used = {r.table_index for r in doc.records}
    doc.tables = [t for t in tables.tables if t.index in used]
    doubt_ocr_rows(doc.records, doc.tables, {p.number for p in doc.pages if p.path == "ocr"})
    doc.warnings.extend(_unknown_columns(doc.tables))
    if flow.across_columns:
        # an OCR'd ruled table read across its columns: its numbered lines are table rows, not prose items
        for rec in doc.records:
            if rec.kind == RowKind.ITEM and rec.table_index is None:
                rec.kind = RowKind.ROW
    if flow.across_columns and lexicon is not None:
        split_interleaved(doc.records, lexicon)
    doc.unparsed.extend(tables.unparsed + flow.unparsed)
    doc.unparsed.sort(key=lambda u: (u.page, u.line))
    doc.title = _title(lines)
    return doc


# A title this many times longer than the median of its document's titles, and longer than SWOLLEN_CHARS, has
# likely swallowed the rows after it (a row number OCR lost, a table read as text).
SWOLLEN_FACTOR = 6
SWOLLEN_CHARS = 400


def _warn_swollen_titles(records) -> None:
    """Compared with the records of its kind: an item of prose is long beside a table row, not beside items."""
    for kind in {r.kind for r in records}:
        _warn_swollen([r for r in records if r.kind == kind])


def _warn_swollen(records) -> None:
    lengths = sorted(len(r.title) for r in records if r.title)
    if len(lengths) < 5:
        return
    median = lengths[len(lengths) // 2]
    for rec in records:
        if rec.title and len(rec.title) > max(SWOLLEN_CHARS, SWOLLEN_FACTOR * median):
            rec.warnings.append(f"title of {len(rec.title)} characters, against {median} for most rows: it may hold "
                                "rows whose numbers were lost")
            rec.confidence = round(max(0.0, rec.confidence - WARNING_COST), 3)


def _unknown_columns(tables) -> list[str]:
    """One warning per header wording no role is known for: its cells are kept, typed, in every record."""
    unknown: dict[str, list[int]] = {}
    for t in tables:
        for column, role in zip(t.columns, t.roles):
            if role is None and column.strip():
                unknown.setdefault(column, []).append(t.index)
    return [f"no role is known for the column '{c}' (table {', '.join(map(str, ix))}): its cells are kept in "
            f"'cells'; give its wording a role in a --headers file to fill a field from it"
            for c, ix in unknown.items()]
