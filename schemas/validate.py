"""Validation of records against the JSON Schema shipped beside the dataclasses."""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from jsonschema import Draft202012Validator

SCHEMA_PATH = Path(__file__).with_name("record.schema.json")


@lru_cache(maxsize=1)
def record_schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _validator() -> Draft202012Validator:
    return Draft202012Validator(record_schema())


def validate_record(record: dict) -> list[str]:
    """Return the schema violations of one record dict (empty when valid)."""
    return [f"{'/'.join(map(str, e.path)) or '(record)'}: {e.message}" for e in _validator().iter_errors(record)]
