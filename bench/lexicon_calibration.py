"""Lexicon matching: where to put the threshold, and how fast it is.

Prints (1) scores of known pairs — the same indicator in its 2023 wording (seed 002) and its 2025 wording
(lexicon_766), hand-paired below, and every indicator entry damaged like seed 002's '?' copy — against its
own entry; (2) the best score of a WRONG entry for each indicator (impostors), with the highest ones listed so
a reader can see whether they are true aliases; (3) time to match 10,000 lines against a 5,000-entry lexicon.
Usage: .venv/bin/python bench/lexicon_calibration.py"""
from __future__ import annotations

import random
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rapidfuzz import fuzz, process  # noqa: E402

from chitieu.normalize.lexicon import DIGITS, MATCH_THRESHOLD, Entry, Lexicon, _key  # noqa: E402

# Seed 002 (2023 wording) STT → lexicon_766 (2025 wording) code, paired by reading both lists.
PAIRS_2023_2025 = {"1.1": "1.1", "1.2": "1.2", "1.3": "1.3", "1.4": "1.4", "3.2": "3.2", "3.5.1": "3.6",
                   "3.5.3": "3.5", "4.2": "5.3", "4.3": "5.4", "5.1": "4.1", "5.2": "4.2", "5.3": "4.3"}
# Letters that the lossy code page of seed 002 turned into '?': those with a hook, tilde or dot below, and
# the circumflex/breve/horn letters carrying a tone other than acute/grave.
SURVIVED = set("àáâèéêìíòóôúýăđơưÀÁÂÈÉÊÌÍÒÓÔÚÝĂĐƠƯ")


def qmark(text: str) -> str:
    return "".join(c if c.isascii() or c in SURVIVED else "?" for c in text)


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def main() -> None:
    lex = Lexicon.load()
    by_id = {e.id: e for e in lex.indicators}
    print(f"lexicon: {len(lex.entries)} entries, {len(lex.indicators)} indicators/groups; threshold {MATCH_THRESHOLD}")

    print("\n(1) known pairs, score against the right entry")
    own = []
    for s23, s25 in PAIRS_2023_2025.items():
        a, b = by_id[f"bcs766-2023:{s23}"].wording, by_id[f"bcs766:{s25}"].wording
        own.append(("2023 vs 2025 wording", fuzz.ratio(_key(a), _key(b))))
    for e in lex.indicators:
        own.append(("'?' damage", fuzz.ratio(_key(qmark(e.wording)), _key(e.wording))))
    for label in ("2023 vs 2025 wording", "'?' damage"):
        scores = [s for l, s in own if l == label]
        hit = sum(s >= MATCH_THRESHOLD for s in scores)
        print(f"  {label:22s} n={len(scores):3d} min={min(scores):5.1f} median={statistics.median(scores):5.1f} "
              f"recall at threshold {hit / len(scores):.0%}")

    print("\n(2) impostors: best score of any entry with a different folded wording")
    keys = [_key(e.wording) for e in lex.indicators]
    numbers = [sorted(DIGITS.findall(k)) for k in keys]
    worst = []
    for i, e in enumerate(lex.indicators):
        # the matcher never pairs names whose numbers differ, so neither does this count
        choices = {j: k for j, k in enumerate(keys) if k != keys[i] and numbers[j] == numbers[i]}
        best = process.extractOne(keys[i], choices, scorer=fuzz.ratio)
        if best:
            worst.append((best[1], e.wording, lex.indicators[best[2]].wording))
    scores = [w[0] for w in worst]
    print(f"  n={len(scores)} median={statistics.median(scores):.1f} p90={pct(scores, .9):.1f} "
          f"p99={pct(scores, .99):.1f} max={max(scores):.1f}; above threshold: "
          f"{sum(s >= MATCH_THRESHOLD for s in scores)}")
    for s, a, b in sorted(worst, reverse=True)[:8]:
        print(f"   {s:5.1f}  {a[:60]!r}\n          {b[:60]!r}")

    print("\n(3) speed: 10,000 lines against a 5,000-entry lexicon (one core)")
    corpus = (ROOT.parent / "shared" / "corpus" / "official-2025-01.txt").read_text(encoding="utf-8")
    sentences = sorted({s.strip() for s in re.split(r"[.\n;]", corpus) if 25 <= len(s.strip()) <= 140})
    rng = random.Random(7)
    rng.shuffle(sentences)
    big = Lexicon(lex.entries + [Entry(f"x:{i}", s, "indicator", "bench") for i, s in
                                 enumerate(sentences[:5000 - len(lex.indicators)])])
    lines = (sentences[5000:] * 3)[:10000]
    t = time.perf_counter()
    hits = sum(big.match(line) is not None for line in lines)
    took = time.perf_counter() - t
    print(f"  {len(big.indicators)} entries, {len(lines)} lines: {took:.2f} s ({len(lines) / took:,.0f} lines/s), "
          f"{hits} matched")


if __name__ == "__main__":
    main()
