"""The whole pipeline on damaged copies of the real documents that have hand references: does restoration keep
the rows, numbers, statuses and parent rows the parser finds in the clean text, and how many titles come back
exactly, accents and all?

Each document is damaged two ways (diacritics stripped; the lossy code page of seed 002, every letter outside
SURVIVED turned into '?'), written to a temporary file and converted by pipeline.process_file with a syllable
model built without that document and a lexicon without the entries read off it (leave-one-out, as
restore_accuracy.py does), then scored against bench/references/<name>.rows.json by parse_scorer.score.
Usage: .venv/bin/python bench/damaged_parse.py"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))

import chitieu.normalize.repair as repair  # noqa: E402
import parse_scorer  # noqa: E402
from chitieu import pipeline  # noqa: E402
from chitieu.normalize.lexicon import Lexicon, shipped_lexicon  # noqa: E402
from restore_accuracy import qmark, strip  # noqa: E402
from tools.build_lexicon import TABLE_SOURCES  # noqa: E402
from tools.build_syllable_model import SHARED, build  # noqa: E402

DOCUMENTS = (("real_02", "02"), ("real_05", "05"), ("real_06", "06"), ("real_10", "10"))


class _Without(pipeline.RunSettings):
    """Run settings whose lexicon lacks the entries read off one document."""

    def __init__(self, lexicon: Lexicon):
        super().__init__()
        self._lexicon = lexicon

    def lexicon(self):
        return self._lexicon


def main() -> None:
    print(f"{'document':10s} {'damage':9s} {'F1':>6s}  {'numeric':>9s} {'status':>7s} {'parents':>8s} titles exact")
    for name, prefix in DOCUMENTS:
        source = next((SHARED / "real").glob(f"{prefix}_*.txt"))
        model = build(leave_out=(source,))
        repair.shipped_model = lambda m=model: m  # the pipeline's restorer reads the left-out model
        hidden = {desc for _, rel, desc, _ in TABLE_SOURCES if (SHARED / rel).resolve() == source.resolve()}
        settings = _Without(Lexicon([e for e in shipped_lexicon().entries if e.source not in hidden]))
        want, _ = parse_scorer.reference(name)
        first, last = parse_scorer.line_range(name)
        lines = source.read_text(encoding="utf-8").splitlines()
        for label, damage in (("clean", None), ("stripped", strip), ("qmark", qmark)):
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / source.name
                path.write_text("\n".join(damage(ln) if damage else ln for ln in lines), encoding="utf-8")
                got = [r for r in pipeline.process_file(path, name, settings).records
                       if first <= (r.line or 0) <= last]
            m = parse_scorer.score(got, want)
            print(f"{name:10s} {label:9s} {m['F1']:6.3f}  {m['num_right']:>4d}/{m['num']:<4d} "
                  f"{m['status_right']:>3d}/{m['status']:<3d} {m['parent_right']:>4d}/{m['parent']:<3d} "
                  f"{m['title_right']}/{m['titled']}", flush=True)


if __name__ == "__main__":
    main()
