"""The pdfium reader of text layers (extract/pdfium_text.py) gives the words and ruled tables pdfplumber gives."""
import pdfplumber
import pypdfium2
import pytest
from pdfplumber.utils.text import WordExtractor

from chitieu import pipeline
from chitieu.extract import pdf_text, pdfium_text
from conftest import BAD, ROOT, SAMPLES

REALPDF = ROOT / "tests" / "data" / "realpdf"
# pages 2 and 4 of realpdf 24: a contents page whose dot leaders follow a space drawn on its own (pdfium drops
# such a space from its text page, pdfminer keeps it and it splits the words), and a letter whose tone mark is
# a second code point
PDFIUM = ROOT / "tests" / "data" / "pdfium"
# pages of the kinds the realpdf text files have: prose, ruled ranking tables, a fee schedule, a two-row header,
# ruled tables with cells merged down, the two above
PAGES = [(SAMPLES / "scorecard_766_ruled.pdf", None), (SAMPLES / "cchc_stats_layout.pdf", None),
         (REALPDF, ("08_", None)), (REALPDF, ("13_", None)), (REALPDF, ("01_", (1, 2, 12))),
         (REALPDF, ("24_", None)), (PDFIUM, ("24_", None))]


def _cases():
    for where, which in PAGES:
        if which is None:
            yield pytest.param(where, None, id=where.name)
        else:
            prefix, pages = which
            yield pytest.param(next(where.glob(prefix + "*.pdf")), pages, id=f"{where.name}/{prefix}{pages or ''}")


def _close(a: dict, b: dict, keys=("x0", "top", "x1", "bottom"), tolerance=0.02) -> bool:
    return a["text"] == b["text"] and all(abs(a[k] - b[k]) < tolerance for k in keys)


@pytest.mark.parametrize("path,pages", list(_cases()))
def test_pdfium_gives_pdfplumbers_words_and_tables(path, pages):
    doc = pypdfium2.PdfDocument(path)
    with pdfplumber.open(path) as plumb:
        for number in pages or range(1, len(plumb.pages) + 1):
            page = plumb.pages[number - 1]
            fast = pdfium_text.read_page(doc, number - 1, float(page.height))
            assert fast is not None, f"page {number} was not read by pdfium"
            ours = WordExtractor(x_tolerance_ratio=0.15).extract_words(fast.chars)
            assert pdf_text.upright_words(fast.chars, 0.15) == ours   # the shortcut is pdfplumber's own words
            theirs = page.extract_words(x_tolerance_ratio=0.15)
            assert len(ours) == len(theirs), f"page {number}"
            assert all(_close(a, b) for a, b in zip(ours, theirs)), f"page {number}"
            assert fast.ruled == bool(page.lines or page.rects)
            if fast.ruled:
                mine = pdf_text._TableFinder(fast.edges).tables
                # the cells from the rules' crossings are pdfplumber's own on the same edges
                finder = pdf_text.TableFinder(pdf_text._Edges(fast.edges), pdf_text.TABLE_SETTINGS)
                assert [t.cells for t in mine] == [t.cells for t in finder.tables]
                # ... as are the snapped and joined edges they come from, keys in their order
                edges = pdf_text.table_edges(fast.edges)
                assert edges == finder.edges and [list(e) for e in edges] == [list(e) for e in finder.edges]
                want = page.find_tables(pdf_text.GRID_SETTINGS)
                assert [len(t.rows) for t in mine] == [len(t.rows) for t in want], f"page {number}"
                for t, u in zip(mine, want):
                    for r, s in zip(t.rows, u.rows):
                        assert [c is None for c in r.cells] == [c is None for c in s.cells]
                        assert all(abs(p - q) < 0.05 for c, d in zip(r.cells, s.cells) if c for p, q in zip(c, d))
            page.close()
    doc.close()


def test_a_rotated_page_is_left_to_pdfplumber():
    path = BAD / "rotated_90.pdf"
    doc = pypdfium2.PdfDocument(path)
    assert pdfium_text.read_page(doc, 0, 842.0) is None
    doc.close()
    assert "read turned upright" in pipeline.process_file(path, path.name).pages[0].reason


def test_pdfium_reads_the_samples_as_pdfplumber_did(monkeypatch):
    """The whole pipeline, every page through pdfium against every page through pdfplumber: the same lines."""
    for path in (SAMPLES / "scorecard_766_ruled.pdf", next(REALPDF.glob("08_*.pdf"))):
        fast = pipeline.process_file(path, path.name)
        with monkeypatch.context() as m:
            m.setattr(pdf_text, "_fast_page", lambda *args: None)
            slow = pipeline.process_file(path, path.name)
        assert [(ln.page, ln.text) for p in fast.pages for ln in p.lines] == \
            [(ln.page, ln.text) for p in slow.pages for ln in p.lines]
        assert [r.to_dict() for r in fast.records] == [r.to_dict() for r in slow.records]


def _edge(rng, orientation: str) -> dict:
    """A random rule edge on a coarse grid, so that lengths sit on the filters' bounds (1 and 3 pt) and ends on
    the snap and join tolerances (6 pt) as often as not. rng: a random.Random."""
    a, b = rng.choice(range(0, 60, 3)) / 2, rng.choice([0, 0.5, 1, 2.5, 3, 3.5, 6, 9, 12, 30])
    at = rng.choice(range(0, 40)) * 1.5
    if orientation == "h":
        e = {"object_type": "rect_edge", "x0": a, "x1": a + b, "top": at, "bottom": at, "width": b, "height": 0,
             "doctop": at, "orientation": "h"}
    else:
        e = {"object_type": "line", "x0": at, "x1": at, "top": a, "bottom": a + b, "width": 0, "height": b,
             "doctop": a, "orientation": "v"}
    if rng.random() < 0.2:
        e["y0"], e["y1"] = 800 - e["bottom"], 800 - e["top"]
    return e


def test_table_edges_are_pdfplumbers_on_edges_at_every_bound():
    """pdf_text.table_edges against pdfplumber's get_edges on made-up pages: edges exactly as long as the
    filters ask, ends exactly as far apart as the tolerances, rules chained into one cluster."""
    import random
    rng = random.Random(4)
    for _ in range(300):
        edges = [_edge(rng, rng.choice("hv")) for _ in range(rng.randint(1, 40))]
        theirs = pdf_text.TableFinder(pdf_text._Edges(edges), pdf_text.TABLE_SETTINGS).get_edges()
        ours = pdf_text.table_edges(edges)
        assert ours == theirs and [list(e) for e in ours] == [list(e) for e in theirs]


def _walk(doc, index: int, bulk=None):
    import ctypes
    page = doc[index]
    walker = pdfium_text._Objects(842.0)
    walker.bulk = bulk
    walker.walk(ctypes.cast(page.raw, ctypes.c_void_p).value, None)
    page.close()
    return walker


def test_path_segments_read_as_one_block_are_those_read_one_by_one(monkeypatch):
    """A ruled page's paths read as one block of pdfium's memory give the edges the segment-by-segment calls give;
    a block of another layout (another size, or fields in another order) is noticed and not used."""
    import struct
    doc = pypdfium2.PdfDocument(next(REALPDF.glob("13_*.pdf")))
    for index in range(len(doc)):
        block, calls = _walk(doc, index), _walk(doc, index, bulk=False)
        assert block.bulk is True and len(block.edges) > 100
        assert block.edges == calls.edges and block.ruled == calls.ruled
    for layout in ("=ffBBxxxx", "=BBxxff"):
        monkeypatch.setattr(pdfium_text, "SEGMENT", struct.Struct(layout))
        walker = _walk(doc, 0)
        assert walker.bulk is not True and walker.edges == _walk(doc, 0, bulk=False).edges
    doc.close()
