"""One entry point: the bytes of an input file in, its pages out. Each PDF page decides for itself whether its
text layer is read or the page is rendered and OCR'd (as OCRmyPDF does)."""
from __future__ import annotations

from pathlib import Path
from typing import Iterable

from chitieu.errors import BadOption, InputError
from chitieu.extract.decide import BLANK_DPI, blank_reason
from chitieu.extract.pdf_rescue import read_pdf_rescued, read_turned
from chitieu.extract.sniff import sniff_kind
from chitieu.extract.text import read_text
from chitieu.schemas.model import Page

OCR_MODES = ("auto", "always", "never")
# A text layer with at least this many accented words of which fewer than this share are Vietnamese
# syllables is garbage (a font without a Unicode map), unless the repair stage can decode it as a legacy font.
GARBAGE_MIN_WORDS = 20
GARBAGE_SHARE = 0.5


def extract_pages(data: bytes, path: Path, ocr: str = "auto") -> tuple[str, list[Page], list[str]]:
    """Return (document kind, pages, notes for the user) for an input file's bytes."""
    if ocr not in OCR_MODES:
        raise BadOption(f"--ocr must be one of {', '.join(OCR_MODES)}, not {ocr!r}")
    kind = sniff_kind(data, path)
    if kind == "pdf":
        return _read_pdf(data, ocr)
    if kind == "image":
        if ocr == "never":
            raise InputError("image files need OCR, and --ocr never was given", "needs-ocr")
        return "image", _ocr_image(data), []
    pages, notes = read_text(data)
    return "text", pages, notes


def _read_pdf(data: bytes, ocr: str) -> tuple[str, list[Page], list[str]]:
    """A PDF page by page: its text layer where usable (turned upright where it runs sideways), OCR elsewhere."""
    pages, notes = read_pdf_rescued(data)
    if ocr != "always" and any(p.path == "to-turn" for p in pages):
        pages = read_turned(data, pages)
    for page in pages:
        page.path, page.reason = _route(page, ocr)
        if page.path == "no-text":
            page.lines = []  # a text layer judged no text (cid glyphs, junk) is not read under --ocr never either
    if any(p.path == "to-ocr" for p in pages):
        pages = _ocr_pdf_pages(data, pages)
    blank = [p.number for p in pages if p.path == "blank"]
    if blank:
        notes.append(f"{len(blank)} blank page(s), not OCR'd: {_numbers(blank)}")
    ocred = sum(1 for p in pages if p.path in ("ocr", "no-text", "blank"))
    return ("pdf-scan" if ocred == len(pages) else "pdf-text"), pages, notes


def _route(page: Page, ocr: str) -> tuple[str, str]:
    """The path a page takes under --ocr, from what its text layer decided (extract/decide.py)."""
    if page.path == "text-layer":
        if ocr == "always":
            return "to-ocr", "--ocr always"
        garbage = _garbage(page) if ocr == "auto" else ""
        return ("to-ocr", garbage) if garbage else (page.path, page.reason)
    if page.path in ("to-ocr", "to-turn"):  # a text layer that is no text (cid glyphs, junk, still sideways)
        if ocr == "never":
            return "no-text", page.reason.replace("; OCR'd instead", "") + "; not OCR'd (--ocr never)"
        return "to-ocr", page.reason if page.path == "to-ocr" else f"{page.reason}; OCR'd"
    if page.path == "no-text" and ocr != "never":
        return "to-ocr", "no text layer (scanned page); OCR'd"
    return page.path, page.reason


def _numbers(numbers: list[int]) -> str:
    """'3, 4, 5, 9' → '3-5, 9'."""
    runs: list[list[int]] = []
    for n in numbers:
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    return ", ".join(f"{r[0]}-{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)


def _garbage(page: Page) -> str:
    """Why a text layer is unreadable ('' when it is fine)."""
    from chitieu.normalize.encodings import fix_mojibake, vietnamese_score
    text = "\n".join(ln.text for ln in page.lines)
    share, valid = vietnamese_score(text)
    accented = round(valid / share) if share else 0
    if accented < GARBAGE_MIN_WORDS or share >= GARBAGE_SHARE or fix_mojibake(text) is not None:
        return ""
    return f"text layer is not readable Vietnamese ({share:.0%} of accented words are syllables); OCR'd instead"


def _ocr_pdf_pages(data: bytes, pages: list[Page]) -> list[Page]:
    import pypdfium2

    from chitieu.extract.images import DPI, render_pdf_page
    from chitieu.extract.scan import read_scanned_page

    pdf = pypdfium2.PdfDocument(data)
    try:
        out = []
        for page in pages:
            if page.path != "to-ocr":
                out.append(page)
                continue
            # a small render first: a blank page (3,000 of them in one hostile file) costs milliseconds, not a
            # 300-dpi render and a Tesseract call each
            blank = blank_reason(render_pdf_page(pdf, page.number - 1, BLANK_DPI))
            if blank:
                out.append(Page(number=page.number, path="blank", reason=blank, width=page.width,
                                height=page.height))
                continue
            gray, shown = render_pdf_page(pdf, page.number - 1, thumbnail=True)  # one page in memory at a time
            dpi = gray.shape[0] * 72 / page.height if page.height else DPI  # lowered for oversized pages
            out.append(read_scanned_page(gray, page.number, dpi, page.reason, thumbnail=shown))
            del gray
        return out
    finally:
        pdf.close()


def _ocr_image(data: bytes, first: int = 1, reason: str = "image; OCR'd") -> list[Page]:
    from chitieu.extract.images import image_dpi, image_pages
    from chitieu.extract.scan import read_scanned_page

    dpi = image_dpi(data)
    return [read_scanned_page(gray, i, dpi, reason, thumbnail=shown)
            for i, (gray, shown) in enumerate(image_pages(data, thumbnails=True), start=first)]


def extract_page_images(images: Iterable[tuple[str, Path, bytes]], ocr: str = "auto") -> tuple[str, list[Page],
                                                                                             list[str]]:
    """The pages of one document whose pages are image files, in the order given ((name, path, bytes), read one
    at a time): each file's pages follow the one before (a multi-page TIFF adds all of its own), each page's
    reason names its file. A file that is not a readable image fails the whole document, naming the file."""
    if ocr not in OCR_MODES:
        raise BadOption(f"--ocr must be one of {', '.join(OCR_MODES)}, not {ocr!r}")
    if ocr == "never":
        raise InputError("page images need OCR, and --ocr never was given", "needs-ocr")
    pages: list[Page] = []
    for name, path, data in images:
        try:
            if sniff_kind(data, path) != "image":
                raise InputError("not an image (PNG, JPEG, TIFF), although it is named like the other pages",
                                 "damaged-image")
            pages.extend(_ocr_image(data, first=len(pages) + 1, reason=f"{name}: image; OCR'd"))
        except InputError as exc:
            raise InputError(f"page image {name}: {exc}", exc.code) from None
    return "image", pages, []
