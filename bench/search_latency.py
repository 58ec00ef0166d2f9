"""Search latency and ingest speed of the SQLite dataset at scale.

Builds a database of N records (default 1,000,000) from the seeds' and samples' real records: each synthetic
document is a copy of one real document with its numbers varied (so values, targets and ids differ), ingested
through the same `ingest()` the pipeline uses (one transaction per document, batched inserts). Then runs 20
typical queries (with and without diacritics, a document filter, a typo) and prints median and p95 latency,
the database size per million records and the ingest rate.
Usage: .venv/bin/python bench/search_latency.py [--records 1000000] [--db /tmp/chitieu-bench.sqlite]"""
from __future__ import annotations

import argparse
import dataclasses
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from chitieu import pipeline  # noqa: E402
from chitieu.output.sqlite import connect, ingest, search  # noqa: E402

QUERIES = [
    "ty le dich vu cong truc tuyen", "Tỷ lệ dịch vụ công trực tuyến", "ho so truc tuyen", "UBND tinh",
    "thanh toán trực tuyến", "chi so cai cach hanh chinh", "cong chuc", "so hoa ho so", "TTHC",
    "mức độ hài lòng", "muc do hai long", "van ban quy pham phap luat", "iGate", "dich vu cong",
    "hồ sơ giải quyết đúng hạn", "ket noi lien thong", "tổng số hồ sơ", "ty le", "chinh quyen so",
    "ty le dcih vu cong truc tuyn",  # a typo: FTS finds nothing, the fuzzy fallback answers
]


def real_documents():
    paths = sorted((ROOT / "samples").rglob("*"))
    docs = [pipeline.process_file(p, p.name) for p in paths if p.suffix in {".txt", ".md", ".pdf"}]
    return [d for d in docs if d.records]


def vary(doc, i: int, rng: random.Random):
    """A copy of doc with a new id and its numbers moved by up to ±20 %."""
    def jiggle(x):
        return None if x is None else round(x * rng.uniform(0.8, 1.2), 2)
    records = [dataclasses.replace(r, doc_id=f"bench{i:07d}", value=jiggle(r.value),
                                   benchmark_value=jiggle(r.benchmark_value)) for r in doc.records]
    return dataclasses.replace(doc, doc_id=f"bench{i:07d}", source=f"bench/{i:07d}_{doc.source}", records=records)


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--db", type=Path, default=Path("/tmp/chitieu-bench.sqlite"))
    args = ap.parse_args()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{args.db}{suffix}").unlink(missing_ok=True)

    base = real_documents()
    print(f"{len(base)} real documents, {sum(len(d.records) for d in base)} records to copy from")
    rng = random.Random(7)
    conn = connect(args.db)
    n, i, ingest_s = 0, 0, 0.0
    while n < args.records:
        doc = vary(base[i % len(base)], i, rng)
        t = time.perf_counter()
        ingest(conn, doc)
        ingest_s += time.perf_counter() - t
        n += len(doc.records)
        i += 1
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute("INSERT INTO records_fts(records_fts) VALUES ('optimize')")
    conn.close()
    size = os.path.getsize(args.db)
    print(f"ingest: {n:,} records in {i:,} documents, {ingest_s:.1f} s = {n / ingest_s:,.0f} records/s")
    print(f"database: {size / 2**20:.0f} MiB = {size / 2**20 / (n / 1e6):.0f} MiB per million records")

    one_doc = "bench0000003"
    times, rows = [], []
    for q in QUERIES + [q for q in QUERIES[:5]]:  # the first five again, with a document filter
        doc = one_doc if len(times) >= len(QUERIES) else None
        t = time.perf_counter()
        hits = search(args.db, q, doc=doc, limit=20)
        times.append((time.perf_counter() - t) * 1000)
        rows.append((q + (" --doc" if doc else ""), len(hits), hits[0].how if hits else "-", times[-1]))
    for q, k, how, ms in rows:
        print(f"  {ms:8.1f} ms  {k:3d} hits  {how:5s}  {q}")
    print(f"latency over {len(times)} queries: median {statistics.median(times):.1f} ms, "
          f"p95 {pct(times, 0.95):.1f} ms, max {max(times):.1f} ms (target p95 < 50 ms)")


if __name__ == "__main__":
    main()
