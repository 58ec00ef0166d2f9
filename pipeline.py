"""The spine: file → pages → lines/cells → repaired lines → records → outputs."""
from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Optional

from errors import ChitieuError, InputError, OutputNotWritable
from extract import INPUT_SUFFIXES, extract_pages
from normalize import repair_pages
from normalize.repair import unrestore_records
from normalize.lexicon import match_records
from output import write_outputs
from output.sqlite import write_database
from parse import parse_document
from schemas import Document, validate_record


@dataclass
class RunSettings:
    """Options of a run; the CLI fills them, Python callers may too."""

    debug: bool = False   # let unexpected exceptions propagate with their traceback
    lexicons: tuple[Path, ...] = ()  # the user's extra lexicon files (TSV), beside the shipped one
    db: Optional[Path] = None        # database to add the run to; None: DIR/chitieu.sqlite

    def lexicon(self):
        from normalize.lexicon import Lexicon, shipped_lexicon
        return Lexicon.load(self.lexicons) if self.lexicons else shipped_lexicon()


@dataclass
class RunResult:
    documents: list[Document] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)
    report: dict = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def failed(self) -> list[Document]:
        return [d for d in self.documents if d.status == "failed"]


def doc_id_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


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
                    if p.suffix.lower() in INPUT_SUFFIXES:
                        found.append((p, rel))
                    else:
                        skipped.append({"source": rel, "reason": f"not an input type ({p.suffix or 'no extension'})"})
        elif given.exists():
            found.append((given, given.name))
        else:
            skipped.append({"source": str(given), "reason": "no such file or folder"})
    return found, skipped


def process_file(path: Path, source: str, settings: Optional[RunSettings] = None) -> Document:
    """Run one file through every stage; failures become doc.status='failed' with a one-line reason."""
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
        doc.kind, doc.pages, notes = extract_pages(data, path)
        doc.warnings.extend(notes)
        doc.warnings.extend(repair_pages(doc.pages))
        for page in doc.pages:
            if page.path == "no-text":
                doc.warnings.append(f"page {page.number}: {page.reason}")
        parse_document(doc)
        unrestore_records(doc)
        match_records(doc.records, settings.lexicon())
        for rec in doc.records:
            problems = validate_record(rec.to_dict())
            if problems:  # a bug of ours, not of the input: say so loudly
                raise ChitieuError(f"record {rec.seq} breaks the schema: {problems[0]}")
    except InputError as exc:
        doc.status, doc.error, doc.error_code = "failed", str(exc), exc.code
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
        on_document: Optional[Callable[[Document, int, int], None]] = None) -> RunResult:
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
    for i, (path, source) in enumerate(files, start=1):
        doc = process_file(path, source, settings)
        result.documents.append(doc)
        if on_document:
            on_document(doc, i, len(files))
    result.seconds = time.perf_counter() - started
    try:
        result.report = write_outputs(out_dir, result.documents, result.seconds, skipped)
    except OSError as exc:
        raise OutputNotWritable(f"cannot write the results to {out_dir} ({exc.strerror})") from None
    write_database(settings.db or out_dir / "chitieu.sqlite", result.documents)
    return result
