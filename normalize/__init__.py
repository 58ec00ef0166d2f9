"""Repairs Vietnamese text before parsing; every change is recorded as an Edit beside the original."""
from chitieu.normalize.unicode import clean_unicode, fold  # noqa: F401
from chitieu.normalize.repair import Repaired, repair_line, repair_pages, repair_text  # noqa: F401
