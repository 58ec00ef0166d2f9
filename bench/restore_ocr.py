"""Restoration of seed-000-style damage: Vietnamese OCR'd with Tesseract's ENGLISH model.

Renders running-text lines of each real document (../shared/real/) into an image (DejaVu Sans, 300-dpi-like
size), OCRs it with `tesseract -l eng` (which garbles Vietnamese exactly like seed 000: 'Ty 1€ dich vu'),
restores the OCR text with a model built WITHOUT that document (leave-one-out), and scores syllables against
the source text (word alignment with difflib, case-insensitive), beside the raw OCR's score.
Needs the Debian package tesseract-ocr (make setup installs it). Usage:
    .venv/bin/python bench/restore_ocr.py [--lines 60] [--quick]"""
from __future__ import annotations

import argparse
import difflib
from collections import Counter
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PIL import Image, ImageDraw, ImageFont  # noqa: E402  (Pillow comes with pdfplumber)

from bench.restore_accuracy import PUNCT, syllables  # noqa: E402
from chitieu.normalize.restore import restore_lines  # noqa: E402
from chitieu.normalize.syllable_model import shipped_model  # noqa: E402
from tools.build_syllable_model import SHARED, build  # noqa: E402

FONT = ROOT / "samples" / "fonts" / "DejaVuSans.ttf"


def running_lines(path: Path, n: int) -> list[str]:
    """Lines of running text (six words or more, no table or markup characters)."""
    out = []
    for ln in path.read_text(encoding="utf-8").splitlines():
        ln = ln.strip()
        if len(ln.split()) >= 6 and not any(c in ln for c in "|*#_"):
            out.append(ln[:95])
        if len(out) >= n:
            break
    return out


def ocr_english(lines: list[str]) -> list[str]:
    font = ImageFont.truetype(str(FONT), 34)
    img = Image.new("L", (2480, 60 + 52 * len(lines)), 255)
    draw = ImageDraw.Draw(img)
    for i, ln in enumerate(lines):
        draw.text((80, 30 + 52 * i), ln, font=font, fill=0)
    with tempfile.TemporaryDirectory() as tmp:
        png = Path(tmp) / "page.png"
        img.save(png)
        env = dict(os.environ, OMP_THREAD_LIMIT="1")
        out = subprocess.run(["tesseract", str(png), "stdout", "-l", "eng", "--psm", "4"], capture_output=True,
                             text=True, env=env, check=True).stdout
    return [ln for ln in out.splitlines() if ln.strip()]


def words(lines: list[str]) -> list[str]:
    return [w.strip(PUNCT).lower() for ln in lines for w in ln.split() if w.strip(PUNCT)]


def aligned_right(reference: list[str], got: list[str]) -> int:
    """Reference syllables found at their place in got (longest matching blocks of an alignment)."""
    ref = [w for w in reference]
    matcher = difflib.SequenceMatcher(a=ref, b=got, autojunk=False)
    good = 0
    for block in matcher.get_matching_blocks():
        good += sum(1 for w in ref[block.a:block.a + block.size] if syllables(w))
    return good


def wrong_words(reference: list[str], got: list[str]) -> list[tuple[str, str]]:
    """(reference syllable, restored word) where the alignment pairs them one for one and they differ."""
    out = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=reference, b=got, autojunk=False).get_opcodes():
        if tag == "replace" and i2 - i1 == j2 - j1:
            out += [(a, b) for a, b in zip(reference[i1:i2], got[j1:j2]) if syllables(a)]
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=60)
    ap.add_argument("--quick", action="store_true", help="the shipped model instead of leave-one-out")
    ap.add_argument("--show", type=int, default=20, help="most frequent errors to print")
    args = ap.parse_args()
    total = raw_ok = fixed_ok = 0
    examples = []
    errors: Counter = Counter()
    for p in sorted((SHARED / "real").glob("[0-9]*.txt")):
        src = running_lines(p, args.lines)
        ocr = ocr_english(src)
        model = shipped_model() if args.quick else build(leave_out=(p,))
        restored = [t for t, _ in restore_lines(ocr, model)]
        ref = words(src)
        n = sum(1 for w in ref if syllables(w))
        r0, r1 = aligned_right(ref, words(ocr)), aligned_right(ref, words(restored))
        total, raw_ok, fixed_ok = total + n, raw_ok + r0, fixed_ok + r1
        errors.update(wrong_words(ref, words(restored)))
        print(f"{p.name[:40]}  {n} syllables  raw OCR {100 * r0 / n:5.1f}%  restored {100 * r1 / n:5.1f}%")
        examples.append((src[0], ocr[0] if ocr else "", restored[0] if restored else ""))
    print(f"model: {'shipped' if args.quick else 'leave-one-out'}")
    print(f"all: raw English-model OCR {100 * raw_ok / total:.2f}% of syllables right, "
          f"restored {100 * fixed_ok / total:.2f}% ({fixed_ok}/{total})")
    for s, o, r in examples[:3]:
        print(f"  source   {s}\n  OCR      {o}\n  restored {r}")
    print("most frequent errors (source → restored):",
          ", ".join(f"{a}→{b} ×{c}" for (a, b), c in errors.most_common(args.show)))


if __name__ == "__main__":
    main()
