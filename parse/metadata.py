"""A dispatch's or plan's heading: type, number, issuing body, place and date, subject, recipients."""
from __future__ import annotations

import re
from datetime import date
from typing import Optional

from chitieu.normalize.unicode import UPPER, fold
from chitieu.schemas.model import DocMeta, Line

# 'Số: 144/KH-UBND', 'Số: /UBND-VP', 'số 3003/QĐ-UBND' — the number may be left blank for signing.
NUMBER = re.compile(r"\bsố\s*:?\s*(\d*\s*/\s*(?:\d{4}\s*/\s*)?[A-ZĐ][A-ZĐa-z0-9.&]*(?:\s*-\s*[A-ZĐ][A-ZĐa-z0-9.&]*)*)",
                    re.I)
# '<Place>, ngày 24 tháng 11 năm 2025': a place is one to four capitalised words.
_CAP = rf"[{UPPER}][^\W\d_]*"
# ('tháng' as OCR may glue it to its number: 'ngày 31 thaingo8 năm 2023')
PLACE_DATE = re.compile(rf"({_CAP}(?:\s+{_CAP}){{0,3}}),\s*ngày\s*(\d{{1,2}})\s*(?:tháng|th[^\W\d_]{{0,5}})\s*"
                        r"(\d{1,2})\s*năm\s*(\d{4})")
# The type code inside the number says what the document is.
TYPE_CODES = {"KH": "Kế hoạch", "QĐ": "Quyết định", "QD": "Quyết định", "TB": "Thông báo", "NQ": "Nghị quyết",
              "BC": "Báo cáo", "TTr": "Tờ trình", "CT": "Chỉ thị", "HD": "Hướng dẫn", "CV": "Công văn"}
TYPE_WORDS = ["Kế hoạch", "Quyết định", "Thông báo", "Nghị quyết", "Báo cáo", "Tờ trình", "Chỉ thị",
              "Hướng dẫn", "Công văn", "Phụ lục"]
# First lines of an issuing body's name, top left of the heading.
ISSUER_START = re.compile(r"^(ỦY BAN|UỶ BAN|UBND|SỞ|BỘ|VĂN PHÒNG|THỦ TƯỚNG|CHÍNH PHỦ|BAN |HỘI ĐỒNG|PHÒNG)\b")
SUBJECT = re.compile(r"^\s*V/v\s*:?\s*(.+)", re.I)
RECIPIENTS = re.compile(r"Kính\s*gửi\s*:?\s*(.*)", re.I)


def _clean(text: str) -> str:
    text = " ".join(text.replace("**", " ").replace("*", " ").split()).strip(" |:")
    return "" if not text.strip("-_ ") else text  # '-------' under a heading is a rule, not text


def extract_meta(lines: list[Line], limit: int = 120) -> DocMeta:
    """Read the heading from the first lines of a document; fields it cannot find stay None."""
    meta = DocMeta()
    head = lines[:limit]
    texts = _blocks([_clean(ln.text) for ln in head])
    for text in texts:
        m = NUMBER.search(text)
        if m and text.lower().startswith("số"):
            meta.number = re.sub(r"\s+", "", m.group(1))
            break
    # The place and date often wrap ('Bắc Ninh, ngày 24' / 'tháng 11 năm 2025'): search the joined heading.
    for m in PLACE_DATE.finditer(" ".join(texts)):
        try:
            meta.date = date(int(m.group(4)), int(m.group(3)), int(m.group(2))).isoformat()
            # a code just before the place ('144/KH-UBND Bắc Ninh') is not part of it: place words are Title case
            words = m.group(1).split()
            while len(words) > 1 and not words[0][1:].islower():
                words.pop(0)
            meta.place = " ".join(words)
            break
        except ValueError:
            continue
    meta.doc_type = _doc_type(texts, meta.number)
    meta.issuer = _issuer(texts)
    meta.subject = _subject(texts, meta.doc_type)
    if meta.subject and meta.issuer and meta.subject.endswith(" " + meta.issuer):
        # a decision names its authority on the line after its subject, before the 'Căn cứ' clauses
        meta.subject = meta.subject[:-len(meta.issuer)].strip()
    meta.recipients = _recipients(texts)
    return meta


def _heading(text: str) -> bool:
    """Upper-case heading text: no lower-case letter ('GIAI ĐOẠN', '2026 - 2030')."""
    return not any(c.islower() for c in text)


def _blocks(texts: list[str]) -> list[str]:
    """Non-empty lines, with upper-case heading lines that a converter wrapped ('VĂN' / 'PHÒNG') joined."""
    out: list[str] = []
    joinable = False
    for text in texts:
        if not text:
            joinable = False
            continue
        if joinable and _heading(text) and _heading(out[-1]):
            out[-1] = f"{out[-1]} {text}"
        else:
            out.append(text)
        joinable = True
    return out


def _doc_type(texts: list[str], number: Optional[str]) -> Optional[str]:
    for text in texts:
        for word in TYPE_WORDS:
            folded = fold(text)
            if folded == fold(word) or (folded.startswith(fold(word) + " ") and (text.isupper() or len(text) < 16)):
                return word
    if number:
        code = number.split("/")[-1].split("-")[0]
        if code in TYPE_CODES:
            return TYPE_CODES[code]
        return "Công văn"  # a number without a type code ('/UBND-VP') is a dispatch
    if any(SUBJECT.match(t) for t in texts):
        return "Công văn"
    return None


def _issuer(texts: list[str]) -> Optional[str]:
    for i, text in enumerate(texts):
        if ISSUER_START.match(text):
            parts = [text]
            for nxt in texts[i + 1:i + 3]:
                if nxt and nxt.isupper() and not nxt.startswith(("CỘNG HÒA", "CỘNG HOÀ")):
                    parts.append(nxt)
                else:
                    break
            return _clean(" ".join(parts)).split(" CỘNG HÒA")[0].split(" CỘNG HOÀ")[0]
    return None


def _subject(texts: list[str], doc_type: Optional[str]) -> Optional[str]:
    for i, text in enumerate(texts):
        m = SUBJECT.match(text)
        if m:
            parts = [m.group(1)]
            for nxt in texts[i + 1:i + 6]:
                if not nxt or RECIPIENTS.search(nxt) or nxt.isupper():
                    break
                parts.append(nxt)
            return _clean(" ".join(parts))
    if doc_type:
        for i, text in enumerate(texts):
            if text.isupper() and fold(text).startswith(fold(doc_type) + " "):
                return _clean(text[len(doc_type):])  # 'QUYẾT ĐỊNH VỀ VIỆC …' wrapped into one block
            if fold(text) == fold(doc_type) and text.isupper():
                parts = []
                for nxt in texts[i + 1:i + 4]:
                    if nxt and nxt.isupper():
                        parts.append(nxt)
                    elif parts or nxt:
                        break
                return _clean(" ".join(parts)) or None
    return None


def _recipients(texts: list[str]) -> list[str]:
    for i, text in enumerate(texts):
        m = RECIPIENTS.search(text)
        if not m:
            continue
        out = [m.group(1)] if m.group(1).strip() else []
        for nxt in texts[i + 1:i + 20]:
            unfinished = out and not out[-1].rstrip().endswith((";", ".", ":"))  # 'Chi cục Thuế … Lục Ngạn -'
            if nxt.startswith("-") or (out and nxt and (unfinished or not nxt[0].isupper()) and not nxt.endswith(":")):
                if nxt.startswith("-"):
                    out.append(nxt.lstrip("- "))
                else:
                    out[-1] = f"{out[-1]} {nxt}"
            elif not nxt:
                continue
            else:
                break
        return [r.rstrip(" ;.,") for r in out if r.strip()]
    return []
