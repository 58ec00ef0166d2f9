"""The per-page choice of how to get a page's text, with the reason the user sees in documents.json.

Paths: "text-layer" (its words read, extract/pdf_text.py), "no-text" (nothing to read, or --ocr never), "blank"
(no ink at all), "ocr" (rendered and OCR'd); "to-ocr" and "to-turn" are decisions that extract/read.py carries out."""
from __future__ import annotations

import re
from functools import lru_cache

# Fewer words than this on a page means there is no usable text layer (a scan, or a stray page number).
MIN_WORDS = 3
# pdfminer writes a glyph whose font has no Unicode map as '(cid:N)'. A few are bullets or symbols of a
# picture font; from this share of a page's characters on, the text is unusable (a font whose ToUnicode map
# was lost reads 9 % '(cid:N)' and the rest as wrong letters; the text PDFs of samples/ and ../shared/realpdf: 0).
CID_SHARE = 0.02
CID = re.compile(r"\(cid:\d+\)")
# A text layer where fewer than this share of words are Vietnamese syllables, numbers or plain Latin words is
# junk (a broken Unicode map: '(U)-U/', 'U2'); measured: readable text layers 0.83-1.0 per page, the broken
# map 0.09-0.22. Judged only from this many words on.
READABLE_SHARE = 0.4
READABLE_MIN_WORDS = 20
NUMBER = re.compile(r"^[\d.,/%:+\-–]+$")
# Words pdfplumber finds not upright (text running down or up the page as shown: a page whose /Rotate turns
# upright text sideways) from this share on mean the page is read in the wrong direction: line by line it is
# a list of columns. The page is then read turned (extract/read.py).
SIDEWAYS_SHARE = 0.6


def decide_page(words: list[dict]) -> tuple[str, str]:
    """Return (path, reason) for a PDF page from its text-layer words."""
    if len(words) < MIN_WORDS:
        if words:
            return "no-text", f"no text layer (scanned page): only {len(words)} word(s) on the page"
        return "no-text", "no text layer (scanned page)"
    sideways = sum(not w.get("upright", True) for w in words)
    if sideways >= SIDEWAYS_SHARE * len(words):
        return "to-turn", f"text layer runs sideways ({sideways} of {len(words)} words)"
    unusable = unusable_text(words)
    if unusable:
        return "to-ocr", unusable
    return "text-layer", f"page has a text layer ({len(words)} words)"


def unusable_text(words: list[dict]) -> str:
    """Why the words of a text layer are no text ('' when they are): glyphs without a Unicode map, or junk."""
    texts = [w["text"] for w in words]
    cids = sum(len(CID.findall(t)) for t in texts)
    chars = sum(len(CID.sub("", t)) for t in texts) + cids
    if cids >= 5 and cids >= CID_SHARE * chars:
        return (f"text layer has glyphs without a Unicode map ({cids / chars:.0%} of characters read '(cid:N)'); "
                "OCR'd instead")
    if len(texts) >= READABLE_MIN_WORDS:
        share = sum(_readable(t) for t in texts) / len(texts)
        if share < READABLE_SHARE:
            return f"text layer is not readable text (only {share:.0%} of words are words or numbers); OCR'd instead"
    return ""


@lru_cache(maxsize=1 << 16)
def _readable(word: str) -> bool:
    """Whether a word is a Vietnamese syllable, a number or a plain Latin word (cached: a page repeats its words,
    a report its pages' words)."""
    from chitieu.normalize.encodings import is_syllable
    core = word.strip(".,;:()[]%\"'“”‘’-–*!?")
    return bool(core) and bool(NUMBER.match(core) or is_syllable(core.lower()) or (core.isalpha() and core.isascii()))


# A page rendered this small (dots per inch) shows whether it holds any ink at all, at a 70th of the cost of
# a 300-dpi render (an A4 page is 298 × 421 pixels).
BLANK_DPI = 36
# ... a pixel darker than this (0 black, 255 white) is ink: 11-pt text rendered at 36 dpi still has pixels
# under 160 (measured on the samples); paper white and anti-aliasing fringes of nothing stay above 230.
INK_LEVEL = 200
# ... and a page with fewer ink pixels than this is blank (a full stop is 1-2 pixels at 36 dpi).
BLANK_MAX_INK = 3


def blank_reason(small) -> str:
    """'' when a small grayscale render of a page has ink; else why the page counts as blank."""
    ink = int((small < INK_LEVEL).sum())
    if ink >= BLANK_MAX_INK:
        return ""
    return f"blank page (no ink when rendered at {BLANK_DPI} dpi); not OCR'd"
