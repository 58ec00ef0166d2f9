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

from chitieu.normalize.encodings import is_syllable  # noqa: E402
from chitieu.normalize.repair import repair_text  # noqa: E402
from chitieu.normalize.restore import QMARK_WORD  # noqa: E402

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
    qmark_copy()


def qmark_copy() -> None:
    """Seed 002's second half is a '?' copy (the lossy code page) of part of the table printed cleanly above it:
    the clean print is its reference. Copy and print are aligned word by word through the damage itself (the
    clean words as the code page turns them), so the alignment does not depend on the restoration."""
    from restore_accuracy import qmark  # noqa: E402 (bench/ is on the path when run as a script)
    lines = next(SEEDS.glob("002_*.txt")).read_text(encoding="utf-8").splitlines()
    cut = next(i for i, ln in enumerate(lines) if QMARK_WORD.search(ln))
    clean = [w for ln in lines[:cut] for w in words(ln)]
    edge = PUNCT.replace("?", "")  # '?' is a letter here, not punctuation to strip
    damaged = [w.strip(edge).lower() for ln in lines[cut:] for w in ln.split() if w.strip(edge)]
    matcher = difflib.SequenceMatcher(a=[qmark(w) for w in clean], b=damaged, autojunk=False)
    # as the pipeline reads the file (the clean print is the document's own spelling, and the shipped model
    # counted it), and the copy alone with a model built without seed 002: the honest figure
    from chitieu.normalize.restore import restore_lines
    from tools.build_syllable_model import SHARED, build
    # the model's copy of the seeds is ../shared/seeds (samples/seeds holds the same files); leaving it out also
    # leaves out the lexicon entries read off it
    without = build(leave_out=(next((SHARED / "seeds").glob("002_*.txt")),))
    for label, out in (("whole file, shipped model", repair_text("\n".join(lines)).text.split("\n")[cut:]),
                       ("the copy alone, model without seed 002", [t for t, _ in restore_lines(lines[cut:], without)])):
        _score_copy(label, clean, damaged, [w for ln in out for w in words(ln)], matcher)


def _score_copy(label, clean, damaged, repaired, matcher) -> None:
    assert len(repaired) == len(damaged), "repair keeps the words of each line"
    right = total = raw = 0
    wrong: Counter = Counter()
    for block in matcher.get_matching_blocks():
        for k in range(block.size):
            want, got = clean[block.a + k], repaired[block.b + k]
            if want.isalpha() and is_syllable(want):
                total += 1
                right += got == want
                raw += damaged[block.b + k] == want
                if got != want:
                    wrong[(want, got)] += 1
    print(f"seed 002, '?' copy against the clean print above it ({label}): {total} syllables; as damaged "
          f"{100 * raw / total:.1f}% right, repaired {100 * right / total:.1f}% ({right}/{total}; target 99.5%)")
    if wrong:
        print("  errors (reference → repaired):", ", ".join(f"{a}→{b} ×{c}" for (a, b), c in wrong.most_common(12)))


if __name__ == "__main__":
    main()
