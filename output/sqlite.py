"""The searchable dataset: documents, pages and records in SQLite, with an FTS5 index that finds Vietnamese text
with or without its diacritics. Plain tables and a `records_fts` index set up the way sqlite-utils and
Datasette expect (external content table, triggers), so `datasette chitieu.sqlite` works as it is."""
from __future__ import annotations

import json
import re
import sqlite3
from contextlib import closing
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterable, Optional

from errors import BadOption, OutputNotWritable
from normalize.unicode import fold
from schemas.model import RECORD_FIELDS, Document

SCHEMA_VERSION = 1
# Searched text: a record's own fields and its document's subject, each accent-folded into a shadow column
# (`title_folded` …) because SQLite's unicode61 tokenizer keeps đ apart from d. Weights rank a hit in the
# title far above one that only the document's subject explains.
SEARCHED = ("title", "responsible", "unit", "subject")
FOLDED = tuple(f"{c}_folded" for c in SEARCHED)
WEIGHTS = (10.0, 3.0, 1.0, 0.2)
_NUMERIC = {"page", "seq", "level", "match_score", "value", "value_denominator", "benchmark_value",
            "target_value", "max_points", "confidence"}

SCHEMA = f"""
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY, source TEXT NOT NULL, kind TEXT, status TEXT, error TEXT, title TEXT,
    layout TEXT, doc_type TEXT, number TEXT, issuer TEXT, place TEXT, date TEXT, subject TEXT,
    recipients TEXT, pages INTEGER, records INTEGER, warnings TEXT, seconds REAL,
    ingested_at TEXT DEFAULT (datetime('now'))
);
CREATE TABLE IF NOT EXISTS pages (
    doc_id TEXT NOT NULL REFERENCES documents(doc_id), page INTEGER NOT NULL, path TEXT, reason TEXT,
    lines INTEGER, PRIMARY KEY (doc_id, page)
);
CREATE TABLE IF NOT EXISTS records (
    id INTEGER PRIMARY KEY,
    {", ".join(f"{f} {'REAL' if f in _NUMERIC else 'TEXT'}" for f in RECORD_FIELDS if f != "doc_id")},
    doc_id TEXT NOT NULL REFERENCES documents(doc_id),
    {", ".join(f"{c} TEXT" for c in FOLDED)}
);
CREATE TABLE IF NOT EXISTS titles (folded TEXT PRIMARY KEY, title TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS records_title ON records(title);
CREATE INDEX IF NOT EXISTS records_doc ON records(doc_id, seq);
CREATE INDEX IF NOT EXISTS records_stt ON records(stt);
CREATE INDEX IF NOT EXISTS records_indicator ON records(indicator_id);
CREATE VIRTUAL TABLE IF NOT EXISTS records_fts USING fts5(
    {", ".join(FOLDED)}, content='records', content_rowid='id', tokenize='unicode61 remove_diacritics 2'
);
CREATE TRIGGER IF NOT EXISTS records_ai AFTER INSERT ON records BEGIN
  INSERT INTO records_fts(rowid, {", ".join(FOLDED)}) VALUES (new.id, {", ".join("new." + c for c in FOLDED)});
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
_RECORD_COLUMNS = [f for f in RECORD_FIELDS] + list(FOLDED)
_INSERT_RECORD = (f"INSERT INTO records ({', '.join(_RECORD_COLUMNS)}) "
                  f"VALUES ({', '.join('?' for _ in _RECORD_COLUMNS)})")


def connect(path: Path) -> sqlite3.Connection:
    """Open (and create or upgrade) a chitieu database."""
    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(path))
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.executescript(SCHEMA)
        conn.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
        conn.commit()
        return conn
    except sqlite3.DatabaseError as exc:
        raise OutputNotWritable(f"cannot use {path} as a chitieu database ({exc}); choose another --db") from None


def record_rows(doc: Document) -> Iterable[tuple]:
    subject = doc.meta.subject or doc.title
    for rec in doc.records:
        d = rec.to_dict()
        d["warnings"] = json.dumps(d["warnings"], ensure_ascii=False)
        d["subject"] = subject
        for c in SEARCHED:
            d[f"{c}_folded"] = fold(d[c]).lower() if d[c] else None
        yield tuple(d[c] for c in _RECORD_COLUMNS)


def ingest(conn: sqlite3.Connection, doc: Document) -> None:
    """Replace everything known about doc (same content hash) in one transaction."""
    meta = asdict(doc.meta)
    with conn:  # one transaction: a crash leaves the database as it was before this document
        conn.execute("DELETE FROM records WHERE doc_id = ?", (doc.doc_id,))
        conn.execute("DELETE FROM pages WHERE doc_id = ?", (doc.doc_id,))
        conn.execute("DELETE FROM documents WHERE doc_id = ?", (doc.doc_id,))
        conn.execute(
            "INSERT INTO documents (doc_id, source, kind, status, error, title, layout, doc_type, number, issuer,"
            " place, date, subject, recipients, pages, records, warnings, seconds)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (doc.doc_id, doc.source, doc.kind, doc.status, doc.error, doc.title, doc.layout, meta["doc_type"],
             meta["number"], meta["issuer"], meta["place"], meta["date"], meta["subject"],
             json.dumps(meta["recipients"], ensure_ascii=False), len(doc.pages), len(doc.records),
             json.dumps(doc.warnings, ensure_ascii=False), round(doc.seconds, 3)))
        conn.executemany("INSERT INTO pages VALUES (?,?,?,?,?)",
                         [(doc.doc_id, p.number, p.path, p.reason, len(p.lines)) for p in doc.pages])
        conn.executemany(_INSERT_RECORD, record_rows(doc))
        # distinct titles for the typo-tolerant search (a few thousand rows where records are millions)
        conn.execute("INSERT OR IGNORE INTO titles SELECT DISTINCT title_folded, title FROM records"
                     " WHERE doc_id = ? AND title IS NOT NULL", (doc.doc_id,))


def write_database(path: Path, documents: Iterable[Document]) -> None:
    """Add (or replace) these documents in the database at path."""
    with closing(connect(path)) as conn:
        for doc in documents:
            ingest(conn, doc)


# --- search -------------------------------------------------------------------------------------------------

# Words of a query: letters and digits, whatever the diacritics.
QUERY_WORD = re.compile(r"[^\W_]+")
# Records searched first (the newest); the window grows fourfold while it holds fewer hits than asked for.
WINDOW = 50_000
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


def _fts_queries(query: str) -> tuple[list[str], list[str]]:
    """FTS5 queries for the words of a query, best first: the words as a phrase, then all of them anywhere.
    Each word is quoted (no FTS syntax from users); only the last one matches as a prefix, as users type."""
    words = [fold(w).lower() for w in QUERY_WORD.findall(query)]
    if not words:
        return [], []
    quoted = [f'"{w}"' for w in words]
    quoted[-1] += "*"
    every = " ".join(quoted)
    if len(words) == 1:
        return [every], words
    return [f'"{" ".join(words)}"*', every], words


_SELECT = ("SELECT r.doc_id, r.source, r.page, r.stt, r.title, r.value, r.value_raw, r.unit, r.target_op,"
           " r.target_value, r.status, r.responsible")
_BM25 = f"bm25(records_fts, {', '.join(map(str, WEIGHTS))})"


def search(db: Path, query: str, doc: Optional[str] = None, limit: int = 20) -> list[Hit]:
    """Ranked records for a query, with or without diacritics; a typo-tolerant pass when FTS finds nothing."""
    if not Path(db).exists():
        raise BadOption(f"no database at {db}; run `chitieu run … --out DIR` first or pass --db PATH")
    matches, words = _fts_queries(query)
    if not words:
        return []
    hits: list[Hit] = []
    seen: set = set()
    with closing(sqlite3.connect(str(db))) as conn:
        lo, hi = _rowid_range(conn, doc)
        # bm25 must score every match before ORDER BY can pick the best, and a common word matches hundreds of
        # thousands of records; so search the newest WINDOW records first and widen only while hits are short
        width = WINDOW
        while True:
            start = max(lo, hi - width + 1)
            for match in matches:
                sql = (f"{_SELECT}, {_BM25}, r.id FROM records_fts JOIN records r ON r.id = records_fts.rowid"
                       " WHERE records_fts MATCH ? AND records_fts.rowid BETWEEN ? AND ?"
                       f" ORDER BY {_BM25} LIMIT ?")
                for row in conn.execute(sql, (match, start, hi, limit)):
                    if row[13] not in seen and len(hits) < limit:
                        seen.add(row[13])
                        hits.append(_hit(row[:12], -row[12], words, "fts"))
            if len(hits) >= limit or start <= lo:
                break
            hits.clear()
            seen.clear()
            width *= 4
        if hits:
            return hits
        return _fuzzy(conn, query, words, doc, limit)


def _rowid_range(conn: sqlite3.Connection, doc: Optional[str]) -> tuple[int, int]:
    """Record ids to search: all, or those of one document (ingested in one transaction, so contiguous)."""
    if doc:
        lo, hi = conn.execute("SELECT MIN(id), MAX(id) FROM records WHERE doc_id = ?", (doc,)).fetchone()
    else:
        lo, hi = conn.execute("SELECT MIN(id), MAX(id) FROM records").fetchone()
    return (lo, hi) if lo is not None else (1, 0)


def _hit(row, score: float, words: list[str], how: str) -> Hit:
    doc_id, source, page, stt, title, value, value_raw, unit, op, target, status, responsible = row
    snippet = highlight(title or "", words)
    if "[" not in snippet and responsible:
        snippet = f"{snippet} — {highlight(responsible, words)}"
    return Hit(doc_id, source, int(page), stt, title, value, value_raw, unit, op, target, status, snippet,
               round(score, 3), how)


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

def export(db: Path, fmt: str, out: Optional[Path] = None, doc: Optional[str] = None,
           query: Optional[str] = None):
    """Write the (filtered) records of a database as csv, json or parquet; return the DataFrame."""
    import pandas as pd

    if not Path(db).exists():
        raise BadOption(f"no database at {db}; run `chitieu run … --out DIR` first or pass --db PATH")
    where, params = [], []
    if doc:
        where.append("doc_id = ?")
        params.append(doc)
    if query:
        matches, _ = _fts_queries(query)
        where.append("id IN (SELECT rowid FROM records_fts WHERE records_fts MATCH ?)")
        params.append(matches[-1] if matches else '""')
    sql = f"SELECT {', '.join(RECORD_FIELDS)} FROM records" + (f" WHERE {' AND '.join(where)}" if where else "")
    with closing(sqlite3.connect(str(db))) as conn:
        frame = pd.read_sql_query(sql + " ORDER BY doc_id, seq", conn, params=params)
    frame["warnings"] = frame["warnings"].map(lambda w: "; ".join(json.loads(w)) if w else "")
    if out is None:
        return frame
    if fmt == "csv":
        data = frame.to_csv(index=False).encode("utf-8-sig")  # BOM: Excel reads UTF-8
    elif fmt == "json":
        data = frame.to_json(orient="records", force_ascii=False, indent=1).encode("utf-8")
    elif fmt == "parquet":
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise BadOption("parquet export needs pyarrow: .venv/bin/pip install pyarrow, "
                            "or use --format csv/json") from None
        import io
        buf = io.BytesIO()
        frame.to_parquet(buf, index=False)
        data = buf.getvalue()
    else:
        raise BadOption(f"unknown format {fmt!r}; use csv, json or parquet")
    from output.atomic import write_atomic
    write_atomic(Path(out), data)
    return frame
