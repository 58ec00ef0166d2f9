"""Rewrite tests/golden/ from the current pipeline (`make golden`); review the diff before committing."""
from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

GOLDEN = ROOT / "tests" / "golden"
SAMPLES = ROOT / "samples"


def sample_files() -> list[Path]:
    from chitieu.extract import INPUT_SUFFIXES
    # scans are checked against their text twins (tests/test_ocr.py), not byte for byte: OCR output may move
    # with the Tesseract version
    return sorted(p for p in SAMPLES.rglob("*") if p.is_file() and p.suffix.lower() in INPUT_SUFFIXES
                  and p.name != "README.md" and "fonts" not in p.parts and "scans" not in p.parts)


def golden_name(path: Path) -> str:
    return path.relative_to(SAMPLES).as_posix().replace("/", "__") + ".json"


def snapshot(path: Path) -> dict:
    """What a golden file holds for one sample: the document summary and its records."""
    from chitieu import pipeline
    doc = pipeline.process_file(path, path.relative_to(SAMPLES).as_posix())
    summary = doc.summary()
    summary.pop("seconds")
    return {"document": summary, "records": [r.to_dict() for r in doc.records]}


def main() -> None:
    GOLDEN.mkdir(parents=True, exist_ok=True)
    wanted = set()
    for path in sample_files():
        name = golden_name(path)
        wanted.add(name)
        (GOLDEN / name).write_text(json.dumps(snapshot(path), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print("wrote", name)
    for old in GOLDEN.glob("*.json"):
        if old.name not in wanted:
            old.unlink()
            print("removed", old.name)


if __name__ == "__main__":
    main()
