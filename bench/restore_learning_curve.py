"""How restoration accuracy grows with the training corpus: the leave-one-out scores of restore_accuracy.py with
1/8, 1/4, 1/2 and all of the corpus's documents (evenly spread; the real documents, clean seeds, lexicon and
dictionary always in), and a power law fitted to the wrong syllables to say how much more text of the same
register a target would need. Takes about five minutes. Usage: .venv/bin/python bench/restore_learning_curve.py"""
from __future__ import annotations

import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.restore_accuracy import qmark, score, strip  # noqa: E402
from tools.build_syllable_model import SHARED, build  # noqa: E402

SHARES = (0.125, 0.25, 0.5, 1.0)
TARGETS = {"stripped": 0.97, "qmark": 0.995}


def main() -> None:
    docs = sorted((SHARED / "real").glob("[0-9]*.txt"))
    texts = {p: [ln for ln in p.read_text(encoding="utf-8").splitlines() if ln.strip()] for p in docs}
    rows = []
    print(f"{'corpus':>8} {'syllables counted':>18} {'stripped wrong':>15} {'? wrong':>10}")
    for share in SHARES:
        wrong = {"stripped": 0, "qmark": 0}
        total = counted = 0
        for p in docs:
            model = build(leave_out=(p,), corpus_share=share)
            counted = model.total
            for kind, damage in (("stripped", strip), ("qmark", qmark)):
                right, n, _, _ = score(texts[p], [damage(ln) for ln in texts[p]], model)
                wrong[kind] += n - right
            total += n
        rows.append((share, counted, wrong))
        print(f"{share:8.3f} {counted:18,d} {wrong['stripped']:15d} {wrong['qmark']:10d}   of {total:,} syllables",
              flush=True)
    # least squares on log(wrong) = a + b log(syllables counted): wrong ∝ size^b
    for kind, target in TARGETS.items():
        xs = [math.log(c) for _, c, _ in rows]
        ys = [math.log(w[kind]) for _, _, w in rows]
        mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
        b = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)
        a = my - b * mx
        allowed = (1 - target) * total
        need = math.exp((math.log(allowed) - a) / b)
        now = rows[-1][1]
        print(f"{kind}: wrong ∝ size^{b:.2f} (each doubling of the text keeps {2 ** b:.0%} of the errors); "
              f"{100 * target:.1f} % allows {allowed:.0f} wrong: "
              + (f"met with today's {now:,} syllables" if rows[-1][2][kind] <= allowed else
                 f"about {need:,.0f} syllables counted, {need / now:.1f}× today's {now:,}"))


if __name__ == "__main__":
    main()
