"""Text-layer PDFs: pipeline time per page against bare pdfplumber `extract_text` on the same pages.

Usage: .venv/bin/python bench/text_layer.py [PDF ...] [--repeat N]   (default: every PDF in samples/)
Prints pages/s for both and the ratio; run by hand, figures go into the issue note."""
from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pdfplumber  # noqa: E402

from chitieu import pipeline  # noqa: E402


def bare(paths: list[Path]) -> int:
    pages = 0
    for p in paths:
        with pdfplumber.open(p) as pdf:
            for page in pdf.pages:
                page.extract_text()
                pages += 1
    return pages


def ours(paths: list[Path]) -> int:
    pages = 0
    for p in paths:
        doc = pipeline.process_file(p, p.name)
        assert doc.status == "ok", doc.error
        pages += len(doc.pages)
    return pages


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("pdfs", nargs="*", type=Path)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    paths = args.pdfs or sorted((ROOT / "samples").rglob("*.pdf"))
    paths = [p for p in paths if pipeline.process_file(p, p.name).kind == "pdf-text"]
    if not paths:
        sys.exit("no text-layer PDFs given or found in samples/")
    ours(paths)  # warm-up: imports, font caches
    results = {}
    for name, fn in (("bare pdfplumber extract_text", bare), ("chitieu pipeline", ours)):
        best = float("inf")
        for _ in range(args.repeat):
            t = time.perf_counter()
            pages = fn(paths)
            best = min(best, time.perf_counter() - t)
        results[name] = (pages, best)
        print(f"{name:32s} {pages:4d} pages  {best:7.3f} s  {pages / best:7.1f} pages/s")
    (p_b, t_b), (p_o, t_o) = results.values()
    print(f"ratio pipeline / bare: {t_o / t_b:.2f}x   (files: {', '.join(p.name for p in paths)})")
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
