"""The syllable language model behind diacritic restoration: counts of Vietnamese syllables and syllable pairs,
grouped by their accent-folded key ('tỷ' and 'tý' both live under 'ty').

Built by tools/build_syllable_model.py from official 2025 documents; shipped as normalize/data/syllables.tsv.gz.
File format (UTF-8, gzip): a line `U<TAB>syllable<TAB>count` per syllable, then `B<TAB>i<TAB>j<TAB>count` per
syllable pair and `T<TAB>i<TAB>j<TAB>k<TAB>count` per triple, i, j, k being 0-based positions among the U lines."""
from __future__ import annotations

import gzip
import math
import re
from collections import Counter, defaultdict
from functools import lru_cache
from pathlib import Path
from typing import Iterable

from normalize.encodings import is_syllable
from normalize.unicode import fold

MODEL_PATH = Path(__file__).parent / "data" / "syllables.tsv.gz"
# A sentence boundary: the start and end of a line and anything that is not a Vietnamese syllable.
BOUNDARY = "<s>"
# Every number is one pseudo-syllable: 'đạt 100%', 'năm 2025' and 'số 12' are strong contexts.
NUMBER = "<num>"
NO_WORD = "\x00"  # a syllable no text has: a context pair with it was never seen
# Words (runs of letters) and numbers; punctuation between two of them ends a syllable sequence.
WORD_OR_NUMBER = re.compile(r"[^\W\d_]+|\d+(?:[.,]\d+)*")
# Remembered log-probabilities before the memo starts over (about 200 bytes each).
MEMO_LIMIT = 1_000_000
# Interpolation weights: triple, pair, single syllable (Jelinek-Mercer; tuned by bench/restore_accuracy.py).
WEIGHTS = (0.5, 0.35, 0.15)


def syllable_sequences(text: str) -> Iterable[list[str]]:
    """Lower-case syllable runs of a text: a run ends at a line end, a non-syllable word or punctuation."""
    for line in text.splitlines():
        run: list[str] = []
        pos = 0
        for m in WORD_OR_NUMBER.finditer(line):
            gap = line[pos:m.start()]
            pos = m.end()
            word = NUMBER if m.group()[0].isdigit() else m.group().lower()
            good = word == NUMBER or (is_syllable(word) and _plausible(word))
            if (gap.strip() and run) or not good:
                if run:
                    yield run
                run = []
                if not good:
                    continue
            run.append(word)
        if run:
            yield run


def _plausible(word: str) -> bool:
    # one-letter words other than the real ones (à, ở, ý, …) are list markers, initials or OCR crumbs
    return len(word) > 1 or word in "aàáảãạoòóỏõọôốồổỗộơớờởỡợuùúủũụưứừửữựyýỳỷỹỵiìíỉĩị"


def count(texts: Iterable[str]) -> tuple[Counter, Counter, Counter]:
    """Unigram, bigram and trigram counts (with boundaries) of the syllables in texts."""
    uni: Counter = Counter()
    bi: Counter = Counter()
    tri: Counter = Counter()
    for text in texts:
        for run in syllable_sequences(text):
            uni.update(run)
            seq = [BOUNDARY, *run, BOUNDARY]
            bi.update(zip(seq, seq[1:]))
            tri.update(zip(seq, seq[1:], seq[2:]))
    return uni, bi, tri


class SyllableModel:
    """Log-probabilities of syllables in context, and the diacritized forms of each folded key."""

    def __init__(self, unigrams: Counter, bigrams: Counter, trigrams: Counter):
        self.uni = unigrams
        self.bi = bigrams
        self.tri = trigrams
        self.pair_left: Counter = Counter()  # how often each pair starts a triple
        for (a, b, _), c in trigrams.items():
            self.pair_left[(a, b)] += c
        self.total = sum(unigrams.values()) or 1
        self.left: Counter = Counter()  # how often each syllable starts a pair
        for (a, _), c in bigrams.items():
            self.left[a] += c
        self.by_key: dict[str, list[str]] = defaultdict(list)
        for word, _ in unigrams.most_common():
            self.by_key[fold(word)].append(word)
        self.vocab_size = len(unigrams) + 1
        self._memo: dict[tuple[str, str, str], float] = {}  # the same contexts recur on every line

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> "SyllableModel":
        """Read a model file written by save()."""
        words: list[str] = []
        uni: Counter = Counter()
        bi: Counter = Counter()
        tri: Counter = Counter()
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            for line in fh:
                parts = line.rstrip("\n").split("\t")
                if parts[0] == "U":
                    words.append(parts[1])
                    if parts[1] != BOUNDARY:
                        uni[parts[1]] = int(parts[2])
                elif parts[0] == "B":
                    bi[(words[int(parts[1])], words[int(parts[2])])] = int(parts[3])
                else:
                    tri[(words[int(parts[1])], words[int(parts[2])], words[int(parts[3])])] = int(parts[4])
        return cls(uni, bi, tri)

    def save(self, path: Path, min_pair: int = 2) -> None:
        """Write the model; pairs seen fewer than min_pair times are left out to keep the file small."""
        words = [BOUNDARY] + [w for w, _ in self.uni.most_common()]
        index = {w: i for i, w in enumerate(words)}
        lines = [f"U\t{w}\t{self.uni.get(w, 0)}" for w in words]
        lines += [f"B\t{index[a]}\t{index[b]}\t{c}" for (a, b), c in sorted(self.bi.items(), key=lambda kv: -kv[1])
                  if c >= min_pair and a in index and b in index]
        lines += [f"T\t{index[a]}\t{index[b]}\t{index[c]}\t{n}" for (a, b, c), n in
                  sorted(self.tri.items(), key=lambda kv: -kv[1]) if n >= min_pair]
        tmp = Path(f"{path}.tmp")
        with gzip.open(tmp, "wt", encoding="utf-8", compresslevel=9) as fh:
            fh.write("\n".join(lines) + "\n")
        tmp.replace(path)

    def unigram(self, word: str) -> float:
        """log P(word), add-half smoothed."""
        return math.log((self.uni.get(word, 0) + 0.5) / (self.total + 0.5 * self.vocab_size))

    def logp(self, prev2: str, prev: str, word: str) -> float:
        """log P(word | prev2 prev), interpolating triple, pair and single-syllable estimates."""
        key = (prev2, prev, word)
        value = self._memo.get(key)
        if value is None:
            if len(self._memo) > MEMO_LIMIT:
                self._memo.clear()  # memory stays bounded over a long batch
            value = self._memo[key] = self._logp(prev2, prev, word)
        return value

    def logp_after(self, prev: str, word: str) -> float:
        """logp(prev2, prev, word) for any prev2 that never came before prev (no triple can count): one memo entry
        serves them all."""
        return self.logp(NO_WORD, prev, word)

    def seen_pair(self, prev2: str, prev: str) -> bool:
        """True when the pair (prev2, prev) starts some triple of the model."""
        return (prev2, prev) in self.pair_left

    def _logp(self, prev2: str, prev: str, word: str) -> float:
        w3, w2, w1 = WEIGHTS
        p = w1 * (self.uni.get(word, 0) + 0.5) / (self.total + 0.5 * self.vocab_size)
        n = self.left.get(prev, 0)
        if n:
            p += w2 * self.bi.get((prev, word), 0) / n
        else:
            p += w2 * p / w1
        n = self.pair_left.get((prev2, prev), 0)
        if n:
            p += w3 * self.tri.get((prev2, prev, word), 0) / n
        else:
            p += w3 * p / (w1 + w2)
        return math.log(p)

    def forms(self, key: str) -> list[str]:
        """Diacritized syllables whose folded form is key, most frequent first."""
        return self.by_key.get(key, [])


@lru_cache(maxsize=1)
def shipped_model() -> SyllableModel:
    """The model that ships with chitieu (loaded once per process)."""
    return SyllableModel.load()
