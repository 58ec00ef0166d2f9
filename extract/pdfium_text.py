"""A PDF page's characters and ruling lines through pdfium, in the shapes pdfplumber gives them.

pdfplumber reads a page through pdfminer, whose content-stream interpreter is pure Python: about 6 pages a
second on real reports. pdfium reads the same page in C. This module asks pdfium for what the text-layer reader
(extract/pdf_text.py) uses, and builds it the way pdfminer and pdfplumber would, so that the words, lines and
tables come out the same:

- characters as pdfminer boxes them: x0 at the glyph origin, x1 one advance width on, bottom at the font's
  descent under the baseline and top one font size above that (pdfium's own "loose" box reaches out to the
  glyph's ink and uses the font's ascent instead);
- the spaces pdfium leaves out of its text page (a text object holding only a space is dropped for having no
  width) put back where pdfminer has them: a space splits two words however close they are;
- ruling lines as pdfplumber's edges: each painted sub-path classed as pdfminer does (a line, an axis-aligned
  rectangle, or a curve), in top-left coordinates; only those table finding takes (across or down the page and
  at least a given length: pdfplumber's TableFinder drops the others before anything else, and a ruled table
  drawn as thin filled rectangles has two short sides to each rule).

`read_page` returns None for a page whose shape this reading is not proven on (a /Rotate, text drawn turned or
skewed, glyphs without a Unicode map): the caller reads that page through pdfplumber, as it does a page whose MediaBox is not at the origin."""
from __future__ import annotations

import ctypes
import struct
from dataclasses import dataclass, field
from typing import Optional

import pypdfium2.raw as pdfium

# pdfium's page object types and path segment types (public/fpdf_edit.h)
TEXT, PATH, FORM = pdfium.FPDF_PAGEOBJ_TEXT, pdfium.FPDF_PAGEOBJ_PATH, pdfium.FPDF_PAGEOBJ_FORM
MOVETO, BEZIERTO = pdfium.FPDF_SEGMENT_MOVETO, pdfium.FPDF_SEGMENT_BEZIERTO
# pdfium writes an end-of-line hyphen as this control character (its text is still a hyphen in the PDF)
HYPHEN_MARK, HYPHEN, SPACE = 0x2, ord("-"), ord(" ")
# A text object narrower than this is one pdfium drops from its text page (kSizeEpsilon in cpdf_textpage.cpp)
NO_WIDTH = 0.01
# pdfium keeps coordinates in single precision (519.6 is 519.59998); pdfminer computes in double from the decimals
# of the content stream. Rounding pdfium's to this many decimals gives back those decimals, so that a rule 6.00 pt
# from another snaps to it (or not) as it does in pdfplumber.
DECIMALS = 4
SCALE = 10.0 ** DECIMALS


def rounded(value: float) -> float:
    """round(value, DECIMALS), at half its cost: scaled, rounded to an integer and scaled back gives the same
    double wherever the scaled value is not within a hundredth of a tie (its rounding error is some 1e-13 there,
    so it rounds the way the exact value does, and dividing an integer by SCALE gives the double nearest the
    decimal, as round() does); near a tie, round() itself decides. The two hot loops below write it out."""
    scaled = value * SCALE
    whole = round(scaled)
    return whole / SCALE if -0.49 < scaled - whole < 0.49 else round(value, DECIMALS)


def _plain(name: str, restype, *argtypes):
    """pdfium's function `name` declared with plain ctypes types. pypdfium2 declares handles as typed pointers,
    which cost a conversion on every call and cannot be compared or hashed; a page of 2,000 characters and 300
    ruled cells makes some 15,000 calls, and this halves their cost."""
    return ctypes.CFUNCTYPE(restype, *argtypes)(ctypes.cast(getattr(pdfium, name), ctypes.c_void_p).value)


class _Handle(ctypes.c_void_p):
    """A page object as a bare function returns it: kept a c_void_p (ctypes turns a c_void_p result into an
    int, which a bare function would be passed cut to 32 bits), to be handed straight to the next; .value is
    its address, to compare and look up."""


def _bare(name: str, restype):
    """pdfium's function `name` with no argument types at all, for the calls made for every character, path and
    text object: ctypes then converts nothing it is given, a third less per call than _plain. Its caller passes
    a handle as a c_void_p or _Handle (never a bare int: it would go as a C int, cut to 32 bits), an index as an
    int, and pointers made once with ctypes.byref (never a structure or a c_float itself: it would go by
    value)."""
    function = type(pdfium.FPDF_InitLibrary)(ctypes.cast(getattr(pdfium, name), ctypes.c_void_p).value)
    function.restype = restype
    return function


_P, _I, _U, _F = ctypes.c_void_p, ctypes.c_int, ctypes.c_uint, ctypes.c_float
_PF, _PI = ctypes.POINTER(_F), ctypes.POINTER(_I)
_count_objects = _plain("FPDFPage_CountObjects", _I, _P)
_get_object = _bare("FPDFPage_GetObject", _Handle)
_form_count_objects = _plain("FPDFFormObj_CountObjects", _I, _P)
_form_get_object = _bare("FPDFFormObj_GetObject", _Handle)
_object_type = _bare("FPDFPageObj_GetType", _I)
_object_matrix = _bare("FPDFPageObj_GetMatrix", _I)
_object_bounds = _bare("FPDFPageObj_GetBounds", _I)
_draw_mode = _bare("FPDFPath_GetDrawMode", _I)
_count_segments = _bare("FPDFPath_CountSegments", _I)
_get_segment = _bare("FPDFPath_GetPathSegment", _P)
_segment_type = _plain("FPDFPathSegment_GetType", _I, _P)
_segment_point = _plain("FPDFPathSegment_GetPoint", _I, _P, _PF, _PF)
_segment_close = _plain("FPDFPathSegment_GetClose", _I, _P)
_text_font_size = _bare("FPDFTextObj_GetFontSize", _I)
_text_font = _bare("FPDFTextObj_GetFont", _P)
_font_descent = _plain("FPDFFont_GetDescent", _I, _P, _F, _PF)
_glyph_width = _plain("FPDFFont_GetGlyphWidth", _I, _P, _U, _F, _PF)
_count_chars = _plain("FPDFText_CountChars", _I, _P)
_char_unicode = _bare("FPDFText_GetUnicode", _U)
_char_generated = _plain("FPDFText_IsGenerated", _I, _P, _I)
_char_object = _bare("FPDFText_GetTextObject", _P)
_char_origin = _bare("FPDFText_GetCharOrigin", _I)
_char_matrix = _plain("FPDFText_GetMatrix", _I, _P, _I, ctypes.POINTER(pdfium.FS_MATRIX))
_char_loose_box = _plain("FPDFText_GetLooseCharBox", _I, _P, _I, ctypes.POINTER(pdfium.FS_RECTF))
_char_unmapped = _plain("FPDFText_HasUnicodeMapError", _I, _P, _I)
# One path segment as pdfium keeps it (CFX_Path::Point): x and y as floats, the segment type (the values of
# FPDF_SEGMENT_*), whether it closes its figure, two bytes of padding
SEGMENT = struct.Struct("=ffBBxx")
# the characters pdfium may have generated (it never generates others)
GENERATED = {ord(" "), ord("\r"), ord("\n")}


@dataclass
class PdfiumPage:
    """What the text-layer reader needs of one page, in pdfplumber's coordinates (points, y down from the top)."""

    chars: list[dict] = field(default_factory=list)
    edges: list[dict] = field(default_factory=list)   # those across or down the page, at least `shortest` long
    # pdfplumber looks for ruled tables only on pages with lines or rectangles (curves alone do not count)
    ruled: bool = False


def read_page(pdf, index: int, height: float, shortest: float = 0.0) -> Optional[PdfiumPage]:
    """Characters and edges of page `index` of an open pypdfium2 document, whose MediaBox is `height` points high
    (pdfplumber's figure: y runs down from it); None when the page's shape asks for pdfplumber (a /Rotate, text
    drawn turned or skewed). Edges are those across or down the page at least `shortest` long."""
    page = pdf[index]
    try:
        raw = page.raw
        if pdfium.FPDFPage_GetRotation(raw) != 0:
            return None
        walker = _Objects(height, shortest)
        walker.walk(ctypes.cast(raw, ctypes.c_void_p), None)
        textpage = pdfium.FPDFText_LoadPage(raw)
        try:
            chars = _chars(ctypes.cast(textpage, ctypes.c_void_p).value, height, walker)
        finally:
            pdfium.FPDFText_ClosePage(textpage)
        if chars is None:
            return None
        return PdfiumPage(chars=chars, edges=walker.edges, ruled=walker.ruled)
    finally:
        page.close()


class _Objects:
    """One walk over a page's objects (into Form XObjects): the ruling lines as edges, and the text objects with
    the matrix that places them on the page."""

    def __init__(self, height: float, shortest: float = 0.0):
        self.height = height
        self.shortest = shortest
        self.edges: list[dict] = []
        self.ruled = False
        self.texts: dict[int, Optional[tuple]] = {}   # text object → matrix of the form it is in (None: page)
        self._matrix = pdfium.FS_MATRIX()
        self._matrix_at = ctypes.byref(self._matrix)
        self._x, self._y = ctypes.c_float(), ctypes.c_float()
        self._fill, self._stroke = ctypes.c_int(), ctypes.c_int()
        self._fill_at, self._stroke_at = ctypes.byref(self._fill), ctypes.byref(self._stroke)
        self.bulk: Optional[bool] = None   # whether path segments are read as one block (None: not yet tried)

    def walk(self, holder, form: Optional[tuple], in_form: bool = False) -> None:
        """Walk the objects of holder (a page or a form object: a c_void_p, or its address)."""
        if not isinstance(holder, ctypes.c_void_p):
            holder = ctypes.c_void_p(holder)   # for the bare calls
        count = _form_count_objects(holder) if in_form else _count_objects(holder)
        for i in range(count):
            obj = _form_get_object(holder, i) if in_form else _get_object(holder, i)
            if not obj:
                continue
            kind = _object_type(obj)
            if kind == TEXT:
                self.texts[obj.value] = form
            elif kind == PATH:
                self._path(obj, form)
            elif kind == FORM:
                self.walk(obj, _compose(self._own_matrix(obj), form), in_form=True)

    def _own_matrix(self, obj) -> tuple:
        m = self._matrix
        _object_matrix(obj, self._matrix_at)
        return (m.a, m.b, m.c, m.d, m.e, m.f)

    def _path(self, obj, form: Optional[tuple]) -> None:
        fill, stroke = self._fill, self._stroke
        if not _draw_mode(obj, self._fill_at, self._stroke_at) or (not fill.value and not stroke.value):
            return   # a path that only clips is no ink: pdfminer makes no object of it either
        a, b, c, d, e, f = _compose(self._own_matrix(obj), form)
        segments = self._segments(obj)
        shape, pts = [], []
        bezier = 0
        for px, py, kind, closes in segments:
            if kind == BEZIERTO:
                # pdfium gives a curve as its two control points and its end; pdfminer keeps the end only
                bezier += 1
                if bezier % 3:
                    continue
                shape.append("c")
            else:
                shape.append("m" if kind == MOVETO else "l")
            # rounded(), written out: two a point, on pages of thousands of ruled cells
            x, y = a * px + c * py + e, b * px + d * py + f
            sx, sy = x * SCALE, y * SCALE
            rx, ry = round(sx), round(sy)
            pts.append((rx / SCALE if -0.49 < sx - rx < 0.49 else round(x, DECIMALS),
                        ry / SCALE if -0.49 < sy - ry < 0.49 else round(y, DECIMALS)))
            if closes:
                shape.append("h")
                pts.append(None)
        for sub_shape, sub_pts in _subpaths(shape, pts):
            self._paint(sub_shape, sub_pts)

    def _segments(self, obj):
        """(x, y, type, closes) of each of a path's segments. pdfium keeps them in one array (CFX_Path's points)
        and hands out pointers into it; read as one block they cost two calls a path instead of four a segment.
        The block is read only where its layout is proven: consecutive pointers SEGMENT.size apart, and the
        first path of each page read both ways alike; anywhere else, segment by segment."""
        count = _count_segments(obj)
        if count <= 0:
            return ()
        if self.bulk is not False and count > 1:
            first, last = _get_segment(obj, 0), _get_segment(obj, count - 1)
            if first and last and last - first == SEGMENT.size * (count - 1):
                block = list(SEGMENT.iter_unpack(ctypes.string_at(first, SEGMENT.size * count)))
                if self.bulk is None:
                    self.bulk = block == self._each(obj, count)
                    if not self.bulk:
                        return self._each(obj, count)
                return block
        return self._each(obj, count)

    def _each(self, obj, count: int) -> list[tuple]:
        x, y = self._x, self._y
        out = []
        for i in range(count):
            seg = _get_segment(obj, i)
            _segment_point(seg, x, y)
            out.append((x.value, y.value, _segment_type(seg), _segment_close(seg)))
        return out

    def _paint(self, shape: str, pts: list) -> None:
        """pdfminer's PDFLayoutAnalyzer.paint_path for one sub-path, straight to pdfplumber's edges (those kept)."""
        if len(shape) > 3 and shape[-2:] == "lh" and pts[-2] == pts[0]:
            shape = shape[:-2] + "h"
            pts.pop()
        h, shortest = self.height, self.shortest
        if shape in ("mlh", "ml"):
            (x0, y0), (x1, y1) = pts[0], pts[1]
            top, bottom = h - max(y0, y1), h - min(y0, y1)
            left, right = min(x0, x1), max(x0, x1)
            self.ruled = True
            # pdfplumber calls a line that is not horizontal vertical, slanted or not
            orientation = "h" if top == bottom else "v"
            if (right - left if orientation == "h" else bottom - top) >= shortest:
                self.edges.append({"object_type": "line", "x0": left, "x1": right, "top": top, "bottom": bottom,
                                   "width": right - left, "height": bottom - top, "doctop": top,
                                   "orientation": orientation})
            return
        if shape in ("mlllh", "mllll"):
            (x0, y0), (x1, y1), (x2, y2), (x3, y3), _ = pts
            if pts[0] == pts[4] and ((x0 == x1 and y1 == y2 and x2 == x3 and y3 == y0)
                                     or (y0 == y1 and x1 == x2 and y2 == y3 and x3 == x0)):
                self.ruled = True
                self.edges.extend(_rect_edges(min(x0, x2), h - max(y0, y2), max(x0, x2), h - min(y0, y2),
                                              shortest))
                return
        points = [(x, h - y) for x, y in pts]
        for (x0, y0), (x1, y1) in zip(points, points[1:]):
            if x0 == x1 and abs(y0 - y1) >= shortest:
                orientation = "v"
            elif y0 == y1 and abs(x0 - x1) >= shortest:
                orientation = "h"
            else:
                continue   # slanted, or too short
            self.edges.append({"object_type": "curve_edge", "x0": min(x0, x1), "x1": max(x0, x1),
                               "top": min(y0, y1), "bottom": max(y0, y1), "doctop": min(y0, y1),
                               "width": abs(x0 - x1), "height": abs(y0 - y1), "orientation": orientation})


def _subpaths(shape: list[str], pts: list):
    """Split a path at each move (pdfminer paints every sub-path as an object of its own); a close ('h') stands
    at its sub-path's start point. Paths that do not open with a move are dropped, as pdfminer does."""
    if not shape or shape[0] != "m":
        return
    whole = "".join(shape)
    start = 0
    while start < len(whole):
        end = whole.find("m", start + 1)
        if end < 0:
            end = len(whole)
        if end - start > 1:
            first = pts[start]
            yield whole[start:end], [first if p is None else p for p in pts[start:end]]
        start = end


def _rect_edges(x0: float, top: float, x1: float, bottom: float, shortest: float = 0.0) -> list[dict]:
    """pdfplumber's rect_to_edges (top, bottom, left and right sides), the sides at least `shortest` long."""
    width, height = x1 - x0, bottom - top
    edges = []
    if width >= shortest:
        edges += [{"object_type": "rect_edge", "x0": x0, "x1": x1, "top": top, "bottom": top, "width": width,
                   "height": 0, "doctop": top, "orientation": "h"},
                  {"object_type": "rect_edge", "x0": x0, "x1": x1, "top": bottom, "bottom": bottom, "width": width,
                   "height": 0, "doctop": bottom, "orientation": "h"}]
    if height >= shortest:
        edges += [{"object_type": "rect_edge", "x0": x0, "x1": x0, "top": top, "bottom": bottom, "width": 0,
                   "height": height, "doctop": top, "orientation": "v"},
                  {"object_type": "rect_edge", "x0": x1, "x1": x1, "top": top, "bottom": bottom, "width": 0,
                   "height": height, "doctop": top, "orientation": "v"}]
    return edges


def _compose(inner: tuple, outer: Optional[tuple]) -> tuple:
    """inner × outer: an object's matrix inside a form, then the form's onto the page."""
    if outer is None:
        return inner
    a, b, c, d, e, f = inner
    A, B, C, D, E, F = outer
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


# what _Font.glyph says of a character whose glyph has no Unicode map
UNMAPPED = "unmapped"


class _Font:
    """What pdfminer's box needs of a text object's font at its size: its descent, and by character the advance
    width of its glyph, or UNMAPPED."""

    def __init__(self, handle, size: float):
        self.handle = handle
        self.size = size
        descent = ctypes.c_float()
        _font_descent(handle, 1.0, descent)
        self.descent = descent.value
        self.glyphs: dict[int, object] = {}

    def glyph(self, code: int, textpage: int, index: int):
        """The advance width (text space, font size applied; None when pdfium has none) of the glyph read as
        `code`, or UNMAPPED when it has no Unicode map: asked of pdfium once per font and character."""
        if _char_unmapped(textpage, index) == 1:
            known = UNMAPPED
        else:
            out = ctypes.c_float()
            ok = _glyph_width(self.handle, code, self.size, out)
            known = out.value if ok and out.value > 0 else None
        self.glyphs[code] = known
        return known


def _chars(textpage: int, height: float, objects: _Objects) -> Optional[list[dict]]:
    """pdfminer-shaped characters of a text page, in content order; None when text runs turned or skewed, or a
    glyph has no Unicode map (pdfminer reads it '(cid:N)' or as a letter of the font's encoding, which
    extract/decide.py judges; what pdfium reads instead is not proven to be judged alike).

    One loop, its lookups kept in local names: it runs for every character of every page."""
    ox, oy = ctypes.c_double(), ctypes.c_double()
    at_x, at_y = ctypes.byref(ox), ctypes.byref(oy)
    page = ctypes.c_void_p(textpage)   # for the bare calls
    loose = pdfium.FS_RECTF()
    matrix = pdfium.FS_MATRIX()
    size = ctypes.c_float()
    fonts: dict[tuple, _Font] = {}
    placed: dict[int, tuple] = {}    # text object → (its 2x2 matrix on the page, font)
    chars: list[dict] = []
    unicode, generated, char_object, char_origin = _char_unicode, _char_generated, _char_object, _char_origin
    append = chars.append
    glyph_of = _Font.glyph
    # the text object and the origin of the last character kept: a glyph mapped to several characters repeats
    # them; the box's top and bottom were made for that object at that baseline
    obj_now = last_x = y_now = None
    a = 1.0
    upright = True
    font = glyphs = None
    top = bottom = char_size = 0.0
    for i in range(_count_chars(textpage)):
        code = unicode(page, i)
        if code in GENERATED and generated(textpage, i) == 1:
            continue   # spaces and line breaks pdfium inserts; pdfminer has no such characters
        obj = char_object(page, i)
        if not obj:
            continue
        char_origin(page, i, at_x, at_y)
        x = ox.value
        y = oy.value
        if obj != obj_now:
            info = placed.get(obj)
            if info is None:
                _char_matrix(textpage, i, matrix)
                if matrix.b or matrix.c:
                    return None   # turned or skewed text: its box is not the upright one below
                info = placed[obj] = (matrix.a, matrix.d, _font_of(obj, fonts, size))
            a, d, font = info
            upright = a * d > 0
            glyphs = font.glyphs
            obj_now, y_now = obj, None
        elif x == last_x and y == y_now:
            # one glyph, several characters (a ligature, a letter and its tone mark as two code points): pdfminer
            # keeps them as one character with that text
            chars[-1]["text"] += chr(code)
            continue
        last_x = x
        if y != y_now:
            y_now = y
            char_size = font.size * abs(d)
            top = height - (rounded(y) + font.descent * font.size * d + char_size)
            bottom = top + char_size
        if code == HYPHEN_MARK:
            text, code = "-", HYPHEN
        else:
            text = chr(code)
        adv = glyphs.get(code, glyphs)   # the dict itself: not asked yet
        if adv is glyphs:
            adv = glyph_of(font, code, textpage, i)
        if adv is UNMAPPED:
            return None
        x0 = x * SCALE   # rounded(x), written out: once a character
        whole = round(x0)
        x0 = whole / SCALE if -0.49 < x0 - whole < 0.49 else round(x, DECIMALS)
        if adv is None:
            _char_loose_box(textpage, i, loose)
            x1 = rounded(loose.right)
            if x1 < x0:
                x0, x1 = x1, x0
        else:
            x1 = x0 + adv * a
            if a < 0:
                x0, x1 = x1, x0
        append({"text": text, "x0": x0, "x1": x1, "top": top, "bottom": bottom, "doctop": top, "size": char_size,
                "upright": upright})
    box = [ctypes.c_float() for _ in range(5)]
    box_at = [ctypes.byref(v) for v in box[:4]]
    for obj, form in objects.texts.items():
        if obj not in placed:
            space = _dropped_space(obj, form, fonts, height, box, box_at, matrix)
            if space is not None:
                append(space)
    return chars


def _font_of(obj: int, fonts: dict, size: ctypes.c_float) -> _Font:
    obj = ctypes.c_void_p(obj)
    _text_font_size(obj, ctypes.byref(size))
    handle = _text_font(obj)
    key = (handle, size.value)
    font = fonts.get(key)
    if font is None:
        font = fonts[key] = _Font(handle, size.value)
    return font


def _space_width(font: _Font) -> Optional[float]:
    out = ctypes.c_float()
    return out.value if _glyph_width(font.handle, 32, font.size, out) and out.value > 0 else None


def _char(text: str, x0: float, x1: float, baseline: float, font: _Font, d: float, a: float,
          height: float) -> dict:
    size = font.size * abs(d)
    y0 = baseline + font.descent * font.size * d
    top = height - (y0 + size)
    return {"text": text, "x0": min(x0, x1), "x1": max(x0, x1), "top": top, "bottom": top + size,
            "doctop": top, "size": size, "upright": a * d > 0}


def _dropped_space(obj: int, form: Optional[tuple], fonts: dict, height: float, box: list, box_at: list,
                   matrix) -> Optional[dict]:
    """A space for a text object pdfium left out of its text page for having no width (a lone space, which
    pdfminer keeps, and which splits two words however close they are); None for other dropped objects.
    box (five c_float: the bounds, the font size), box_at (references to the first four) and matrix (an
    FS_MATRIX) are the caller's, filled anew."""
    left, bottom, right, top, size = box
    handle = ctypes.c_void_p(obj)
    if not _object_bounds(handle, *box_at) or right.value - left.value >= NO_WIDTH:
        return None
    _object_matrix(handle, ctypes.byref(matrix))
    m = matrix
    a, b, c, d, e, f = _compose((m.a, m.b, m.c, m.d, m.e, m.f), form)
    if b or c:
        return None
    font = _font_of(obj, fonts, size)
    if SPACE not in font.glyphs:
        font.glyphs[SPACE] = _space_width(font)
    adv = font.glyphs[SPACE]
    if not isinstance(adv, float):
        adv = 0.0
    e, f = rounded(e), rounded(f)
    return _char(" ", e, e + adv * a, f, font, d, a, height)
