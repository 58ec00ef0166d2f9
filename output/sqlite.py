"""The searchable dataset: documents, their pages' text and their records in SQLite, with FTS5 indexes that find
Vietnamese text with or without its diacritics. Plain tables and the `records_fts` and `pages_fts` indexes set up
the way sqlite-utils and Datasette expect (external content table, triggers), so `datasette chitieu.sqlite` and
`sqlite-utils search` work as they are."""
from __future__ import annotations

import json
import os
import re
import sqlite3
from contextlib import closing, contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterable, Optional

from chitieu.errors import BadOption, OutputNotWritable
from chitieu.normalize.unicode import fold
from chitieu.output.files import cell_rows
from chitieu.schemas.model import FLAT_FIELDS, INTEGER_FIELDS, NUMERIC_FIELDS, Document, Page, Record

SCHEMA_VERSION = 1
# Searched text: a record's own fields and its document's subject, each accent-folded into a shadow column
# (`title_folded` …) because SQLite's unicode61 tokenizer keeps đ apart from d.
SEARCHED = ("title", "responsible", "unit", "subject")
# ...plus `pairs_folded`: each two neighbouring syllables of the record's own fields glued into one token
# ('ty le dich' → 'tyle ledich'). Folded syllables are very common words ('so' stands for số, sở, sơ), so a
# query of several words is first matched by its pairs, which are rare, and stays fast at millions of records.
FOLDED = tuple(f"{c}_folded" for c in SEARCHED) + ("pairs_folded",)
_NUMERIC = NUMERIC_FIELDS


def _sql_type(field: str) -> str:
    return "INTEGER" if field in INTEGER_FIELDS else "REAL" if field in _NUMERIC else "TEXT"


SCHEMA = f"""
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY, source TEXT NOT NULL, kind TEXT, status TEXT, error TEXT, title TEXT,
    layout TEXT, doc_type TEXT, number TEXT, issuer TEXT, place TEXT, date TEXT, subject TEXT,
    recipients TEXT, pages INTEGER, records INTEGER, warnings TEXT, seconds REAL,
    ingested_at TEXT DEFAULT (datetime('now'))
);
CREATE TABLE IF NOT EXISTS pages (
    id INTEGER PRIMARY KEY, doc_id TEXT NOT NULL REFERENCES documents(doc_id), page INTEGER NOT NULL, path TEXT,
    reason TEXT, lines INTEGER, text TEXT, text_raw TEXT, text_folded TEXT, UNIQUE (doc_id, page)
);
CREATE TABLE IF NOT EXISTS unparsed (
    doc_id TEXT NOT NULL REFERENCES documents(doc_id), page INTEGER NOT NULL, line INTEGER NOT NULL, text TEXT,
    reason TEXT
);
CREATE INDEX IF NOT EXISTS unparsed_doc ON unparsed(doc_id, page, line);
CREATE TABLE IF NOT EXISTS records (
    id INTEGER PRIMARY KEY,
    {", ".join(f"{f} {_sql_type(f)}" for f in FLAT_FIELDS if f != "doc_id")},
    doc_id TEXT NOT NULL REFERENCES documents(doc_id),
    {", ".join(f"{c} TEXT" for c in FOLDED)}
);
CREATE TABLE IF NOT EXISTS titles (folded TEXT PRIMARY KEY, title TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS cells (
    doc_id TEXT NOT NULL REFERENCES documents(doc_id), seq INTEGER NOT NULL, page INTEGER, stt TEXT, kind TEXT,
    table_index INTEGER, column_index INTEGER NOT NULL, "column" TEXT, text TEXT, value REAL, merged INTEGER,
    PRIMARY KEY (doc_id, seq, column_index)
);
CREATE INDEX IF NOT EXISTS cells_column ON cells("column");
CREATE INDEX IF NOT EXISTS records_title ON records(title);
CREATE INDEX IF NOT EXISTS records_doc ON records(doc_id, seq);
CREATE INDEX IF NOT EXISTS records_stt ON records(stt);
CREATE INDEX IF NOT EXISTS records_indicator ON records(indicator_id);
CREATE VIRTUAL TABLE IF NOT EXISTS records_fts USING fts5(
    {", ".join(FOLDED)}, content=[records], content_rowid='id', tokenize='unicode61 remove_diacritics 2'
);
CREATE VIRTUAL TABLE IF NOT EXISTS pages_fts USING fts5(
    text_folded, content=[pages], content_rowid='id', tokenize='unicode61 remove_diacritics 2'
);
CREATE TRIGGER IF NOT EXISTS pages_ai AFTER INSERT ON pages BEGIN
  INSERT INTO pages_fts(rowid, text_folded) VALUES (new.id, new.text_folded);
END;
CREATE TRIGGER IF NOT EXISTS pages_ad AFTER DELETE ON pages BEGIN
  INSERT INTO pages_fts(pages_fts, rowid, text_folded) VALUES ('delete', old.id, old.text_folded);
END;
CREATE TRIGGER IF NOT EXISTS pages_au AFTER UPDATE ON pages BEGIN
  INSERT INTO pages_fts(pages_fts, rowid, text_folded) VALUES ('delete', old.id, old.text_folded);
  INSERT INTO pages_fts(rowid, text_folded) VALUES (new.id, new.text_folded);
END;
CREATE TRIGGER IF NOT EXISTS records_ad AFTER DELETE ON records BEGIN
  INSERT INTO records_fts(records_fts, rowid, {", ".join(FOLDED)})
  VALUES ('delete', old.id, {", ".join("old." + c for c in FOLDED)});
END;
CREATE TRIGGER IF NOT EXISTS records_au AFTER UPDATE ON records BEGIN
  INSERT INTO records_fts(records_fts, rowid, {", ".join(FOLDED)})
  VALUES ('delete', old.id, {", ".join("old." + c for c in FOLDED)});
  INSERT INTO records_fts(rowid, {", ".join(FOLDED)}) VALUES (new.id, {", ".join("new." + c for c in FOLDED)});
END;
"""
_RECORD_COLUMNS = [f for f in FLAT_FIELDS] + list(FOLDED)
_INSERT_RECORD = (f"INSERT INTO records ({', '.join(_RECORD_COLUMNS)}) "
                  f"VALUES ({', '.join('?' for _ in _RECORD_COLUMNS)})")
# A document's records go into the index in one statement once they are in, not by a trigger on each insert:
# a third of the time (30 against 82 ms for 1,515 records). Deletes and updates keep their triggers.
_INDEX_RECORDS = (f"INSERT INTO records_fts(rowid, {', '.join(FOLDED)}) "
                  f"SELECT id, {', '.join(FOLDED)} FROM records WHERE doc_id = ?")


def connect(path: Path) -> sqlite3.Connection:
    """Open (and create or upgrade) a chitieu database."""
    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(path))
        conn.execute("PRAGMA journal_mode=WAL")
        # in WAL mode NORMAL never corrupts the database; a power cut may lose the last document's
        # transaction, and rerunning the batch puts it back
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        _drop_old_fts(conn)
        _set_aside_old_pages(conn)
        conn.executescript(SCHEMA)
        # earlier versions indexed each record by a trigger; _replace indexes a document's records now
        conn.execute("DROP TRIGGER IF EXISTS records_ai")
        _take_back_old_pages(conn)
        _rebuild_fts_if_new(conn)
        # a database made by an earlier version lacks the record fields added since: add them (empty for the
        # records already there) so that one --db keeps serving every run
        have = {row[1] for row in conn.execute("PRAGMA table_info(records)")}
        for column in (c for c in _RECORD_COLUMNS if c not in have):
            kind = _sql_type(column)
            conn.execute(f"ALTER TABLE records ADD COLUMN {column} {kind}")
        conn.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
        conn.commit()
        return conn
    except sqlite3.DatabaseError as exc:
        if "full" in str(exc):
            raise OutputNotWritable(f"the disk holding {path} is full; free some space and run the same command "
                                    "again") from None
        raise OutputNotWritable(f"cannot use {path} as a chitieu database ({exc}); choose another --db") from None


def _drop_old_fts(conn: sqlite3.Connection) -> None:
    """Databases of earlier versions declared the index content='records', which Datasette and sqlite-utils do
    not recognise as a full-text index of the records table: drop it, to be made again as content=[records]."""
    row = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'records_fts'").fetchone()
    if row and "content='records'" in row[0]:
        conn.execute("DROP TABLE records_fts")
        conn.execute("INSERT OR REPLACE INTO meta VALUES ('fts_rebuild', '1')")


# An earlier version's pages table (no text, no id), kept under this name while the new one is made.
_OLD_PAGES = "pages_before_text"


def _set_aside_old_pages(conn: sqlite3.Connection) -> None:
    """Databases of earlier versions have a pages table without the text and without an id of its own, which an
    FTS index needs (a table's implicit rowid may change on VACUUM, and the index would point at other pages)."""
    columns = {row[1] for row in conn.execute("PRAGMA table_info(pages)")}
    if columns and "id" not in columns:
        conn.execute(f"ALTER TABLE pages RENAME TO {_OLD_PAGES}")
        conn.commit()


def _take_back_old_pages(conn: sqlite3.Connection) -> None:
    """The earlier version's pages, in the new table: their text is empty until their document comes again."""
    if conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (_OLD_PAGES,)).fetchone():
        conn.execute(f"INSERT INTO pages (doc_id, page, path, reason, lines)"
                     f" SELECT doc_id, page, path, reason, lines FROM {_OLD_PAGES}")
        conn.execute(f"DROP TABLE {_OLD_PAGES}")


def _rebuild_fts_if_new(conn: sqlite3.Connection) -> None:
    """Fill an index made again. The need is kept in the database, not in a variable: executescript commits
    the drop, so a run killed before the rebuild leaves the flag for the next one to finish."""
    if conn.execute("SELECT value FROM meta WHERE key = 'fts_rebuild'").fetchone():
        conn.execute("INSERT INTO records_fts(records_fts) VALUES ('rebuild')")
        conn.execute("DELETE FROM meta WHERE key = 'fts_rebuild'")


def record_rows(doc: Document) -> Iterable[tuple]:
    subject = doc.meta.subject or doc.title
    for rec in doc.records:
        d = rec.to_dict()
        d["warnings"] = json.dumps(d["warnings"], ensure_ascii=False)
        d["subject"] = subject
        for c in SEARCHED:
            d[f"{c}_folded"] = fold(d[c]).lower() if d[c] else None
        d["pairs_folded"] = " ".join(pairs([d[f"{c}_folded"] or "" for c in ("title", "responsible", "unit")])) or None
        yield tuple(d[c] for c in _RECORD_COLUMNS)


def page_text(page: Page) -> tuple[str, Optional[str]]:
    """A page's text after repair, one line a line number (line k of the text is the page's line k, as unparsed
    lines and search hits name it), and the text as extracted when repair changed it (else None)."""
    by_number = {ln.number: ln for ln in page.lines}
    numbers = range(1, max(by_number, default=0) + 1)
    text = "\n".join(by_number[k].text if k in by_number else "" for k in numbers)
    raw = "\n".join((by_number[k].raw if by_number[k].raw is not None else by_number[k].text) if k in by_number
                    else "" for k in numbers)
    return text, (raw if raw != text else None)


def page_rows(doc: Document) -> Iterable[tuple]:
    for p in doc.pages:
        text, raw = page_text(p)
        yield doc.doc_id, p.number, p.path, p.reason, len(p.lines), text, raw, fold(text).lower() or None


def ingest(conn: sqlite3.Connection, doc: Document) -> None:
    """Replace everything known about doc (same content hash) in one transaction."""
    with conn:  # one transaction: a crash leaves the database as it was before this document
        _replace(conn, document_rows(doc))


@dataclass
class DocumentRows:
    """A document's rows of each table, made where it was converted (a worker process: a run's one machine
    then only inserts them, and gets tuples rather than a whole Document over the pipe)."""

    doc_id: str
    document: tuple
    pages: Iterable[tuple]
    unparsed: Iterable[tuple]
    records: Iterable[tuple]
    cells: Iterable[tuple]

    @property
    def source(self) -> str:
        return self.document[1]

    def listed(self) -> "DocumentRows":
        """The same rows as lists (they may be generators), to be kept or sent to another process."""
        return DocumentRows(self.doc_id, self.document, list(self.pages), list(self.unparsed),
                            list(self.records), list(self.cells))


def document_rows(doc: Document) -> DocumentRows:
    meta = asdict(doc.meta)
    document = (doc.doc_id, doc.source, doc.kind, doc.status, doc.error, doc.title, doc.layout, meta["doc_type"],
                meta["number"], meta["issuer"], meta["place"], meta["date"], meta["subject"],
                json.dumps(meta["recipients"], ensure_ascii=False), len(doc.pages), len(doc.records),
                json.dumps(doc.warnings, ensure_ascii=False), round(doc.seconds, 3))
    cells = ((c["doc_id"], c["seq"], c["page"], c["stt"], c["kind"], c["table_index"], c["column_index"],
              c["column"], c["text"], c["value"], int(c["merged"])) for c in cell_rows([doc]))
    return DocumentRows(doc.doc_id, document, page_rows(doc),
                        [(doc.doc_id, u.page, u.line, u.text, u.reason) for u in doc.unparsed],
                        record_rows(doc), cells)


def _replace(conn: sqlite3.Connection, rows: DocumentRows) -> None:
    """The statements that replace one document; the caller holds the transaction."""
    for table in ("records", "cells", "pages", "unparsed", "documents"):
        conn.execute(f"DELETE FROM {table} WHERE doc_id = ?", (rows.doc_id,))
    conn.execute(
        "INSERT INTO documents (doc_id, source, kind, status, error, title, layout, doc_type, number, issuer,"
        " place, date, subject, recipients, pages, records, warnings, seconds)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows.document)
    conn.executemany("INSERT INTO pages (doc_id, page, path, reason, lines, text, text_raw, text_folded)"
                     " VALUES (?,?,?,?,?,?,?,?)", rows.pages)
    conn.executemany("INSERT INTO unparsed VALUES (?,?,?,?,?)", rows.unparsed)
    conn.executemany(_INSERT_RECORD, rows.records)
    conn.execute(_INDEX_RECORDS, (rows.doc_id,))
    conn.executemany('INSERT INTO cells (doc_id, seq, page, stt, kind, table_index, column_index, "column", text,'
                     ' value, merged) VALUES (?,?,?,?,?,?,?,?,?,?,?)', rows.cells)
    # distinct titles for the typo-tolerant search (a few thousand rows where records are millions)
    conn.execute("INSERT OR IGNORE INTO titles SELECT DISTINCT title_folded, title FROM records"
                 " WHERE doc_id = ? AND title IS NOT NULL", (rows.doc_id,))


def write_database(path: Path, documents: Iterable[Document]) -> None:
    """Add (or replace) these documents in the database at path, all in one transaction: a full disk or a kill
    midway leaves the database as the last run left it, never with part of this run's documents."""
    with run_writer(path) as add:
        for doc in documents:
            add(document_rows(doc))


@contextmanager
def run_writer(path: Path):
    """add(rows) with each document's DocumentRows as it arrives (so a batch never holds them all), in one
    transaction committed when the block ends without an error, as write_database."""
    with closing(connect(path)) as conn:
        with conn:
            yield lambda rows: _replace(conn, rows)


# --- search -------------------------------------------------------------------------------------------------

# Words of a query: letters and digits, whatever the diacritics.
QUERY_WORD = re.compile(r"[^\W_]+")
# Characters of a hit's snippet (around its first highlighted word).
SNIPPET = 160
# Records searched first (the newest); the window grows fourfold while it holds fewer hits than asked for.
WINDOW = 50_000
# At most this many matches per query form are ranked (the newest in the window).
CANDIDATES = 500
# Below this rapidfuzz score (0-100) a typo-tolerant match is not offered.
FUZZY_CUTOFF = 75
# The typo fallback compares the query with at most this many distinct titles.
FUZZY_TITLES = 200_000


@dataclass
class Hit:
    doc_id: str
    source: str
    page: int
    stt: Optional[str]
    title: Optional[str]
    value: Optional[float]
    value_raw: Optional[str]
    unit: Optional[str]
    target_op: Optional[str]
    target_value: Optional[float]
    status: Optional[str]
    snippet: str
    score: float
    how: str  # fts | fuzzy
    what: str = "record"            # record: a record matched; text: a line of a page's text matched
    line: Optional[int] = None      # of a text hit: the line of the page (as unparsed lines are numbered)


def pairs(texts: list[str]) -> list[str]:
    """Neighbouring words glued in pairs, per text: ['ty le dich'] → ['tyle', 'ledich']."""
    out = []
    for text in texts:
        words = QUERY_WORD.findall(text)
        out += [a + b for a, b in zip(words, words[1:])]
    return out


def fold_same_length(text: str) -> str:
    """Accent-fold character by character, so positions in the folded text are positions in the original."""
    return "".join(fold(c) or c for c in text)


def highlight(text: str, words: list[str], mark: tuple[str, str] = ("[", "]")) -> str:
    """Mark the query words in the original text, matching them on its folded form."""
    if not text:
        return ""
    folded = fold_same_length(text).lower()
    spans = []
    for i, w in enumerate(words):
        end = "" if i == len(words) - 1 else r"(?![^\W_])"
        for m in re.finditer(rf"(?<![^\W_]){re.escape(w)}{end}", folded):
            spans.append((m.start(), m.end()))
    out, last = [], 0
    for start, end in sorted(spans):
        if start < last:
            continue
        out += [text[last:start], mark[0], text[start:end], mark[1]]
        last = end
    out.append(text[last:])
    return "".join(out)


def _fts_queries(query: str) -> tuple[list[str], list[str], str]:
    """FTS5 queries for the words of a query, best first (its word pairs, then all of its words anywhere), and
    a last resort where the last word is a prefix, as users type. Each word is quoted: no FTS syntax from users.
    Prefixes come last because FTS5 merges every word that starts with one (slow for 'so*' or 'tthc*')."""
    words = [fold(w).lower() for w in QUERY_WORD.findall(query)]
    if not words:
        return [], [], ""
    every = " ".join(f'"{w}"' for w in words)
    prefix = every + "*"
    if len(words) == 1:
        return [every], words, prefix
    glued = " ".join(f'"{p}"' for p in pairs([" ".join(words)]))
    return [f"pairs_folded : ({glued})", every], words, prefix


_SELECT = ("SELECT r.doc_id, r.source, r.page, r.stt, r.title, r.value, r.value_raw, r.unit, r.target_op,"
           " r.target_value, r.status, r.responsible")


# The tables a database needs to be searched and exported (a run writes them all).
SEARCHED_TABLES = {"documents", "records", "titles", "records_fts"}


def open_existing(db: Path) -> sqlite3.Connection:
    """A database a run wrote; a BadOption of one line for a path that holds none, a file that is not SQLite
    (sqlite3 says so only at the first query, as a traceback) or another program's SQLite database."""
    if not Path(db).is_file():
        raise BadOption(f"no database at {db}; run `chitieu run … --out DIR` first or pass --db PATH")
    conn = sqlite3.connect(str(db))
    try:
        tables = {name for name, in conn.execute("SELECT name FROM sqlite_master")}
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise BadOption(f"{db} is not a chitieu database ({exc}); pass the chitieu.sqlite a run wrote") from None
    if not SEARCHED_TABLES <= tables:
        conn.close()
        missing = ", ".join(sorted(SEARCHED_TABLES - tables))
        raise BadOption(f"{db} is an SQLite database but not one chitieu wrote (no {missing} table); "
                        "pass the chitieu.sqlite a run wrote")
    return conn


def search(db: Path, query: str, doc: Optional[str] = None, limit: int = 20) -> list[Hit]:
    """Ranked records for a query, with or without diacritics; a typo-tolerant pass when FTS finds nothing.

    Ranking: the words as a phrase in the title, then all words in the title, then in the record's other
    fields, then only through the document's subject; shorter titles and newer records first within a rank."""
    conn = open_existing(db)
    matches, words, prefix = _fts_queries(query)
    if not words:
        conn.close()
        return []
    with closing(conn):
        lo, hi = _rowid_range(conn, doc)
        # FTS5's bm25() counts each word's documents over the whole index on every query (hundreds of ms at a
        # million records). Matching inside a window of the newest records and stopping at CANDIDATES is cheap,
        # so matches are taken window by window (each four times wider, older) until there are enough, and
        # ranked here.
        ids: dict[int, None] = {}
        width, end = WINDOW, hi
        while True:
            start = max(lo, hi - width + 1)
            for match in matches:
                # no ORDER BY: FTS5 reads a word's records in rowid order cheaply, backwards only by loading all
                for rowid, in conn.execute("SELECT rowid FROM records_fts WHERE records_fts MATCH ?"
                                           " AND rowid BETWEEN ? AND ? LIMIT ?", (match, start, end, CANDIDATES)):
                    ids.setdefault(rowid, None)
            if len(ids) >= limit or start <= lo:
                break
            end, width = start - 1, width * 4  # the next window: older records only
        if not ids:
            for rowid, in conn.execute("SELECT rowid FROM records_fts WHERE records_fts MATCH ? AND rowid BETWEEN ? AND ?"
                                       " ORDER BY rowid DESC LIMIT ?", (prefix, lo, hi, CANDIDATES)):
                ids.setdefault(rowid, None)
        rows = []
        id_list = list(ids)
        for i in range(0, len(id_list), 500):
            chunk = id_list[i:i + 500]
            rows += conn.execute(f"{_SELECT}, r.title_folded, r.responsible_folded, r.unit_folded, r.id"
                                 f" FROM records r WHERE r.id IN ({','.join('?' * len(chunk))})", chunk).fetchall()
        if doc:
            rows = [r for r in rows if r[0] == doc]
        ranked = sorted(rows, key=lambda r: _rank(words, r))
        hits = [_hit(r[:12], -_rank(words, r)[0], words, "fts") for r in ranked[:limit]]
        if len(hits) < limit:  # records first; the documents' text fills the rest
            hits += _text_hits(conn, words, doc, hits, limit - len(hits))
        return hits or _fuzzy(conn, query, words, doc, limit)


def _text_hits(conn: sqlite3.Connection, words: list[str], doc: Optional[str], records: list[Hit],
               limit: int) -> list[Hit]:
    """Lines of the documents' pages that hold the words (a recipient, a legal basis, a phrase of a dispatch's
    body), best line of each page: the words as a phrase in one line, then all of them in one line, then spread
    over the page; newer pages first within a rank. A line that is the row of a record already found is left
    out. Databases of earlier versions have no pages_fts, and give no text hits."""
    if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'pages_fts'").fetchone():
        return []
    ids: dict[int, None] = {}
    for match in ('"' + " ".join(words) + '"', " ".join(f'"{w}"' for w in words)):  # phrase, then all words
        sql = "SELECT rowid FROM pages_fts WHERE pages_fts MATCH ?"
        params: tuple = (match,)
        if doc:
            sql += " AND rowid IN (SELECT id FROM pages WHERE doc_id = ?)"
            params += (doc,)
        for rowid, in conn.execute(sql + " LIMIT ?", params + (CANDIDATES,)):
            ids.setdefault(rowid, None)
    found = []
    id_list = list(ids)
    for i in range(0, len(id_list), 500):
        chunk = id_list[i:i + 500]
        found += conn.execute("SELECT p.id, p.doc_id, d.source, p.page, p.text FROM pages p JOIN documents d"
                              f" USING (doc_id) WHERE p.id IN ({','.join('?' * len(chunk))})", chunk).fetchall()
    shown = {(h.doc_id, h.page, fold(h.title or "").lower()) for h in records}
    hits = []
    for page_id, doc_id, source, page, text in found:
        rank, number, line = _best_line(text or "", words)
        folded = fold(line).lower()
        if any(d == doc_id and p == page and t and t in folded for d, p, t in shown):
            continue
        hits.append((-rank, -page_id, Hit(doc_id, source, int(page), None, None, None, None, None, None, None,
                                           None, trim(highlight(line, words)), float(rank), "fts", "text",
                                           number)))
    return [h for *_, h in sorted(hits, key=lambda x: x[:2])][:limit]


def _best_line(text: str, words: list[str]) -> tuple[int, int, str]:
    """(rank, line number, line) of the line of a page that matches the words best: 3 the words as a phrase, 2
    all of them, else 1 with the line holding the most of them."""
    best = (0, 0, 0, "")
    phrase = " " + " ".join(words) + " "
    for number, line in enumerate(text.split("\n"), start=1):
        padded = f" {_words_only(fold(line).lower())} "
        count = sum(_has_word(padded, w, last=False) for w in words)
        rank = 3 if phrase in padded else 2 if count == len(words) else 1
        if (rank, count) > best[:2]:
            best = (rank, count, number, line)
    return best[0] or 1, best[2], best[3]


def _rank(words: list[str], row) -> tuple:
    """Sort key of a matching record: lower is better."""
    title, responsible, unit, rowid = row[12] or "", row[13] or "", row[14] or "", row[15]
    padded = f" {_words_only(title)} "
    phrase = " " + " ".join(words[:-1] + [words[-1]]) if words else ""
    if phrase and (phrase + " " in padded or (phrase in padded)):
        rank = 3
    elif all(_has_word(padded, w, last=(i == len(words) - 1)) for i, w in enumerate(words)):
        rank = 2
    elif all(_has_word(f" {_words_only(' '.join((title, responsible, unit)))} ", w, last=(i == len(words) - 1))
             for i, w in enumerate(words)):
        rank = 1
    else:
        rank = 0  # matched through the document's subject only
    return (-rank, len(title), -rowid)


def _words_only(text: str) -> str:
    return " ".join(QUERY_WORD.findall(text))


def _has_word(padded: str, word: str, last: bool) -> bool:
    return f" {word}" in padded if last else f" {word} " in padded


def _rowid_range(conn: sqlite3.Connection, doc: Optional[str]) -> tuple[int, int]:
    """Record ids to search: all, or those of one document (ingested in one transaction, so contiguous)."""
    if doc:
        lo, hi = conn.execute("SELECT MIN(id), MAX(id) FROM records WHERE doc_id = ?", (doc,)).fetchone()
    else:
        # two queries: SQLite answers MIN or MAX of the primary key from the b-tree's edge, not both at once
        lo = conn.execute("SELECT MIN(id) FROM records").fetchone()[0]
        hi = conn.execute("SELECT MAX(id) FROM records").fetchone()[0]
    return (lo, hi) if lo is not None else (1, 0)


def _hit(row, score: float, words: list[str], how: str) -> Hit:
    doc_id, source, page, stt, title, value, value_raw, unit, op, target, status, responsible = row
    snippet = highlight(title or "", words)
    if "[" not in snippet and responsible:
        snippet = f"{snippet} — {highlight(responsible, words)}"
    return Hit(doc_id, source, int(page), stt, title, value, value_raw, unit, op, target, status, trim(snippet),
               round(score, 3), how)


def trim(snippet: str, width: int = SNIPPET) -> str:
    """At most about width characters of a snippet, around its first highlighted word."""
    if len(snippet) <= width:
        return snippet
    first = max(0, snippet.find("["))
    start = max(0, min(first - width // 4, len(snippet) - width))
    start = snippet.rfind(" ", 0, start) + 1 if start else 0
    end = snippet.find(" ", start + width)
    end = len(snippet) if end < 0 else end
    return ("…" if start else "") + snippet[start:end] + ("…" if end < len(snippet) else "")


def _fuzzy(conn: sqlite3.Connection, query: str, words: list[str], doc: Optional[str], limit: int) -> list[Hit]:
    from rapidfuzz import fuzz, process

    if doc:
        titles = conn.execute("SELECT DISTINCT title FROM records WHERE doc_id = ? AND title IS NOT NULL",
                              (doc,)).fetchall()
    else:
        titles = conn.execute("SELECT title FROM titles LIMIT ?", (FUZZY_TITLES,)).fetchall()
    if not titles:
        return []
    q = " ".join(words)
    # partial_ratio rewards any short title contained in the query ('Tỷ lệ'): only titles about as long count
    choices = {i: fold(t) for i, (t,) in enumerate(titles) if len(t) >= 0.8 * len(q)}
    best = process.extract(q, choices, scorer=fuzz.partial_ratio, score_cutoff=FUZZY_CUTOFF,
                           limit=limit)
    hits = []
    for _, score, i in best:
        title = titles[i][0]
        rows = conn.execute(f"{_SELECT} FROM records r WHERE r.title = ?" + (" AND r.doc_id = ?" if doc else "") +
                            " LIMIT ?", (title, doc, limit) if doc else (title, limit)).fetchall()
        hits += [_hit(row, score, words, "fuzzy") for row in rows]
    return hits[:limit]


# --- export -------------------------------------------------------------------------------------------------

# Formats of `chitieu export`: each is written by the same function that writes the run's own file.
EXPORT_FORMATS = ("csv", "json", "xlsx", "parquet")


def export(db: Path, fmt: str, out: Path, doc: Optional[str] = None, query: Optional[str] = None) -> int:
    """Write the (filtered) records of a database as csv, json, xlsx or parquet; return how many. The file is the
    one a run writes for the same records (records.csv with its formula guard, records.json valid against
    schemas/record.schema.json, records.xlsx, records.parquet): the run's own writers make it, from the documents
    read back one at a time."""
    if fmt not in EXPORT_FORMATS:
        raise BadOption(f"unknown format {fmt!r}; use {', '.join(EXPORT_FORMATS)}")
    from chitieu.output import parquet
    if fmt == "parquet" and not parquet.available():
        raise BadOption("parquet export needs pyarrow: .venv/bin/pip install pyarrow, or use --format csv/json/xlsx")
    open_existing(db).close()
    with closing(connect(db)) as conn:  # connect: a database of an earlier version gains the tables read here
        return _write_as_run(Path(out), load_documents(conn, doc, query), fmt)


def _write_as_run(out: Path, documents: Iterable[Document], fmt: str) -> int:
    """The run's writers (output/parts.py) make their files in a folder beside out, document by document; their
    records.<fmt> then takes out's place (one rename: out is whole or as it was). A workbook that outgrew Excel
    goes on in out_2.xlsx, … as a run's does."""
    import shutil
    import tempfile

    from chitieu.output.parts import RunOutputs, render
    out.parent.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=".chitieu-export-", dir=out.parent))
    count = 0
    try:
        outputs = RunOutputs(folder, xlsx=fmt == "xlsx", parquet=fmt == "parquet")
        try:
            for document in documents:
                outputs.add(render(document), fresh=True)
                count += len(document.records)
            outputs.close(0.0, [], [])
        except BaseException:
            outputs.abort()
            raise
        os.replace(folder / f"records.{fmt}", out)
        for more in folder.glob(f"records_*.{fmt}"):
            os.replace(more, out.with_name(f"{out.stem}_{more.stem.rsplit('_', 1)[1]}{out.suffix}"))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return count


def load_documents(conn: sqlite3.Connection, doc: Optional[str] = None,
                   query: Optional[str] = None) -> Iterable[Document]:
    """The database's documents read back into the pipeline's dataclasses, in the order they were added: their
    records (typed, warnings as a list, cells under their columns), pages (no lines) and unparsed lines.
    doc keeps one document; query keeps the records that match it (as `chitieu search` does) and the documents
    that have one."""
    from chitieu.schemas.model import DocMeta, RecordCell, Unparsed

    matching = None
    if query:  # the ids of matching records (numbers only: small even for millions)
        matches, _, _ = _fts_queries(query)
        matching = {rowid for rowid, in conn.execute("SELECT rowid FROM records_fts WHERE records_fts MATCH ?",
                                                      (matches[-1] if matches else '""',))}
    columns = ("doc_id, source, kind, status, error, title, layout, doc_type, number, issuer, place, date, subject,"
               " recipients, warnings, seconds")
    names = [c.strip() for c in columns.split(",")]
    for row in conn.execute(f"SELECT {columns} FROM documents" + (" WHERE doc_id = ?" if doc else "") +
                            " ORDER BY rowid", (doc,) if doc else ()).fetchall():
        d = dict(zip(names, row))
        records = []
        for rowid, *values in conn.execute(f"SELECT id, {', '.join(FLAT_FIELDS)} FROM records WHERE doc_id = ?"
                                           " ORDER BY id", (d["doc_id"],)):
            if matching is None or rowid in matching:
                rec = dict(zip(FLAT_FIELDS, values))
                rec["warnings"] = json.loads(rec["warnings"]) if rec["warnings"] else []
                records.append(rec)
        if matching is not None and not records:
            continue
        cells: dict[int, list] = {}
        for seq, column, text, value, merged in conn.execute(
                'SELECT seq, "column", text, value, merged FROM cells WHERE doc_id = ? ORDER BY seq, column_index',
                (d["doc_id"],)):
            cells.setdefault(seq, []).append(RecordCell(column, text, value, bool(merged)))
        meta = DocMeta(**{k: d[k] for k in ("doc_type", "number", "issuer", "place", "date", "subject")},
                       recipients=json.loads(d["recipients"] or "[]"))
        yield Document(
            doc_id=d["doc_id"], source=d["source"], kind=d["kind"], status=d["status"], error=d["error"],
            title=d["title"], layout=d["layout"], meta=meta, warnings=json.loads(d["warnings"] or "[]"),
            seconds=d["seconds"] or 0.0,
            pages=[Page(number=n, path=path, reason=reason) for n, path, reason in conn.execute(
                "SELECT page, path, reason FROM pages WHERE doc_id = ? ORDER BY page", (d["doc_id"],))],
            unparsed=[Unparsed(*u) for u in conn.execute(
                "SELECT page, line, text, reason FROM unparsed WHERE doc_id = ? ORDER BY rowid", (d["doc_id"],))],
            records=[Record(**r, cells=cells.get(r["seq"], [])) for r in records])
