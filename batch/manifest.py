"""Resume: what a run already finished, so that the same command run again (after a crash, a kill -9 or Ctrl-C)
converts only what is missing. Each finished file's Document is kept in DIR/.chitieu/done/ under its content hash
and the run's key (the pipeline's own code and data, and the user's lexicons): a changed file, a new version
of chitieu or another lexicon redoes what they affect. DIR/manifest.json lists what the run used."""
from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path
from typing import Optional

from chitieu.output.atomic import write_atomic
from chitieu.output.files import SCHEMA_VERSION
from chitieu.schemas import Document
from chitieu.schemas.serialize import SerializeError, dump_document, load_document

ROOT = Path(__file__).resolve().parents[1]
# Everything whose change can change a record: the stages' code and their shipped data.
STAGES = ("extract", "normalize", "parse", "schemas", "pipeline.py")
CACHE_DIR = ".chitieu/done"


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

    def load(self, doc_id: str, source: str) -> Optional[Document]:
        """The finished Document of this content, or None when it must be converted (again)."""
        # JSON into the known dataclasses only: the folder may be shared, and a planted file must not run code
        try:
            doc = load_document(self._path(doc_id).read_bytes())
        except (OSError, SerializeError, TypeError, ValueError):
            return None
        if doc.doc_id != doc_id:
            return None
        doc.source = source
        for rec in doc.records:
            rec.source = source
        return doc

    def save(self, doc: Document) -> None:
        """Keep a finished document (atomically: a kill leaves it whole or absent)."""
        if doc.status == "failed" and doc.error_code in ("timeout", "crashed", "out-of-memory", "internal-error"):
            return  # worth another try on the next run
        self.dir.mkdir(parents=True, exist_ok=True)
        write_atomic(self._path(doc.doc_id), dump_document(doc))

    def write_index(self, out_dir: Path, entries: list[dict]) -> None:
        """DIR/manifest.json: the run key and every input with its content hash and outcome."""
        write_atomic(Path(out_dir) / "manifest.json", json.dumps(
            {"schema_version": SCHEMA_VERSION, "pipeline_version": pipeline_version(), "run_key": self.key,
             "files": entries},
            ensure_ascii=False, indent=1) + "\n")
