"""Page images: PDF pages rendered by pypdfium2 (it comes with pdfplumber) and image files (PNG, JPEG, TIFF with
several pages), one page at a time, as 8-bit grayscale arrays, with a pixel limit against decompression bombs.
Colour pages and images lose their coloured ink (seals, signatures) on the way to grey, down to a faint trace
(extract/cleanup.py `drop_colour_ink`): OCR and the rule finder see only the black print."""
from __future__ import annotations

import io
from typing import Iterator

import numpy as np

from chitieu.errors import InputError

DPI = 300
# Larger images are refused: 100 megapixels is an A3 page at 600 dpi; a TIFF claiming more is a bomb or an error.
MAX_PIXELS = 100_000_000
# PDF pages up to this size are rendered in colour (A3 at 300 dpi is 17 megapixels)
MAX_COLOUR_PIXELS = 40_000_000


def render_pdf_page(pdf, index: int, dpi: int = DPI, thumbnail: bool = False):
    """One page of an open pypdfium2 document as a grayscale array at dpi (lowered for oversized pages); with
    thumbnail=True, (gray, the page's thumbnail as shown: a JPEG in colour, its seals and signatures in it)."""
    page = pdf[index]
    try:
        width, height = page.get_size()  # points
        scale = dpi / 72
        if width * height * scale * scale > MAX_PIXELS:
            scale = (MAX_PIXELS / (width * height)) ** 0.5
        # in colour (RGB): a scanned page's red seal is told from its black print by its colour alone; an oversized
        # page in grey (its colour copy would take 3-4 bytes a pixel)
        colour = width * height * scale * scale <= MAX_COLOUR_PIXELS
        bitmap = page.render(scale=scale, grayscale=not colour, rev_byteorder=True)
        array = bitmap.to_numpy()
        gray = _gray(array[:, :, :3]) if array.ndim == 3 else array.copy()
        shown = thumbnail_jpeg(array[:, :, :3] if array.ndim == 3 else array) if thumbnail else None
        bitmap.close()
    finally:
        page.close()
    return (gray, shown) if thumbnail else gray


# The review page shows each OCR'd page this wide.
THUMB_WIDTH = 240


def thumbnail_jpeg(pixels: np.ndarray, width: int = THUMB_WIDTH, quality: int = 60) -> bytes:
    """A JPEG of an image (RGB or grey) at most `width` wide: a page's thumbnail as it was scanned (the clerk sees the
    seal the OCR was spared), a table row's image as scanned."""
    import cv2

    h, w = pixels.shape[:2]
    if w > width:
        pixels = cv2.resize(pixels, (width, max(1, int(h * width / w))), interpolation=cv2.INTER_AREA)
    if pixels.ndim == 3:
        pixels = cv2.cvtColor(np.ascontiguousarray(pixels), cv2.COLOR_RGB2BGR)
    ok, buf = cv2.imencode(".jpg", pixels, [cv2.IMWRITE_JPEG_QUALITY, quality])
    return buf.tobytes() if ok else b""


def _gray(rgb: np.ndarray) -> np.ndarray:
    """A colour page as grey without its coloured ink."""
    from chitieu.extract.cleanup import drop_colour_ink
    return drop_colour_ink(np.ascontiguousarray(rgb))


def image_pages(data: bytes, thumbnails: bool = False) -> Iterator:
    """The frames of an image file (several for a multi-page TIFF) as grayscale arrays, one at a time; with
    thumbnails=True, (gray, thumbnail as scanned) pairs (see render_pdf_page)."""
    from PIL import Image, UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        img = Image.open(io.BytesIO(data))
        frames = getattr(img, "n_frames", 1)
    except Image.DecompressionBombError:
        raise InputError(f"the image has more than {MAX_PIXELS // 1_000_000} million pixels; scan it at 300 dpi",
                         "too-large") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise InputError("the image is damaged or not an image format we read (PNG, JPEG, TIFF)",
                         "damaged-image") from None
    for i in range(frames):
        try:
            img.seek(i)
            w, h = img.size
            if w * h > MAX_PIXELS:
                raise InputError(f"the image is {w} × {h} pixels, more than {MAX_PIXELS // 1_000_000} million; "
                                 "scan it at 300 dpi", "too-large")
            if img.mode in ("L", "1", "I", "I;16", "F", "LA"):
                gray = shown = np.asarray(img.convert("L"))
            else:
                shown = np.asarray(img.convert("RGB"))
                gray = _gray(shown)
            yield (gray, thumbnail_jpeg(shown)) if thumbnails else gray
        except InputError:
            raise
        except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
            raise InputError(f"the image is damaged (page {i + 1} cannot be decoded); get a complete copy",
                             "damaged-image") from None


def image_dpi(data: bytes) -> float:
    """The resolution an image file states, or 300 when it states none."""
    from PIL import Image
    try:
        dpi = Image.open(io.BytesIO(data)).info.get("dpi")
        return float(dpi[0]) if dpi and dpi[0] > 50 else DPI
    except Exception:  # noqa: BLE001 — a missing or odd tag only means we assume 300 dpi
        return DPI
