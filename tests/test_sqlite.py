"""The searchable database: seeds in, queries with and without diacritics out, re-ingest and crash safety."""
import sqlite3
import subprocess
import sys
import textwrap

import pytest

from chitieu.output.sqlite import connect, export, ingest, search, write_database
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def db(seed_docs, tmp_path_factory):
    path = tmp_path_factory.mktemp("db") / "chitieu.sqlite"
    write_database(path, seed_docs.values())
    return path


def _count(path, table):
    with sqlite3.connect(path) as conn:
        return conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


def test_every_record_and_document_is_stored(db, seed_docs):
    assert _count(db, "documents") == len(seed_docs)
    assert _count(db, "records") == sum(len(d.records) for d in seed_docs.values())
    with sqlite3.connect(db) as conn:
        # numbers are stored as numbers, not text
        value, typ = conn.execute("SELECT value, typeof(value) FROM records WHERE doc_id = ? AND stt = '1.1'",
                                  (seed_docs["002"].doc_id,)).fetchone()
    assert (value, typ) == (49.22, "real")


@pytest.mark.parametrize("query", ["Tỷ lệ dịch vụ công trực tuyến", "ty le dich vu cong truc tuyen",
                                   "TY LE DICH VU CONG TRUC TUYEN"])
def test_search_with_or_without_diacritics_finds_the_same_rows(db, query):
    hits = search(db, query, limit=50)
    assert hits, query
    assert all(h.how == "fts" for h in hits)
    # the row that holds the words as a phrase comes first (seed 001, row 1), then rows with all the words
    assert (hits[0].source[:3], hits[0].stt) == ("001", "1")
    assert "ty le dich vu cong truc tuyen" in _fold(hits[0].title)
    # the snippet marks the words in the original, accented text
    assert hits[0].snippet.startswith("[Tỷ] [lệ] [dịch] [vụ] [công] [trực] [tuyến]")


def test_folded_query_finds_the_responsible_body(db, seed_docs):
    hits = search(db, "UBND tinh", doc=seed_docs["004"].doc_id, limit=5)
    assert hits and all(h.doc_id == seed_docs["004"].doc_id for h in hits)
    assert any("UBND tỉnh" in (h.snippet or "") or "UBND" in (h.title or "") for h in hits)


def test_same_rows_with_and_without_diacritics(db):
    a = [(h.doc_id, h.stt) for h in search(db, "hồ sơ trực tuyến", limit=100)]
    b = [(h.doc_id, h.stt) for h in search(db, "ho so truc tuyen", limit=100)]
    assert a and a == b


def test_typo_falls_back_to_fuzzy_titles(db):
    # 'truc tuyn' and 'dcih' are typos FTS cannot match
    hits = search(db, "ty le dcih vu cong truc tuyn", limit=5)
    assert hits and hits[0].how == "fuzzy"
    assert "dich vu cong truc tuyen" in _fold(hits[0].title)


def test_nonsense_finds_nothing(db):
    assert search(db, "zzqx wvvk") == []


def test_reingest_replaces_instead_of_duplicating(db, seed_docs):
    before = (_count(db, "records"), _count(db, "documents"), _count(db, "pages"))
    write_database(db, seed_docs.values())
    assert (_count(db, "records"), _count(db, "documents"), _count(db, "pages")) == before
    # and the FTS index follows the table
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM records_fts").fetchone()[0] == before[0]
        conn.execute("INSERT INTO records_fts(records_fts) VALUES ('integrity-check')")


def test_interrupted_ingest_leaves_the_database_as_it_was(seed_docs, tmp_path):
    path = tmp_path / "c.sqlite"
    write_database(path, [seed_docs["001"]])
    before = _count(path, "records")
    # a process killed in the middle of a document's transaction
    script = textwrap.dedent(f"""
        import os, sys
        sys.path.insert(0, {str(ROOT)!r})
        from chitieu import pipeline
        from chitieu.output import sqlite as s
        from pathlib import Path
        doc = pipeline.process_file(Path({str(next((ROOT / 'samples' / 'seeds').glob('002_*.txt')))!r}), 'x')
        rows = list(s.record_rows(doc))
        def dying():
            yield from rows[:10]
            os._exit(9)
        s.record_rows = lambda d: dying()
        conn = s.connect(Path({str(path)!r}))
        s.ingest(conn, doc)
    """)
    proc = subprocess.run([sys.executable, "-c", script], cwd=ROOT)
    assert proc.returncode == 9
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert _count(path, "records") == before
    assert _count(path, "documents") == 1


def test_export_filters_and_writes_csv_with_bom(db, seed_docs, tmp_path):
    out = tmp_path / "x.csv"
    frame = export(db, "csv", out, doc=seed_docs["002"].doc_id, query="ty le")
    assert len(frame) > 0 and set(frame["doc_id"]) == {seed_docs["002"].doc_id}
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    assert "Tỷ lệ" in out.read_text(encoding="utf-8-sig")


def test_not_a_database_is_a_clear_error(tmp_path):
    from chitieu.errors import OutputNotWritable
    bad = tmp_path / "x.sqlite"
    bad.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(OutputNotWritable):
        connect(bad)


def test_search_cli_prints_hits(db):
    proc = subprocess.run([sys.executable, "-m", "chitieu", "search", "ty le dich vu cong", "--db", str(db), "--limit",
                           "3"], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert len(lines) == 3 and all("[" in line for line in lines)


def _fold(text):
    from chitieu.normalize.unicode import fold
    return fold(text or "").lower()


def test_a_database_from_an_earlier_version_gains_the_new_fields(seed_docs, tmp_path):
    """A --db made before value_high/target_high existed keeps working: the columns are added, old rows stay."""
    path = tmp_path / "old.sqlite"
    write_database(path, [seed_docs["002"]])
    with sqlite3.connect(path) as conn:
        conn.execute("ALTER TABLE records DROP COLUMN value_high")
        conn.execute("ALTER TABLE records DROP COLUMN target_high")
    before = _count(path, "records")
    write_database(path, [seed_docs["004"]])
    assert _count(path, "records") == before + len(seed_docs["004"].records)
    with sqlite3.connect(path) as conn:
        kinds = {row[1]: row[2] for row in conn.execute("PRAGMA table_info(records)")}
    assert kinds["value_high"] == "REAL" and kinds["target_high"] == "REAL"



def test_full_text_index_is_declared_as_datasette_and_sqlite_utils_look_for_it(tmp_path, seed_docs):
    """content=[records] (not content='records', which Datasette's ?_search= and sqlite-utils search ignore);
    a database of an earlier version gets its index made again, and searching it still finds the records;
    row numbers are INTEGER, so no tool shows '1.0'."""
    import sqlite3

    import chitieu.output.sqlite as s
    db = tmp_path / "old.sqlite"
    s.write_database(db, [seed_docs["002"]])
    with sqlite3.connect(db) as conn:   # make it look like an earlier version's database
        conn.execute("DROP TABLE records_fts")
        conn.execute("CREATE VIRTUAL TABLE records_fts USING fts5(title_folded, content='records', "
                     "content_rowid='id', tokenize='unicode61 remove_diacritics 2')")
    s.write_database(db, [seed_docs["001"]])
    with sqlite3.connect(db) as conn:
        sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'records_fts'").fetchone()[0]
        assert "content=[records]" in sql
        hits = conn.execute("SELECT count(*) FROM records_fts WHERE records_fts MATCH 'dich'").fetchone()[0]
        assert hits > 0
        types = {r[1]: r[2] for r in conn.execute("PRAGMA table_info(records)")}
        assert (types["page"], types["seq"], types["value"], types["title"]) == ("INTEGER", "INTEGER", "REAL", "TEXT")
        assert conn.execute("SELECT typeof(page) FROM records LIMIT 1").fetchone()[0] == "integer"
