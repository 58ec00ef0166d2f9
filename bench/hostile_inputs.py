"""Time bounds of issue 21's hostile inputs, printed (not part of pytest: timed tests fail on busy machines).

1. One line of stripped Vietnamese text (seed 003's words, repeated) of 40, 80, 160 and 1000 KB: the whole
   pipeline, and normalize.repair._word_stream alone (it was quadratic: 40 KB 1.2 s, 80 KB 4.3 s, 160 KB 16 s).
   Linear means each doubling of the text about doubles the time.
2. PDF pages: a blank page (found blank from a 36-dpi render, no OCR) against a page with text that is OCR'd
   (--ocr always), seconds per page.

Run: .venv/bin/python bench/hostile_inputs.py [--sizes 40,80,160,1000] [--blank-pages 200]"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "data"))

from chitieu import pipeline  # noqa: E402
from chitieu.normalize.repair import _word_stream  # noqa: E402


def one_line(kb: int) -> str:
    seed = next((ROOT / "samples" / "seeds").glob("003_*.txt")).read_text(encoding="utf-8")
    words = " ".join(seed.split())
    return ("1. " + (words + " ") * (kb * 1024 // len(words) + 1))[: kb * 1024]


def time_one_line(sizes: list[int], tmp: Path) -> None:
    print("one line of stripped text: whole pipeline / _word_stream alone (s)")
    warm = tmp / "warm.txt"  # the syllable model and the lexicon load once per process: not part of the figures
    warm.write_text(one_line(1), encoding="utf-8")
    pipeline.process_file(warm, warm.name)
    for kb in sizes:
        path = tmp / f"one_line_{kb}kb.txt"
        path.write_text(one_line(kb), encoding="utf-8")
        started = time.perf_counter()
        doc = pipeline.process_file(path, path.name)
        whole = time.perf_counter() - started
        started = time.perf_counter()
        words = sum(len(_word_stream(page)) for page in doc.pages)
        stream = time.perf_counter() - started
        print(f"  {kb:5d} KB  {whole:7.2f} s  {stream:6.3f} s  ({words} words, status {doc.status})")


def time_pages(blank_pages: int, tmp: Path) -> None:
    from make_bad_inputs import _blank_pages
    blank = tmp / "blank.pdf"
    blank.write_bytes(_blank_pages(blank_pages))
    started = time.perf_counter()
    doc = pipeline.process_file(blank, blank.name)
    per_blank = (time.perf_counter() - started) / blank_pages
    assert {p.path for p in doc.pages} == {"blank"}, {p.path for p in doc.pages}
    text = ROOT / "samples" / "scorecard_766_ruled.pdf"
    settings = pipeline.RunSettings(ocr="always")
    started = time.perf_counter()
    doc = pipeline.process_file(text, text.name, settings)
    per_text = (time.perf_counter() - started) / len(doc.pages)
    print(f"PDF pages: blank {per_blank * 1000:.1f} ms/page ({blank_pages} pages, no OCR); "
          f"a page with text OCR'd {per_text:.2f} s/page ({len(doc.pages)} pages of {text.name}); "
          f"ratio {per_text / per_blank:.0f}×")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="40,80,160,1000", help="KB of one-line text, comma-separated")
    ap.add_argument("--blank-pages", type=int, default=200)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="chitieu-hostile-") as tmp:
        time_one_line([int(s) for s in args.sizes.split(",")], Path(tmp))
        time_pages(args.blank_pages, Path(tmp))


if __name__ == "__main__":
    main()
