from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
SEEDS = SAMPLES / "seeds"          # byte-for-byte copies of ../shared/seeds made by samples/make_samples.py
# copies of ../shared/real (official documents, no copyright: Art. 15 of the IP law), so tests run anywhere
REAL = ROOT / "tests" / "data" / "real"
BAD = ROOT / "tests" / "data" / "bad"


def seed(prefix: str) -> Path:
    return next(SEEDS.glob(f"{prefix}_*.txt"))


@pytest.fixture(scope="session")
def seed_docs():
    """Every seed through the whole pipeline once, keyed by its number ('000'…'004')."""
    from chitieu import pipeline
    return {p.name[:3]: pipeline.process_file(p, p.name) for p in sorted(SEEDS.glob("*.txt"))}
