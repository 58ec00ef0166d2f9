"""Page images: PDF pages rendered by pypdfium2 (it comes with pdfplumber) and image files (PNG, JPEG, TIFF with
several pages), one page at a time, as 8-bit grayscale arrays, with a pixel limit against decompression bombs."""
from __future__ import annotations

import io
from typing import Iterator

import numpy as np

from errors import InputError

DPI = 300
# Larger images are refused: 100 megapixels is an A3 page at 600 dpi; a TIFF claiming more is a bomb or an error.
MAX_PIXELS = 100_000_000


def render_pdf_page(pdf, index: int, dpi: int = DPI) -> np.ndarray:
    """One page of an open pypdfium2 document as a grayscale array at dpi (lowered for oversized pages)."""
    page = pdf[index]
    try:
        width, height = page.get_size()  # points
        scale = dpi / 72
        if width * height * scale * scale > MAX_PIXELS:
            scale = (MAX_PIXELS / (width * height)) ** 0.5
        bitmap = page.render(scale=scale, grayscale=True)
        array = bitmap.to_numpy().copy()
        bitmap.close()
    finally:
        page.close()
    if array.ndim == 3:
        array = array[:, :, 0]
    return array


def image_pages(data: bytes) -> Iterator[np.ndarray]:
    """The frames of an image file (several for a multi-page TIFF) as grayscale arrays, one at a time."""
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
            yield np.asarray(img.convert("L"))
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
