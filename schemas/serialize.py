"""Documents to and from plain JSON, for anything read back from disk (the resume cache).

JSON and not pickle: an output folder is often a shared office folder, and unpickling a file planted there runs
its code. Reading here builds only the dataclasses of schemas.model, field by field from their type hints; a
file that does not fit them is refused (SerializeError), never trusted.
"""
from __future__ import annotations

import base64
import dataclasses
import json
import types
import typing
from functools import lru_cache

from chitieu.schemas import model

FORMAT = "chitieu-document/1"


class SerializeError(ValueError):
    """A stored document that does not fit the dataclasses (damaged, planted or from another version)."""


def dump_document(doc: model.Document) -> bytes:
    # The C encoder walks the document and asks _fields only for what it cannot write itself (a dataclass,
    # bytes, a set): one Python call per object rather than one per value, a third of the time.
    return json.dumps({"format": FORMAT, "document": doc}, ensure_ascii=False, separators=(",", ":"),
                      default=_fields).encode("utf-8")


def load_document(data: bytes) -> model.Document:
    try:
        wrapper = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise SerializeError(f"not a stored document ({exc})") from None
    if not isinstance(wrapper, dict) or wrapper.get("format") != FORMAT:
        raise SerializeError("not a stored document of this version")
    return _build(model.Document, wrapper.get("document"))


def _fields(obj):
    """What the JSON encoder writes for a value it has no way of its own for: a dataclass as its fields, in
    order; bytes as base64 under "$b64"; a set as a sorted list."""
    names = _field_names(type(obj))
    if names is not None:
        return {name: getattr(obj, name) for name in names}
    if isinstance(obj, bytes):
        return {"$b64": base64.b64encode(obj).decode("ascii")}
    if isinstance(obj, set):
        return sorted(obj)
    raise TypeError(f"a document holds a {type(obj).__name__}, which has no place in its JSON")


@lru_cache(maxsize=None)
def _field_names(tp) -> tuple | None:
    """A dataclass's field names (None for any other type), found once per type."""
    return tuple(f.name for f in dataclasses.fields(tp)) if dataclasses.is_dataclass(tp) else None


@lru_cache(maxsize=None)
def _hints(cls) -> dict:
    return typing.get_type_hints(cls, vars(model))


def _build(tp, data):
    return _builder(tp)(data)


@lru_cache(maxsize=None)
def _builder(tp):
    """The function that builds a value of type tp from plain JSON, made once per type: a stored document is read
    back at every resume and for every output, and working out the type of each of its 10,000 values anew took
    15 times as long as parsing the JSON."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(tp)
        (inner,) = [a for a in args if a is not type(None)]
        build_inner, optional = _builder(inner), type(None) in args

        def union(data):
            if data is None:
                if optional:
                    return None
                raise SerializeError("a required value is missing")
            return build_inner(data)
        return union
    if origin is list:
        (inner,) = typing.get_args(tp)
        build_item = _builder(inner)

        def listed(data):
            if not isinstance(data, list):
                raise SerializeError(f"expected a list, found {type(data).__name__}")
            return [build_item(x) for x in data]
        return listed
    if origin is dict:
        _, inner = typing.get_args(tp)
        build_value = _builder(inner)

        def mapped(data):
            if not isinstance(data, dict):
                raise SerializeError(f"expected an object, found {type(data).__name__}")
            return {k: build_value(v) for k, v in data.items()}
        return mapped
    if dataclasses.is_dataclass(tp):
        return _dataclass_builder(tp)
    if tp is bytes:
        def raw(data):
            if not (isinstance(data, dict) and isinstance(data.get("$b64"), str)):
                raise SerializeError("expected base64 bytes")
            return base64.b64decode(data["$b64"], validate=True)
        return raw
    if tp is float:
        def number(data):
            if isinstance(data, bool) or not isinstance(data, (int, float)):
                raise SerializeError(f"expected a number, found {type(data).__name__}")
            return float(data)
        return number
    if tp in (int, str, bool):
        def plain(data):
            if not isinstance(data, tp) or (tp is int and isinstance(data, bool)):
                raise SerializeError(f"expected {tp.__name__}, found {type(data).__name__}")
            return data
        return plain
    if tp is typing.Any:
        return lambda data: data
    raise SerializeError(f"cannot read a value of type {tp}")


def _dataclass_builder(tp):
    fields: dict = {}  # filled on first use: a dataclass may hold itself (through a list), so not while building

    def build(data):
        if not isinstance(data, dict):
            raise SerializeError(f"expected {tp.__name__}, found {type(data).__name__}")
        if not fields:
            fields.update({name: _builder(hint) for name, hint in _hints(tp).items()
                           if name in {f.name for f in dataclasses.fields(tp)}})
        try:
            return tp(**{k: fields[k](v) for k, v in data.items()})
        except KeyError as exc:
            raise SerializeError(f"{tp.__name__} has no field {exc.args[0]!r}") from None
    return build
