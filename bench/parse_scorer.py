"""Row-level scores of the parser against expected records written by hand.

References: seed 001 and seed 002 (clean part), row by row as read off the source files (the tables in
tests/test_seeds.py: STT, numbers, targets, statuses; seed 001's titles too; seed 002's titles are taken from the
text-layer PDF made from it, a different input path), and the scanned samples against the same references. Prints, per document, row precision,
recall and F1 (a row matches when its STT and its title agree, the title by accent-folded similarity ≥ 90) and the
share of numeric fields (value, denominator, national average, target, points) exactly right on matched rows;
then record counts and parse time for every seed and real document, which have no full reference yet.
Usage: .venv/bin/python bench/parse_scorer.py"""
from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from rapidfuzz import fuzz  # noqa: E402

import pipeline  # noqa: E402
from normalize.unicode import fold  # noqa: E402
from parse import parse_document  # noqa: E402
from test_seeds import SEED_001, SEED_002  # noqa: E402

SAMPLES = ROOT / "samples"
NUMERIC = ("value", "value_denominator", "benchmark_value", "target_value", "max_points")


def _f(x):
    return None if x is None else float(x)


def expected_002() -> list[dict]:
    titles = {r.stt: r.title for r in pipeline.process_file(SAMPLES / "scorecard_766_ruled.pdf", "t").records}
    return [{"stt": s, "title": titles.get(s), "value": _f(v), "value_denominator": _f(d), "unit": u,
             "benchmark_value": _f(b), "target_op": op, "target_value": _f(t), "max_points": _f(p), "status": st}
            for s, v, d, u, b, op, t, p, st in SEED_002]


def expected_001() -> list[dict]:
    return [{"stt": s, "title": t, "formula": f, "target_op": op, "target_value": _f(v)} for s, t, f, op, v in SEED_001]


def score(got: list, want: list[dict]) -> tuple[float, float, float, int, int]:
    used, matched, right, fields = set(), [], 0, 0
    for w in want:
        for i, r in enumerate(got):
            if i in used or r.stt != w["stt"]:
                continue
            if w.get("title") and fuzz.ratio(fold(r.title or ""), fold(w["title"])) < 90:
                continue
            used.add(i)
            matched.append((r, w))
            break
    for r, w in matched:
        for f in NUMERIC:
            if f in w:
                fields += 1
                right += getattr(r, f) == w[f]
    p = len(matched) / max(len(got), 1)
    rc = len(matched) / max(len(want), 1)
    f1 = 2 * p * rc / (p + rc) if p + rc else 0.0
    return p, rc, f1, right, fields


def main() -> None:
    seed = {p.name[:3]: p for p in (SAMPLES / "seeds").glob("*.txt")}
    text_002 = pipeline.process_file(SAMPLES / "scorecard_766_ruled.pdf", "t")
    cases = [
        ("seed 001", pipeline.process_file(seed["001"], "001").records, expected_001()),
        ("seed 002", pipeline.process_file(seed["002"], "002").records, expected_002()),
        ("scorecard_766_ruled.pdf", text_002.records, expected_002()),
        ("scans/scorecard_766_scan.pdf", pipeline.process_file(SAMPLES / "scans" / "scorecard_766_scan.pdf",
                                                               "s").records, expected_002()),
        ("scans/dvctt_001_scan.pdf", pipeline.process_file(SAMPLES / "scans" / "dvctt_001_scan.pdf", "s").records,
         expected_001()),
    ]
    print(f"{'document':32s} {'rows':>5s} {'P':>6s} {'R':>6s} {'F1':>6s}  numeric fields exact")
    for name, got, want in cases:
        p, r, f1, right, fields = score(got, want)
        print(f"{name:32s} {len(got):5d} {p:6.3f} {r:6.3f} {f1:6.3f}  {right}/{fields}"
              f" = {100 * right / max(fields, 1):.1f}%")
    # parse time alone, every seed and real document (extraction and repair done beforehand)
    docs = [pipeline.process_file(p, p.name) for p in sorted((SAMPLES / "seeds").glob("*.txt"))]
    docs += [pipeline.process_file(p, p.name) for p in sorted((ROOT / "tests" / "data" / "real").glob("*.txt"))]
    t = time.perf_counter()
    for d in docs:
        parse_document(d)
    print(f"parse time, {len(docs)} seeds and real documents together: {time.perf_counter() - t:.2f} s")
    print("no full reference yet (rows found):",
          ", ".join(f"{d.source[:12]} {len(d.records)}" for d in docs if not d.source.startswith(("001", "002"))))


if __name__ == "__main__":
    main()
