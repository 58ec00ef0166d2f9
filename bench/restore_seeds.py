"""Diacritic restoration on the damaged seeds themselves, against references written by hand.

bench/references/seed_000.txt and seed_003.txt hold, line for line, what the author of each damaged seed typed
(read off the OCR text by a person, not produced by this code; their notes files list the doubtful lines). The
seed goes through normalize.repair_text whole, as the pipeline does, and each line is compared with its reference
line word by word (aligned, so that a word OCR split or lost costs only itself). A reference word counts when it
is a Vietnamese syllable; it is right when the repaired line has it exactly, case aside. The seeds were never
text the syllable model was built from (tools/build_syllable_model.py leaves damaged text out).
Usage: .venv/bin/python bench/restore_seeds.py [--show N]
"""
from __future__ import annotations

import argparse
import difflib
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from normalize.encodings import is_syllable  # noqa: E402
from normalize.repair import repair_text  # noqa: E402

PUNCT = "\"'“”‘’()[]{}.,;:!?*|…-–—/%"
SEEDS = ROOT / "samples" / "seeds"
REFERENCES = ROOT / "bench" / "references"


def words(line: str) -> list[str]:
    return [w.strip(PUNCT).lower() for w in line.split() if w.strip(PUNCT)]


def score(reference: list[str], got: list[str]) -> tuple[int, int, Counter]:
    """(syllables right, syllables in the reference, wrong readings) over aligned lines."""
    right = total = 0
    wrong: Counter = Counter()
    for ref, out in zip(reference, got):
        want, have = words(ref), words(out)
        aligned: dict[int, str] = {}
        matcher = difflib.SequenceMatcher(a=want, b=have, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal" or (tag == "replace" and i2 - i1 == j2 - j1):
                aligned.update({i1 + k: have[j1 + k] for k in range(i2 - i1)})
        for i, w in enumerate(want):
            if not (w.isalpha() and is_syllable(w)):
                continue
            total += 1
            if aligned.get(i) == w:
                right += 1
            else:
                wrong[(w, aligned.get(i, "∅"))] += 1
    return right, total, wrong


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--show", type=int, default=12, help="most frequent errors to print per seed")
    args = ap.parse_args()
    for prefix in ("000", "003"):
        source = next(SEEDS.glob(f"{prefix}_*.txt")).read_text(encoding="utf-8").splitlines()
        reference = (REFERENCES / f"seed_{prefix}.txt").read_text(encoding="utf-8").splitlines()
        repaired = repair_text("\n".join(source)).text.split("\n")
        assert len(repaired) == len(source), "repair keeps one line per line"
        raw_right, total, _ = score(reference, source)
        right, total, wrong = score(reference, repaired)
        print(f"seed {prefix}: {len(reference)} lines, {total} syllables; as OCR'd {100 * raw_right / total:.1f}% "
              f"right, repaired {100 * right / total:.1f}% ({right}/{total}; target 97%)")
        print("  most frequent errors (reference → repaired):",
              ", ".join(f"{a}→{b} ×{c}" for (a, b), c in wrong.most_common(args.show)))


if __name__ == "__main__":
    main()
