"""What writing review.html and records.xlsx adds to a scanned run: a 100-page scanned PDF (the scanned scorecard's
pages repeated) converted once, then the review page and the workbook written from its result, both timed.
Usage: .venv/bin/python bench/review_cost.py [--pages 100]"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from chitieu import pipeline  # noqa: E402
from chitieu.output.excel import write_xlsx  # noqa: E402
from chitieu.output.review import write_review  # noqa: E402


def main() -> None:
    import pypdfium2
    ap = argparse.ArgumentParser()
    ap.add_argument("--pages", type=int, default=100)
    args = ap.parse_args()
    src = pypdfium2.PdfDocument(str(ROOT / "samples" / "scans" / "scorecard_766_scan.pdf"))
    images = [src[i].render(scale=300 / 72, grayscale=True).to_pil() for i in range(len(src))]
    src.close()
    with tempfile.TemporaryDirectory() as tmp:
        pdf = Path(tmp) / "scan.pdf"
        frames = [images[i % len(images)] for i in range(args.pages)]
        frames[0].save(pdf, "PDF", resolution=300, save_all=True, append_images=frames[1:])
        t = time.perf_counter()
        doc = pipeline.process_file(pdf, pdf.name)
        convert = time.perf_counter() - t
        t = time.perf_counter()
        write_review(Path(tmp), [doc], convert)
        write_xlsx(Path(tmp) / "records.xlsx", [doc])
        review = time.perf_counter() - t
        size = sum(p.stat().st_size for p in (Path(tmp) / "review").rglob("*") if p.is_file())
    print(f"{args.pages} scanned pages, {len(doc.records)} records: converting {convert:.1f} s, review.html + "
          f"records.xlsx {review:.2f} s = {100 * review / convert:.1f} % more; row images {size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
