"""The syllable model read back from the user's cache is the model the file gives, and a cache that is
missing, broken or unwritable only costs the time of loading the file."""
import os
import time

import pytest

from chitieu.normalize import syllable_model
from chitieu.normalize.restore import restore_lines
from chitieu.normalize.syllable_model import MODEL_PATH, SyllableModel, cached_model

STRIPPED = ["Ty le thu tuc hanh chinh cong bo dung han", "Ket qua thuc hien chi so cai cach hanh chinh nam 2025"]


@pytest.fixture(scope="module")
def loaded():
    return SyllableModel.load(MODEL_PATH)


def _same(a: SyllableModel, b: SyllableModel) -> None:
    for name in syllable_model._STATE:
        x, y = getattr(a, name), getattr(b, name)
        assert type(x) is type(y) and x == y, name
    assert all(a.by_key[k] == b.by_key[k] for k in b.by_key)   # readings in the same order, most frequent first


def test_model_from_the_cache_is_the_model_of_the_file(tmp_path, monkeypatch, loaded):
    monkeypatch.setenv(syllable_model.CACHE_ENV, str(tmp_path))
    first = cached_model(MODEL_PATH)          # nothing cached: loaded from the file, then written
    files = list(tmp_path.glob("syllables-*.marshal"))
    assert len(files) == 1
    second = cached_model(MODEL_PATH)         # read back
    _same(first, loaded)
    _same(second, loaded)
    assert restore_lines(STRIPPED, second) == restore_lines(STRIPPED, loaded)
    assert restore_lines(STRIPPED, second)[0][0] == "Tỷ lệ thủ tục hành chính công bố đúng hạn"


def test_broken_or_stale_cache_files_are_replaced(tmp_path, monkeypatch, loaded):
    monkeypatch.setenv(syllable_model.CACHE_ENV, str(tmp_path))
    cached_model(MODEL_PATH)
    (where,) = tmp_path.glob("syllables-*.marshal")
    where.write_bytes(where.read_bytes()[:1000])   # cut short
    stale = tmp_path / "syllables-0000.marshal"
    stale.write_bytes(b"an older model's tables, unused for a long time")
    month_ago = time.time() - (syllable_model.STALE_DAYS + 1) * 86400
    os.utime(stale, (month_ago, month_ago))
    other = tmp_path / "syllables-1111.marshal"
    other.write_bytes(b"another install's tables, used today")
    _same(cached_model(MODEL_PATH), loaded)
    assert sorted(tmp_path.glob("syllables-*.marshal")) == sorted([where, other])
    assert where.stat().st_size > 1_000_000


def test_unwritable_cache_is_skipped(tmp_path, monkeypatch, loaded):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv(syllable_model.CACHE_ENV, str(blocker / "cache"))
    _same(cached_model(MODEL_PATH), loaded)
    assert not list(tmp_path.glob("**/*.tmp"))


def test_cache_is_per_model_file(tmp_path, monkeypatch):
    """Another model file (tools/build_syllable_model.py writes one) has a cache file of its own."""
    monkeypatch.setenv(syllable_model.CACHE_ENV, str(tmp_path / "cache"))
    other = tmp_path / "other.tsv.gz"
    SyllableModel.load(MODEL_PATH).save(other, min_pair=3)
    assert syllable_model._cache_file(other) != syllable_model._cache_file(MODEL_PATH)
    smaller = cached_model(other)
    assert len(smaller.tri) < len(cached_model(MODEL_PATH).tri)


def test_reading_the_cache_marks_it_used(tmp_path, monkeypatch):
    """A cache file read every day is never taken for another install's stale one."""
    monkeypatch.setenv(syllable_model.CACHE_ENV, str(tmp_path))
    cached_model(MODEL_PATH)
    (where,) = tmp_path.glob("syllables-*.marshal")
    month_ago = time.time() - (syllable_model.STALE_DAYS + 1) * 86400
    os.utime(where, (month_ago, month_ago))
    cached_model(MODEL_PATH)
    assert where.stat().st_mtime > time.time() - 3600
