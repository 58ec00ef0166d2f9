"""Every sample's records are checked in (tests/golden/); any change in output shows up here and in review.

Regenerate with `make golden` and read `git diff tests/golden` before committing."""
import json

import pytest

from make_golden import GOLDEN, golden_name, sample_files, snapshot

SAMPLES = sample_files()


def test_every_sample_has_a_golden_file():
    assert SAMPLES, "samples/ is empty"
    missing = [golden_name(p) for p in SAMPLES if not (GOLDEN / golden_name(p)).exists()]
    assert not missing, f"run `make golden` for {missing}"


@pytest.mark.parametrize("path", SAMPLES, ids=[p.name for p in SAMPLES])
def test_golden(path):
    expected = json.loads((GOLDEN / golden_name(path)).read_text(encoding="utf-8"))
    got = json.loads(json.dumps(snapshot(path), ensure_ascii=False))
    assert got["document"] == expected["document"]
    assert len(got["records"]) == len(expected["records"])
    for g, e in zip(got["records"], expected["records"]):
        assert g == e, f"record {e['seq']} (STT {e['stt_raw']}) changed"
