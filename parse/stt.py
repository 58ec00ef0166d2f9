"""Row numbers (STT): '1', '1.1', '3.4.1.', roman 'II', '-' sub-rows; their hierarchy and sequence."""
from __future__ import annotations

import re
from typing import Optional

# A whole STT cell: dotted numbers with an optional trailing dot ('3.4.1.'), or a roman numeral. Parts after the
# first have one or two digits: '20.330' in a number column is twenty thousand three hundred and thirty.
STT_CELL = re.compile(r"^\s*((?:\d{1,3}|[IVXL]{1,6})(?:\.\d{1,2})+|\d{1,3})\.?\s*$")
ROMAN_CELL = re.compile(r"^\s*([IVXL]{1,6})\.?\s*$")
# An STT at the start of a line of running text, followed by the row's label: '1.1 Số văn bản', '2. Cải cách'.
# Up to three digits per part, so years ('2023 - 2024') and dates ('30/12/2022') never start a row.
# A dotted number alone on its line ('2.1.') opens a row whose label follows on the next lines.
STT_LINE = re.compile(r"^\s*(\d{1,3}(?:\.\d{1,2})*)(\.?)(?:\s+(?=\S)|(?<=\.)\s*$)")
# A roman-numbered part of running text: 'I. TÌNH HÌNH …' (plans, reports).
ROMAN_LINE = re.compile(r"^\s*((?:X{0,3})(?:IX|IV|V?I{0,3}))\.\s+(?=\S)")
# A lettered item under a numbered row: 'a) Thu ngân sách …'.
LETTER_LINE = re.compile(r"^\s*([a-zđ])\)\s+(?=\S)")
# A sub-row bullet at the start of a line or cell.
BULLET = re.compile(r"^\s*([-–+•])\s*(?=\S)")


def normalise_stt(raw: str) -> Optional[str]:
    """'3.4.1.' → '3.4.1'; 'II.' → 'II'; None when the text is not a row number."""
    m = STT_CELL.match(raw) or ROMAN_CELL.match(raw)
    return m.group(1) if m else None


def is_roman(stt: str) -> bool:
    return bool(ROMAN_CELL.match(stt))


def level_of(stt: str) -> int:
    return 1 if is_roman(stt) else stt.count(".") + 1


def parent_of(stt: str) -> Optional[str]:
    return stt.rsplit(".", 1)[0] if "." in stt else None


def successors(prev: Optional[str]) -> set[str]:
    """The STTs that may follow `prev`: its first child, its next sibling, the next sibling of an ancestor.
    A roman head ('I.1', 'II.3': parts numbered inside roman sections) is kept as it is."""
    if prev is None:
        return {"1"}
    if is_roman(prev):
        return {"1", f"{prev}.1"}
    parts = prev.split(".")
    out = {f"{prev}.1"}
    for depth in range(len(parts), 0, -1):
        if parts[depth - 1].isdigit():
            out.add(".".join(parts[:depth - 1] + [str(int(parts[depth - 1]) + 1)]))
    return out


def follows(prev: Optional[str], stt: str) -> bool:
    """True when `stt` is a plausible next row number after `prev`."""
    if is_roman(stt):
        return True
    return stt in successors(prev)


# OCR's readings of the dot between STT parts ('1;1', '2:2', '1,2' in an STT column) and of digits.
OCR_SEPARATOR = re.compile(r"(?<=\d)[,;:·](?=\d)")
OCR_DIGITS = str.maketrans({"l": "1", "I": "1", "|": "1", "O": "0", "o": "0", "S": "5"})


def ocr_stt(raw: str) -> Optional[str]:
    """A row number as OCR misreads it in an STT column, read back ('1;1' → '1.1'); None if not one."""
    text = OCR_SEPARATOR.sub(".", raw.strip().translate(OCR_DIGITS))
    return normalise_stt(text)


def slip_correction(prev: Optional[str], stt: str) -> Optional[str]:
    """The one successor of prev that an OCR slip would turn into stt: a lost dot ('11' for '1.1', '3.11' for
    '3.1.1') or one wrong digit ('1.2' for '7.2'); None when there is no such successor or more than one."""
    if prev is None or is_roman(prev) or is_roman(stt):
        return None
    if any(stt in successors(s) for s in successors(prev)):
        return None  # one row missing in between ('1.2' after '1': row 1.1 lost), not a misread number
    succ = successors(prev)
    digits = stt.replace(".", "")
    found = {c for c in succ if c.replace(".", "") == digits}
    if not found and "." in stt:  # one wrong digit, in a number with parts ('1.2' for '7.2'); not in '1' for '2'
        found = {c for c in succ if len(c) == len(stt) and sum(a != b for a, b in zip(c, stt)) == 1}
    if not found:  # one character too many ('53.3' for '5.3', '3.543' for '3.5.3')
        found = {c for c in succ if any(digits[:i] + digits[i + 1:] == c.replace(".", "")
                                        for i in range(len(digits)))}
    return found.pop() if len(found) == 1 else None
