"""Row-level scores of the parser against expected records written by hand.

References: seeds 001 and 002 (clean part) as pinned in tests/test_seeds.py (STT, numbers, targets, statuses;
seed 001's titles too; seed 002's titles from the text-layer PDF made from it, a different input path), the scanned
samples against the same references, and bench/references/*.rows.json: seeds 000, 003 and 004 and real documents
10 and 03 (lines 1-406), each written by reading the source line by line, never from the parser's output (their
notes files say how each judgement was made). Prints, per document, row precision, recall and F1 (a row matches
when its STT, or for a '-' row its parent's STT, agrees and its title agrees by accent-folded similarity >= 80),
the share of numeric fields (value, denominator, national average, target and its upper end, points) exactly right
on matched rows where either side has a number, the target operators, and the titles exactly right with their
accents (spaces and closing punctuation aside); then the parse time of every seed and real document together.
Usage: .venv/bin/python bench/parse_scorer.py [--show N]   (N: unmatched rows to print per document)"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from rapidfuzz import fuzz  # noqa: E402

from chitieu import pipeline  # noqa: E402
from chitieu.normalize.unicode import fold  # noqa: E402
from chitieu.normalize.lexicon import shipped_lexicon  # noqa: E402
from chitieu.parse import parse_document  # noqa: E402
from test_seeds import SEED_001, SEED_002  # noqa: E402

SAMPLES = ROOT / "samples"
REFERENCES = ROOT / "bench" / "references"
REAL = ROOT / "tests" / "data" / "real"
NUMERIC = ("value", "value_denominator", "benchmark_value", "target_value", "target_high", "max_points")
TITLE_MATCH = 80


def _f(x):
    return None if x is None else float(x)


def expected_002() -> list[dict]:
    titles = {r.stt: r.title for r in pipeline.process_file(SAMPLES / "scorecard_766_ruled.pdf", "t").records}
    return [{"stt": s, "title": titles.get(s), "value": _f(v), "value_denominator": _f(d), "unit": u,
             "benchmark_value": _f(b), "target_op": op, "target_value": _f(t), "max_points": _f(p), "status": st}
            for s, v, d, u, b, op, t, p, st in SEED_002]


def expected_001() -> list[dict]:
    return [{"stt": s, "title": t, "formula": f, "target_op": op, "target_value": _f(v)} for s, t, f, op, v in SEED_001]


def reference(name: str) -> tuple[list[dict], int | None]:
    data = json.loads((REFERENCES / f"{name}.rows.json").read_text(encoding="utf-8"))
    return data["rows"], data.get("last_line")


def line_range(name: str) -> tuple[int, int]:
    """The source lines a reference covers (its rows are the records whose line falls inside)."""
    data = json.loads((REFERENCES / f"{name}.rows.json").read_text(encoding="utf-8"))
    return data.get("first_line") or 1, data.get("last_line") or 10 ** 9


def _key(row) -> tuple:
    get = row.get if isinstance(row, dict) else lambda k: getattr(row, k)
    return (get("stt"),) if get("stt") else ("-", get("parent_stt"))


def _same_text(text: str) -> str:
    """Spaces squashed and the sentence's closing punctuation dropped (the parser drops it from titles)."""
    return " ".join(text.split()).rstrip(" .,;:")


def _titles(r) -> list[str]:
    """The record's title, and the title with the target phrase put back: the parser moves a target out of the
    text ('Kinh tế số' + 'chiếm 45%' + 'GRDP tỉnh.'), where some references keep the sentence whole."""
    out = [r.title or ""]
    if r.target_raw and r.target_raw not in out[0]:
        out.append(" ".join(filter(None, [r.title, r.target_raw])))
        out.append(" ".join(filter(None, [r.title, r.target_raw, r.note])))
    return out


def match(got: list, want: list[dict]) -> list[tuple]:
    """Pairs (record, reference row): same STT (or same parent for '-' rows), most similar title first."""
    used, pairs = set(), []
    for w in want:
        best, best_score = None, -1.0
        for i, r in enumerate(got):
            if i in used or _key(r) != _key(w):
                continue
            sim = max(fuzz.ratio(fold(t), fold(w["title"] or "")) for t in _titles(r)) if w.get("title") else 100.0
            if sim >= TITLE_MATCH and sim > best_score:
                best, best_score = i, sim
        if best is not None:
            used.add(best)
            pairs.append((got[best], w))
    return pairs


def _figure(raw: str | None) -> float | None:
    """A reference's figure as printed ('172.033', '8,00', '1-1,5': its low end), read independently of parse/."""
    if not raw or not raw.strip():
        return None
    first = raw.strip().split("-")[0].strip() or raw.strip()
    return float(first.replace(".", "").replace(",", "."))


def _with_figures(w: dict) -> dict:
    """A budget-table reference row ('figures': planned, estimated, then the years ahead, as printed) as the
    fields they fill: the plan for the current year is the target, its estimate the value (real 05's header:
    'Năm hiện hành 2025: Kế hoạch | Ước thực hiện')."""
    if "figures" not in w:
        return w
    out = dict(w)
    out["target_value"], out["value"] = _figure(w["figures"][0]), _figure(w["figures"][1])
    return out


def score(got: list, want: list[dict]) -> dict:
    # these references list numbered rows and their sub-rows: un-numbered headings and totals are scored by the
    # table references (bench/table_scorer.py)
    got = [r for r in got if not (getattr(r, "kind", "row") in ("heading", "total") and r.stt is None)]
    want = [_with_figures(w) for w in want]
    pairs = match(got, want)
    p = len(pairs) / max(len(got), 1)
    rc = len(pairs) / max(len(want), 1)
    out = {"rows": len(got), "want": len(want), "P": p, "R": rc, "F1": 2 * p * rc / (p + rc) if p + rc else 0.0,
           "want_rows": want, "pairs": pairs}
    out.update({k: 0 for k in ("num_right", "num", "op_right", "op", "status_right", "status", "parent_right",
                               "parent", "title_right", "titled")})
    for r, w in pairs:
        for f in NUMERIC:
            if f in w and (w[f] is not None or getattr(r, f) is not None):
                out["num"] += 1
                out["num_right"] += _f(w[f]) == getattr(r, f)
        if "parent_stt" in w:
            out["parent"] += 1
            out["parent_right"] += w["parent_stt"] == r.parent_stt
        if "status" in w and (w["status"] or r.status):
            out["status"] += 1
            out["status_right"] += w["status"] == r.status
        if "target_op" in w and (w["target_op"] or r.target_op):
            out["op"] += 1
            out["op_right"] += w["target_op"] == r.target_op
        if w.get("title"):
            out["titled"] += 1
            out["title_right"] += _same_text(w["title"]) in {_same_text(t) for t in _titles(r)}
    return out


def _pct(right: int, total: int) -> str:
    return f"{right}/{total} = {100 * right / total:.1f}%" if total else "-"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--show", type=int, default=0, help="unmatched rows to print per document")
    args = ap.parse_args()
    seed = {p.name[:3]: p for p in (SAMPLES / "seeds").glob("*.txt")}
    real = {p.name[:2]: p for p in REAL.glob("*.txt")}
    cases = [
        ("seed 001", pipeline.process_file(seed["001"], "001").records, expected_001()),
        ("seed 002", pipeline.process_file(seed["002"], "002").records, expected_002()),
        ("scorecard_766_ruled.pdf", pipeline.process_file(SAMPLES / "scorecard_766_ruled.pdf", "t").records,
         expected_002()),
        ("scans/scorecard_766_scan.pdf", pipeline.process_file(SAMPLES / "scans" / "scorecard_766_scan.pdf",
                                                               "s").records, expected_002()),
        ("scans/dvctt_001_scan.pdf", pipeline.process_file(SAMPLES / "scans" / "dvctt_001_scan.pdf", "s").records,
         expected_001()),
    ]
    for label, key, name in (("seed 000", seed["000"], "seed_000"), ("seed 003", seed["003"], "seed_003"),
                             ("seed 004", seed["004"], "seed_004"), ("real 10", real["10"], "real_10"),
                             ("real 03", real["03"], "real_03"), ("real 02", real["02"], "real_02"),
                             ("real 05", real["05"], "real_05"), ("real 06", real["06"], "real_06")):
        if not (REFERENCES / f"{name}.rows.json").exists():
            continue
        want, _ = reference(name)
        first, last = line_range(name)
        got = [r for r in pipeline.process_file(key, name).records if first <= (r.line or 0) <= last]
        if (first, last) != (1, 10 ** 9):
            label += f" (lines {first}-{last})"
        cases.append((label, got, want))
    print(f"{'document':30s} {'rows':>5s} {'want':>5s} {'P':>6s} {'R':>6s} {'F1':>6s}  {'numeric fields exact':22s}"
          f" {'target op':18s} {'status':18s} {'parent row':18s} titles exact (accents)")
    for name, got, want in cases:
        m = score(got, want)
        print(f"{name:30s} {m['rows']:5d} {m['want']:5d} {m['P']:6.3f} {m['R']:6.3f} {m['F1']:6.3f}  "
              f"{_pct(m['num_right'], m['num']):22s} {_pct(m['op_right'], m['op']):18s} "
              f"{_pct(m['status_right'], m['status']):18s} {_pct(m['parent_right'], m['parent']):18s} "
              f"{_pct(m['title_right'], m['titled'])}")
        if args.show:
            matched_got = {id(r) for r, _ in m["pairs"]}
            matched_want = {id(w) for _, w in m["pairs"]}
            for w in [w for w in m["want_rows"] if id(w) not in matched_want][:args.show]:
                print(f"    missed  {w.get('line', '')!s:>4} {w.get('stt_raw') or '-'} {(w.get('title') or '')[:70]}")
            for r in [r for r in got if id(r) not in matched_got][:args.show]:
                print(f"    extra   {r.line or '':>4} {r.stt_raw} {(r.title or '')[:70]}")
            for r, w in m["pairs"]:
                bad = [f for f in NUMERIC if f in w and _f(w[f]) != getattr(r, f)]
                if bad and args.show:
                    print(f"    numbers {w.get('line', '')!s:>4} {w.get('stt_raw')}: " + ", ".join(
                        f"{f} {getattr(r, f)} (want {w[f]})" for f in bad))
    # parse time alone, every seed and real document (extraction and repair done beforehand)
    docs = [pipeline.process_file(p, p.name) for p in sorted((SAMPLES / "seeds").glob("*.txt"))]
    docs += [pipeline.process_file(p, p.name) for p in sorted(REAL.glob("*.txt"))]
    lexicon = shipped_lexicon()
    t = time.perf_counter()
    for d in docs:
        parse_document(d, "auto", lexicon)
    print(f"parse time, {len(docs)} seeds and real documents together: {time.perf_counter() - t:.2f} s")
    print("no reference (rows found):", ", ".join(f"{d.source[:12]} {len(d.records)}" for d in docs
                                                  if d.source[:2] in ("02", "05", "06")))


if __name__ == "__main__":
    main()
