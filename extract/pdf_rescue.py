"""Second reads of PDFs the first read (extract/pdf_text.py: pdfminer's page tree, each page's characters from
pdfium or pdfminer) could not use as they are:

- pages whose text runs sideways (a /Rotate that turns upright text, or text drawn turned): read again from a
  copy whose page rotation puts the text upright;
- files pdfminer gives up on (a wrong cross-reference table read as "no pages", Form XObjects nested past
  Python's recursion limit) but pdfium opens: saved again by pdfium, which rebuilds the cross-reference table,
  and read by pdfplumber; when pdfminer still fails, the text of each page comes from pdfium."""
from __future__ import annotations

import io
import math
from collections import Counter

from chitieu.errors import InputError
from chitieu.extract.decide import decide_page
from chitieu.extract.pdf_text import PdfSettings, read_page, read_pdf
from chitieu.schemas.model import Line, Page

# A file that does not end with this (give or take trailing bytes) was cut off: pdfium would open what is left
# and the rest of the document would be lost without a word, so a truncated copy stays refused.
EOF_MARK = b"%%EOF"
EOF_WINDOW = 1024


def read_pdf_rescued(data: bytes) -> tuple[list[Page], list[str]]:
    """Pages of a PDF and notes for the user; pdfium takes over where pdfminer gives up."""
    whole = EOF_MARK in data[-EOF_WINDOW:]
    try:
        return read_pdf(data), []
    except InputError as exc:
        if exc.code == "encrypted" or not whole:
            raise
        refusal, failure = exc, "pdfminer found no pages" if exc.code == "empty" else "pdfminer cannot parse it"
    except Exception as exc:  # noqa: BLE001 — pdfminer's RecursionError, struct errors…: pdfium may read it
        refusal = InputError("the PDF is damaged or truncated and cannot be read; get a complete copy",
                             "damaged-pdf")
        if not whole:
            raise refusal from None
        failure = f"pdfminer failed: {type(exc).__name__}: {str(exc)[:80]}"
    return _read_with_pdfium(data, failure, refusal)


def _read_with_pdfium(data: bytes, failure: str, refusal: InputError) -> tuple[list[Page], list[str]]:
    """pdfium's reading of a file pdfminer refused; the refusal stands when pdfium finds no page either."""
    import pypdfium2

    try:
        pdf = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError:
        raise refusal from None
    try:
        if len(pdf) == 0:
            raise refusal
        try:
            pages = read_pdf(_saved(pdf))
            return pages, [f"the PDF's structure is damaged ({failure}); pdfium repaired it"]
        except Exception:  # noqa: BLE001 — still unreadable for pdfminer: take pdfium's text
            pages = [_pdfium_page(pdf, i) for i in range(len(pdf))]
            return pages, [f"the PDF's structure is damaged ({failure}, even after pdfium repaired it); its "
                           "text was read by pdfium, without word positions: tables come out as running text"]
    finally:
        pdf.close()


def _saved(pdf) -> bytes:
    buf = io.BytesIO()
    pdf.save(buf)
    return buf.getvalue()


def _pdfium_page(pdf, index: int) -> Page:
    """One page's text from pdfium, line by line (no positions: tables come out as running text)."""
    page = pdf[index]
    try:
        width, height = page.get_size()
        textpage = page.get_textpage()
        text = textpage.get_text_range()
        textpage.close()
    finally:
        page.close()
    number = index + 1
    path, reason = decide_page([{"text": w} for w in text.split()])
    result = Page(number=number, path=path, reason=reason, width=width, height=height)
    if path == "text-layer":
        result.reason = f"text read by pdfium ({len(text.split())} words), without word positions"
        texts = [t.strip() for t in text.replace("\r\n", "\n").split("\n") if t.strip()]
        result.lines = [Line(text=t, page=number, number=i) for i, t in enumerate(texts, start=1)]
    return result


def read_turned(data: bytes, pages: list[Page]) -> list[Page]:
    """Read again, turned so that their text is upright, the pages decided "to-turn"."""
    import pdfplumber
    import pypdfium2

    wanted = {p.number: p for p in pages if p.path == "to-turn"}
    rotations: dict[int, tuple[int, int]] = {}   # page → (rotation as found, rotation that makes text upright)
    with pdfplumber.open(io.BytesIO(data)) as plumb:
        for number in wanted:
            page = plumb.pages[number - 1]
            rotations[number] = (page.rotation, (page.rotation + text_angle(page.chars)) % 360)
            page.close()
    pdf = pypdfium2.PdfDocument(data)
    try:
        for number, (_, upright) in rotations.items():
            pdf[number - 1].set_rotation(upright)
        turned = _saved(pdf)
    finally:
        pdf.close()
    out = []
    with pdfplumber.open(io.BytesIO(turned)) as plumb:
        for page in pages:
            if page.number not in wanted:
                out.append(page)
                continue
            again = read_page(plumb.pages[page.number - 1], page.number, PdfSettings())
            was, now = rotations[page.number]
            if again.path == "text-layer":
                again.reason = f"{page.reason}: read turned upright (page rotation {was}° → {now}°)"
            else:  # still sideways or unusable: extract/read.py OCRs it
                again.path, again.reason = "to-ocr", f"{page.reason}, and turning it did not help; OCR'd instead"
            out.append(again)
    return out


def text_angle(chars: list[dict]) -> int:
    """The direction most characters run in, in degrees counter-clockwise from left-to-right (0, 90, 180, 270),
    from their text matrices as pdfplumber gives them (the page rotation included)."""
    votes = Counter(round(math.degrees(math.atan2(c["matrix"][1], c["matrix"][0])) / 90) % 4 * 90
                    for c in chars if c.get("text", "").strip())
    return votes.most_common(1)[0][0] if votes else 0
