"""The spine: file → pages → lines/cells → repaired lines → records → outputs."""
from __future__ import annotations

import errno
import hashlib
import json
import os
import sqlite3
import stat
import sys
import time
from contextlib import ExitStack, closing, contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Iterator, Optional, Sequence, Union

from chitieu.batch import Manifest, Task, run_in_process, run_isolated, run_key
from chitieu.batch.finish import Finished, finish
from chitieu.batch.manifest import StoredDocuments
from chitieu.batch.inputs import PageGroup, collect_inputs
from chitieu.errors import ChitieuError, InputError, MissingDependency, OutputNotWritable
from chitieu.extract import extract_pages
from chitieu.extract.read import extract_page_images
from chitieu.normalize import repair_pages
from chitieu.normalize.repair import unrestore_records
from chitieu.normalize.lexicon import match_records
from chitieu.output.atomic import write_atomic
from chitieu.output.parts import PartStore, RunOutputs, part_name, render, review_section
from chitieu.output.review import ReviewWriter, section_pieces
from chitieu.output.sqlite import DocumentRows, document_rows, run_writer
from chitieu.parse import parse_document
from chitieu.parse.header import use_vocabulary
from chitieu.schemas import Document, validate_record


@dataclass
class RunSettings:
    """Options of a run; the CLI fills them, Python callers may too."""

    debug: bool = False   # let unexpected exceptions propagate with their traceback
    lexicons: tuple[Path, ...] = ()  # the user's extra lexicon files (TSV), beside the shipped one
    headers: tuple[Path, ...] = ()   # the user's header vocabulary files (TSV: role, pattern), before the shipped one
    db: Optional[Path] = None        # database to add the run to; None: DIR/chitieu.sqlite
    workers: int = 0                 # worker processes (0: convert in this process, no isolation)
    timeout: Optional[float] = None  # seconds one file may take in a worker before it is stopped
    max_memory: Optional[int] = None  # MB of address space a worker may use
    force: bool = False              # convert every file again, even those a previous run finished
    ocr: str = "auto"                # auto: pages without a usable text layer; always; never
    layout: str = "auto"             # auto: detected per document; table or flow to force one
    executor: str = "local"          # local worker processes, or "dask"
    scheduler: Optional[str] = None  # Dask scheduler address (tcp://host:8786); None: a LocalCluster
    review: bool = True              # write DIR/review.html
    xlsx: bool = True                # write DIR/records.xlsx
    follow_links: bool = False       # read links to files outside the input folders (off: they are skipped)
    group_pages: bool = True         # page images named scan_0001.jpg, scan_0002.jpg, … are one document
    lang: str = "vi"                 # review.html in Vietnamese (vi) or English (en)

    def lexicon(self):
        from chitieu.normalize.lexicon import shipped_lexicon
        return _user_lexicon(tuple(self.lexicons)) if self.lexicons else shipped_lexicon()


@lru_cache(maxsize=4)
def _user_lexicon(paths: tuple):
    """The shipped lexicon with the user's files, loaded once per process, not once per input file."""
    from chitieu.normalize.lexicon import Lexicon
    return Lexicon.load(paths)


@dataclass
class RunResult:
    # in input order; read from DIR/.chitieu/done one at a time when asked for (a batch holds none of them)
    documents: Sequence[Document] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)
    report: dict = field(default_factory=dict)
    seconds: float = 0.0
    resumed: int = 0   # documents a previous run had finished (taken from DIR/.chitieu/done)
    duplicates: list[dict] = field(default_factory=list)  # inputs with the bytes of an earlier one
    briefs: list[dict] = field(default_factory=list)      # per document: status, counts (output/parts.brief)
    notes: list[str] = field(default_factory=list)        # about the run as a whole, for report.json

    @property
    def failed(self) -> list[Document]:
        if self.briefs:
            return [self.documents[i] for i, b in enumerate(self.briefs) if b["status"] == "failed"]
        return [d for d in self.documents if d.status == "failed"]


@dataclass
class _Slot:
    """One input of a run, as it goes: what is known of it without holding its Document."""

    source: str
    doc_id: Optional[str] = None
    part: Optional[str] = None            # the name of its rendered part (output/parts.py)
    brief: Optional[dict] = None
    fresh: bool = False                   # rendered in this run (its table files are rewritten)
    held: Optional[Document] = None       # a failure the cache does not keep (retried next run): kept here
    duplicate_of: Optional[str] = None    # the source of an earlier input with the same bytes
    files: Optional[list[str]] = None     # the page files of a group of page images


# An input: a file, or the page images of one document (batch/inputs.py)
Input = Union[Path, PageGroup]


def collect(inputs: Iterable[Path], settings: Optional[RunSettings] = None,
            out_dir: Optional[Path] = None) -> tuple[list[tuple[Input, str]], list[dict]]:
    """The inputs of files and folders under the run's settings (links, page grouping), and what was skipped."""
    settings = settings or RunSettings()
    return collect_inputs(inputs, out_dir, settings.follow_links, settings.group_pages)


def doc_id_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


# The doc_id of an empty file.
EMPTY_ID = hashlib.sha256(b"").hexdigest()[:16]


def group_id(page_ids: Iterable[str]) -> str:
    """doc_id of a PageGroup: its pages' content hashes in page order, so that changing, adding, removing or
    reordering any page image makes it another document (and the resume cache converts it again)."""
    return doc_id_of(("page-images:" + ",".join(page_ids)).encode())


def input_id(item: Input) -> Optional[str]:
    """doc_id of an input without reading it into memory, or None when a file of it cannot be read."""
    if not isinstance(item, PageGroup):
        return file_id(item)
    ids = [file_id(path) for path in item.files]
    return None if None in ids else group_id(ids)


def file_id(path: Path) -> Optional[str]:
    """doc_id of a file without holding it in memory, or None when it cannot be read (process_file says why).
    Only a regular file is read, and only up to the size it had when opened: a FIFO put in its place would
    block, /dev/zero would never end."""
    h = hashlib.sha256()
    try:
        with _open_regular(path) as fh:
            left = os.fstat(fh.fileno()).st_size
            while left > 0 and (block := fh.read(min(left, 1 << 20))):
                h.update(block)
                left -= len(block)
    except (OSError, InputError):
        return None
    return h.hexdigest()[:16]


def _open_regular(path: Path):
    """The file opened for reading, or InputError when it is not a regular file. O_NONBLOCK: opening a FIFO
    returns at once instead of waiting for a writer; the type is then checked on what was opened. Windows has
    no O_NONBLOCK (nor FIFOs to wait on) and needs O_BINARY, or its C library reads the file as text (CRLF made
    LF, Ctrl-Z taken for the end)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise InputError("not a regular file (a FIFO, a device or a socket); only files are read", "not-regular")
    return os.fdopen(fd, "rb")


def read_input(path: Path) -> bytes:
    """The bytes of an input file, or InputError with a one-line reason."""
    try:
        with _open_regular(path) as fh:
            return fh.read()
    except PermissionError:
        raise InputError("the file cannot be read (permission denied); check its permissions", "unreadable") \
            from None
    except OSError as exc:
        raise InputError(f"the file cannot be read ({exc.strerror}); check the path", "unreadable") from None


def process_file(path: Input, source: str, settings: Optional[RunSettings] = None,
                 timings: Optional[dict] = None) -> Document:
    """Run one input (a file, or a PageGroup of page images) through every stage; failures become
    doc.status='failed' with a one-line reason. timings, when given, receives the seconds of the extract, repair
    and parse stages (for the benchmarks)."""
    timings = {} if timings is None else timings
    settings = settings or RunSettings()
    started = time.perf_counter()
    doc = Document(doc_id="0" * 16, source=source)
    try:
        mark = time.perf_counter()
        _extract(doc, path, settings.ocr)
        timings["extract"], mark = time.perf_counter() - mark, time.perf_counter()
        doc.warnings.extend(repair_pages(doc.pages))
        timings["repair"], mark = time.perf_counter() - mark, time.perf_counter()
        for page in doc.pages:
            if page.path == "no-text":
                doc.warnings.append(f"page {page.number}: {page.reason}")
        use_vocabulary(settings.headers)
        parse_document(doc, settings.layout, settings.lexicon())
        timings["parse"] = time.perf_counter() - mark
        unrestore_records(doc)
        match_records(doc.records, settings.lexicon())
        for rec in doc.records:
            problems = validate_record(rec.to_dict())
            if problems:  # a bug of ours, not of the input: say so loudly
                raise ChitieuError(f"record {rec.seq} breaks the schema: {problems[0]}")
    except InputError as exc:
        doc.status, doc.error, doc.error_code = "failed", str(exc), exc.code
    except MissingDependency as exc:  # this file needs a program that is missing; files that do not, go on
        doc.status, doc.error, doc.error_code = "failed", str(exc), "missing-dependency"
    except Exception as exc:  # noqa: BLE001 — one bad file must never stop the batch
        if settings.debug:
            raise
        doc.status, doc.error_code = "failed", "internal-error"
        doc.error = f"internal error ({type(exc).__name__}: {exc}); rerun with --debug and report it"
    if doc.status == "failed":
        doc.records, doc.unparsed = [], []
    doc.seconds = time.perf_counter() - started
    return doc


def _extract(doc: Document, item: Input, ocr: str) -> None:
    """The document's id, kind, pages and extraction notes, from a file or from a group's page images."""
    if isinstance(item, PageGroup):
        doc.doc_id = input_id(item) or doc.doc_id
        doc.warnings.extend(item.warnings)
        doc.kind, doc.pages, notes = extract_page_images(_page_images(item), ocr)
    else:
        data = read_input(item)
        doc.doc_id = doc_id_of(data)
        doc.kind, doc.pages, notes = extract_pages(data, item, ocr)
    doc.warnings.extend(notes)


def _page_images(group: PageGroup) -> Iterator[tuple[str, Path, bytes]]:
    """A group's page files read one at a time (one page image in memory, not the whole scan)."""
    for name, path in zip(group.names, group.files):
        try:
            data = read_input(path)
        except InputError as exc:
            raise InputError(f"page image {name}: {exc}", exc.code) from None
        yield name, path, data


def run(inputs: Iterable[Path], out_dir: Path, settings: Optional[RunSettings] = None,
        progress=None) -> RunResult:
    """Convert every input into records and write the output files into out_dir. Each document is stored and
    rendered into its part where it was converted (batch/finish.py), kept as it arrives and dropped: the run
    holds one document at a time."""
    settings = settings or RunSettings()
    started = time.perf_counter()
    out_dir = Path(out_dir)
    settings.lexicon()  # a bad --lexicon file stops the run before any work, with its one-line reason
    use_vocabulary(settings.headers)  # so does a bad --headers file
    _check_writable(out_dir)
    # after the check: out_dir exists, so that a --out inside an input folder is recognised and skipped
    files, skipped = collect(inputs, settings, out_dir)
    result = RunResult(skipped=skipped)
    options = f"ocr={settings.ocr};layout={settings.layout};headers={len(settings.headers)}"
    manifest = Manifest(out_dir, run_key(settings.lexicons + settings.headers, options))
    parts = PartStore(out_dir)
    db = _Database(settings.db or out_dir / "chitieu.sqlite", out_dir)
    try:
        _run(files, settings, out_dir, manifest, parts, db, result, progress, started)
    except BaseException:
        db.abort()
        raise
    if progress:
        progress.notes(result.report)
    return result


def _run(files, settings: RunSettings, out_dir: Path, manifest: Manifest, parts: PartStore, db: "_Database",
         result: RunResult, progress, started: float) -> None:
    slots = _convert(files, settings, manifest, parts, db, result, progress)
    docs = [s for s in slots if s.part]
    result.documents = StoredDocuments(manifest, [(s.brief["doc_id"], s.source) for s in docs],
                                       {i: s.held for i, s in enumerate(docs) if s.held is not None})
    result.briefs = [s.brief for s in docs]
    result.duplicates = [{"source": s.source, "duplicate_of": s.duplicate_of, "doc_id": s.doc_id}
                         for s in slots if s.duplicate_of]
    result.seconds = time.perf_counter() - started
    _write_results(out_dir, result, slots, manifest, parts, db, settings)


def _check_writable(out_dir: Path) -> None:
    with _writing(f"to {out_dir}"):
        out_dir.mkdir(parents=True, exist_ok=True)
        probe = out_dir / ".chitieu-write-test"
        probe.write_bytes(b"")
        probe.unlink()


def _convert(files: list[tuple[Input, str]], settings: RunSettings, manifest: Manifest, parts: PartStore,
             db: "_Database", result: RunResult, progress) -> list[_Slot]:
    """Every input's slot, in input order: its part from the resume cache, or converted now and rendered."""
    slots = [_Slot(source, files=list(item.names) if isinstance(item, PageGroup) else None)
             for item, source in files]
    if progress:
        progress.start(len(files))
    tasks = _resume(files, settings, manifest, parts, db, slots, result, progress)
    results = _executor(tasks, settings, result.notes)
    done = len(files) - len(tasks)
    try:
        for task, outcome in results:
            slot = slots[task.index]
            # a failure the supervisor made (a timeout, a crash) comes as a Document, finished here
            made = outcome if isinstance(outcome, Finished) else finish(outcome, task.source, settings.lang)
            with _writing(f"the resume cache in {manifest.dir}"):
                if made.stored is not None:
                    manifest.keep(made.doc_id, made.stored)  # first: a kill after this loses nothing of the file
                _take(parts, slot, made)
            db.add(slot, made.rows)
            done += 1
            if progress:
                progress.document(slot.brief, done, len(files))
    finally:
        # a stop (Ctrl-C, SIGTERM, a full disk) ends the worker processes now, not whenever the generator is
        # collected: the exception's traceback keeps it alive until the process exits
        getattr(results, "close", lambda: None)()
        if progress:
            progress.close()
    return slots


def _take(parts: PartStore, slot: _Slot, made: Finished) -> None:
    """Keep a finished document's part and let the document go; a failure the cache does not keep stays in the
    slot."""
    slot.doc_id, slot.part = made.doc_id, made.part_name
    parts.save(slot.part, made.part)
    slot.brief, slot.fresh, slot.held = made.brief, True, made.held


def _resume(files, settings: RunSettings, manifest: Manifest, parts: PartStore, db: "_Database",
            slots: list[_Slot], result: RunResult, progress) -> list[Task]:
    """Fill the slots of what an earlier run finished, and of inputs whose bytes an earlier input of this run
    has (duplicates: converted once); return the tasks left to convert."""
    tasks: list[Task] = []
    first: dict[str, _Slot] = {}
    done = 0
    for i, (path, source) in enumerate(files):
        slot = slots[i]
        slot.doc_id = input_id(path)
        if slot.doc_id in first:
            slot.duplicate_of = first[slot.doc_id].source
        elif slot.doc_id not in (None, EMPTY_ID):  # empty files are no document: each fails on its own
            first[slot.doc_id] = slot
        if slot.duplicate_of is None and not (slot.doc_id and not settings.force
                                              and _reuse(manifest, parts, db, slot, settings.lang)):
            tasks.append(Task(i, path, source, slot.doc_id or "0" * 16))
            continue
        result.resumed += slot.duplicate_of is None
        done += 1
        if progress:
            progress.document(slot.brief or {"source": source, "duplicate_of": slot.duplicate_of}, done,
                              len(files), resumed=True)
    return tasks


def _reuse(manifest: Manifest, parts: PartStore, db: "_Database", slot: _Slot, lang: str) -> bool:
    """Whether an earlier run finished this input: its part as it is, or rendered again from the cache (a
    renamed file, a new version of the writers). Only the part is read, never the document, when both are."""
    with _writing(f"the resume cache in {manifest.dir}"):
        stored = manifest.stored(slot.doc_id)
        if stored is None:
            return False
        name = part_name(slot.doc_id, stored, slot.source)
        part = parts.load(name)
        if part is not None:
            slot.part, slot.brief = name, part["brief"]
            return True
        doc = manifest.load(slot.doc_id, slot.source, stored)
        if doc is None:
            return False
        made = finish(doc, slot.source, lang, stored)
        _take(parts, slot, made)
    db.add(slot, made.rows)
    return True


def _executor(tasks: list[Task], settings: RunSettings, notes: list[str]):
    if settings.executor == "dask":
        from chitieu.batch.dask_executor import run_dask
        return run_dask(tasks, settings, settings.scheduler, settings.timeout)
    if settings.workers > 0:
        return run_isolated(tasks, settings, settings.workers, settings.timeout, settings.max_memory, notes)
    return run_in_process(tasks, settings, _convert_one)


def _convert_one(path: Input, source: str, settings: RunSettings) -> Finished:
    return finish(process_file(path, source, settings), source, settings.lang)


def _write_results(out_dir: Path, result: RunResult, slots: list[_Slot], manifest: Manifest, parts: PartStore,
                   db: "_Database", settings: RunSettings) -> None:
    """manifest.json, the files, the workbook, the review page and the database, from the parts one at a time.
    A run that would write exactly what is there already (nothing new, changed, renamed or removed) writes
    nothing; the database takes only the documents it does not hold as they are now."""
    docs = [s for s in slots if s.part]
    state = _OutputState(out_dir, settings, slots, result.skipped)
    if state.unchanged():
        result.report = state.report()
        result.report["summary"]["seconds"] = round(result.seconds, 3)  # this run's, for the closing line
    else:
        with _writing(f"the results in {out_dir}"):
            manifest.write_index(out_dir, [_manifest_entry(s) for s in slots])
            outputs = RunOutputs(out_dir, xlsx=settings.xlsx)
            review = ReviewWriter(out_dir, result.briefs, result.seconds, settings.lang) if settings.review else None
            try:
                for i, slot in enumerate(docs):
                    part = _part(parts, manifest, slot, settings.lang)
                    outputs.add(part, fresh=slot.fresh)
                    if review is not None:
                        review.add(i, lambda: _section(part, manifest, slot, review.L), fresh=slot.fresh)
                outputs.notes += result.notes + parts.notes()
                result.report = outputs.close(result.seconds, result.skipped, result.duplicates)
            except BaseException:
                outputs.abort()
                if review is not None:
                    review.abort()
                raise
            if review is not None:
                review.close()
            parts.prune({s.part for s in docs})
    db.finish(docs, result.documents)
    with _writing(f"the results in {out_dir}"):
        state.save()


def _part(parts: PartStore, manifest: Manifest, slot: _Slot, lang: str) -> dict:
    """A slot's part with its segments, rendered again from the resume cache (and stored) if it went missing or
    was refused (damaged) since it was made."""
    part = parts.load(slot.part, whole=True)
    if part is None:
        part = render(_document(manifest, slot), lang)
        parts.save(slot.part, part)
    return part


def _document(manifest: Manifest, slot: _Slot) -> Document:
    doc = slot.held or manifest.load(slot.brief["doc_id"], slot.source)
    if doc is None:
        raise OSError(f"the finished document of {slot.source} went missing from {manifest.dir}")
    return doc


def _section(part: dict, manifest: Manifest, slot: _Slot, L) -> tuple[list[str], dict]:
    """A document's review section from its part, or from the resume cache when the part holds it in another
    language (a re-run with another --lang)."""
    return review_section(part, L.lang) or section_pieces(_document(manifest, slot), L)


class _OutputState:
    """DIR/.chitieu/outputs.json: what the files of the last run were written from (every part in order, the
    duplicates, the skipped files and the options that choose files), to tell a run that has nothing new."""

    def __init__(self, out_dir: Path, settings: RunSettings, slots: list[_Slot], skipped: list[dict]):
        from chitieu.output import parquet
        self.path = out_dir / ".chitieu" / "outputs.json"
        self.out_dir = out_dir
        self.files = ["records.csv", "records.json", "cells.csv", "documents.json", "report.json", "manifest.json"]
        self.files += ["records.xlsx"] if settings.xlsx else []
        self.files += ["review.html"] if settings.review else []
        self.files += ["records.parquet", "cells.parquet"] if parquet.available() else []
        what = json.dumps([[s.part or s.source, s.duplicate_of] for s in slots] +
                          [skipped, self.files, settings.lang], ensure_ascii=False, default=str)
        self.key = hashlib.sha256(what.encode("utf-8", errors="backslashreplace")).hexdigest()
        self.force = settings.force

    def unchanged(self) -> bool:
        try:
            before = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        return (not self.force and isinstance(before, dict) and before.get("key") == self.key
                and all((self.out_dir / f).is_file() for f in self.files))

    def report(self) -> dict:
        return json.loads((self.out_dir / "report.json").read_text(encoding="utf-8"))

    def save(self) -> None:
        write_atomic(self.path, json.dumps({"key": self.key}) + "\n")


class _Database:
    """The run's documents into the database as they arrive, in one transaction (output/sqlite.run_writer), and
    only those it does not hold as they are now: new, changed or renamed. DIR/.chitieu/ingested.json remembers
    which part of each document went in; it is written after the commit, so a kill in between only makes the
    next run ingest those documents again."""

    def __init__(self, db: Path, out_dir: Path):
        self.db = Path(db)
        self.ledger = out_dir / ".chitieu" / "ingested.json"
        self.where = str(self.db.resolve())
        try:
            ledger = json.loads(self.ledger.read_text(encoding="utf-8"))
            self.ingested = dict(ledger["parts"]) if ledger.get("db") == self.where else {}
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            self.ingested = {}
        self.holds = _doc_ids_in(self.db)
        self.added: set[int] = set()   # ids of the slots added in this run
        self._stack = ExitStack()
        self._add = None

    def wants(self, slot: _Slot) -> bool:
        doc_id = slot.brief["doc_id"]
        return (id(slot) not in self.added and
                (slot.held is not None or self.ingested.get(doc_id) != slot.part or doc_id not in self.holds))

    def add(self, slot: _Slot, rows: DocumentRows) -> None:
        if not self.wants(slot):
            return
        with _writing(f"the database {self.db}"):
            if self._add is None:
                self._add = self._stack.enter_context(run_writer(self.db))
            self._add(rows)
        self.added.add(id(slot))

    def finish(self, docs: list[_Slot], documents) -> None:
        """Add what no document of this run has brought yet (the database was replaced, another --db), then
        commit and remember what went in."""
        for i, slot in enumerate(docs):
            if self.wants(slot):
                self.add(slot, document_rows(documents[i]))
        with _writing(f"the database {self.db}"):
            if self._add is None and not self.db.exists():
                self._add = self._stack.enter_context(run_writer(self.db))  # an empty run still makes one
            self._stack.close()  # the commit
            self.ingested.update({s.brief["doc_id"]: s.part for s in docs if s.held is None})
            write_atomic(self.ledger, json.dumps({"db": self.where, "parts": self.ingested}) + "\n")

    def abort(self) -> None:
        """Roll the run's documents back: the database stays as the last run left it."""
        self._stack.__exit__(*sys.exc_info())


def _doc_ids_in(db: Path) -> set:
    """The documents a database holds (none when it is missing or not readable as one: writing says why)."""
    if not Path(db).is_file():
        return set()
    try:
        # read-write, though it only reads: the last connection to close removes the WAL files, a read-only one
        # would leave them behind
        with closing(sqlite3.connect(str(db))) as conn:
            return {row[0] for row in conn.execute("SELECT doc_id FROM documents")}
    except sqlite3.Error:
        return set()


def _manifest_entry(slot: _Slot) -> dict:
    if slot.duplicate_of:
        return {"source": slot.source, "doc_id": slot.doc_id, "status": "duplicate", "records": 0,
                "duplicate_of": slot.duplicate_of}
    b = slot.brief
    entry = {"source": slot.source, "doc_id": b["doc_id"], "status": b["status"], "records": b["records"]}
    if slot.files:
        entry["files"] = slot.files
    return entry


# errno values that mean the disk (or the user's quota) is full: freeing space and running again is the fix
_DISK_FULL = {errno.ENOSPC, errno.EDQUOT}


@contextmanager
def _writing(what: str):
    """An OSError or SQLite error while writing `what` becomes one OutputNotWritable line (exit 4). Nothing is
    half-written: each file is replaced atomically (the old one stays), each document enters the database in
    one transaction."""
    try:
        yield
    except OSError as exc:
        raise OutputNotWritable(_cannot_write(what, exc.strerror or str(exc), exc.errno in _DISK_FULL)) from None
    except sqlite3.DatabaseError as exc:
        full = getattr(exc, "sqlite_errorcode", None) == getattr(sqlite3, "SQLITE_FULL", 13)
        raise OutputNotWritable(_cannot_write(what, str(exc), full)) from None


def _cannot_write(what: str, why: str, full: bool) -> str:
    todo = ("free some space and run the same command again; finished files are kept" if full
            else "check its permissions or choose another --out folder")
    return f"cannot write {what} ({why}); {todo}"
