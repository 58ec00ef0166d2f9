"""Tesseract, and only here: words with their boxes and confidences from a page image, in Vietnamese.

Measured on these documents (../shared/FINDINGS.md, bench/ocr_pages.py): `--psm 4` beats `--psm 6` on tables;
Tesseract's own threads make it slower on 2 cores, so each call runs single-threaded (OMP_THREAD_LIMIT=1) and
pages run in parallel worker processes instead; a file path is handed over, not a PIL image (no PNG round trip)."""
from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from chitieu.errors import MissingDependency

LANGUAGE = "vie"
PSM = 4
# Words Tesseract is less sure of than this (0-100) are kept, but lower their line's confidence.
LOW_CONFIDENCE = 60


@dataclass
class OcrWord:
    text: str
    left: int
    top: int
    width: int
    height: int
    conf: float      # 0-100, as Tesseract reports it
    block: int
    par: int
    line: int
    page: int = 1           # which image, when a list of images is read in one call
    region: object = None   # which image region the word came from, when several are OCR'd together
    number_column: bool = False   # read in a table's column of row numbers
    disputed: str = ""            # the digits reader's other reading of this figure, when the two disagree


@lru_cache(maxsize=1)
def check_tesseract() -> str:
    """Tesseract's version; a clear MissingDependency naming the Debian package when it or `vie` is missing."""
    exe = shutil.which("tesseract")
    if exe is None:
        raise MissingDependency("Tesseract is not installed; install the Debian packages tesseract-ocr and "
                                "tesseract-ocr-vie (make setup does it), or run with --ocr never")
    langs = subprocess.run([exe, "--list-langs"], capture_output=True, text=True).stdout.split()
    if LANGUAGE not in langs:
        raise MissingDependency("Tesseract's Vietnamese model is not installed; install the Debian package "
                                "tesseract-ocr-vie, or run with --ocr never")
    out = subprocess.run([exe, "--version"], capture_output=True, text=True)
    return (out.stdout or out.stderr).splitlines()[0]


def ocr_words(image_path: Path, psm: int = PSM, lang: str = LANGUAGE, whitelist: str = "") -> list[OcrWord]:
    """Every word Tesseract finds in an image file (grayscale PGM/PNG/TIFF; a .txt file lists several, read by
    one process), with its box, confidence and image number; with a whitelist, only those characters."""
    import pytesseract

    check_tesseract()
    os.environ["OMP_THREAD_LIMIT"] = "1"  # read by the tesseract process pytesseract starts
    config = f"--psm {psm}" + (f" -c tessedit_char_whitelist={whitelist}" if whitelist else "")
    try:
        data = pytesseract.image_to_data(str(image_path), lang=lang, config=config,
                                         output_type=pytesseract.Output.DICT)
    except pytesseract.TesseractError as exc:
        raise RuntimeError(f"tesseract failed: {str(exc)[:200]}") from None
    words = []
    for i, text in enumerate(data["text"]):
        if data["level"][i] != 5 or not text.strip():
            continue
        words.append(OcrWord(text.strip(), data["left"][i], data["top"][i], data["width"][i], data["height"][i],
                             float(data["conf"][i]), data["block_num"][i], data["par_num"][i], data["line_num"][i],
                             page=data["page_num"][i]))
    return words


# Row numbers are read a second time by Tesseract's English model, digits and dots only: on realpdf 09's
# scanned lists (100-dpi JPEG pages) the Vietnamese model read 5 as '3.', 7 as '1.', 8 as '§.', 27 as '21.' with
# confidences up to 93; the English model with this whitelist read 57 of the 58 numbers right.
DIGITS_LANGUAGE = "eng"
DIGITS = "0123456789."


@lru_cache(maxsize=4)
def has_language(lang: str) -> bool:
    """True when Tesseract has the model (eng comes with the tesseract-ocr package itself)."""
    exe = shutil.which("tesseract")
    return exe is not None and lang in subprocess.run([exe, "--list-langs"], capture_output=True,
                                                      text=True).stdout.split()


def ocr_digits(image_path: Path, psm: int) -> list[OcrWord]:
    """Words of row numbers only (digits and dots), read by the English model; [] when it is not installed."""
    if not has_language(DIGITS_LANGUAGE):
        return []
    return ocr_words(image_path, psm=psm, lang=DIGITS_LANGUAGE, whitelist=DIGITS)


def orientation(image_path: Path) -> int:
    """Degrees to turn the image counter-clockwise to make it upright, by Tesseract's OSD (tesseract-ocr-osd);
    0 when it cannot tell."""
    import pytesseract

    check_tesseract()
    try:
        osd = pytesseract.image_to_osd(str(image_path), config="--psm 0")
    except pytesseract.TesseractError:
        return 0  # too little text to tell, or the osd model is missing
    fields = dict(line.split(":", 1) for line in osd.splitlines() if ":" in line)
    try:
        rotate = int(fields.get("Rotate", "0").strip())
        confidence = float(fields.get("Orientation confidence", "0").strip())
    except ValueError:
        return 0
    # Tesseract's Rotate is clockwise; numpy's rot90 turns counter-clockwise
    return (360 - rotate) % 360 if confidence >= 1.0 else 0
