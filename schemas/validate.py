"""Validation of records against the JSON Schema shipped beside the dataclasses.

Every record of every document is checked, so the check is compiled once into plain Python tests (about 40 times
faster than jsonschema walking the schema for each record). The compiled check knows only the keywords the record
schema uses and refuses to compile a schema with any other; it answers valid or not, and a record it rejects is
handed to jsonschema for the messages. tests/test_schema_outputs.py holds it to jsonschema's verdict, record by
record, on hundreds of broken records."""
from __future__ import annotations

import json
import numbers
import re
from functools import lru_cache
from pathlib import Path
from typing import Callable, Optional

SCHEMA_PATH = Path(__file__).with_name("record.schema.json")

Check = Callable[[object], bool]
# Keywords that only annotate (no effect on validity).
ANNOTATIONS = frozenset({"$schema", "$id", "title", "description"})


@lru_cache(maxsize=1)
def record_schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _validator():
    from jsonschema import Draft202012Validator  # only for the messages of a record the fast check rejects
    return Draft202012Validator(record_schema())


@lru_cache(maxsize=1)
def _fast_check() -> Optional[Check]:
    """The record schema compiled, or None when it uses a keyword compile() does not know (jsonschema then
    checks every record)."""
    try:
        return compile_schema(record_schema())
    except NotImplementedError:
        return None


def validate_record(record: dict) -> list[str]:
    """Return the schema violations of one record dict (empty when valid)."""
    check = _fast_check()
    if check is not None and check(record):
        return []
    return [f"{'/'.join(map(str, e.path)) or '(record)'}: {e.message}" for e in _validator().iter_errors(record)]


# JSON types as jsonschema's Draft 2020-12 type checker reads Python values: a bool is no number, a float with
# no fraction is an integer, only dicts are objects and only lists are arrays.
def _is_integer(value) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, float):
        return value.is_integer()
    return isinstance(value, int)


def _is_number(value) -> bool:
    return not isinstance(value, bool) and isinstance(value, numbers.Number)


TYPES: dict[str, Check] = {
    "null": lambda v: v is None,
    "boolean": lambda v: isinstance(v, bool),
    "string": lambda v: isinstance(v, str),
    "integer": _is_integer,
    "number": _is_number,
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
}


def compile_schema(schema: dict) -> Check:
    """A function telling whether a value is valid under `schema`, for the keywords the record schema uses;
    NotImplementedError for any other keyword, so that no keyword is silently ignored."""
    unknown = set(schema) - ANNOTATIONS - set(_KEYWORDS)
    if unknown:
        raise NotImplementedError(f"schema keywords not compiled: {sorted(unknown)}")
    checks = [_KEYWORDS[k](schema[k], schema) for k in _KEYWORDS if k in schema]
    checks = [c for c in checks if c is not None]
    if len(checks) == 1:
        return checks[0]
    if len(checks) == 2:
        first, second = checks
        return lambda value: first(value) and second(value)
    return lambda value: all(check(value) for check in checks)


def _type(names, _schema) -> Check:
    tests = [TYPES[n] for n in ([names] if isinstance(names, str) else names)]
    if len(tests) == 1:
        return tests[0]
    if len(tests) == 2:
        first, second = tests
        return lambda value: first(value) or second(value)
    return lambda value: any(test(value) for test in tests)


def _enum(members, _schema) -> Check:
    # jsonschema's equality tells True from 1; with strings and null only, plain membership is the same
    if not all(m is None or isinstance(m, str) for m in members):
        raise NotImplementedError("enum members other than strings and null")
    allowed = frozenset(members)
    return lambda value: (value is None or isinstance(value, str)) and value in allowed


def _pattern(regex, _schema) -> Check:
    search = re.compile(regex).search
    return lambda value: not isinstance(value, str) or search(value) is not None


def _min_length(length, _schema) -> Check:
    return lambda value: not isinstance(value, str) or len(value) >= length


def _minimum(bound, _schema) -> Check:
    return lambda value: not _is_number(value) or not value < bound


def _maximum(bound, _schema) -> Check:
    return lambda value: not _is_number(value) or not value > bound


def _required(names, _schema) -> Check:
    names = tuple(names)
    return lambda value: not isinstance(value, dict) or all(n in value for n in names)


def _properties(props, _schema) -> Check:
    compiled = {name: compile_schema(sub) for name, sub in props.items()}

    def check(value) -> bool:
        if not isinstance(value, dict):
            return True
        for name, item in value.items():
            test = compiled.get(name)
            if test is not None and not test(item):
                return False
        return True
    return check


def _additional(allowed, schema) -> Optional[Check]:
    if allowed is True:
        return None
    if allowed is not False or "patternProperties" in schema:
        raise NotImplementedError("additionalProperties other than true or false")
    known = frozenset(schema.get("properties", {}))
    return lambda value: not isinstance(value, dict) or known.issuperset(value)


def _items(sub, schema) -> Check:
    if "prefixItems" in schema or isinstance(sub, bool):
        raise NotImplementedError("items other than one schema for every item")
    test = compile_schema(sub)
    return lambda value: not isinstance(value, list) or all(test(item) for item in value)


# The keywords compile_schema knows, in the order they are tried (cheap ones first).
_KEYWORDS: dict[str, Callable] = {
    "type": _type,
    "enum": _enum,
    "required": _required,
    "additionalProperties": _additional,
    "minLength": _min_length,
    "minimum": _minimum,
    "maximum": _maximum,
    "pattern": _pattern,
    "properties": _properties,
    "items": _items,
}
