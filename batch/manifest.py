"""Resume: what a run already finished, so that the same command run again (after a crash, a kill -9 or Ctrl-C)
converts only what is missing. Each finished file's Document is kept in DIR/.chitieu/done/ under its content hash
and the run's key (the pipeline's own code and data, and the user's lexicons): a changed file, a new version
of chitieu or another lexicon redoes what they affect. DIR/manifest.json lists what the run used."""
from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path
from collections.abc import Sequence
from typing import Optional

from chitieu.output.atomic import write_atomic
from chitieu.output.files import SCHEMA_VERSION
from chitieu.schemas import Document
from chitieu.schemas.serialize import SerializeError, load_document

ROOT = Path(__file__).resolve().parents[1]
# Everything whose change can change a record: the stages' code and their shipped data.
STAGES = ("extract", "normalize", "parse", "schemas", "pipeline.py")
CACHE_DIR = ".chitieu/done"
# Failures that are not the file's own doing: not kept, so the next run tries the file again.
RETRIED = ("timeout", "crashed", "out-of-memory", "internal-error")


@lru_cache(maxsize=1)
def pipeline_version() -> str:
    """A hash of the stages' code and data files: any change to them is a new pipeline version."""
    h = hashlib.sha256()
    for stage in STAGES:
        p = ROOT / stage
        files = sorted(p.rglob("*")) if p.is_dir() else [p]
        for f in files:
            if f.is_file() and "__pycache__" not in f.parts:
                h.update(f.relative_to(ROOT).as_posix().encode())
                h.update(f.read_bytes())
    return h.hexdigest()[:16]


def run_key(lexicons: tuple[Path, ...], options: str = "") -> str:
    """The pipeline version combined with the user's lexicon files and the options that change records
    (--ocr, --layout)."""
    h = hashlib.sha256((pipeline_version() + options).encode())
    for lex in lexicons:
        h.update(Path(lex).read_bytes())
    return h.hexdigest()[:16]


class Manifest:
    """Finished documents of an output folder, keyed by (content hash, run key)."""

    def __init__(self, out_dir: Path, key: str):
        self.dir = Path(out_dir) / CACHE_DIR
        self.key = key

    def _path(self, doc_id: str) -> Path:
        return self.dir / f"{doc_id}-{self.key}.json"

    def stored(self, doc_id: str) -> Optional[bytes]:
        """The stored bytes of this content's finished document, unread (None when there are none)."""
        try:
            return self._path(doc_id).read_bytes()
        except OSError:
            return None

    def load(self, doc_id: str, source: str, stored: Optional[bytes] = None) -> Optional[Document]:
        """The finished Document of this content (from its stored bytes when given), or None when it must be
        converted (again)."""
        # JSON into the known dataclasses only: the folder may be shared, and a planted file must not run code
        data = self.stored(doc_id) if stored is None else stored
        if data is None:
            return None
        try:
            doc = load_document(data)
        except (SerializeError, TypeError, ValueError):
            return None
        if doc.doc_id != doc_id:
            return None
        doc.source = source
        for rec in doc.records:
            rec.source = source
        return doc

    def keep(self, doc_id: str, data: bytes) -> None:
        """Keep a finished document's stored bytes (serialize.dump_document's, made where it was converted:
        batch/finish.py), atomically: a kill leaves them whole or absent."""
        self.dir.mkdir(parents=True, exist_ok=True)
        write_atomic(self._path(doc_id), data)

    def write_index(self, out_dir: Path, entries: list[dict]) -> None:
        """DIR/manifest.json: the run key and every input with its content hash and outcome."""
        write_atomic(Path(out_dir) / "manifest.json", json.dumps(
            {"schema_version": SCHEMA_VERSION, "pipeline_version": pipeline_version(), "run_key": self.key,
             "files": entries},
            ensure_ascii=False, indent=1) + "\n")


class StoredDocuments(Sequence):
    """A run's documents in input order, each read from the resume cache when it is asked for and not kept:
    a batch's result costs the memory of one document, however many it has. A document the cache does not keep
    (a timeout, a crash) is held as it is, small as a failure is."""

    def __init__(self, manifest: Manifest, entries: list[tuple[str, str]], held: dict[int, Document]):
        self.manifest = manifest
        self.entries = entries   # (doc_id, source) per document
        self.held = held         # position → Document kept in memory

    def __len__(self) -> int:
        return len(self.entries)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if i in self.held:
            return self.held[i]
        doc_id, source = self.entries[i]
        doc = self.manifest.load(doc_id, source)
        if doc is None:  # removed from under the run: say so rather than give another document
            raise OSError(f"the finished document of {source} is missing from {self.manifest.dir}")
        return doc
