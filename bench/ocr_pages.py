"""OCR path: accuracy on the scanned samples, speed against bare Tesseract, parallel speed-up, memory.

Prints (1) character error rate of running text (samples/scans/dispatch_003.png against the text it was printed
from, words in reading order, before any repair); (2) share of table cells exactly right (the scanned ruled table
against the cells of its text-layer twin, row by row); (3) seconds per OCR'd page through the pipeline against
the bare `tesseract page.png stdout -l vie --psm 4` on the same page images, as a ratio; (4) files/s with 2
workers against 1 on 40 scanned pages; (5) peak memory of the worker converting a 20- and a 60-page scan.
Usage: .venv/bin/python bench/ocr_pages.py [--skip-parallel] [--skip-memory]"""
from __future__ import annotations

import argparse
import difflib
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from chitieu import pipeline  # noqa: E402
from chitieu.extract.read import extract_pages  # noqa: E402

SAMPLES = ROOT / "samples"
SCANS = SAMPLES / "scans"


def cer(reference: str, got: str) -> float:
    ref, hyp = " ".join(reference.split()), " ".join(got.split())
    sm = difflib.SequenceMatcher(a=ref, b=hyp, autojunk=False)
    errors = sum(max(i2 - i1, j2 - j1) for op, i1, i2, j1, j2 in sm.get_opcodes() if op != "equal")
    return errors / max(len(ref), 1)


def running_text_cer() -> float:
    src = next((SAMPLES / "seeds").glob("003_*.txt")).read_text(encoding="utf-8").splitlines()
    _, pages, _ = extract_pages((SCANS / "dispatch_003.png").read_bytes(), SCANS / "dispatch_003.png")
    got = "\n".join(ln.text for ln in pages[0].lines)
    reference = "\n".join(src[:52])  # the lines printed on page 1
    return cer(reference, got)


def clean_text_cer(tmp: Path) -> float:
    """Clean Vietnamese running text (a real 2025 document) printed and scanned like the samples, then OCR'd."""
    import random
    sys.path.insert(0, str(SAMPLES))
    from make_scans import noisy, text_pages

    src = [ln.strip() for ln in (ROOT / "tests" / "data" / "real" /
                                 "06_tb-624-TB-VPCP-2025_nhiem-vu-khcn-cds.txt").read_text(encoding="utf-8").splitlines()
           if len(ln.split()) >= 6 and not any(c in ln for c in "|*#")][:45]
    src = [ln[:95] for ln in src]
    page = noisy(text_pages("\n".join(src), 52)[0], random.Random(1))
    path = tmp / "clean.png"
    page.save(path, dpi=(300, 300))
    _, pages, _ = extract_pages(path.read_bytes(), path)
    return cer("\n".join(src), "\n".join(ln.text for ln in pages[0].lines))


def table_cells() -> tuple[int, int]:
    _, text_pages, _ = extract_pages((SAMPLES / "scorecard_766_ruled.pdf").read_bytes(), Path("t.pdf"))
    _, scan_pages, _ = extract_pages((SCANS / "scorecard_766_scan.pdf").read_bytes(), Path("s.pdf"), "always")

    def rows(pages):
        return [[" ".join(c.text.split()) for c in ln.cells] for p in pages for ln in p.lines
                if ln.cells and ln.cells[0].col is not None]
    a, b = rows(text_pages), rows(scan_pages)
    right = total = 0
    for ra, rb in zip(a, b):
        for ca, cb in zip(ra, rb + [""] * (len(ra) - len(rb))):
            if ca:
                total += 1
                right += ca == cb
    return right, total


def page_images(tmp: Path) -> list[Path]:
    import pypdfium2
    out = []
    for pdf_path in sorted(SCANS.glob("*.pdf")):
        pdf = pypdfium2.PdfDocument(str(pdf_path))
        for i in range(len(pdf)):
            p = tmp / f"{pdf_path.stem}_{i}.png"
            pdf[i].render(scale=300 / 72, grayscale=True).to_pil().save(p)
            out.append(p)
        pdf.close()
    return out


def speed_ratio(tmp: Path, rounds: int = 3) -> tuple[float, float, int, list[float]]:
    """Seconds per page, bare `tesseract` and the pipeline, taking turns page by page (so that other load on the
    machine falls on both alike), after one untimed page has loaded the repair model and the image libraries (once
    per worker process in a batch); the round with the median ratio, and every round's ratio."""
    images = page_images(tmp) + [SCANS / "dispatch_003.png"]
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    pipeline.process_file(images[0], "warm-up")
    results = []
    for _ in range(rounds):
        bare = ours = 0.0
        for p in images:
            t = time.perf_counter()
            subprocess.run(["tesseract", str(p), "stdout", "-l", "vie", "--psm", "4"], capture_output=True,
                           env=env, check=True)
            bare += time.perf_counter() - t
            t = time.perf_counter()
            pipeline.process_file(p, p.name)
            ours += time.perf_counter() - t
        results.append((ours / bare, bare / len(images), ours / len(images)))
    ratio, bare, ours = sorted(results)[len(results) // 2]
    return bare, ours, len(images), [r[0] for r in results]


def text_layer_cost() -> tuple[float, float]:
    """Seconds for the text-layer samples with --ocr never and with auto (the per-page checks that decide)."""
    paths = [SAMPLES / "scorecard_766_ruled.pdf", SAMPLES / "cchc_stats_layout.pdf"]
    times = {}
    for mode in ("never", "auto", "never", "auto"):  # twice each, the second run counts (warm caches)
        t = time.perf_counter()
        for _ in range(5):
            for p in paths:
                pipeline.process_file(p, p.name, pipeline.RunSettings(ocr=mode))
        times[mode] = time.perf_counter() - t
    return times["never"], times["auto"]


def parallel(tmp: Path) -> tuple[float, float, int]:
    folder = tmp / "forty"
    folder.mkdir()
    sources = sorted(SCANS.glob("*.pdf"))
    n = 0
    i = 0
    while n < 40:
        src = sources[i % len(sources)]
        data = src.read_bytes() + f"\n% copy {i}\n".encode()  # different bytes: no resume between copies
        (folder / f"{i:02d}_{src.name}").write_bytes(data)
        n += 2 if "001" in src.name or "766" in src.name else 1
        i += 1
    times = {}
    for workers in (1, 2):
        t = time.perf_counter()
        pipeline.run([folder], tmp / f"out{workers}", pipeline.RunSettings(workers=workers, force=True))
        times[workers] = time.perf_counter() - t
    return times[1], times[2], n


def peak_memory(tmp: Path, pages: int) -> float:
    import pypdfium2
    pdf = pypdfium2.PdfDocument(str(SCANS / "scorecard_766_scan.pdf"))
    imgs = [pdf[i].render(scale=150 / 72, grayscale=True).to_pil() for i in range(len(pdf))]
    pdf.close()
    path = tmp / f"scan_{pages}.pdf"
    frames = [imgs[i % len(imgs)] for i in range(pages)]
    frames[0].save(path, "PDF", resolution=150, save_all=True, append_images=frames[1:])
    code = ("import resource, sys; sys.path.insert(0, %r); from chitieu import pipeline; from pathlib import Path; "
            "pipeline.process_file(Path(%r), 'x'); "
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)") % (str(ROOT), str(path))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return int(out.stdout.strip().splitlines()[-1]) / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--skip-parallel", action="store_true")
    ap.add_argument("--skip-memory", action="store_true")
    ap.add_argument("--memory-pages", default="20,60", help="page counts of the memory runs (e.g. 20,200)")
    args = ap.parse_args()
    print(f"running text (dispatch_003.png, against seed 003's own garbled OCR text): character error rate "
          f"{100 * running_text_cer():.2f}%")
    with tempfile.TemporaryDirectory() as tmp:
        print(f"clean running text (45 lines of a real 2025 document, printed and scanned the same way): character "
              f"error rate {100 * clean_text_cer(Path(tmp)):.2f}% (target ≤ 1%)")
    right, total = table_cells()
    print(f"ruled table (scorecard_766_scan.pdf): {right}/{total} cells exactly right = {100 * right / total:.1f}% "
          "(target ≥ 97%)")
    never, auto = text_layer_cost()
    print(f"text-layer PDFs (2 samples × 5): --ocr never {never:.2f} s, auto {auto:.2f} s, ratio {auto / never:.2f}")
    with tempfile.TemporaryDirectory() as tmp:
        bare, ours, n, ratios = speed_ratio(Path(tmp))
        print(f"speed on {n} page images (median of {len(ratios)} rounds): bare tesseract {bare:.2f} s/page, "
              f"pipeline {ours:.2f} s/page, ratio {ours / bare:.2f} (target ≤ 1.10; rounds "
              f"{', '.join(f'{r:.2f}' for r in ratios)})")
        if not args.skip_parallel:
            one, two, pages = parallel(Path(tmp))
            print(f"{pages} scanned pages: 1 worker {one:.1f} s, 2 workers {two:.1f} s, speed-up {one / two:.2f}× "
                  "(target ≥ 1.8×)")
        if not args.skip_memory:
            sizes = [int(n) for n in args.memory_pages.split(",")]
            print("peak memory converting a scanned PDF: " + ", ".join(
                f"{n} pages {peak_memory(Path(tmp), n):.0f} MB" for n in sizes))

if __name__ == "__main__":
    main()
