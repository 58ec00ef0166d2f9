"""The spine: file → pages → lines/cells → repaired lines → records → outputs."""
from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Optional

from batch import Manifest, Task, run_in_process, run_isolated, run_key
from errors import ChitieuError, InputError, MissingDependency, OutputNotWritable
from extract import INPUT_SUFFIXES, extract_pages, looks_like_input
from normalize import repair_pages
from normalize.repair import unrestore_records
from normalize.lexicon import match_records
from output import write_outputs
from output.excel import write_xlsx
from output.review import write_review
from output.sqlite import write_database
from parse import parse_document
from schemas import Document, validate_record


@dataclass
class RunSettings:
    """Options of a run; the CLI fills them, Python callers may too."""

    debug: bool = False   # let unexpected exceptions propagate with their traceback
    lexicons: tuple[Path, ...] = ()  # the user's extra lexicon files (TSV), beside the shipped one
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

    def lexicon(self):
        from normalize.lexicon import shipped_lexicon
        return _user_lexicon(tuple(self.lexicons)) if self.lexicons else shipped_lexicon()


@lru_cache(maxsize=4)
def _user_lexicon(paths: tuple):
    """The shipped lexicon with the user's files, loaded once per process, not once per input file."""
    from normalize.lexicon import Lexicon
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


def doc_id_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def file_id(path: Path) -> Optional[str]:
    """doc_id of a file without holding it in memory, or None when it cannot be read (process_file says why)."""
    h = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
    except OSError:
        return None
    return h.hexdigest()[:16]


def collect_inputs(paths: Iterable[Path]) -> tuple[list[tuple[Path, str]], list[dict]]:
    """Expand files and folders (recursively, sorted) into (path, source name) pairs, and what was skipped."""
    found: list[tuple[Path, str]] = []
    skipped: list[dict] = []
    for given in paths:
        given = Path(given)
        if given.is_dir():
            for root, dirs, files in os.walk(given, followlinks=False):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    p = Path(root) / name
                    if name.startswith("."):
                        continue
                    rel = p.relative_to(given).as_posix()
                    # by extension, and by content for the rest: a PDF saved as 'report' or 'scan.dat' counts
                    if p.suffix.lower() in INPUT_SUFFIXES or (p.is_file() and looks_like_input(p)):
                        found.append((p, rel))
                    else:
                        skipped.append({"source": rel, "reason": f"not an input type ({p.suffix or 'no extension'})"})
        elif given.exists():
            found.append((given, given.name))
        else:
            skipped.append({"source": str(given), "reason": "no such file or folder"})
    return found, skipped


def process_file(path: Path, source: str, settings: Optional[RunSettings] = None,
                 timings: Optional[dict] = None) -> Document:
    """Run one file through every stage; failures become doc.status='failed' with a one-line reason.
    timings, when given, receives the seconds of the extract, repair and parse stages (for the benchmarks)."""
    timings = {} if timings is None else timings
    settings = settings or RunSettings()
    started = time.perf_counter()
    doc = Document(doc_id="0" * 16, source=source)
    try:
        try:
            data = path.read_bytes()
        except PermissionError:
            raise InputError("the file cannot be read (permission denied); check its permissions",
                             "unreadable") from None
        except OSError as exc:
            raise InputError(f"the file cannot be read ({exc.strerror}); check the path", "unreadable") from None
        doc.doc_id = doc_id_of(data)
        mark = time.perf_counter()
        doc.kind, doc.pages, notes = extract_pages(data, path, settings.ocr)
        doc.warnings.extend(notes)
        timings["extract"], mark = time.perf_counter() - mark, time.perf_counter()
        doc.warnings.extend(repair_pages(doc.pages))
        timings["repair"], mark = time.perf_counter() - mark, time.perf_counter()
        for page in doc.pages:
            if page.path == "no-text":
                doc.warnings.append(f"page {page.number}: {page.reason}")
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


def run(inputs: Iterable[Path], out_dir: Path, settings: Optional[RunSettings] = None,
        progress=None) -> RunResult:
    """Convert every input into records and write the four output files into out_dir."""
    settings = settings or RunSettings()
    started = time.perf_counter()
    out_dir = Path(out_dir)
    settings.lexicon()  # a bad --lexicon file stops the run before any work, with its one-line reason
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        probe = out_dir / ".chitieu-write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise OutputNotWritable(f"cannot write to {out_dir} ({exc.strerror}); choose another --out folder") \
            from None
    files, skipped = collect_inputs(inputs)
    result = RunResult(skipped=skipped)
    manifest = Manifest(out_dir, run_key(settings.lexicons, f"ocr={settings.ocr};layout={settings.layout}"))
    docs: list[Optional[Document]] = [None] * len(files)
    if progress:
        progress.start(len(files))
    tasks: list[Task] = []
    done = 0
    for i, (path, source) in enumerate(files):
        doc_id = file_id(path)
        cached = manifest.load(doc_id, source) if doc_id and not settings.force else None
        if cached is not None:
            docs[i] = cached
            result.resumed += 1
            done += 1
            if progress:
                progress.document(cached, done, len(files), resumed=True)
        else:
            tasks.append(Task(i, path, source, doc_id or "0" * 16))
    if settings.executor == "dask":
        from batch.dask_executor import run_dask
        results = run_dask(tasks, settings, settings.scheduler, settings.timeout)
    elif settings.workers > 0:
        results = run_isolated(tasks, settings, settings.workers, settings.timeout, settings.max_memory)
    else:
        results = run_in_process(tasks, settings, process_file)
    try:
        for task, doc in results:
            docs[task.index] = doc
            manifest.save(doc)  # before anything else: a kill after this line loses nothing of this file
            done += 1
            if progress:
                progress.document(doc, done, len(files))
    finally:
        if progress:
            progress.close()
    result.documents = [d for d in docs if d is not None]
    manifest.write_index(out_dir, [{"source": d.source, "doc_id": d.doc_id, "status": d.status,
                                    "records": len(d.records)} for d in result.documents])
    result.seconds = time.perf_counter() - started
    try:
        result.report = write_outputs(out_dir, result.documents, result.seconds, skipped)
    except OSError as exc:
        raise OutputNotWritable(f"cannot write the results to {out_dir} ({exc.strerror})") from None
    try:
        if settings.xlsx:
            write_xlsx(out_dir / "records.xlsx", result.documents)
        if settings.review:
            write_review(out_dir, result.documents, result.seconds)
    except OSError as exc:
        raise OutputNotWritable(f"cannot write the results to {out_dir} ({exc.strerror})") from None
    write_database(settings.db or out_dir / "chitieu.sqlite", result.documents)
    return result
