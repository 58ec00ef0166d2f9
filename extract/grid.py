"""Ruled tables in page images: find the horizontal and vertical rules (opencv morphology), the cells between them,
and an image with the rules erased, so that OCR reads the cell text and not the lines (`|` from a rule)."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

# A rule is at least this share of the page width (horizontal) or this many text lines tall (vertical).
MIN_H_RULE = 0.15
MIN_V_RULE_PX = 60
# Rules closer than this (pixels at 300 dpi) are one rule drawn thick or twice.
MERGE_PX = 12


@dataclass
class GridRow:
    bbox: tuple[float, float, float, float]          # x0, top, x1, bottom in pixels
    cells: list[tuple[float, float, float, float]] = field(default_factory=list)


@dataclass
class Grid:
    bbox: tuple[float, float, float, float]
    rows: list[GridRow] = field(default_factory=list)


def _positions(mask: np.ndarray, axis: int) -> list[int]:
    """Centres of the rule runs along one axis of a rule mask."""
    profile = mask.sum(axis=axis) > 0
    out, start = [], None
    for i, on in enumerate(list(profile) + [False]):
        if on and start is None:
            start = i
        elif not on and start is not None:
            out.append((start + i - 1) // 2)
            start = None
    merged: list[int] = []
    for p in out:
        if merged and p - merged[-1] < MERGE_PX:
            merged[-1] = (merged[-1] + p) // 2
        else:
            merged.append(p)
    return merged


# Skew angles tried when straightening a page (degrees), coarse to fine: every COARSE_STEP up to the clean-up's
# max_skew (±10°; ±3° with CHITIEU_CLEANUP=off) on an eighth-size copy, then every MEDIUM_STEP and every SKEW_STEP
# around the best so far on a quarter-size copy (41 + 9 rotations instead of 201: the sharpness peak of a page of
# text is about 1.5° wide, wider than a coarse step).
MAX_SKEW = 3.0   # with the clean-up off, as before it
COARSE_STEP = 0.5
MEDIUM_STEP = 0.25
SKEW_STEP = 0.1


def deskew(gray: np.ndarray) -> tuple[np.ndarray, float]:
    """The page turned straight, and the angle it was turned by: the angle whose rows of ink are sharpest
    (highest variance of the row sums). Margins the turn uncovers take the paper's level, not pure white."""
    import cv2

    from chitieu.extract.cleanup import current_settings

    settings = current_settings()
    limit = settings.max_skew if settings.enabled else MAX_SKEW

    def inked(shrink: int) -> np.ndarray:
        small = cv2.resize(gray, (gray.shape[1] // shrink, gray.shape[0] // shrink), interpolation=cv2.INTER_AREA)
        return (small < 160).astype(np.uint8)

    def best(ink: np.ndarray, angles) -> float:
        h, w = ink.shape

        def sharpness(angle: float) -> float:
            m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
            return float(cv2.warpAffine(ink, m, (w, h), flags=cv2.INTER_NEAREST).sum(axis=1, dtype=np.int64).var())
        return float(max(angles, key=lambda a: sharpness(float(a))))

    eighth, quarter = inked(8), inked(4)
    coarse = best(eighth, np.arange(-limit, limit + 1e-9, COARSE_STEP))
    medium = best(quarter, np.arange(coarse - 2 * MEDIUM_STEP, coarse + 2 * MEDIUM_STEP + 1e-9, MEDIUM_STEP))
    best_angle = round(best(quarter, np.arange(medium - 2 * SKEW_STEP, medium + 2 * SKEW_STEP + 1e-9, SKEW_STEP)), 2)
    if abs(best_angle) < SKEW_STEP / 2:
        return gray, 0.0
    h, w = gray.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), best_angle, 1.0)
    paper = int(np.percentile(gray[::16, ::16], 95))
    return cv2.warpAffine(gray, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=paper), best_angle


def half_ink(gray: np.ndarray) -> np.ndarray:
    """The page's ink at half size (a quarter of the work of looking for rules); a pixel of the half-size image is
    ink when any of its four is, so that a rule one pixel thin survives."""
    import cv2

    binary = cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 25, 15)
    half = cv2.resize(binary, (gray.shape[1] // 2, gray.shape[0] // 2), interpolation=cv2.INTER_AREA)
    half[half > 0] = 255
    return half


def _opened(half: np.ndarray, kernel: tuple[int, int]) -> np.ndarray:
    import cv2

    return cv2.morphologyEx(half, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, kernel))


# A sheet fed askew through a scanner, or photographed at an angle, can come out with its columns leaning where
# its rows do not (a shear, which deskewing by rotation cannot undo): a ruled table's column rules then wander
# from one x by a few pixels per hundred rows, and over a page-tall table they leave the band they are looked for
# in (scan.RULE_BAND, 4 pixels either side). The lean is measured on the long vertical rules and undone by a shear
# when it moves the tallest of them sideways by more than that band: a smaller lean changes nothing found, and a
# fax's broken rules give slopes of pixel noise (0.003 over 400 pixels).
LEAN_DRIFT_PX = 4
# A vertical rule that says how the columns lean is at least this many half-size pixels long.
LEAN_RULE_PX = 300


def upright_columns(gray: np.ndarray, half: np.ndarray | None = None) -> tuple[np.ndarray, float]:
    """The page sheared so that its column rules stand upright, and the lean undone (degrees; 0.0 when none).
    half: the page's half_ink, when the caller has it."""
    import cv2

    vertical = _opened(half_ink(gray) if half is None else half, (1, MIN_V_RULE_PX // 2))
    # each run of columns holding rule pixels is one rule, however it leans (a leaning rule spans a few columns)
    cols = np.flatnonzero(vertical.any(axis=0))
    slopes, tallest = [], 0
    for run in np.split(cols, np.flatnonzero(np.diff(cols) > 1) + 1) if cols.size else []:
        ys, xs = np.nonzero(vertical[:, run[0]:run[-1] + 1])
        height = int(ys.max() - ys.min()) if ys.size else 0
        if height >= LEAN_RULE_PX:
            slopes.append(float(np.polyfit(ys, xs, 1)[0]))
            tallest = max(tallest, height * 2)
    if len(slopes) < 2:
        return gray, 0.0
    lean = float(np.median(slopes))
    if abs(lean) * tallest <= LEAN_DRIFT_PX or not all(s * lean > 0 for s in slopes):
        return gray, 0.0
    h, w = gray.shape
    shear = np.float32([[1, -lean, lean * h / 2], [0, 1, 0]])
    paper = int(np.percentile(gray[::16, ::16], 95))
    upright = cv2.warpAffine(gray, shear, (w, h), flags=cv2.INTER_LINEAR, borderValue=paper)
    return upright, round(float(np.degrees(np.arctan(lean))), 2)


def find_grid(gray: np.ndarray, half: np.ndarray | None = None) -> tuple[list[Grid], np.ndarray]:
    """(ruled tables of the page, the page with its rules painted white). half: the page's half_ink, when the
    caller has it."""
    import cv2

    height, width = gray.shape
    half = half_ink(gray) if half is None else half

    def opened(kernel: tuple[int, int]) -> np.ndarray:
        return cv2.resize(_opened(half, kernel), (width, height), interpolation=cv2.INTER_NEAREST)

    horizontal = opened((max(20, int(width * MIN_H_RULE) // 2), 1))
    vertical = opened((1, MIN_V_RULE_PX // 2))
    # wide: a blurred scan's rule has a grey fringe that OCR reads as stray letters
    rules = cv2.dilate(horizontal | vertical, np.ones((7, 7), np.uint8))
    erased = gray.copy()
    erased[rules > 0] = 255
    ys = _positions(horizontal, axis=1)
    xs = _positions(vertical, axis=0)
    if len(ys) < 2 or len(xs) < 2:
        return [], gray
    grid = Grid((xs[0], ys[0], xs[-1], ys[-1]))
    for top, bottom in zip(ys, ys[1:]):
        if bottom - top < MERGE_PX:
            continue
        row = GridRow((xs[0], top, xs[-1], bottom))
        for left, right in zip(xs, xs[1:]):
            row.cells.append((left, top, right, bottom))
        grid.rows.append(row)
        _merge_spans(row, vertical, xs)
    return [grid], erased


def _merge_spans(row: GridRow, vertical: np.ndarray, xs: list[int]) -> None:
    """Join neighbouring cells of a row where the rule between them does not run through the row."""
    top, bottom = int(row.bbox[1]), int(row.bbox[3])
    inner = slice(top + (bottom - top) // 4, bottom - (bottom - top) // 4)
    keep = [True] + [bool(vertical[inner, max(0, x - 3):x + 4].any()) for x in xs[1:-1]]
    cells: list = []
    open_cell = None   # index of the cell that the next ruleless neighbour joins (a span can cover many columns)
    for cell, has_left_rule in zip(row.cells, keep):
        if open_cell is not None and not has_left_rule:
            joined = cells[open_cell]
            cells[open_cell] = (joined[0], joined[1], cell[2], cell[3])
            cells.append(None)  # the column stays, empty, so columns keep their numbers
        else:
            open_cell = len(cells)
            cells.append(cell)
    row.cells = cells
