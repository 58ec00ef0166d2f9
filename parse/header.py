"""Table headers: which column holds what, from the header's words (accent-folded, any case)."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Optional

from chitieu.errors import BadOption
from chitieu.normalize.unicode import fold
from chitieu.parse.fields import strip_markup

DATA = Path(__file__).with_name("data") / "header_roles.tsv"
# Every role a header can give; parse/data/header_roles.tsv documents each.
ROLES = frozenset({"stt", "title", "body", "index", "value", "rate", "target", "benchmark", "max_points", "figure",
                   "rank", "status", "unit", "responsible", "note", "formula"})


class VocabularyError(BadOption):
    """A vocabulary file (header roles, row kinds) that cannot be used (exit 2); the message names the file and
    the line."""


def read_patterns(path: Path, kinds: frozenset, what: str) -> list[tuple[str, re.Pattern]]:
    """(kind, pattern) lines of a vocabulary file ('kind<TAB>pattern<TAB>why', '#' comments), validated: a
    known kind and a pattern that compiles; anything else names the file and the line (exit 2)."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise VocabularyError(f"{what} {path} is not UTF-8 text; save it as UTF-8") from None
    except OSError as exc:
        raise VocabularyError(f"{what} {path} cannot be read ({exc.strerror})") from None
    out = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) < 2 or parts[0].strip() not in kinds:
            raise VocabularyError(
                f"{what} {path} line {number}: expected a line '<kind><TAB>pattern' with a kind among "
                f"{', '.join(sorted(kinds))}")
        try:
            out.append((parts[0].strip(), re.compile(parts[1].strip())))
        except re.error as exc:
            raise VocabularyError(
                f"{what} {path} line {number}: the pattern does not compile ({exc})") from None
    return out


def read_vocabulary(path: Path) -> list[tuple[str, re.Pattern]]:
    """A header vocabulary file (parse/data/header_roles.tsv, or a user's --headers file)."""
    return read_patterns(path, ROLES, "header vocabulary")


HEADER_ROLES: list[tuple[str, re.Pattern]] = read_vocabulary(DATA)
# The user's lines (--headers), searched before the shipped ones. Set per process by use_vocabulary: the header
# readers sit deep in every layout, and one run uses one vocabulary throughout.
_extra: list[tuple[str, re.Pattern]] = []
_extra_paths: tuple = ()


def use_vocabulary(paths) -> None:
    """Put the user's header files (same format as parse/data/header_roles.tsv) before the shipped lines: their
    wordings win. Cheap when called again with the same files."""
    global _extra, _extra_paths
    paths = tuple(Path(p) for p in paths)
    if paths == _extra_paths:
        return
    _extra = [entry for p in paths for entry in read_vocabulary(p)]
    _extra_paths = paths
    _role_cache.clear()


# Words that table headers are made of (folded); a line made only of them is (part of) a header.
HEADER_PHRASES = re.compile(
    r"\b(stt|tt|chi tieu thong ke|ket qua thong ke|co quan|don vi|dia phuong|thuc hien|don vi tinh|dvt|so lieu|"
    r"noi dung chi tieu|noi dung|ty le|ten cac chi so|tinh|trung binh ca nuoc|muc do|ghi chu|chu tri|ket qua|"
    r"chi tieu)\b")


def is_header_text(text: str) -> bool:
    """True when the text holds nothing but header words ('thực hiệnĐơn vị tính Số liệu')."""
    folded = fold(strip_markup(text))
    folded = re.sub(r"(?<=[a-z])(?=(don|so|ket|co|thuc)\b)", " ", folded)  # words glued by pdftotext
    return bool(folded.strip()) and not HEADER_PHRASES.sub("", folded).strip(" ,.;:-|\t")


_role_cache: dict[str, Optional[str]] = {}


def role_of(header_text: str) -> Optional[str]:
    """The role of one header cell as the vocabulary gives it (body, index and rate still to be decided), or
    None when the wording is unknown. A header path ('Lâm Đồng / Chỉ số') is read by its leaf."""
    text = " ".join(fold(strip_markup(header_text.rsplit(" / ", 1)[-1])).replace(",", " ").split())
    if text in _role_cache:
        return _role_cache[text]
    role = next((r for r, pattern in (*_extra, *HEADER_ROLES) if pattern.search(text)), None)
    _role_cache[text] = role
    return role


def decide_roles(roles: list[Optional[str]]) -> list[Optional[str]]:
    """Settle the roles a header's neighbours decide: the first label column is the title (a body or a bare
    'Chỉ số' when no title comes before it: a ranking table's rows are bodies), later label columns are notes,
    a later 'Chỉ số' is a figure, a body beside a title is the row's unit ('Đơn vị' over 'Xe', '%'); a rank
    column before any STT column numbers the rows."""
    out = list(roles)
    if "stt" not in out and out and out[0] == "rank":
        out[0] = "stt"   # 'Thứ hạng | Đơn vị | …': the rank is the row number
    start = out.index("stt") if "stt" in out else 0
    titled = False
    for i, r in enumerate(out):
        if i < start:
            continue
        if r == "title" or (r in ("body", "index") and not titled and "title" not in out[i + 1:]):
            out[i] = "note" if titled and r == "title" else "title"
            titled = True
        elif r == "index":
            out[i] = "value"
        elif r == "body":
            out[i] = "unit"
    return out


def header_roles(cells: list[str]) -> Optional[list[Optional[str]]]:
    """Roles for a row that looks like a table header, else None (needs STT and a title column)."""
    roles = decide_roles([role_of(c) if c.strip() else None for c in cells])
    if "stt" not in roles or "title" not in roles[roles.index("stt"):]:
        return None
    if sum(r is not None for r in roles) < 2:
        return None
    return roles
