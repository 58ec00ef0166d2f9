"""Turns an input file into Pages of Lines: text files as they are, PDFs through their text layer."""
from chitieu.extract.sniff import INPUT_SUFFIXES, looks_like_input, sniff_kind  # noqa: F401
from chitieu.extract.read import extract_pages  # noqa: F401
