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
# Typed or OCR'd without the space after the dot ('1.Tổ chức thực hiện', '1.T chức'): a dot glued to a capital
# letter also ends it (a small letter is a lettered part: '1.a').
VIETNAMESE_CAPITALS = "A-ZĐÀÁẢÃẠĂẮẰẲẴẶÂẤẦẨẪẬÈÉẺẼẸÊẾỀỂỄỆÌÍỈĨỊÒÓỎÕỌÔỐỒỔỖỘƠỚỜỞỠỢÙÚỦŨỤƯỨỪỬỮỰỲÝỶỸỴ"
STT_LINE = re.compile(r"^\s*(\d{1,3}(?:\.\d{1,2})*)(\.?)(?:\s+(?=\S)|(?<=\.)\s*$|(?<=\.)(?=[" + VIETNAMESE_CAPITALS + "]))")
# A roman-numbered part of running text: 'I. TÌNH HÌNH …' (plans, reports).
ROMAN_LINE = re.compile(r"^\s*((?:X{0,3})(?:IX|IV|V?I{0,3}))\.\s+(?=\S)")
# A lettered item under a numbered row: 'a) Thu ngân sách …'.
LETTER_LINE = re.compile(r"^\s*([a-zđ])\)\s+(?=\S)")
# A sub-row bullet at the start of a line or cell (an em dash typed for it; a tilde, a scan's reading of a dash).
BULLET = re.compile(r"^\s*([-–—+•~])\s*(?=\S)")


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


# A dash or a quote OCR puts before a row number (a speck, the end of a rule): '— 2.1', '`4'; or a short run of
# letters a fax's noise became, apart from the number ('mm 5.5').
OCR_LEADING_MARK = re.compile(r"^(?:[—–\-'\"`“”‘’]+\s*|[^\W\d]{1,3}\s+)(?=\d)")


# Marks after it: a rule's end or a speck beside the number ('8 ———', '3.]', "12'").
OCR_TRAILING_MARK = re.compile(r"(?<=[\d.])\s*[—–\-_\]\)|'\"`“”‘’]+$")


def ocr_stt(raw: str) -> Optional[str]:
    """A row number as OCR misreads it in an STT column, read back ('1;1' → '1.1', '— 2.1' → '2.1', '8 ———' → '8');
    None if not one."""
    as_printed = normalise_stt(raw)
    if as_printed:
        return as_printed   # read right ('II' is a roman part, not 11)
    text = OCR_LEADING_MARK.sub("", raw.strip())
    text = OCR_SEPARATOR.sub(".", OCR_TRAILING_MARK.sub("", text).translate(OCR_DIGITS))
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
    if not found and ("." in stt or stt != "1"):
        # one wrong digit: in a number with parts ('1.2' for '7.2'), or a number but '1' ('3.' for 5, '21.' for
        # 27: a scan's 5 and 7 read by the Vietnamese model); a '1' may open a new list, settle_number decides it
        found = {c for c in succ if len(c) == len(stt) and sum(a != b for a, b in zip(c, stt)) == 1}
    if not found:  # one character too many ('53.3' for '5.3', '3.543' for '3.5.3')
        found = {c for c in succ if any(digits[:i] + digits[i + 1:] == c.replace(".", "")
                                        for i in range(len(digits)))}
    if not found:  # one digit lost ('5.' for 15: its '1' read as a speck)
        found = {c for c in succ if "." not in c and any(c[:i] + c[i + 1:] == stt for i in range(len(c)))}
    return found.pop() if len(found) == 1 else None


# The start of an OCR'd line that may be a row number however it was misread: digits and the letters and marks
# OCR puts for them ('1.', 'l5.', 'I1.', '§.', 'Š', 'S', '3.]', '9,', '2l:'), then the row's text.
OCR_NUMBER_START = re.compile(r"^\s*([\dlIOoSŠ§|]{1,3}(?:[.,:;]\d{1,2})*)([.,:;]?\]?)\s+(?=\S)")


def between(prev: Optional[str], nxt: Optional[str]) -> Optional[str]:
    """The one row number that follows prev and is followed by nxt ('6', '8' → '7'; '1.2', '1.4' → '1.3'), when
    nxt does not follow prev itself (then no row is missing between them); None otherwise."""
    if prev is None or nxt is None or is_roman(prev) or is_roman(nxt) or follows(prev, nxt):
        return None
    fits = [s for s in successors(prev) if follows(s, nxt)]
    return fits[0] if len(fits) == 1 else None


def misread_number(text: str) -> Optional[tuple[str, str]]:
    """(the token as printed, the number it reads as or '') when an OCR'd line starts with what may be a row
    number ('1. Xã Sơn Điền' → ('1.', '1'); '§. Xã Tân Hà' → ('§.', '')); None when it starts otherwise."""
    m = OCR_NUMBER_START.match(text)
    if not m:
        return None
    token = m.group(1) + m.group(2)
    return token, ocr_stt(m.group(1)) or ""


def settle_number(prev: Optional[str], printed: str, following: list[str]) -> Optional[str]:
    """The row number an OCR'd line opens, read from the sequence. following: the readings of the number-like
    marks that open the lines after it, in order ('' for one that reads as no number). The printed number when
    it follows prev; else the number the next readable mark confirms: the one between prev and it ('1.'
    between '6.' and '8.' is 7), or, k marks further in a flat list, prev + 1 when it reads prev + 1 + k ('1.',
    '§.', '9,': 7, then 8); else None: the sequence cannot tell."""
    if printed and (prev is None or follows(prev, printed)):
        return printed
    for k, nxt in enumerate(following, start=1):
        if not nxt:
            continue
        if k == 1:
            return between(prev, nxt)
        flat = prev is not None and prev.isdigit() and nxt.isdigit()
        return str(int(prev) + 1) if flat and int(nxt) == int(prev) + k + 1 else None
    return None



# At most this many misread row numbers in a run are settled from the numbers around them (more is a guess); a
# run of CORROBORATED_RUN or more only when one of its printed numbers is where the sequence puts it.
MAX_SETTLED_RUN = 5
CORROBORATED_RUN = 3


def settle_table_numbers(rows: list) -> None:
    """Row numbers of OCR'd tables read from their neighbours. A printed number that follows the one before it or
    is followed by the one after it stands; a run of others between two that stand takes the one sequence that
    leads from the first to the second ('6', '1', '8': 7; '3.4', '25', '351', '3.5.2': 3.5, 3.5.1), and a first
    row that stands alone before a table's 'N.1' is N ('4', '1.1', '1.2': 1). A '1' its next number confirms
    opens a new list and stands. Sets row.stt (the number the layout settled on) and warns; a text layer's
    numbering is data and is left alone."""
    tables: dict = {}
    for r in rows:
        if r.confidence is not None and (r.stt_raw or r.mark) and r.table is not None:
            tables.setdefault(r.table, []).append(r)
    for numbered in tables.values():
        read = [ocr_stt(r.stt_raw) if r.stt_raw else None for r in numbered]
        printed = _undropped_dots(read)
        for row, reading, first in zip(numbered, printed, read):
            if reading is not None and reading != first:
                row.stt = reading
                row.warnings.append(f"row number read as {row.stt_raw}, taken as {reading}: its dots were lost")
        _settle_run(numbered, printed)
    # a lost parent above a lost parent ('Dịch vụ công trực tuyến' over a lost 3.1 over 3.1.1): settled from
    # the bottom up, one level a pass
    for _ in range(MAX_LOST_LEVELS):
        if not _lost_parents(rows):
            break


def _undropped_dots(printed: list) -> list:
    """In a table numbered with dotted numbers, a bare number too large to come next ('25' or '351' after '3.4',
    '41' after '3.5.3') is the dotted number whose dots OCR lost: 2.5, 3.5.1, 4.1. Two such numbers in a row
    would otherwise confirm each other as a sequence (351, 352) and overrule the printed 3.5.3 after them."""
    if sum(1 for p in printed if p and "." in p) < 2:
        return printed   # a flat list: 25 after 24 is 25
    out: list = []
    top = 0
    for p in printed:
        too_large = bool(p and p.isdigit() and len(p) >= 2 and int(p) > top + 1)
        if too_large:
            p = _dotted(p, out[-1] if out else None, top) or p
        out.append(p)
        if p and p.split(".")[0].isdigit() and not (too_large and p.isdigit()):
            top = int(p.split(".")[0])   # a number still too large ('25' for 3.5) says nothing of the top level
    return out


def _dotted(digits: str, prev: Optional[str], top: int) -> Optional[str]:
    """The dotted number the digits are: the one that follows prev, else the only one, one digit a part, under
    the current or the next top-level number."""
    splits = [digits[:i] + "." + rest for i in range(1, len(digits)) for rest in _dottings(digits[i:])]
    following = [s for s in splits if prev is not None and follows(prev, s)]
    if len(following) == 1:
        return following[0]
    single = [s for s in splits if all(len(part) == 1 for part in s.split(".")) and int(s[0]) in (top, top + 1)]
    return single[0] if len(single) == 1 else None


def _dottings(digits: str) -> list[str]:
    """Every way to write the digits as one or more parts of one or two digits, no part starting with 0."""
    if not digits:
        return [""]
    out = []
    for n in (1, 2):
        head, rest = digits[:n], digits[n:]
        if len(head) == n and not (head.startswith("0")):
            out += [head + ("." + r if r else "") for r in _dottings(rest)]
    return out


MAX_LOST_LEVELS = 3


def _lost_parents(rows: list) -> bool:
    """An OCR'd table row whose number was lost (nothing read in the STT column) right above an 'N.1' of its table
    when no row N came before: it is row N (a fax dropped the '2' of 'Tiến độ, kết quả giải quyết' over 2.1)."""
    seen: dict = {}
    found = False
    for row, below in zip(rows, rows[1:]):
        number = row.stt or (ocr_stt(row.stt_raw) if row.stt_raw else None)
        if number:
            seen.setdefault(row.table, set()).add(number)
            continue
        if row.confidence is None or row.table is None or row.stt_raw.strip() or below.table != row.table:
            continue
        child = below.stt or (ocr_stt(below.stt_raw) if below.stt_raw else None)
        parent = parent_of(child) if child and child.endswith(".1") else None
        if parent and parent not in seen.get(row.table, set()) and any(row.cells[i].strip() for i, role in
                                                                        enumerate(row.roles) if role == "title"):
            row.stt, row.kind = parent, None
            row.warnings.append(f"row number lost, taken as {parent} from the row {child} under it")
            seen.setdefault(row.table, set()).add(parent)
            found = True
    return found


def _settle_run(rows: list, printed: list) -> None:
    n = len(rows)
    stands = [_stands(printed, i) for i in range(n)]
    i = 0
    while i < n:
        if stands[i]:
            i += 1
            continue
        end = i
        while end < n and not stands[end]:
            end += 1
        before = printed[i - 1] if i > 0 else None
        after = printed[end] if end < n else None
        if rows[i].table_start:
            before = None
        if before is not None and after is not None and follows(before, after):
            # no number is missing between them: '-' or marked sub-rows, or a row the reader cut in two ('2'
            # between 5.1 and 5.2); a number made up for them would be a guess, and rows.py warns what stays
            i = end
            continue
        if after is not None and end - i <= MAX_SETTLED_RUN:
            path = _only_path(before, after, end - i) if before is not None else _head(after, end - i)
            if path and end - i >= CORROBORATED_RUN and not any(
                    b is not None and a.replace(".", "") == b.replace(".", "") for a, b in zip(path, printed[i:end])):
                path = None
            for row, fixed in zip(rows[i:end], path or []):
                if fixed != (ocr_stt(row.stt_raw) if row.stt_raw else None):
                    row.stt = fixed
                    if row.kind == "subrow":
                        row.kind = None   # a numbered row after all: rows.py decides its kind from its number
                    shown = row.stt_raw or row.mark
                    row.warnings.append(f"row number read as {shown}, taken as {fixed} from the sequence")
        i = end


def _stands(printed: list, i: int) -> bool:
    """A printed number stands when the nearest readable number before or after it leads to it in as many steps
    as there are rows between them ('1', ':', '3': the 3 stands, the ':' is settled); the last number stands
    unless it is unreadable (nothing comes after it to confirm it)."""
    p, n = printed[i], len(printed)
    if p is None:
        return False
    if i == n - 1 and n > 1:
        return True
    j = i - 1
    while j >= 0 and printed[j] is None and i - j <= MAX_SETTLED_RUN:
        j -= 1
    if j >= 0 and printed[j] is not None and _reachable(printed[j], p, i - j):
        return True
    k = i + 1
    while k < n and printed[k] is None and k - i <= MAX_SETTLED_RUN:
        k += 1
    return k < n and printed[k] is not None and _reachable(p, printed[k], k - i)


def _reachable(start: str, stt: str, steps: int) -> bool:
    """True when some sequence of `steps` row numbers leads from start to stt (1 step: stt follows start)."""
    frontier = {start}
    for _ in range(steps - 1):
        frontier = {s for f in frontier for s in successors(f)}
    return any(follows(f, stt) for f in frontier)


def _only_path(before: str, after: str, length: int) -> Optional[list[str]]:
    """The one sequence of `length` row numbers that follows `before` and is followed by `after`."""
    paths = [[]]
    for _ in range(length):
        paths = [path + [s] for path in paths for s in successors(path[-1] if path else before)]
    found = [path for path in paths if follows(path[-1], after)]
    return found[0] if len(found) == 1 else None


def _head(after: str, length: int) -> Optional[list[str]]:
    """A table's first row, alone before its 'N.1': N (only a single row; more is a guess)."""
    parent = parent_of(after)
    return [parent] if length == 1 and parent is not None and after.endswith(".1") else None
