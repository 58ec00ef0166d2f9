"""Numbers written the Vietnamese way: '49,22' is 49.22, '3.000' is 3000, '00' is 0, '11,4/18 điểm' a score."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

# One number as printed: digits with '.' or ',' between groups ('172.033', '49,22', '1.234,5').
NUMBER = r"\d+(?:[.,]\d+)*"
NUMBER_RE = re.compile(rf"^[+-]?{NUMBER}$")
# A score or a count out of a total: '11,4/18 điểm', '86/90 đơn vị'.
FRACTION = re.compile(rf"^({NUMBER})\s*/\s*({NUMBER})\s*(.*)$")
# A number with what follows it: '49,22%', '40543', '75,5 điểm', '14 văn bản'.
RANGE = re.compile(rf"^({NUMBER})\s*%?\s*(?:-|–|đến)\s*({NUMBER})\s*(%|[^\d\s(][^\d()]*)?$")
QUANTITY = re.compile(rf"^({NUMBER})\s*(%|[^\d\s(][^\d()]*)?$")
# Phrases that say there is no figure.
NO_DATA = re.compile(r"^(không có số liệu|chưa có số liệu|không có|n/?a|-|–|—)\b", re.IGNORECASE)


def parse_number(text: str) -> Optional[float]:
    """Parse one number as a Vietnamese writer means it; None when the text is not a number."""
    s = text.strip().replace("\u00a0", "").replace(" ", "")
    if not NUMBER_RE.match(s):
        return None
    sign = -1.0 if s.startswith("-") else 1.0
    s = s.lstrip("+-")
    has_dot, has_comma = "." in s, "," in s
    if has_dot and has_comma:
        # The separator that comes last is the decimal one.
        if s.rfind(",") > s.rfind("."):
            s = s.replace(".", "").replace(",", ".")
        else:
            s = s.replace(",", "")
    elif has_comma:
        groups = s.split(",")
        if len(groups) > 2 and all(len(g) == 3 for g in groups[1:]):
            s = "".join(groups)  # '1,234,567': commas grouping thousands
        elif len(groups) == 2:
            s = s.replace(",", ".")
        else:
            return None
    elif has_dot:
        groups = s.split(".")
        if all(len(g) == 3 for g in groups[1:]):
            s = "".join(groups)  # '3.000', '172.033': dots group thousands
        elif len(groups) == 2:
            s = s  # '98.36': a decimal point (groups of thousands always have three digits)
        else:
            return None
    return sign * float(s)


@dataclass
class Quantity:
    """A parsed figure: value, optional denominator ('/18'), unit and the text as printed."""

    raw: str
    value: Optional[float] = None
    denominator: Optional[float] = None
    unit: Optional[str] = None
    no_data: bool = False
    high: Optional[float] = None   # the upper end of a range ('8 - 10', '1-1,5%'); value is the lower


def _clean_unit(unit: str | None) -> Optional[str]:
    if not unit:
        return None
    unit = unit.strip().rstrip(".,;:").strip()
    return unit or None


def parse_quantity(text: str) -> Optional[Quantity]:
    """Parse a value cell: '49,22%', '11,4/18 điểm', '86/90 đơn vị', '40543', '8 - 10', 'Không có số liệu'.

    Returns None when the text is not a figure at all (then it is prose, a status or a name)."""
    raw = " ".join(text.split())
    if not raw:
        return None
    if NO_DATA.match(raw):
        return Quantity(raw=raw, no_data=True)
    m = FRACTION.match(raw)
    if m and parse_number(m.group(1)) is not None and parse_number(m.group(2)) is not None:
        return Quantity(raw, parse_number(m.group(1)), parse_number(m.group(2)), _clean_unit(m.group(3)))
    m = RANGE.match(raw)
    if m:
        low, high = parse_number(m.group(1)), parse_number(m.group(2))
        # '2026 - 2030' is a span of years, not a range of figures
        if low is not None and high is not None and low <= high and not (1900 <= low and high <= 2100):
            return Quantity(raw, low, None, _clean_unit(m.group(3)), high=high)
    m = QUANTITY.match(raw)
    if m and parse_number(m.group(1)) is not None:
        unit = _clean_unit(m.group(2))
        if unit and len(unit.split()) > 3:
            return None  # '15 ngày các cơ quan ...' is a sentence, not a figure
        return Quantity(raw, parse_number(m.group(1)), None, unit)
    return None
