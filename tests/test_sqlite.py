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


def test_records_are_indexed_once_in_a_database_an_earlier_version_made(seed_docs, tmp_path):
    """Earlier versions indexed each record by a trigger on insert; records are now indexed a document at a
    time, and a database that still has the trigger loses it when opened (or every record would be indexed
    twice)."""
    from chitieu.output.sqlite import FOLDED
    path = tmp_path / "old.sqlite"
    write_database(path, seed_docs.values())
    with sqlite3.connect(path) as conn:
        conn.execute(f"CREATE TRIGGER records_ai AFTER INSERT ON records BEGIN INSERT INTO records_fts(rowid, "
                     f"{', '.join(FOLDED)}) VALUES (new.id, {', '.join('new.' + c for c in FOLDED)}); END")
    write_database(path, seed_docs.values())
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO records_fts(records_fts) VALUES ('integrity-check')")
        assert not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'records_ai'").fetchone()
    assert search(path, "dich vu cong truc tuyen", limit=3)


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
    import csv
    out = tmp_path / "x.csv"
    count = export(db, "csv", out, doc=seed_docs["002"].doc_id, query="ty le")
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert 0 < count == len(rows) < len(seed_docs["002"].records)
    assert {r["doc_id"] for r in rows} == {seed_docs["002"].doc_id}
    assert all("ty le" in _fold(r["title"] + " " + r["responsible"]) for r in rows)


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


# --- the documents' text ------------------------------------------------------------------------------------

def test_every_page_keeps_its_text_line_by_line_and_its_original(db, seed_docs):
    """Line k of a stored page is the page's line k (as unparsed lines and hits name it); the text as extracted
    is kept beside the repaired one where repair changed it (seed 003 was OCR'd without diacritics)."""
    doc = seed_docs["003"]
    with sqlite3.connect(db) as conn:
        text, raw, folded = conn.execute("SELECT text, text_raw, text_folded FROM pages WHERE doc_id = ? AND page = 1",
                                         (doc.doc_id,)).fetchone()
    lines = text.split("\n")
    for line in doc.pages[0].lines:
        assert lines[line.number - 1] == line.text
    assert raw and raw != text and "Kính gửi" in text and "Kinh guri" in raw
    assert "kinh gui" in folded


def test_a_phrase_of_a_dispatch_body_is_found_with_its_page_and_line(db, seed_docs):
    doc = seed_docs["003"]
    line = next(ln for ln in doc.pages[0].lines if ln.text.startswith("- Thủ trưởng các cơ quan"))
    for query in ("Thủ trưởng các cơ quan, đơn vị thuộc UBND huyện", "thu truong cac co quan don vi thuoc ubnd huyen"):
        hits = search(db, query, limit=5)
        text_hits = [h for h in hits if h.what == "text"]
        assert text_hits and (text_hits[0].doc_id, text_hits[0].page, text_hits[0].line) == (doc.doc_id, 1, line.number)
        assert text_hits[0].snippet.startswith("- [Thủ] [trưởng] [các] [cơ] [quan]")
        assert text_hits[0].stt is None and text_hits[0].how == "fts"


def test_records_come_before_text_and_their_own_lines_are_not_repeated(db):
    hits = search(db, "ty le dich vu cong truc tuyen", limit=40)
    kinds = [h.what for h in hits]
    assert kinds[0] == "record" and kinds == sorted(kinds, key=("record", "text").index)
    titles = {(h.doc_id, h.page, _fold(h.title)) for h in hits if h.what == "record"}
    for h in hits:
        if h.what == "text":
            assert not any(d == h.doc_id and p == h.page and t in _fold(h.snippet.replace("[", "").replace("]", ""))
                           for d, p, t in titles)


def test_search_cli_says_what_each_hit_is(db):
    proc = subprocess.run([sys.executable, "-m", "chitieu", "search", "kinh gui", "--db", str(db)], cwd=ROOT,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[0].startswith("text   003_") and " p1 line 8: " in proc.stdout
    proc = subprocess.run([sys.executable, "-m", "chitieu", "search", "ty le dich vu cong", "--db", str(db), "--limit",
                           "1"], cwd=ROOT, capture_output=True, text=True)
    assert proc.stdout.startswith("record ") and " STT " in proc.stdout


def test_the_text_index_is_declared_as_sqlite_utils_and_datasette_look_for_it(db):
    with sqlite3.connect(db) as conn:
        sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'pages_fts'").fetchone()[0]
        assert "content=[pages]" in sql and "content_rowid='id'" in sql
        # the index follows the table: re-ingest above replaced every page
        assert conn.execute("SELECT COUNT(*) FROM pages_fts").fetchone()[0] == _count(db, "pages")
        conn.execute("INSERT INTO pages_fts(pages_fts) VALUES ('integrity-check')")
        # as Datasette's ?_search= asks it
        rows = conn.execute("SELECT doc_id, page FROM pages WHERE id IN (SELECT rowid FROM pages_fts WHERE pages_fts"
                            " MATCH 'kinh gui')").fetchall()
    assert len(rows) == 1


def test_a_database_from_before_the_text_gains_it(seed_docs, tmp_path):
    """A --db of an earlier version (pages without text or an id of their own) keeps its pages and gets the text
    of the documents that come again."""
    path = tmp_path / "old.sqlite"
    write_database(path, [seed_docs["001"]])
    with sqlite3.connect(path) as conn:
        for name in ("pages_fts", "pages", "unparsed"):
            conn.execute(f"DROP TABLE {name}")
        conn.execute("CREATE TABLE pages (doc_id TEXT NOT NULL REFERENCES documents(doc_id), page INTEGER NOT NULL,"
                     " path TEXT, reason TEXT, lines INTEGER, PRIMARY KEY (doc_id, page))")
        conn.execute("INSERT INTO pages VALUES (?, 1, 'text', 'plain text file', 30)", (seed_docs["001"].doc_id,))
    write_database(path, [seed_docs["003"]])
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT doc_id, text IS NOT NULL FROM pages ORDER BY id").fetchall()
    assert rows == [(seed_docs["001"].doc_id, 0), (seed_docs["003"].doc_id, 1)]
    assert [h.line for h in search(path, "kinh gui") if h.what == "text"] == [8]
