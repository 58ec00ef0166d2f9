"""One entry point: the bytes of an input file in, its pages out. Each PDF page decides for itself whether its
text layer is read or the page is rendered and OCR'd (as OCRmyPDF does)."""
from __future__ import annotations

from pathlib import Path

from errors import BadOption, InputError
from extract.pdf_text import read_pdf
from extract.sniff import sniff_kind
from extract.text import read_text
from schemas.model import Page

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
        pages = read_pdf(data)
        for page in pages:
            if page.path == "text-layer" and ocr == "always":
                page.path, page.reason = "to-ocr", "--ocr always"
            elif page.path == "text-layer" and ocr == "auto" and _garbage(page):
                page.path, page.reason = "to-ocr", _garbage(page)
            elif page.path == "no-text" and ocr != "never":
                page.path = "to-ocr"
        if any(p.path == "to-ocr" for p in pages):
            pages = _ocr_pdf_pages(data, pages)
        ocred = sum(1 for p in pages if p.path in ("ocr", "no-text"))
        return ("pdf-scan" if ocred == len(pages) else "pdf-text"), pages, []
    if kind == "image":
        if ocr == "never":
            raise InputError("image files need OCR, and --ocr never was given", "needs-ocr")
        return "image", _ocr_image(data), []
    pages, notes = read_text(data)
    return "text", pages, notes


def _garbage(page: Page) -> str:
    """Why a text layer is unreadable ('' when it is fine)."""
    from normalize.encodings import fix_mojibake, vietnamese_score
    text = "\n".join(ln.text for ln in page.lines)
    share, valid = vietnamese_score(text)
    accented = round(valid / share) if share else 0
    if accented < GARBAGE_MIN_WORDS or share >= GARBAGE_SHARE or fix_mojibake(text) is not None:
        return ""
    return f"text layer is not readable Vietnamese ({share:.0%} of accented words are syllables); OCR'd instead"


def _ocr_pdf_pages(data: bytes, pages: list[Page]) -> list[Page]:
    import pypdfium2

    from extract.images import DPI, render_pdf_page
    from extract.scan import read_scanned_page

    pdf = pypdfium2.PdfDocument(data)
    try:
        out = []
        for page in pages:
            if page.path != "to-ocr":
                out.append(page)
                continue
            reason = page.reason if page.reason.startswith(("--ocr", "text layer")) else \
                "no text layer (scanned page); OCR'd"
            gray = render_pdf_page(pdf, page.number - 1)  # one page image in memory at a time
            dpi = gray.shape[0] * 72 / page.height if page.height else DPI  # lowered for oversized pages
            out.append(read_scanned_page(gray, page.number, dpi, reason))
            del gray
        return out
    finally:
        pdf.close()


def _ocr_image(data: bytes) -> list[Page]:
    from extract.images import image_dpi, image_pages
    from extract.scan import read_scanned_page

    dpi = image_dpi(data)
    return [read_scanned_page(gray, i, dpi, "image; OCR'd") for i, gray in enumerate(image_pages(data), start=1)]
