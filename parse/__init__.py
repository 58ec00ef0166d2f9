"""Turns repaired lines into records: tables by their columns, running text by its row numbers."""
from chitieu.parse.document import parse_document  # noqa: F401
