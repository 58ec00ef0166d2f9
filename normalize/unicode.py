"""Unicode noise: decomposed text, look-alike letters, invisible characters."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from chitieu.schemas.model import Edit

# Characters that look like Vietnamese letters but are not; OCR and old converters emit them.
LOOKALIKES = {
    "\u00d0": "\u0110",  # Ð (Icelandic eth) → Đ
    "\u0189": "\u0110",  # Ɖ (African D) → Đ
}
# Zero-width and byte-order marks inside text carry nothing and break word matching.
INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
# No-break and other fixed-width spaces become plain spaces so words split where the eye sees a gap.
ODD_SPACE = re.compile("[\u00a0\u2000-\u200a\u202f\u205f\u3000]")
# Capital letters for a regex character class ('[' + UPPER + ']'): a range like À-Ỹ would take in the small
# letters that Unicode interleaves with the capitals (ạ between Ạ and Ả).
UPPER = "A-Z" + "".join(c for c in map(chr, range(0xC0, 0x1EFA)) if c.isupper())


def clean_unicode(text: str) -> tuple[str, list[Edit]]:
    """Return NFC text without look-alikes and invisible characters, and the edits that made it."""
    edits: list[Edit] = []
    out = text
    if not unicodedata.is_normalized("NFC", out):
        out = unicodedata.normalize("NFC", out)
        edits.append(Edit(0, len(text), text, out, "unicode-nfc"))
    for pattern, reason, repl in ((INVISIBLE, "invisible-char", ""), (ODD_SPACE, "odd-space", " ")):
        if pattern.search(out):
            before = out
            out = pattern.sub(repl, out)
            edits.append(Edit(0, len(before), before, out, reason))
    if any(c in out for c in LOOKALIKES):
        for bad, good in LOOKALIKES.items():
            start = out.find(bad)
            while start >= 0:
                edits.append(Edit(start, start + 1, bad, good, "lookalike-letter"))
                start = out.find(bad, start + 1)
        out = out.translate(str.maketrans(LOOKALIKES))
    return out, edits


def _slow_fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


# Every accented Latin letter (and a lone combining mark) to what _slow_fold makes of it, when that is ASCII: one
# str.translate instead of a normalisation per word (the restorer folds every word of every line).
_FOLD_TABLE = {cp: _slow_fold(chr(cp)) for cp in (*range(0xC0, 0x250), *range(0x1E00, 0x1F00), *range(0x300, 0x370))
               if _slow_fold(chr(cp)).isascii() and _slow_fold(chr(cp)) != chr(cp).lower()}


# Texts up to this long are remembered (words, headers, titles: folded again on every row); longer ones (a page's
# whole text, folded once for the search index) are not, or a batch's memory grows with every page it reads.
FOLD_REMEMBERED_CHARS = 200


def fold(text: str) -> str:
    """Accent-folded lower-case text for matching: 'Tỷ lệ Đạt' → 'ty le dat'."""
    return _fold_short(text) if len(text) <= FOLD_REMEMBERED_CHARS else _fold(text)


@lru_cache(maxsize=1 << 14)
def _fold_short(text: str) -> str:
    return _fold(text)


def _fold(text: str) -> str:
    if not text.isascii():
        quick = text.translate(_FOLD_TABLE)
        if not quick.isascii():  # letters of other scripts: the general way
            return _slow_fold(text)
        text = quick
    return text.lower()
