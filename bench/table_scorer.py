"""Tables against hand references: rows found, rows merged, cells kept under their header, figures right.

References: bench/references/tables/*.json (format in FORMAT.md), written from the rendered pages of
../shared/realpdf and from the text of ../shared/real, never from a tool's output. Each covers whole pages; a
table record chitieu gives on a covered page that matches no reference row counts as a record from nowhere, and
a record whose title is a piece of page furniture the reference lists (page numbers, chart ticks, Nơi nhận) as
a furniture record.

Per document it prints:
  rows      reference rows matched by a record (same page, cells alike: folded text similarity >= 85)
  merged    reference rows not matched whose label sits inside another matched record (glued into it)
  cells     reference cells with text whose record cell holds the same text (spaces aside) under a column whose
            header path agrees (folded similarity >= 80)
  figures   reference values matched exactly by the record cell's value
  nowhere   table records on covered pages matching no reference row; furniture: records holding furniture
  parse s   the parse stage's time, beside the whole pipeline's, per page
Usage: .venv/bin/python bench/table_scorer.py [--scans] [--only NAME] [--show N]
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rapidfuzz import fuzz  # noqa: E402

from chitieu import pipeline  # noqa: E402
from chitieu.normalize.unicode import fold  # noqa: E402

REFS = ROOT / "bench" / "references" / "tables"
SHARED = ROOT.parent / "shared"
ROW_MATCH = 85
COLUMN_MATCH = 80
SCANS = ("realpdf_09", "realpdf_12", "realpdf_26")
# What the references list that is page furniture in the sense (never a record of any kind); section
# headings, captions and numbered prose they also list may be records of kind 'item'.
FURNITURE = re.compile(r"^(page number|running header|header repeated|(repeated )?table header repeated|repeated "
                       r"(table )?header|noi nhan|signature|signer|digital-signature|chart|footnote|national motto|"
                       r"issuing.body|column-number row|place and date|document number)")


def _squash(text: str) -> str:
    return "".join(unicodedata.normalize("NFC", text or "").replace("’", "'").split())


def _folded(text: str) -> str:
    return " ".join(fold(text or "").split())


def _source(ref: dict) -> Path:
    folder = "realpdf" if ref["source"].endswith(".pdf") else "real"
    return SHARED / folder / ref["source"]


def _row_text(cells) -> str:
    return _folded(" ".join(cells))


def match_rows(records, rows) -> dict[int, object]:
    """Reference row index → record, greedy by similarity, each record used once, same page."""
    scored = []
    for i, row in enumerate(rows):
        want = _row_text(row["cells"])
        for rec in records:
            if rec.page != row["page"]:
                continue
            got = _row_text([c.text for c in rec.cells]) if rec.cells else _folded(f"{rec.stt_raw or ''} {rec.title}")
            score = fuzz.ratio(want, got)
            if score >= ROW_MATCH:
                scored.append((score, i, id(rec), rec))
    scored.sort(key=lambda s: -s[0])
    out, used = {}, set()
    for score, i, rid, rec in scored:
        if i not in out and rid not in used:
            out[i] = rec
            used.add(rid)
    return out


def _column_of(rec, k: int, name: str, width: int):
    """The record cell for reference column k: by position when the widths agree, else by header name."""
    if len(rec.cells) == width:
        return rec.cells[k]
    best = max(rec.cells, key=lambda c: fuzz.ratio(_folded(c.column), _folded(name)), default=None)
    if best is not None and fuzz.ratio(_folded(best.column), _folded(name)) >= COLUMN_MATCH:
        return best
    return None


def score_document(ref: dict, doc) -> dict:
    pages = set(ref["pages"])
    lines = ref.get("lines")
    covered = [r for r in doc.records if r.page in pages and (not lines or lines[0] <= (r.line or 0) <= lines[1])]
    table_recs = [r for r in covered if r.table_index is not None or r.kind != "item"]
    m = {"rows": 0, "want": 0, "merged": 0, "cells": 0, "cells_want": 0, "figures": 0, "figures_want": 0,
         "nowhere": 0, "furniture": 0, "misses": [], "extras": []}
    matched_ids = set()
    for table in ref["tables"]:
        rows = table["rows"]
        pairs = match_rows(table_recs, rows)
        matched_ids |= {id(r) for r in pairs.values()}
        m["want"] += len(rows)
        m["rows"] += len(pairs)
        for i, row in enumerate(rows):
            rec = pairs.get(i)
            if rec is None:
                label = max(row["cells"], key=len)
                glued = any(_squash(label) and _squash(label) in _squash(" ".join(c.text for c in r.cells) or r.title)
                            for r in pairs.values())
                m["merged"] += glued
                m["misses"].append((row["page"], row.get("stt"), label[:60], "merged" if glued else "missing"))
            for k, (name, text, value) in enumerate(zip(table["columns"], row["cells"], row["values"])):
                if text.strip():
                    m["cells_want"] += 1
                if value is not None:
                    m["figures_want"] += 1
                if rec is None:
                    continue
                cell = _column_of(rec, k, name, len(table["columns"]))
                if cell is None:
                    continue
                if text.strip() and _squash(cell.text) == _squash(text) \
                        and fuzz.ratio(_folded(cell.column), _folded(name)) >= COLUMN_MATCH:
                    m["cells"] += 1
                if value is not None and cell.value is not None and abs(cell.value - value) < 1e-9:
                    m["figures"] += 1
    for rec in table_recs:
        if id(rec) not in matched_ids:
            m["nowhere"] += 1
            m["extras"].append((rec.page, rec.stt, (rec.title or " | ".join(c.text for c in rec.cells))[:60]))
    furniture = [_folded(f["text"]) for f in ref.get("furniture", [])
                 if len(f["text"]) >= 6 and FURNITURE.match(_folded(f["what"]))]
    for rec in (r for r in covered if id(r) not in matched_ids):
        title = _folded(rec.title or "")
        if len(title) >= 6 and any(title == f or (len(title) >= 12 and title in f) for f in furniture):
            m["furniture"] += 1
    return m


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scans", action="store_true", help="also the scanned PDFs (OCR: several minutes)")
    ap.add_argument("--only", help="one reference by name (realpdf_03)")
    ap.add_argument("--show", type=int, default=0, help="missed and extra rows to print per document")
    args = ap.parse_args()
    refs = sorted(REFS.glob("*.json"))
    if args.only:
        refs = [p for p in refs if p.stem == args.only]
    elif not args.scans:
        refs = [p for p in refs if p.stem not in SCANS]
    total = {k: 0 for k in ("rows", "want", "merged", "cells", "cells_want", "figures", "figures_want", "nowhere",
                            "furniture")}
    print(f"{'document':13} {'rows found':>16} {'merged':>6} {'cells w/ header':>20} {'figures right':>18} "
          f"{'nowhere':>7} {'furniture':>9} {'pipeline s/page':>15} {'parse s/page':>12}")
    for path in refs:
        ref = json.loads(path.read_text(encoding="utf-8"))
        source = _source(ref)
        if not source.exists():
            print(f"{path.stem:13} source missing: {source}")
            continue
        timings = {}
        started = time.perf_counter()
        doc = pipeline.process_file(source, source.name, pipeline.RunSettings(), timings=timings)
        whole = time.perf_counter() - started
        m = score_document(ref, doc)
        for k in total:
            total[k] += m[k]
        n_pages = max(len(doc.pages), 1)

        def pct(a, b):
            return f"{a}/{b} = {a / b:.3f}" if b else "-"
        print(f"{path.stem:13} {pct(m['rows'], m['want']):>16} {m['merged']:>6} "
              f"{pct(m['cells'], m['cells_want']):>20} {pct(m['figures'], m['figures_want']):>18} "
              f"{m['nowhere']:>7} {m['furniture']:>9} {whole / n_pages:>15.3f} "
              f"{timings.get('parse', 0.0) / n_pages:>12.4f}")
        for miss in m["misses"][:args.show]:
            print("    missed", miss)
        for extra in m["extras"][:args.show]:
            print("    extra ", extra)
    print(f"{'all':13} {total['rows']}/{total['want']} = {total['rows'] / max(total['want'], 1):.3f}   merged "
          f"{total['merged']}   cells {total['cells']}/{total['cells_want']} = "
          f"{total['cells'] / max(total['cells_want'], 1):.3f}   figures {total['figures']}/{total['figures_want']} = "
          f"{total['figures'] / max(total['figures_want'], 1):.3f}   nowhere {total['nowhere']}   furniture "
          f"{total['furniture']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
