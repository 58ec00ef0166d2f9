"""Scans as offices spoil them: the seeds' tables and dispatch drawn clean, spoiled the way scanners, faxes and
phones spoil a page, run through the pipeline with and without the page clean-up (extract/cleanup.py), scored
against the rows we hold.

Documents (references): seed 002's scorecard (samples/scorecard_766_ruled.pdf rendered, 2 pages; SEED_002 of
tests/test_seeds.py), seed 001's table ruled as samples/make_scans.py draws it (2 pages; SEED_001) and seed 003's
dispatch as typed text (3 pages; bench/references/seed_003.rows.json). Each spoiled document is one multi-page
TIFF (colour where the spoilage has colour), as a scanner writes it.

Per spoilage it prints, before (CHITIEU_CLEANUP=off) and after the clean-up: rows F1 and numeric fields exactly
right (bench/parse_scorer.py's `score`), seconds per page of the pipeline against bare `tesseract -l vie --psm 4`
on the same page images (interleaved, one page each in turn), and how well confidence separates wrong records: the
share of wrong records (matching no reference row, or with a figure or status wrong) among the rows the review page
marks (a warning, or confidence < 0.8) and among the others. Then the cost of each clean-up step per page.
The drawing is this file's own, seeded and deterministic.

Usage: .venv/bin/python bench/scan_robustness.py [--only grey,stamp] [--docs scorecard,dvctt,dispatch]
       [--no-before] [--show]"""
from __future__ import annotations

import argparse
import io
import math
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "samples"))

import cv2  # noqa: E402
from PIL import Image, ImageDraw, ImageFilter, ImageFont  # noqa: E402

from chitieu import pipeline  # noqa: E402
from chitieu.extract import cleanup  # noqa: E402
from chitieu.extract.grid import deskew  # noqa: E402
from parse_scorer import NUMERIC, _f, expected_001, expected_002, reference, score  # noqa: E402

SAMPLES = ROOT / "samples"
FONT = SAMPLES / "fonts" / "DejaVuSans.ttf"
DPI = 300
SEED = 20251207
# the review page marks a row to look at when it has a warning or its confidence is under this
REVIEW_CONFIDENCE = 0.8


# ---------------------------------------------------------------------------------------------------- documents

def _render(pdf_path: Path) -> list[np.ndarray]:
    import pypdfium2
    pdf = pypdfium2.PdfDocument(str(pdf_path))
    try:
        return [np.asarray(pdf[i].render(scale=DPI / 72, grayscale=True).to_pil().convert("RGB"))
                for i in range(len(pdf))]
    finally:
        pdf.close()


def documents(tmp: Path) -> dict[str, tuple[list[np.ndarray], list[dict]]]:
    """name → (clean RGB pages at 300 dpi, reference rows)."""
    from make_scans import make_001_pdf, text_pages
    make_001_pdf(tmp / "dvctt.pdf")
    seed3 = next((SAMPLES / "seeds").glob("003_*.txt")).read_text(encoding="utf-8")
    return {
        "scorecard": (_render(SAMPLES / "scorecard_766_ruled.pdf"), expected_002()),
        "dvctt": (_render(tmp / "dvctt.pdf"), expected_001()),
        "dispatch": ([np.asarray(p.convert("RGB")) for p in text_pages(seed3)], reference("seed_003")[0]),
    }


# ---------------------------------------------------------------------------------------------------- spoilages
# Each takes a clean RGB page (300 dpi) and a seeded random generator and returns (the spoiled page, its dpi).

def _jpeg(rgb: np.ndarray, quality: int) -> np.ndarray:
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "JPEG", quality=quality)
    return np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"))


def _scanner(rgb: np.ndarray, rng: random.Random, quality: int = 75) -> np.ndarray:
    """A flatbed scanner's mild spoiling (as samples/make_scans.py): turned up to 0.5°, slightly soft, JPEG."""
    img = Image.fromarray(rgb).rotate(rng.uniform(-0.5, 0.5), resample=Image.BICUBIC, fillcolor=(255, 255, 255))
    return _jpeg(np.asarray(img.filter(ImageFilter.GaussianBlur(0.7))), quality)


def _paper(rgb: np.ndarray, paper: tuple, ink: tuple) -> np.ndarray:
    """White paper and black ink redrawn as the given paper and ink colours."""
    t = rgb.astype(np.float32) / 255
    return (np.array(ink, np.float32) + t * (np.array(paper, np.float32) - np.array(ink, np.float32))).astype(np.uint8)


def clean(rgb, rng):
    return _scanner(rgb, rng), DPI


def grey(rgb, rng):
    """Low contrast on grey, yellowed stock: paper at ~190, ink at ~105."""
    return _scanner(_paper(rgb, (196, 190, 172), (110, 104, 98)), rng), DPI


def shadow(rgb, rng):
    """Uneven light: a soft shadow over one side (light down to 40 %), the rest slightly dim towards a corner."""
    h, w = rgb.shape[:2]
    x = np.linspace(0, 1, w, dtype=np.float32)[None, :]
    y = np.linspace(0, 1, h, dtype=np.float32)[:, None]
    edge = rng.uniform(0.25, 0.4)
    light = 0.4 + 0.6 / (1 + np.exp(-(x - edge) * 18))            # the shadow: dark left of `edge`
    light = light * (1 - 0.2 * y * x)                             # dimmer towards the bottom right
    return _scanner((rgb.astype(np.float32) * light[..., None]).clip(0, 255).astype(np.uint8), rng), DPI


def photo(rgb, rng):
    """A phone photo of the page lying on a wooden desk: keystone (the top farther away), a little turned, light
    falling off, 12 megapixels, JPEG."""
    h, w = rgb.shape[:2]
    fw, fh = 3024, 4032
    desk = np.zeros((fh, fw, 3), np.float32)
    grain = np.random.default_rng(rng.randrange(1 << 30)).normal(0, 8, (fh // 8, fw // 8)).astype(np.float32)
    grain = cv2.resize(grain, (fw, fh), interpolation=cv2.INTER_LINEAR)
    for c, base in enumerate((112, 82, 58)):
        desk[..., c] = base + grain + 10 * np.sin(np.linspace(0, 25, fw, dtype=np.float32))[None, :]
    scale = 0.78 * fw / w
    cx, cy = fw / 2 + rng.uniform(-60, 60), fh / 2 + rng.uniform(-60, 60)
    pw, ph = w * scale, h * scale
    inset = rng.uniform(0.06, 0.09) * pw                                   # keystone: the top edge shorter
    turn = math.radians(rng.uniform(-3, 3))
    corners = np.array([[-pw / 2 + inset, -ph / 2], [pw / 2 - inset, -ph / 2], [pw / 2, ph / 2], [-pw / 2, ph / 2]])
    rot = np.array([[math.cos(turn), -math.sin(turn)], [math.sin(turn), math.cos(turn)]])
    target = (corners @ rot.T + [cx, cy]).astype(np.float32)
    source = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    m = cv2.getPerspectiveTransform(source, target)
    page = cv2.warpPerspective(rgb, m, (fw, fh), flags=cv2.INTER_AREA).astype(np.float32)
    mask = cv2.warpPerspective(np.full((h, w), 255, np.uint8), m, (fw, fh)).astype(np.float32)[..., None] / 255
    out = page * mask + desk * (1 - mask)
    yy, xx = np.mgrid[0:fh, 0:fw].astype(np.float32)
    light = 1 - 0.25 * (((xx - fw * 0.3) / fw) ** 2 + ((yy - fh * 0.2) / fh) ** 2)   # a lamp to the top left
    out = (out * light[..., None] * np.array([1.0, 0.97, 0.92], np.float32)).clip(0, 255).astype(np.uint8)
    out = cv2.GaussianBlur(out, (0, 0), 0.8)
    return _jpeg(out, 85), DPI


def noise(rgb, rng):
    """Sensor noise (σ 22) and specks (0.4 % of pixels black or white)."""
    g = np.random.default_rng(rng.randrange(1 << 30))
    out = rgb.astype(np.float32) + g.normal(0, 22, rgb.shape[:2])[..., None]
    specks = g.random(rgb.shape[:2])
    out[specks < 0.002] = 0
    out[specks > 0.998] = 255
    return _scanner(out.clip(0, 255).astype(np.uint8), rng, 85), DPI


def fax(rgb, rng):
    """A fax: 200 × 100 dpi, black and white, ink dropping out, a dark streak across the page, specks."""
    g = np.random.default_rng(rng.randrange(1 << 30))
    h, w = rgb.shape[:2]
    gray = cv2.cvtColor(_scanner(rgb, rng), cv2.COLOR_RGB2GRAY)
    low = cv2.resize(gray, (w * 2 // 3, h // 3), interpolation=cv2.INTER_AREA)
    bw = np.where(low < 150, 0, 255).astype(np.uint8)
    drop = g.random(bw.shape) < 0.08                         # ink that did not come through
    bw[drop & (bw == 0)] = 255
    for _ in range(3):                                        # lines lost in transmission
        y = int(g.integers(0, bw.shape[0]))
        bw[y, :] = np.where(g.random(bw.shape[1]) < 0.7, 255, bw[y, :])
    bw[g.random(bw.shape) < 0.0015] = 0                       # specks
    y = int(g.integers(bw.shape[0] // 5, bw.shape[0] * 4 // 5))
    bw[y:y + 2, :] = 0                                        # a streak across the whole page
    out = cv2.resize(bw, (w, h), interpolation=cv2.INTER_NEAREST)
    return np.stack([out] * 3, axis=2), DPI


def jpeg40(rgb, rng):
    return _scanner(rgb, rng, 40), DPI


def _seal(size: int, rng: random.Random) -> Image.Image:
    """A round red seal: two rings, text around them, a star in the middle (an RGBA image)."""
    img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    red = (205, 35, 45, 235)
    d.ellipse([4, 4, size - 4, size - 4], outline=red, width=14)
    d.ellipse([size * 0.16, size * 0.16, size * 0.84, size * 0.84], outline=red, width=6)
    font = ImageFont.truetype(str(FONT), size // 14)
    text = "ỦY BAN NHÂN DÂN TỈNH * SỞ NỘI VỤ * "
    for i, ch in enumerate(text):
        a = 2 * math.pi * i / len(text) - math.pi / 2
        r = size * 0.415
        d.text((size / 2 + r * math.cos(a), size / 2 + r * math.sin(a)), ch, font=font, fill=red, anchor="mm")
    s = size * 0.12
    pts = [(size / 2 + (s if k % 2 == 0 else s / 2.5) * math.cos(math.pi / 2 + k * math.pi / 5),
            size / 2 - (s if k % 2 == 0 else s / 2.5) * math.sin(math.pi / 2 + k * math.pi / 5)) for k in range(10)]
    d.polygon(pts, fill=red)
    return img.rotate(rng.uniform(-30, 30), resample=Image.BICUBIC)


def stamp(rgb, rng):
    """A red seal over the table (over the figures' columns) and a blue signature beside it, printed over."""
    page = Image.fromarray(rgb).convert("RGBA")
    h, w = rgb.shape[:2]
    seal = _seal(560, rng)
    layer = Image.new("RGBA", page.size, (0, 0, 0, 0))
    layer.alpha_composite(seal, (int(w * rng.uniform(0.45, 0.6)), int(h * rng.uniform(0.25, 0.45))))
    d = ImageDraw.Draw(layer)
    x0, y0 = w * rng.uniform(0.2, 0.4), h * rng.uniform(0.5, 0.7)
    pts = [(x0 + i * 9, y0 + 60 * math.sin(i / 6.0) + 25 * math.sin(i / 2.3)) for i in range(80)]
    d.line(pts, fill=(30, 50, 170, 230), width=7)
    # the seal sits under the black print where they cross: multiply
    ink = np.asarray(layer).astype(np.float32)
    alpha = ink[..., 3:] / 255
    base = rgb.astype(np.float32)
    out = base * (1 - alpha) + np.minimum(base, ink[..., :3]) * alpha
    return _scanner(out.astype(np.uint8), rng), DPI


def _skew(angle: float):
    def spoil(rgb, rng):
        img = Image.fromarray(rgb).rotate(angle, resample=Image.BICUBIC, fillcolor=(255, 255, 255))
        return _scanner(np.asarray(img), rng), DPI
    spoil.__doc__ = f"turned {angle}° on the glass"
    return spoil


def dpi150(rgb, rng):
    h, w = rgb.shape[:2]
    return _scanner(cv2.resize(rgb, (w // 2, h // 2), interpolation=cv2.INTER_AREA), rng), 150


def blur(rgb, rng):
    return _scanner(cv2.GaussianBlur(rgb, (0, 0), 1.8), rng), DPI


def bleed(rgb, rng):
    """The other side showing through: the page mirrored and shifted, at a fifth of its darkness."""
    back = np.ascontiguousarray(rgb[:, ::-1])
    back = np.roll(back, (rng.randrange(40, 120), rng.randrange(-60, 60)), axis=(0, 1))
    out = 255 - (255 - rgb.astype(np.float32)) - 0.22 * (255 - cv2.GaussianBlur(back, (0, 0), 2).astype(np.float32))
    return _scanner(out.clip(0, 255).astype(np.uint8), rng), DPI


def rot90(rgb, rng):
    return np.ascontiguousarray(np.rot90(_scanner(rgb, rng))), DPI


def rot180(rgb, rng):
    """Fed upside down."""
    return np.ascontiguousarray(np.rot90(_scanner(rgb, rng), 2)), DPI


def _both(first, second):
    """Two spoilages one after the other, as offices combine them (a page fed askew into a fax machine)."""
    def spoil(rgb, rng):
        img, _ = first(rgb, rng)
        img = img if img.ndim == 3 else np.stack([img] * 3, axis=2)
        return second(img, rng)
    spoil.__doc__ = f"{first.__name__} then {second.__name__}"
    return spoil


SPOILAGES = {"clean": clean, "grey": grey, "shadow": shadow, "photo": photo, "noise": noise, "fax": fax,
             "jpeg40": jpeg40, "stamp": stamp, "skew5": _skew(5), "skew8": _skew(8), "dpi150": dpi150,
             "blur": blur, "bleed": bleed, "rot90": rot90, "rot180": rot180,
             "skew5+fax": _both(_skew(5), fax), "stamp+photo": _both(stamp, photo),
             "grey+noise": _both(grey, noise)}


# ---------------------------------------------------------------------------------------------------- measuring

def spoiled(doc: str, spoilage: str, pages: list[np.ndarray], tmp: Path) -> tuple[Path, list[Path]]:
    """The spoiled document as one TIFF for the pipeline, and each page as a PNG for bare Tesseract."""
    rng = random.Random(f"{SEED}-{doc}-{spoilage}")
    out = [SPOILAGES[spoilage](p, rng) for p in pages]
    images = []
    for img, dpi in out:
        colour = img.ndim == 3 and int(np.abs(img.astype(np.int16) - img[..., :1]).max()) > 12
        images.append((Image.fromarray(img if colour else cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)), dpi))
    tiff = tmp / f"{doc}-{spoilage}.tiff"
    images[0][0].save(tiff, dpi=(images[0][1],) * 2, save_all=True, append_images=[i for i, _ in images[1:]],
                      compression="tiff_deflate")
    pngs = []
    for n, (img, dpi) in enumerate(images, 1):
        pngs.append(tmp / f"{doc}-{spoilage}-{n}.png")
        img.save(pngs[-1], dpi=(dpi, dpi), compress_level=1)
    return tiff, pngs


def wrong_records(records: list, result: dict) -> set[int]:
    """ids of the records that match no reference row, or whose figures or status differ from it."""
    matched = {id(r): w for r, w in result["pairs"]}
    wrong = set()
    for r in records:
        w = matched.get(id(r))
        if w is None:
            wrong.add(id(r))
            continue
        bad = any(f in w and (w[f] is not None or getattr(r, f) is not None) and _f(w[f]) != getattr(r, f)
                  for f in NUMERIC)
        if bad or ("status" in w and (w["status"] or r.status) and w["status"] != r.status):
            wrong.add(id(r))
    return wrong


def marked(r) -> bool:
    return bool(r.warnings) or (r.confidence is not None and r.confidence < REVIEW_CONFIDENCE)


def run_case(tiff: Path, pngs: list[Path], want: list[dict], cleanup_on: bool) -> dict:
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    os.environ[cleanup.SWITCH] = "on" if cleanup_on else "off"
    bare = 0.0
    for p in pngs:
        t = time.perf_counter()
        subprocess.run(["tesseract", str(p), "stdout", "-l", "vie", "--psm", "4"], capture_output=True, env=env,
                       check=True)
        bare += time.perf_counter() - t
    t = time.perf_counter()
    doc = pipeline.process_file(tiff, tiff.name)
    ours = time.perf_counter() - t
    # score() leaves out un-numbered headings and totals; so do the wrong/marked counts
    records = [r for r in doc.records if not (r.kind in ("heading", "total") and r.stt is None)]
    result = score(records, want)
    wrong = wrong_records(records, result)
    flagged = [r for r in records if marked(r)]
    others = [r for r in records if not marked(r)]
    return {"F1": result["F1"], "num_right": result["num_right"], "num": result["num"], "rows": len(records),
            "want": len(want), "matched": len(result["pairs"]), "bare": bare, "ours": ours, "pages": len(pngs),
            "flagged": len(flagged), "flagged_wrong": sum(id(r) in wrong for r in flagged),
            "others": len(others), "others_wrong": sum(id(r) in wrong for r in others),
            "reasons": [p.reason for p in doc.pages], "status": doc.status, "error": doc.error,
            "missed": [w.get("stt") for w in want if id(w) not in {id(x) for _, x in result["pairs"]}]}


def _sum(rows: list[dict]) -> dict:
    out = {k: sum(r[k] for r in rows) for k in ("num_right", "num", "rows", "want", "matched", "bare", "ours",
                                                 "pages", "flagged", "flagged_wrong", "others", "others_wrong")}
    p, r = out["matched"] / max(out["rows"], 1), out["matched"] / max(out["want"], 1)
    out["F1"] = 2 * p * r / (p + r) if p + r else 0.0
    return out


def _share(k: int, n: int) -> str:
    return f"{k}/{n}" if n else "0/0"


def step_costs(pages: list[np.ndarray]) -> list[tuple[str, float]]:
    """Seconds per page of each clean-up step, on the given (spoiled) pages, median of three."""
    import statistics
    s = cleanup.DEFAULT
    grays = [cv2.cvtColor(p, cv2.COLOR_RGB2GRAY) for p in pages]
    steps = [
        ("drop colour ink (RGB → grey)", lambda i: cleanup.drop_colour_ink(np.ascontiguousarray(pages[i]), s)),
        ("find the page (photo)", lambda i: cleanup.find_page(grays[i], s)),
        ("estimate + divide out the background",
         lambda i: cleanup.normalise_background(grays[i], cleanup.estimate_background(grays[i], s))),
        ("stretch faint ink", lambda i: cleanup.stretch_contrast(grays[i], s)),
        ("remove streaks", lambda i: cleanup.remove_streaks(grays[i], s)),
        ("clear the border", lambda i: cleanup.clear_border(grays[i], s)),
        ("remove specks (check; filter when found)", lambda i: cleanup.remove_specks(grays[i], s)),
        ("clean_page, all of the above but colour", lambda i: cleanup.clean_page(grays[i], s)),
        ("deskew ±10° (was ±3°)", lambda i: deskew(grays[i])),
    ]
    out = []
    for name, fn in steps:
        times = []
        for _ in range(3):
            t = time.perf_counter()
            for i in range(len(pages)):
                fn(i)
            times.append((time.perf_counter() - t) / len(pages))
        out.append((name, statistics.median(times)))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", default="", help="spoilages to run, comma-separated (default: all)")
    ap.add_argument("--docs", default="scorecard,dvctt,dispatch")
    ap.add_argument("--no-before", action="store_true", help="only with the clean-up (skip CHITIEU_CLEANUP=off)")
    ap.add_argument("--show", action="store_true", help="print each document's page reasons and missed rows")
    args = ap.parse_args()
    names = [s for s in args.only.split(",") if s] or list(SPOILAGES)
    modes = [True] if args.no_before else [False, True]
    with tempfile.TemporaryDirectory(prefix="chitieu-spoil-") as tmp_name:
        tmp = Path(tmp_name)
        docs = {k: v for k, v in documents(tmp).items() if k in args.docs.split(",")}
        pipeline.process_file(SAMPLES / "scans" / "dispatch_003.png", "warm-up")   # models loaded once, untimed
        print(f"{'spoilage':9s} {'clean-up':8s} {'rows F1':>7s} {'rows':>7s} {'numbers':>9s} {'s/page':>6s} "
              f"{'bare':>5s} {'ratio':>5s}  wrong among marked / unmarked rows")
        totals: dict[bool, list] = {m: [] for m in modes}
        for name in names:
            for on in modes:
                rows = []
                for doc, (pages, want) in docs.items():
                    tiff, pngs = spoiled(doc, name, pages, tmp)
                    r = run_case(tiff, pngs, want, on)
                    rows.append(r)
                    if args.show:
                        print(f"    {doc:10s} {'after' if on else 'before':6s} F1 {r['F1']:.3f} numbers "
                              f"{r['num_right']}/{r['num']} missed {r['missed']} {r['status']} {r['error'] or ''}"
                              f" | {' / '.join(r['reasons'])}")
                s = _sum(rows)
                totals[on].append(s)
                print(f"{name:9s} {'after' if on else 'before':8s} {s['F1']:7.3f} {s['matched']:3d}/{s['want']:<3d} "
                      f"{_share(s['num_right'], s['num']):>9s} {s['ours'] / s['pages']:6.2f} "
                      f"{s['bare'] / s['pages']:5.2f} {s['ours'] / s['bare']:5.2f}  "
                      f"{_share(s['flagged_wrong'], s['flagged']):>7s} / {_share(s['others_wrong'], s['others'])}",
                      flush=True)
        for on in modes:
            t = {k: sum(s[k] for s in totals[on]) for k in ("flagged_wrong", "flagged", "others_wrong", "others")}
            print(f"all spoilages, clean-up {'on' if on else 'off'}: wrong records among marked rows "
                  f"{_share(t['flagged_wrong'], t['flagged'])}, among unmarked rows "
                  f"{_share(t['others_wrong'], t['others'])}")
        sample = []
        for name in ("clean", "photo", "stamp"):
            for doc, (pages, _) in docs.items():
                sample.append(SPOILAGES[name](pages[0], random.Random(f"{SEED}-cost-{doc}-{name}"))[0])
        print(f"cost of each clean-up step per page (median of 3, {len(sample)} pages: clean, photo and stamp):")
        for step, seconds in step_costs(sample):
            print(f"    {step:45s} {seconds * 1000:7.1f} ms")


if __name__ == "__main__":
    main()
