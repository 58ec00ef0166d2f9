"""The compiled record check (schemas/validate.py) gives jsonschema's verdict on every record: real ones, and
broken copies of them with each field given each kind of wrong value."""
import copy
import math
import random

import pytest
from jsonschema import Draft202012Validator

from chitieu import pipeline
from chitieu.schemas import record_schema, validate_record
from chitieu.schemas.validate import compile_schema
from conftest import seed

# One value of every JSON kind and the edges the record schema draws (bounds, patterns, enums, bool for number).
ODD_VALUES = [None, True, False, 0, 1, -1, 0.5, 1.0, -0.0, 2, 100, 100.5, 101, -5.5, math.nan, math.inf,
              -math.inf, "", "x", "0123456789abcdef", "0123456789ABCDEF", "0123456789abcde", "1.2", "1..2", "a)",
              "đ", "row", "heading", "Row", ">=", "≈", "between", [], ["x"], [1], [None], {}, {"a": 1}, (), b"x"]
CELL_VALUES = [None, True, 0, 1.5, "", "Điểm", [], {}, {"column": "a", "text": "", "value": None, "merged": False}]


@pytest.fixture(scope="module")
def records():
    """Records of a seed as the pipeline makes them, some with cells, some without."""
    found = []
    for name in ("001", "002", "004"):
        doc = pipeline.process_file(seed(name), f"{name}.txt")
        found += [r.to_dict() for r in doc.records]
    with_cells = [r for r in found if r["cells"]]
    assert with_cells and len(with_cells) < len(found)
    return found


def _jsonschema_ok(record) -> bool:
    return not list(Draft202012Validator(record_schema()).iter_errors(record))


def _broken(records):
    """Every record of the fixture's first rows with one thing wrong: each field set to each odd value, each
    field missing, a field too many, and each cell key set to each odd value or missing."""
    base = next(r for r in records if r["cells"])
    plain = next(r for r in records if not r["cells"])
    for rec in (base, plain):
        for field in rec:
            for value in ODD_VALUES:
                broken = copy.deepcopy(rec)
                broken[field] = value
                yield broken
            missing = copy.deepcopy(rec)
            del missing[field]
            yield missing
        extra = copy.deepcopy(rec)
        extra["extra"] = None
        yield extra
    for key in base["cells"][0]:
        for value in ODD_VALUES:
            broken = copy.deepcopy(base)
            broken["cells"][0][key] = value
            yield broken
        missing = copy.deepcopy(base)
        del missing["cells"][0][key]
        yield missing
    for value in CELL_VALUES:
        broken = copy.deepcopy(base)
        broken["cells"].append(value)
        yield broken
        broken = copy.deepcopy(base)
        broken["cells"][0]["extra"] = value
        yield broken
    for value in ODD_VALUES:
        broken = copy.deepcopy(plain)
        broken["warnings"] = ["fine", value]
        yield broken


def test_compiled_check_agrees_on_real_records(records):
    check = compile_schema(record_schema())
    assert all(check(r) and _jsonschema_ok(r) for r in records)
    assert all(validate_record(r) == [] for r in records)


def test_compiled_check_agrees_on_broken_records(records):
    check = compile_schema(record_schema())
    verdicts = [(check(r), _jsonschema_ok(r)) for r in _broken(records)]
    disagree = [i for i, (fast, slow) in enumerate(verdicts) if fast != slow]
    assert disagree == []
    rejected = sum(not slow for _, slow in verdicts)
    assert rejected > 1000 and rejected < len(verdicts)   # most are broken; some odd values are allowed


def test_compiled_check_agrees_on_records_broken_many_ways(records):
    """Several fields wrong at once, chosen at random (a fixed seed: the same records every run)."""
    check = compile_schema(record_schema())
    rng = random.Random(23)
    fields = list(records[0])
    rejected = 0
    for _ in range(600):
        rec = copy.deepcopy(rng.choice(records))
        for field in rng.sample(fields, rng.randint(1, 4)):
            rec[field] = rng.choice(ODD_VALUES + [rec[field]] * 10)
        slow = _jsonschema_ok(rec)
        assert check(rec) == slow, rec
        rejected += not slow
    assert 100 < rejected < 600


def test_rejected_record_gets_jsonschema_messages(records):
    rec = copy.deepcopy(records[0])
    rec["page"] = 0
    rec["cells"] = [{"column": "a", "text": "", "value": "1", "merged": False}]
    problems = validate_record(rec)
    assert any(p.startswith("page:") and "minimum" in p for p in problems)
    assert any(p.startswith("cells/0/value:") for p in problems)


@pytest.mark.parametrize("schema", [
    {"type": "string", "maxLength": 3},
    {"type": "object", "patternProperties": {"^x": {"type": "string"}}, "additionalProperties": False},
    {"enum": [1, 2]},
    {"type": "array", "prefixItems": [{"type": "string"}], "items": {"type": "number"}},
])
def test_unknown_keywords_are_not_compiled(schema):
    """A keyword the compiler does not know is refused, never skipped: validate_record would then fall back to
    jsonschema for every record."""
    with pytest.raises(NotImplementedError):
        compile_schema(schema)
