"""Repairs Vietnamese text before parsing; every change is recorded as an Edit beside the original."""
from normalize.unicode import clean_unicode, fold  # noqa: F401
from normalize.repair import Repaired, repair_line, repair_pages, repair_text  # noqa: F401
