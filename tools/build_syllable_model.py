"""Build normalize/data/syllables.tsv.gz, the syllable model of the diacritic restorer, and beside it
normalize/data/acronyms.tsv, the acronyms the same texts write with 'Đ' (HĐND, QĐ) by their stripped spelling.

Sources (official documents: no copyright under Art. 15 of the Vietnamese IP law; see ../shared/corpus/README.md):
- ../shared/corpus/official-2025-*.txt: 425 official documents of 2025 (9.4 MB);
- ../shared/real/*.txt: five more 2025 documents;
- the clean seeds 001, 002 (its lines without '?' damage) and 004; seeds 000 and 003 are damaged OCR, left out;
- the indicator lexicon normalize/data/lexicon.tsv;
- tools/data/pyvi-words.txt: the 31,157-entry word list of the pyvi package (0.1.1, MIT licence, © 2016
  Viet-Trung Tran, tools/data/pyvi-LICENSE.txt), for the pairs inside its 25,000 words of two syllables or more.
The text itself is not shipped, only syllable counts and the acronym table. Usage:
    .venv/bin/python tools/build_syllable_model.py [--leave-out FILE ...] [--out PATH]"""
from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared"

from chitieu.normalize.syllable_model import (ACRONYMS_PATH, MODEL_PATH, WORD_START, SyllableModel, count,  # noqa: E402
                                      syllable_sequences, write_acronyms)
from chitieu.normalize.restore import QMARK_WORD  # noqa: E402
from tools.build_lexicon import TABLE_SOURCES  # noqa: E402
from chitieu.normalize.unicode import fold  # noqa: E402

CLEAN_SEEDS = ("001_", "002_", "004_")
# How many times a source is counted: the reports' own register (seeds, real documents, indicator names) is
# rarer in the big corpus than in what users convert, so it weighs more. Tuned by bench/restore_accuracy.py.
WEIGHT = {"corpus": 1, "real": 3, "seeds": 3, "lexicon": 30}
WORD_LIST = ROOT / "tools" / "data" / "pyvi-words.txt"
# A dictionary word is evidence that its syllables go together ('kiến thiết', 'xổ số', 'phổ cập': none of them
# in the 1.9 M syllables of the corpus without the one document that uses them), not of how often, nor of what
# comes before or after it: its pairs and triples count this many times, and no line start or end.
# Leave-one-out (bench/restore_accuracy.py), wrong syllables stripped / '?', with the smoothing of the time
# (one discount, JM (0.5, 0.35, 0.15), 0.7 KN): without 565 / 406, weight 1 541 / 398, 3: 532 / 391, 10: 533 / 388;
# counted as lines, with starts and ends, weight 3: 545 / 402; as now (a word-start context of its own, no
# syllable the texts never use, which also keeps the candidates and the time as they were), weight 3: 537 / 389.
WORD_LIST_WEIGHT = 3


def training_texts(leave_out: tuple[Path, ...] = (), corpus_share: float = 1.0) -> list[tuple[Path, str]]:
    """(path, text) of every source, minus the ones left out (for leave-one-out evaluation); corpus_share < 1
    keeps that share of the corpus's documents, evenly spread (bench/restore_learning_curve.py)."""
    # by name: a copy of a document (tests/data/real, samples/seeds) is the same document
    skip = {p.name for p in leave_out}
    paths = sorted((SHARED / "corpus").glob("official-*.txt")) + sorted((SHARED / "real").glob("[0-9]*.txt"))
    paths += [p for p in sorted((SHARED / "seeds").glob("*.txt")) if p.name.startswith(CLEAN_SEEDS)]
    out = []
    for p in paths:
        if p.name in skip:
            continue
        text = p.read_text(encoding="utf-8-sig")
        if p.parent.name == "seeds":
            text = "\n".join(ln for ln in text.splitlines() if not QMARK_WORD.search(ln))  # seed 002's '?' copy
        if p.parent.name == "corpus" and corpus_share < 1:
            documents = text.split("\n\n")  # one document per block
            n, keep = len(documents), max(1, round(corpus_share * len(documents)))
            text = "\n\n".join(documents[i * n // keep] for i in range(keep))
        out.append((p, text))
    lexicon = ROOT / "normalize" / "data" / "lexicon.tsv"
    # entries read off a document that is left out go with it (its indicator names are its own text)
    hidden = {source for _, rel, source, _ in TABLE_SOURCES if Path(rel).name in skip}
    rows = [ln.split("\t") for ln in lexicon.read_text(encoding="utf-8").splitlines()[1:]]
    out.append((lexicon, "\n\n".join(row[1] for row in rows if row[3] not in hidden)))
    return out


def build(leave_out: tuple[Path, ...] = (), corpus_share: float = 1.0) -> SyllableModel:
    """A model counted from the training texts."""
    texts, plain = [], []
    for path, text in training_texts(leave_out, corpus_share):
        kind = "lexicon" if path.suffix == ".tsv" else path.parent.name
        texts += [text] * WEIGHT.get(kind, 1)
        plain.append(text)
    uni, bi, tri = count(texts)
    _add_words(WORD_LIST.read_text(encoding="utf-8").splitlines(), WORD_LIST_WEIGHT, uni, bi, tri)
    model = SyllableModel(uni, bi, tri)
    model.acronyms = acronyms(plain, model)
    return model


def _add_words(words: list[str], weight: int, uni: Counter, bi: Counter, tri: Counter) -> None:
    """Count the syllables, pairs and triples inside each word of two syllables or more, weight times; words
    with a syllable the texts never use are left out, so that the dictionary adds no reading of its own."""
    if weight <= 0:
        return
    for word in words:
        for run in syllable_sequences(word):
            if len(run) < 2 or not all(syllable in uni for syllable in run):
                continue
            marked = [WORD_START, *run]
            for counter, grams in ((uni, run), (bi, zip(run, run[1:])), (tri, zip(marked, marked[1:], marked[2:]))):
                for gram in grams:
                    counter[gram] += weight


CAPITALS = re.compile(r"(?<![^\W_])[A-ZĐ]{2,10}(?![^\W_])")


def acronyms(texts: list[str], model: SyllableModel, min_count: int = 5) -> dict[str, str]:
    """Acronyms holding 'Đ' (HĐND, QĐ, BCĐ), keyed by their spelling with 'D' when the texts (nearly) never
    write them so: what a stripped document's 'HDND' stood for. Capital words (ĐẤT, ĐAI) are no acronyms."""
    seen = Counter(m.group() for text in texts for m in CAPITALS.finditer(text))
    out = {}
    for form, n in seen.items():
        plain = form.replace("Đ", "D")
        # two letters ('ĐT', 'CĐ') stand for several things unless one is the rule ('QĐ', 'NĐ')
        common = len(form) > 2 or n >= 100 * min_count
        if "Đ" in form and n >= min_count and common and seen[plain] <= 0.05 * n and not model.forms(fold(form)):
            out[plain] = form
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--leave-out", type=Path, nargs="*", default=[])
    ap.add_argument("--out", type=Path, default=MODEL_PATH)
    args = ap.parse_args()
    model = build(tuple(args.leave_out))
    model.save(args.out)
    if not args.leave_out and args.out == MODEL_PATH:
        write_acronyms(model.acronyms)
        print(f"{len(model.acronyms)} acronyms with 'Đ' → {ACRONYMS_PATH}")
    print(f"{len(model.uni)} syllables, {len(model.bi)} pairs, {len(model.tri)} triples, "
          f"{model.total} syllables counted → {args.out} ({args.out.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
