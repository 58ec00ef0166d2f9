"""Build normalize/data/ocr_channel.tsv: how Tesseract's English model misreads Vietnamese (seed 000's damage).

Renders running-text lines of the official corpus (../shared/corpus/official-2025-01.txt; never ../shared/real/,
which the benchmark holds out) with DejaVu Sans, OCRs them with `tesseract -l eng --psm 4`, aligns the OCR words
with the source words and counts, per OCR'd word, which source words it stood for ('ty' → tự, tỷ; 'phic' →
phúc; a word read right counts too), and per letter group, which folded letters it stood for ('¢' → 'e'). Rows: kind (word|char), OCR text,
source text, count. Needs Debian's tesseract-ocr. Usage: .venv/bin/python tools/build_ocr_channel.py [--pages 120]"""
from __future__ import annotations

import argparse
import difflib
import os
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PIL import Image, ImageDraw, ImageFont  # noqa: E402

from chitieu.normalize.unicode import fold  # noqa: E402

SHARED = ROOT.parent / "shared"
OUT = ROOT / "normalize" / "data" / "ocr_channel.tsv"
FONT = ROOT / "samples" / "fonts" / "DejaVuSans.ttf"
BOLD = ROOT / "samples" / "fonts" / "DejaVuSans-Bold.ttf"
PUNCT = "\"'“”‘’()[]{}.,;:!?*|…-–—/%"
LINES_PER_PAGE = 45


def source_lines(limit: int) -> list[str]:
    text = (SHARED / "corpus" / "official-2025-01.txt").read_text(encoding="utf-8")
    out = []
    for ln in text.splitlines():
        ln = ln.strip()
        if len(ln.split()) >= 5 and not any(c in ln for c in "|*#_"):
            out.append(ln[:95])
        if len(out) >= limit:
            break
    return out


def ocr_page(lines: list[str], font_path: Path, size: int) -> list[str]:
    font = ImageFont.truetype(str(font_path), size)
    step = int(size * 1.55)
    img = Image.new("L", (2480, 60 + step * len(lines)), 255)
    draw = ImageDraw.Draw(img)
    for i, ln in enumerate(lines):
        draw.text((80, 30 + step * i), ln, font=font, fill=0)
    with tempfile.TemporaryDirectory() as tmp:
        png = Path(tmp) / "p.png"
        img.save(png)
        out = subprocess.run(["tesseract", str(png), "stdout", "-l", "eng", "--psm", "4"], capture_output=True,
                             text=True, check=True, env=dict(os.environ, OMP_THREAD_LIMIT="1")).stdout
    return [ln for ln in out.splitlines() if ln.strip()]


def words(lines: list[str]) -> list[str]:
    return [w.strip(PUNCT) for ln in lines for w in ln.split() if w.strip(PUNCT)]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pages", type=int, default=120)
    args = ap.parse_args()
    src_all = source_lines(args.pages * LINES_PER_PAGE)
    word_pairs: Counter = Counter()
    char_pairs: Counter = Counter()
    for i in range(0, len(src_all), LINES_PER_PAGE):
        page = src_all[i:i + LINES_PER_PAGE]
        # two faces and sizes, so the table is not one font's habits
        font, size = (FONT, 34) if (i // LINES_PER_PAGE) % 2 == 0 else (BOLD, 30)
        ref, got = words(page), words(ocr_page(page, font, size))
        matcher = difflib.SequenceMatcher(a=[fold(w) for w in ref], b=[fold(w) for w in got], autojunk=False)
        for op, a0, a1, b0, b1 in matcher.get_opcodes():
            if op == "equal" or (op == "replace" and a1 - a0 == b1 - b0):
                for s, o in zip(ref[a0:a1], got[b0:b1]):
                    s, o = s.lower(), o.lower()
                    word_pairs[(o, s)] += 1
                    for cop, x0, x1, y0, y1 in difflib.SequenceMatcher(a=o, b=fold(s), autojunk=False).get_opcodes():
                        if cop != "equal" and x1 - x0 <= 2 and y1 - y0 <= 2:
                            char_pairs[(o[x0:x1], fold(s)[y0:y1])] += 1
        print(f"page {i // LINES_PER_PAGE + 1}: {len(ref)} words", file=sys.stderr)
    rows = ["kind\tocr\tsource\tcount"]
    rows += [f"word\t{o}\t{s}\t{c}" for (o, s), c in sorted(word_pairs.items(), key=lambda kv: (-kv[1], kv[0]))
             if c >= 2]
    rows += [f"char\t{o}\t{s}\t{c}" for (o, s), c in sorted(char_pairs.items(), key=lambda kv: (-kv[1], kv[0]))
             if c >= 3]
    tmp = OUT.with_suffix(".tmp")
    tmp.write_text("\n".join(rows) + "\n", encoding="utf-8")
    tmp.replace(OUT)
    print(f"{sum(1 for r in rows if r.startswith('word'))} word readings, "
          f"{sum(1 for r in rows if r.startswith('char'))} letter readings → {OUT}")


if __name__ == "__main__":
    main()
