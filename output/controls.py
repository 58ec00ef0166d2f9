"""Control characters and undecodable bytes, made visible: a NUL, an ESC or a byte that is not UTF-8 may come in
with a file's text or its name; spreadsheets, HTML and terminals cannot hold them raw (openpyxl refuses the
workbook, an ESC repaints the terminal, a newline in a name breaks the one-line-per-file output). They are
written as `\\xNN` escapes. JSON and the database keep the text exactly (they can hold any character)."""
from __future__ import annotations

import re

# In text: C0 controls but tab, newline and carriage return (cells may span lines), DEL, C1 controls, and lone
# surrogates (os.fsdecode turns a byte that is not UTF-8 into one: 0xff → '\udcff'; UTF-8 cannot encode them).
CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
# In a file name or a terminal line: every control character, the line breaks and tabs included.
CONTROL_IN_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def _visible(match: re.Match) -> str:
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDCFF:  # a byte os.fsdecode could not decode: show the byte itself
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape_controls(text: str) -> str:
    """Text for a spreadsheet cell or an HTML page: controls other than tab and line breaks escaped."""
    return CONTROL_IN_TEXT.sub(_visible, text)


def printable_name(name: str) -> str:
    """A file name (or a terminal line) on one line: every control character and undecodable byte escaped
    ('bad\\udcffname.txt' → 'bad\\xffname.txt', 'a\\nb.txt' → 'a\\x0ab.txt')."""
    return CONTROL_IN_LINE.sub(_visible, name)
