"""Issue 23's `bench/scale.py`: bench/archive_scale.py with the sizes the issue names (100, 400 and 1,600
distinct files), the re-runs, and without the workbook writers' comparison; any of its options may be given.

    .venv/bin/python bench/scale.py
    .venv/bin/python bench/scale.py --sizes 400 --repeat 3
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import archive_scale  # noqa: E402

if __name__ == "__main__":
    given = sys.argv[1:]
    defaults = ([] if any(a.startswith("--sizes") for a in given) else ["--sizes", "100,400,1600"]) + \
        ([] if "--xlsx-only" in given else ["--no-writers"])
    sys.argv[1:] = defaults + given
    archive_scale.main()
