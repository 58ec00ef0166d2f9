"""Splitting a row's label into its parts: title, points '(6đ)', formula 'b/a*100', explanation."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from chitieu.parse.numbers import parse_number

# Converter markup seen in OCR/Word exports (seed 001): bold title, italic explanation, math formula.
BOLD = re.compile(r"<b>(.*?)</b>", re.S | re.I)
ITALIC = re.compile(r"<i>(.*?)</i>", re.S | re.I)
MATH = re.compile(r"<math>(.*?)</math>", re.S | re.I)
ANY_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>]*)?>")
# Markdown emphasis around a cell ('**I**').
MD_EMPHASIS = re.compile(r"(\*\*|__)(.*?)\1")
# A converter's single-star italics inside a cell ('phong trào *“Bình dân học vụ số”*'); not the star of a
# formula ('b/a*100', '(b/a)*100'), which has a letter, digit or bracket on its side.
MD_ITALIC = re.compile(r"(?<![\w)*])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![\w(*])")
# Maximum points of an indicator: '(6đ)', '(18 điểm)'.
# ('(4d)': the bar of the đ lost to a scan, or typed without accents; 'diem' too)
POINTS = re.compile(r"\(\s*(\d+(?:[.,]\d+)?)\s*(?:đ|d|điểm|diem)\s*\)\s*:?", re.I)
# The start of the explanation of how an indicator is computed.
EXPLANATION = re.compile(r"\b(?:Cách tính|Công thức tính|Phương pháp tính)\b", re.I)
# A ratio formula: 'b/a*100', '(b/a)*100', 'b/a x 100'.
FORMULA = re.compile(r"\(?\s*[a-z]\s*/\s*[a-z]\s*\)?\s*[*x×]\s*100\b")
# Punctuation that trails a label and carries nothing.
TRAILING = " \t.:;,"


@dataclass
class Label:
    title: str
    formula: Optional[str] = None
    explanation: Optional[str] = None
    max_points: Optional[float] = None


def squash(text: str) -> str:
    return " ".join(text.split())


def strip_markup(text: str) -> str:
    if "<" not in text and "*" not in text and "_" not in text:
        return squash(text)   # no tag and no emphasis: nothing for the patterns below (most cells)
    text = MATH.sub(lambda m: m.group(1), text)
    text = MD_EMPHASIS.sub(lambda m: m.group(2), text)
    text = MD_ITALIC.sub(lambda m: m.group(1), text)
    return squash(ANY_TAG.sub(" ", text))


def clean_title(text: str) -> str:
    return squash(text).strip(TRAILING)


def split_label(text: str) -> Label:
    """Split a label cell into title, explanation, formula and points; the title keeps only the name."""
    bold = [m.group(1) for m in BOLD.finditer(text)]
    italic = [m.group(1) for m in ITALIC.finditer(text)]
    if bold or italic:
        explanation_src = " ".join(italic)
        title_src = " ".join(bold) if bold else ITALIC.sub(" ", text)
    else:
        m = EXPLANATION.search(text)
        title_src, explanation_src = (text[:m.start()], text[m.start():]) if m and m.start() > 0 else (text, "")
    formula_m = MATH.search(explanation_src) or MATH.search(text)
    formula = squash(formula_m.group(1)) if formula_m else None
    explanation = strip_markup(explanation_src) or None
    if formula is None and explanation:
        fm = FORMULA.search(explanation)
        formula = squash(fm.group(0)) if fm else None
    title = strip_markup(title_src)
    points = None
    pm = POINTS.search(title)
    if pm:
        points = parse_number(pm.group(1))
        title = title[:pm.start()] + title[pm.end():]
    return Label(clean_title(title), formula, explanation.strip() if explanation else None, points)
