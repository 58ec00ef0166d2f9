"""Page images made fit for OCR and rule finding, as offices really scan them: grey or yellowed paper, a shadow
across the page, a phone photo of a page on a desk, coloured seals and signatures, specks and streaks.

Each step does one thing and is cheap (bench/scan_robustness.py prints the cost of each per page):
- `drop_colour_ink`: an RGB page to grey with red/blue ink (seals, signatures) lifted to a faint trace, too light
  for OCR or for the rule finder, still visible in the review thumbnails; black ink over a seal stays black;
- `find_page`: the page's four corners in a photo of it lying on a desk, and `unwarp` to straighten it;
- `estimate_background` and `normalise_background`: the paper's own brightness across the page (uneven light,
  grey paper), divided out, so that paper is white everywhere and every fill the later steps make (erased rules,
  margins, the border around each OCR'd region) matches the paper;
- `stretch_contrast`: faint ink (a low-contrast copy) made black;
- `remove_bleed_through`: the other side of the sheet showing through, made white;
- `remove_streaks` and `clear_border`: scanner streaks across the whole page and the dark edge beyond the paper,
  which the rule finder would take for rules;
- `remove_specks`: salt-and-pepper noise (a fax, a dirty glass) filtered only when the page has it.
`clean_page` runs them in that order; deskewing (any angle up to ±10°) is `extract.grid.deskew`."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class CleanupSettings:
    enabled: bool = True
    # the background is estimated on a copy this many times smaller (an A4 page at 300 dpi: 310 × 438 pixels)
    background_shrink: int = 8
    # ... as the brightest level within this many pixels of the small copy (a 13-pixel window is 104 pixels at
    # 300 dpi: wider than any character stroke, narrower than a shadow's gradient)
    background_window: int = 13
    # paper at least this bright everywhere (2nd percentile of the estimate) is left as it is
    white_paper: int = 235
    # a pixel whose channels differ by more than this (0-255) is coloured ink; yellowed paper differs by ~40
    colour_spread: int = 70
    # coloured ink is left at most this much darker than the paper (0-255): a trace a reviewer sees in the page's
    # thumbnail, under the rule finder's threshold (15 below the local mean) and far above Tesseract's
    colour_trace: int = 16
    # ... when its brightest channel is at least this share of the paper's level (a red seal's red channel is
    # ~0.8 of the paper; black print over the seal is dark in every channel, under 0.4, and stays)
    colour_light: float = 0.55
    # ink lighter than this after the background is divided out (a faint copy) is darkened to black
    faint_ink: int = 60
    # a photo: the page's outline must cover between these shares of the picture, and the desk be this much
    # darker than the page
    page_min_area: float = 0.2
    page_max_area: float = 0.93
    desk_contrast: int = 30
    # ... and every corner at least this share of the picture inside its edges
    page_inset: float = 0.01
    # bleed-through: light grey away from print over this share of the print's area (see remove_bleed_through)
    # makes every level from bleed_level up white
    bleed_share: float = 0.1
    bleed_level: int = 170
    # ... not counting light grey in straight runs this long (pixels at half size; 82 at 300 dpi, longer than any
    # letter's stroke): grey rules (measured: a 100-dpi scan's table 0.17 with its rules, 0.03 without; the
    # show-through samples 0.13-0.21 either way)
    grey_rule: int = 41
    # a streak crosses this share of the page and reaches into both outer margins (a rule never does)
    streak_cover: float = 0.85
    margin: float = 0.02
    # ... and the margins are empty: ink in at most this share of the lines crossing them (else the image is
    # cropped to its content and a rule may reach its edges)
    margin_ink: float = 0.3
    # a dark area touching the image's edge is the scanner's edge beyond the paper when it is this thick (pixels
    # at 300 dpi; a rule is 2-5, a letter's stroke up to 8)
    border_solid: int = 16
    # ... and darker than this (the lid's edge is near black; paper in a shadow at 40 % light is ~100)
    border_dark: int = 80
    # salt-and-pepper noise: a page with more than this share of isolated dark pixels is median-filtered (the
    # clean scanned samples: under 0.00001)
    speck_share: float = 0.0003
    # ... or whose paper's mean deviation from its 3 × 3 median exceeds this (clean samples ~0.5, sensor noise
    # of σ 22 after a scanner's blur ~6)
    paper_grain: float = 3.0
    # ... and is at least this many pixels long (A4 at 150 dpi is 1754): under it a 3 × 3 median erases strokes,
    # and a small image's JPEG blocks look like grain
    speck_min_length: int = 1800
    # a page with fewer grey pixels than this share is black and white, and is blurred by binary_blur pixels
    binary_grey: float = 0.01
    binary_blur: float = 1.0
    # black and white before OCR (off: measured by bench/scan_robustness.py --binarise, see `binarise`)
    binarise: bool = False
    # pages are straightened up to this angle either way (extract/grid.py's deskew)
    max_skew: float = 10.0

    def __post_init__(self):
        if not (0 <= self.colour_trace <= 60 and 0 < self.page_min_area < self.page_max_area <= 1
                and self.background_shrink >= 1 and self.background_window >= 3):
            raise ValueError(f"bad clean-up settings: {self}")


DEFAULT = CleanupSettings()
# CHITIEU_CLEANUP=off turns every step off (and deskewing back to ±3°), to see what the clean-up changes on a
# page; bench/scan_robustness.py measures with and without it
SWITCH = "CHITIEU_CLEANUP"


def current_settings() -> CleanupSettings:
    """The settings in force: DEFAULT, or everything off when CHITIEU_CLEANUP=off."""
    import os
    if os.environ.get(SWITCH, "").lower() in ("off", "0", "no"):
        return CleanupSettings(enabled=False)
    return DEFAULT


def clean_page(gray: np.ndarray, settings: CleanupSettings | None = None) -> np.ndarray:
    """A grayscale page (colour ink already dropped by `drop_colour_ink`) ready for deskewing, rule finding and OCR:
    the page cut out of a photo, paper made white, faint ink black, streaks, the dark border and specks gone."""
    settings = settings or current_settings()
    if not settings.enabled:
        return gray
    corners = find_page(gray, settings)
    if corners is not None:
        gray = unwarp(gray, corners)
    gray = clear_border(gray, settings)       # first: a black edge would darken the paper's estimate beside it
    paper = paper_level(gray, settings)
    if np.percentile(paper, 2) < settings.white_paper:          # white paper everywhere: left as it is
        gray = normalise_background(gray, estimate_background(gray, settings, paper))
    gray = stretch_contrast(gray, settings)
    gray = remove_bleed_through(gray, settings)
    gray = remove_streaks(gray, settings)
    gray = remove_specks(gray, settings)
    gray = soften_binary(gray, settings)
    return binarise(gray) if settings.binarise else gray


def drop_colour_ink(rgb: np.ndarray, settings: CleanupSettings | None = None) -> np.ndarray:
    """An RGB page as grey, with coloured ink (red and blue seals, signatures) lifted to a faint trace.

    A coloured stroke is seen through its own colour: its brightest channel is nearly paper (the red channel of a
    red seal), as a scanner's colour drop-out filter sees it, and it is kept no darker than a faint trace. Black
    text over a seal is dark in every channel and stays. Without colour (every channel alike) this is the usual
    luminance."""
    import cv2

    settings = settings or current_settings()
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    if not settings.enabled:
        return gray
    r, g, b = cv2.split(rgb)                                  # (cv2's max and min: 15× numpy's over axis 2)
    top = cv2.max(cv2.max(r, g), b)
    coloured = cv2.subtract(top, cv2.min(cv2.min(r, g), b)) > settings.colour_spread
    if not coloured.any():
        return gray
    # and the stroke's soft edge, where its colour fades into the paper (a JPEG's halved colour resolution)
    coloured = cv2.dilate(coloured.view(np.uint8), np.ones((5, 5), np.uint8)).view(bool)
    paper = int(np.percentile(gray[::8, ::8], 90))
    seen = top[coloured]
    # light in its own colour: the seal's ink, lifted to a trace; dark in every channel: black print over the seal
    gray[coloured] = np.where(seen >= settings.colour_light * paper, np.maximum(seen, paper - settings.colour_trace),
                              seen)
    return gray


def paper_level(gray: np.ndarray, settings: CleanupSettings = DEFAULT) -> np.ndarray:
    """The paper's brightness on a copy `background_shrink` times smaller: the brightest level around each point
    (text is darker than its paper, so a local maximum is the paper under it), smoothed."""
    import cv2

    h, w = gray.shape
    k = settings.background_shrink
    small = cv2.resize(gray, (max(1, w // k), max(1, h // k)), interpolation=cv2.INTER_AREA)
    window = cv2.getStructuringElement(cv2.MORPH_RECT, (settings.background_window, settings.background_window))
    paper = cv2.dilate(small, window)                          # the brightest level nearby: the paper
    paper = cv2.erode(paper, window)                           # ... back to its extent (a closing)
    return cv2.blur(paper, (settings.background_window, settings.background_window))


def estimate_background(gray: np.ndarray, settings: CleanupSettings = DEFAULT,
                        paper: np.ndarray | None = None) -> np.ndarray:
    """The paper's brightness at every pixel of the page (`paper_level`, at full size)."""
    import cv2

    paper = paper_level(gray, settings) if paper is None else paper
    return cv2.resize(paper, (gray.shape[1], gray.shape[0]), interpolation=cv2.INTER_LINEAR)


def normalise_background(gray: np.ndarray, background: np.ndarray) -> np.ndarray:
    """Each pixel divided by its paper's brightness: paper white (255) under a shadow and on grey stock alike,
    ink as dark against it as it was against its own paper."""
    import cv2
    return cv2.divide(gray, np.maximum(background, 1), scale=255)


def stretch_contrast(gray: np.ndarray, settings: CleanupSettings = DEFAULT) -> np.ndarray:
    """Faint ink made dark: when the darkest ink of a page (after normalisation) is lighter than `faint_ink`, the
    levels are stretched so that it is black and paper stays white."""
    import cv2

    small = gray[::4, ::4]
    ink = small[small < 200]
    if ink.size < 0.001 * small.size:
        return gray
    darkest = float(np.percentile(ink, 5))
    if darkest <= settings.faint_ink:
        return gray
    lut = np.clip((np.arange(256, dtype=np.float32) - darkest) * 255 / max(255 - darkest, 1), 0, 255)
    return cv2.LUT(gray, lut.astype(np.uint8))


def remove_bleed_through(gray: np.ndarray, settings: CleanupSettings = DEFAULT) -> np.ndarray:
    """The other side of the sheet showing through (light grey print, mirrored: its rules would be found as
    rules) made white: when light grey away from any print (more than 4 pixels from it) amounts to more than
    `bleed_share` of the print, every level from `bleed_level` up becomes paper and the levels below are spread
    over the full range. Anti-aliasing and blur are grey only beside print, so a clean or blurred page is left
    alone (the spoiled samples: 0-0.06, bleed-through 0.6)."""
    import cv2

    small = gray[::2, ::2]
    near = cv2.dilate((small < 160).astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    print_pixels = np.count_nonzero(near)
    faint = ((small >= 170) & (small < 230) & ~near).astype(np.uint8)
    if not print_pixels or np.count_nonzero(faint) <= settings.bleed_share * print_pixels:
        return gray
    # a table printed with grey rules (a low-resolution scan's thin rules come out grey) is no show-through: its
    # light grey runs in long straight lines, and made white it left the table without rules (a list of 29
    # communes read as running text)
    thick = cv2.dilate(faint, np.ones((3, 3), np.uint8))
    long_lines = (cv2.morphologyEx(thick, cv2.MORPH_OPEN, np.ones((1, settings.grey_rule), np.uint8))
                  | cv2.morphologyEx(thick, cv2.MORPH_OPEN, np.ones((settings.grey_rule, 1), np.uint8)))
    if np.count_nonzero(faint & (long_lines == 0)) <= settings.bleed_share * print_pixels:
        return gray
    lut = np.clip(np.arange(256, dtype=np.float32) * 255 / settings.bleed_level, 0, 255).astype(np.uint8)
    return cv2.LUT(gray, lut)


def remove_streaks(gray: np.ndarray, settings: CleanupSettings = DEFAULT) -> np.ndarray:
    """Dark lines across the whole page (a dirty scanner glass, a fax's streak) painted white. A table rule stops
    at the table, inside the print margins; a streak runs into both outer margins. An image without empty margins
    (a table cropped tightly, whose rules do reach its edges) is left alone."""
    out = None
    for axis in (1, 0):                                           # rows, then columns
        length = gray.shape[axis]
        edge = max(1, int(length * settings.margin))
        strips = (gray[:, :edge], gray[:, -edge:]) if axis == 1 else (gray[:edge, :].T, gray[-edge:, :].T)
        first, last = ((strip < 128).any(axis=1) for strip in strips)
        if first.mean() > settings.margin_ink or last.mean() > settings.margin_ink:
            continue                                              # no empty margins: rules may reach the edge
        candidates = np.flatnonzero(first & last)
        if not candidates.size:
            continue
        lines = gray[candidates, :] if axis == 1 else gray[:, candidates].T
        streaks = candidates[(lines < 128).sum(axis=1) > settings.streak_cover * length]
        if streaks.size:
            out = gray.copy() if out is None else out
            for i in streaks:
                lo, hi = max(0, i - 2), i + 3                 # the streak's soft edge too
                if axis == 1:
                    out[lo:hi, :] = 255
                else:
                    out[:, lo:hi] = 255
    return gray if out is None else out


def clear_border(gray: np.ndarray, settings: CleanupSettings = DEFAULT) -> np.ndarray:
    """Solid dark areas touching the image's edge (the scanner lid's dark edge beyond the paper, a wedge of it when
    the page lay askew, the last bit of a photo's desk, punch holes) painted white. Solid: thicker than
    `border_solid` pixels at 300 dpi, so a table rule or a letter at the edge of a tightly cropped image stays."""
    import cv2

    h, w = gray.shape
    frame = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    if not (frame < settings.border_dark).any():
        return gray                                  # nothing dark touches the edge
    k = 4
    small = cv2.resize(gray, (max(1, w // k), max(1, h // k)), interpolation=cv2.INTER_AREA)
    dark = (small < settings.border_dark).astype(np.uint8)
    size = max(3, settings.border_solid // k)
    solid = cv2.morphologyEx(dark, cv2.MORPH_OPEN, np.ones((size, size), np.uint8))
    if not (solid[0].any() or solid[-1].any() or solid[:, 0].any() or solid[:, -1].any()):
        return gray
    count, labels = cv2.connectedComponents(solid)
    edge_labels = set(np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))) - {0}
    mask = np.isin(labels, list(edge_labels)).astype(np.uint8)
    mask = cv2.dilate(mask, np.ones((3, 3), np.uint8))          # and the band's soft edge
    mask = cv2.resize(mask, (w, h), interpolation=cv2.INTER_NEAREST)
    out = gray.copy()
    out[mask > 0] = 255
    return out


def remove_specks(gray: np.ndarray, settings: CleanupSettings = DEFAULT) -> np.ndarray:
    """Specks and grain removed with a 3 × 3 median, only on a page that has them: more than `speck_share` of its
    pixels dark with at most one dark neighbour (a stroke's pixels have several), or paper whose grain
    (deviation from its 3 × 3 median) is over `paper_grain` levels. The filter also rounds the corners of small
    print, so a clean page, and a page scanned under ~200 dpi, is left alone."""
    import cv2

    if max(gray.shape) < settings.speck_min_length:
        return gray
    dark = (gray < 128).astype(np.uint8)
    neighbours = cv2.boxFilter(dark, cv2.CV_8U, (3, 3), normalize=False)
    isolated = np.count_nonzero((dark > 0) & (neighbours <= 2))
    sample = gray[: gray.shape[0] // 4 * 4: 2, : gray.shape[1] // 4 * 4: 2]   # every other pixel, for speed
    smooth = cv2.medianBlur(sample, 3)
    # paper away from print (JPEG's ringing around letters is not grain)
    paper = cv2.erode((smooth > 200).astype(np.uint8), np.ones((7, 7), np.uint8)) > 0
    grain = float(cv2.absdiff(sample, smooth)[paper].mean()) if paper.any() else 0.0
    if isolated <= settings.speck_share * gray.size and grain <= settings.paper_grain:
        return gray
    return cv2.medianBlur(gray, 3)


def soften_binary(gray: np.ndarray, settings: CleanupSettings = DEFAULT) -> np.ndarray:
    """A page that is only black and white (a fax, a scanner's 1-bit mode) given back soft edges: Tesseract's
    recogniser reads grey levels, and a blur of a pixel or so closes the gaps a fax leaves in strokes and rules."""
    import cv2

    sample = gray[::7, ::7]
    if np.count_nonzero((sample > 5) & (sample < 250)) > settings.binary_grey * sample.size:
        return gray
    return cv2.GaussianBlur(gray, (0, 0), settings.binary_blur)


def binarise(gray: np.ndarray) -> np.ndarray:
    """Black and white by a local threshold (each pixel against the mean of its 41 × 41 neighbourhood)."""
    import cv2
    return cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY, 41, 12)


def find_page(gray: np.ndarray, settings: CleanupSettings = DEFAULT) -> np.ndarray | None:
    """The four corners (top-left, top-right, bottom-right, bottom-left; pixels) of a page photographed on a darker
    desk, or None for a scan (the paper fills the image, or no four-cornered bright shape stands out)."""
    import cv2

    h, w = gray.shape
    frame = np.concatenate([gray[0, ::8], gray[-1, ::8], gray[::8, 0], gray[::8, -1]])
    if np.median(frame) > 200:
        return None                                  # paper (or a white scanner lid) all round: no desk
    f = 600 / max(h, w)
    small = cv2.resize(gray, (max(1, int(w * f)), max(1, int(h * f))), interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (5, 5), 0)
    level, bright = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    # the paper's text must not cut it into pieces: close the bright shape over its ink
    bright = cv2.morphologyEx(bright, cv2.MORPH_CLOSE, np.ones((15, 15), np.uint8))
    contours, _ = cv2.findContours(bright, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return None
    outline = max(contours, key=cv2.contourArea)
    area = cv2.contourArea(outline) / (small.shape[0] * small.shape[1])
    if not settings.page_min_area <= area <= settings.page_max_area:
        return None
    hull = cv2.convexHull(outline)
    quad = cv2.approxPolyDP(hull, 0.02 * cv2.arcLength(hull, True), True)
    if len(quad) != 4:
        return None
    # a page on a desk has desk on every side: a bright shape that runs off the picture is lit paper beside a
    # shadow, not a page
    xs, ys = quad[:, 0, 0], quad[:, 0, 1]
    edge = settings.page_inset * max(small.shape)
    if xs.min() < edge or ys.min() < edge or xs.max() > small.shape[1] - 1 - edge or \
            ys.max() > small.shape[0] - 1 - edge:
        return None
    mask = np.zeros_like(small)
    cv2.fillConvexPoly(mask, quad, 255)
    inside, outside = small[mask > 0], small[mask == 0]
    if outside.size == 0 or float(np.median(inside)) - float(np.median(outside)) < settings.desk_contrast:
        return None
    return _order(quad.reshape(4, 2).astype(np.float32) / f)


def _order(points: np.ndarray) -> np.ndarray:
    """Corners as top-left, top-right, bottom-right, bottom-left."""
    s, d = points.sum(axis=1), np.diff(points, axis=1).ravel()
    return np.array([points[s.argmin()], points[d.argmin()], points[s.argmax()], points[d.argmax()]],
                    dtype=np.float32)


def unwarp(gray: np.ndarray, corners: np.ndarray) -> np.ndarray:
    """The page between its four corners, as if scanned flat: sides as long as the longer of each opposite pair."""
    import cv2

    tl, tr, br, bl = corners
    width = int(max(np.linalg.norm(tr - tl), np.linalg.norm(br - bl)))
    height = int(max(np.linalg.norm(bl - tl), np.linalg.norm(br - tr)))
    target = np.array([[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(corners, target)
    return cv2.warpPerspective(gray, matrix, (width, height), flags=cv2.INTER_LINEAR,
                               borderMode=cv2.BORDER_REPLICATE)
