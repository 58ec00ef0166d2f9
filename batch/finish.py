"""A converted document made ready for the run where it was converted: in the worker process (or the Dask worker)
that converted it, not on the one machine that runs `chitieu`. That machine then only writes bytes and inserts
rows as results arrive: with many workers it would otherwise spend more CPU per document storing, rendering and
preparing it than a worker spends converting a small file, and a Document travelling back whole costs pickling
on both sides besides."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from chitieu.batch.manifest import RETRIED
from chitieu.output.parts import part_name, render
from chitieu.output.sqlite import DocumentRows, document_rows
from chitieu.schemas import Document
from chitieu.schemas.serialize import dump_document


@dataclass
class Finished:
    """What a run keeps of one converted document: the resume cache's bytes (None for a failure worth another
    try, which is not kept), its part (output/parts.render) and the part's name, its database rows, and the
    Document itself only when the cache does not keep it (a small failure)."""

    doc_id: str
    stored: Optional[bytes]
    part_name: str
    part: dict
    rows: DocumentRows
    held: Optional[Document] = None

    @property
    def brief(self) -> dict:
        return self.part["brief"]


def finish(doc: Document, source: str, lang: str, stored: Optional[bytes] = None) -> Finished:
    """doc (converted from the input named source) ready to be kept, written and ingested; stored: its resume
    cache bytes when they are already on disk (a document rendered again from the cache)."""
    if stored is None and not (doc.status == "failed" and doc.error_code in RETRIED):
        stored = dump_document(doc)
    name = part_name(doc.doc_id, stored if stored is not None else dump_document(doc), source)
    return Finished(doc.doc_id, stored, name, render(doc, lang), document_rows(doc).listed(),
                    held=doc if stored is None else None)
