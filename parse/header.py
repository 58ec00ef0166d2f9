"""Table headers: which column holds what, from the header's words (accent-folded, any case)."""
from __future__ import annotations

import re
from typing import Optional

from normalize.unicode import fold
from parse.fields import strip_markup

# (role, pattern on the folded header text); first match wins, so specific wordings come first.
HEADER_ROLES: list[tuple[str, re.Pattern]] = [
    ("stt", re.compile(r"^(stt|tt|so tt|so thu tu)$")),
    ("benchmark", re.compile(r"(trung binh|binh quan) ca nuoc|^trung binh$")),
    ("unit", re.compile(r"^(don vi tinh|dvt|don vi)$")),
    ("note", re.compile(r"^ghi chu|van ban giao|^thoi (han|gian)|phoi hop|^san pham|^can cu")),
    ("responsible", re.compile(r"co quan|don vi (thuc hien|chu tri|phu trach)|^thuc hien$|chu tri")),
    ("status", re.compile(r"^(muc do|danh gia|trang thai|tinh trang|tien do)( thuc hien)?$")),
    ("target", re.compile(r"^(ty le|ti le|chi tieu giao|muc tieu|ke hoach|chi tieu (nam|ke hoach).*)$")),
    ("title", re.compile(r"noi dung|^ten\b|chi (tieu|so)|nhiem vu|^(ten )?nhiem vu|^linh vuc")),
    ("value", re.compile(r"^(tinh|ket qua|so lieu|gia tri|thuc te|uoc (thuc hien|dat)|ket qua thuc hien)\b")),
]


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


def role_of(header_text: str) -> Optional[str]:
    """The role of one header cell, or None when the wording is unknown."""
    text = " ".join(fold(strip_markup(header_text)).replace(",", " ").split())
    for role, pattern in HEADER_ROLES:
        if pattern.search(text):
            return role
    return None


def header_roles(cells: list[str]) -> Optional[list[Optional[str]]]:
    """Roles for a row that looks like a table header, else None (needs STT and a title column)."""
    roles = [role_of(c) if c.strip() else None for c in cells]
    if "stt" not in roles or "title" not in roles[roles.index("stt"):]:
        return None
    first_title = roles.index("title", roles.index("stt"))
    roles = [("note" if r == "title" and i > first_title else r) for i, r in enumerate(roles)]
    if sum(r is not None for r in roles) < 2:
        return None
    return roles
