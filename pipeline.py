"""The spine: file → pages → lines/cells → repaired lines → records → outputs."""
from __future__ import annotations

import errno
import hashlib
import os
import sqlite3
import stat
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Iterator, Optional, Union

from chitieu.batch import Manifest, Task, run_in_process, run_isolated, run_key
from chitieu.batch.inputs import PageGroup, collect_inputs
from chitieu.errors import ChitieuError, InputError, MissingDependency, OutputNotWritable
from chitieu.extract import extract_pages
from chitieu.extract.read import extract_page_images
from chitieu.normalize import repair_pages
from chitieu.normalize.repair import unrestore_records
from chitieu.normalize.lexicon import match_records
from chitieu.output import write_outputs
from chitieu.output.excel import write_xlsx
from chitieu.output.review import write_review
from chitieu.output.sqlite import write_database
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
    documents: list[Document] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)
    report: dict = field(default_factory=dict)
    seconds: float = 0.0
    resumed: int = 0   # documents a previous run had finished (taken from DIR/.chitieu/done)

    @property
    def failed(self) -> list[Document]:
        return [d for d in self.documents if d.status == "failed"]


# An input: a file, or the page images of one document (batch/inputs.py)
Input = Union[Path, PageGroup]


def collect(inputs: Iterable[Path], settings: Optional[RunSettings] = None,
            out_dir: Optional[Path] = None) -> tuple[list[tuple[Input, str]], list[dict]]:
    """The inputs of files and folders under the run's settings (links, page grouping), and what was skipped."""
    settings = settings or RunSettings()
    return collect_inputs(inputs, out_dir, settings.follow_links, settings.group_pages)


def doc_id_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


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
    returns at once instead of waiting for a writer; the type is then checked on what was opened."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
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
    """Convert every input into records and write the output files into out_dir."""
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
    docs = _convert(files, settings, manifest, result, progress)
    result.documents = [d for d in docs if d is not None]
    result.seconds = time.perf_counter() - started
    pages = {source: list(item.names) for item, source in files if isinstance(item, PageGroup)}
    _write_results(out_dir, result, manifest, settings, pages)
    return result


def _check_writable(out_dir: Path) -> None:
    with _writing(f"to {out_dir}"):
        out_dir.mkdir(parents=True, exist_ok=True)
        probe = out_dir / ".chitieu-write-test"
        probe.write_bytes(b"")
        probe.unlink()


def _convert(files: list[tuple[Input, str]], settings: RunSettings, manifest: Manifest, result: RunResult,
             progress) -> list[Optional[Document]]:
    """The Document of every input, in input order: from the resume cache, or converted now."""
    docs: list[Optional[Document]] = [None] * len(files)
    if progress:
        progress.start(len(files))
    tasks = _resume(files, settings, manifest, docs, result, progress)
    results = _executor(tasks, settings)
    done = result.resumed
    try:
        for task, doc in results:
            docs[task.index] = doc
            with _writing(f"the resume cache in {manifest.dir}"):
                manifest.save(doc)  # before anything else: a kill after this line loses nothing of this file
            done += 1
            if progress:
                progress.document(doc, done, len(files))
    finally:
        # a stop (Ctrl-C, SIGTERM, a full disk) ends the worker processes now, not whenever the generator is
        # collected: the exception's traceback keeps it alive until the process exits
        getattr(results, "close", lambda: None)()
        if progress:
            progress.close()
    return docs


def _resume(files, settings: RunSettings, manifest: Manifest, docs: list, result: RunResult, progress) -> list[Task]:
    """Fill docs with what an earlier run finished; return the tasks left to convert."""
    tasks: list[Task] = []
    for i, (path, source) in enumerate(files):
        doc_id = input_id(path)
        cached = manifest.load(doc_id, source) if doc_id and not settings.force else None
        if cached is None:
            tasks.append(Task(i, path, source, doc_id or "0" * 16))
            continue
        docs[i] = cached
        result.resumed += 1
        if progress:
            progress.document(cached, result.resumed, len(files), resumed=True)
    return tasks


def _executor(tasks: list[Task], settings: RunSettings):
    if settings.executor == "dask":
        from chitieu.batch.dask_executor import run_dask
        return run_dask(tasks, settings, settings.scheduler, settings.timeout)
    if settings.workers > 0:
        return run_isolated(tasks, settings, settings.workers, settings.timeout, settings.max_memory)
    return run_in_process(tasks, settings, process_file)


def _write_results(out_dir: Path, result: RunResult, manifest: Manifest, settings: RunSettings,
                   pages: dict[str, list[str]]) -> None:
    """manifest.json, the files, the workbook, the review page and the database. pages: the page files of each
    document made of page images, by source."""
    docs = result.documents
    with _writing(f"the results in {out_dir}"):
        manifest.write_index(out_dir, [_manifest_entry(d, pages.get(d.source)) for d in docs])
        result.report = write_outputs(out_dir, docs, result.seconds, result.skipped)
        if settings.xlsx:
            write_xlsx(out_dir / "records.xlsx", docs)
        if settings.review:
            write_review(out_dir, docs, result.seconds)
    db = settings.db or out_dir / "chitieu.sqlite"
    with _writing(f"the database {db}"):
        write_database(db, docs)


def _manifest_entry(doc: Document, page_files: Optional[list[str]]) -> dict:
    entry = {"source": doc.source, "doc_id": doc.doc_id, "status": doc.status, "records": len(doc.records)}
    if page_files:
        entry["files"] = page_files
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
