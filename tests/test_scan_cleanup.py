"""The page clean-up before OCR (extract/cleanup.py, grid.deskew): small scans drawn here, spoiled as offices spoil
them (grey paper, a shadow, a red seal, 6° of skew, a phone photo on a desk, the other side showing through), give
the records of their clean twin.
The table is four rows of seed 002's scorecard (samples/scorecard_766_ruled.pdf), drawn ruled at 300 dpi."""
import math
import shutil

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from chitieu import pipeline
from chitieu.extract import cleanup
from chitieu.extract.grid import deskew
from tests.conftest import SAMPLES

FONT = SAMPLES / "fonts" / "DejaVuSans.ttf"
needs_tesseract = pytest.mark.skipif(shutil.which("tesseract") is None, reason="make setup installs tesseract-ocr")

# seed 002, rows 1-2.1 (samples/scorecard_766_ruled.pdf)
ROWS = [
    ("STT", "TÊN CÁC CHỈ SỐ", "TỈNH", "TRUNG BÌNH CẢ NƯỚC", "MỨC ĐỘ"),
    ("1", "Công khai, minh bạch (18đ)", "11,4/18 điểm", "10,5/18 điểm", ""),
    ("1.1", "Tỷ lệ thủ tục hành chính công bố đúng hạn (6đ)", "49,22%", "50,36%", "Đạt (từ 90% trở lên)"),
    ("1.2", "Tỷ lệ hồ sơ đồng bộ lên cổng Dịch vụ công", "75,02%", "62,86%", "Chưa đạt (từ 100% trở lên)"),
    ("2", "Tiến độ, kết quả giải quyết (20đ)", "15,1/20 điểm", "16,2/20 điểm", ""),
    ("2.1", "Tỷ lệ giải quyết hồ sơ đúng hạn", "74,11%", "80,52%", "Chưa đạt (từ 90% trở lên)"),
]
WIDTHS = (130, 760, 330, 330, 560)


def clean_table(ruled: bool = True) -> Image.Image:
    """The table on a white A4-wide page (2480 × 1400 pixels at 300 dpi), RGB; ruled=False prints it without
    rules, its columns apart by white space only."""
    img = Image.new("RGB", (2480, 1400), "white")
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(str(FONT), 34)
    x0, y0, row_h = 170, 200, 130
    xs = [x0 + sum(WIDTHS[:i]) for i in range(len(WIDTHS) + 1)]
    for r, row in enumerate(ROWS):
        top = y0 + r * row_h
        for c, text in enumerate(row):
            words, lines = text.split(), [""]
            for w in words:   # wrap to the cell
                if draw.textlength(f"{lines[-1]} {w}".strip(), font=font) > WIDTHS[c] - 30:
                    lines.append(w)
                else:
                    lines[-1] = f"{lines[-1]} {w}".strip()
            for i, line in enumerate(lines):
                draw.text((xs[c] + 14, top + 14 + 46 * i), line, font=font, fill="black")
    for r in range(len(ROWS) + 1 if ruled else 0):
        draw.line([(xs[0], y0 + r * row_h), (xs[-1], y0 + r * row_h)], fill="black", width=3)
    for x in xs if ruled else []:
        draw.line([(x, y0), (x, y0 + len(ROWS) * row_h)], fill="black", width=3)
    return img


def scanned(img: Image.Image) -> Image.Image:
    return img.filter(ImageFilter.GaussianBlur(0.6))


def grey_paper(img: Image.Image) -> Image.Image:
    """Grey, yellowed stock and faded ink: paper at ~190, ink at ~105 (a photocopy of a photocopy)."""
    a = np.asarray(img).astype(np.float32) / 255
    ink, paper = np.array([110, 104, 98], np.float32), np.array([196, 190, 172], np.float32)
    return scanned(Image.fromarray((ink + a * (paper - ink)).astype(np.uint8)))


def shadow(img: Image.Image) -> Image.Image:
    """The left third of the page in a shadow (light down to 40 %)."""
    a = np.asarray(img).astype(np.float32)
    x = np.linspace(0, 1, a.shape[1], dtype=np.float32)[None, :, None]
    light = 0.4 + 0.6 / (1 + np.exp(-(x - 0.33) * 18))
    return scanned(Image.fromarray((a * light).astype(np.uint8)))


def red_seal(img: Image.Image) -> Image.Image:
    """A red seal (rings, a star, letters around) printed over the figures' columns, under the black print."""
    size = 520
    seal = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    d = ImageDraw.Draw(seal)
    red = (205, 35, 45, 235)
    d.ellipse([4, 4, size - 4, size - 4], outline=red, width=14)
    d.ellipse([90, 90, size - 90, size - 90], outline=red, width=6)
    font = ImageFont.truetype(str(FONT), 36)
    for i, ch in enumerate("ỦY BAN NHÂN DÂN * SỞ NỘI VỤ * "):
        a = 2 * math.pi * i / 30
        d.text((size / 2 + 215 * math.cos(a), size / 2 + 215 * math.sin(a)), ch, font=font, fill=red, anchor="mm")
    d.regular_polygon((size / 2, size / 2, 60), 5, fill=red)
    layer = Image.new("RGBA", img.size, (0, 0, 0, 0))
    layer.alpha_composite(seal, (1150, 330))
    ink = np.asarray(layer).astype(np.float32)
    base = np.asarray(img).astype(np.float32)
    alpha = ink[..., 3:] / 255
    out = base * (1 - alpha) + np.minimum(base, ink[..., :3]) * alpha
    return scanned(Image.fromarray(out.astype(np.uint8)))


def skewed(img: Image.Image, angle: float = 6) -> Image.Image:
    return scanned(img.rotate(angle, resample=Image.BICUBIC, expand=True, fillcolor="white"))


def photographed(img: Image.Image) -> Image.Image:
    """The page photographed lying on a brown desk: the top edge farther away (keystone), turned 2°."""
    import cv2
    a = np.asarray(img)
    h, w = a.shape[:2]
    fw, fh = 2900, 1900
    desk = np.zeros((fh, fw, 3), np.uint8)
    desk[:] = (110, 80, 56)
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    dst = np.float32([[330, 230], [2560, 190], [2700, 1700], [180, 1740]])
    m = cv2.getPerspectiveTransform(src, dst)
    page = cv2.warpPerspective(a, m, (fw, fh), flags=cv2.INTER_AREA)
    mask = cv2.warpPerspective(np.full((h, w), 255, np.uint8), m, (fw, fh))[..., None] > 127
    return scanned(Image.fromarray(np.where(mask, page, desk)))


def bleed_through(img: Image.Image) -> Image.Image:
    """The other side of the sheet showing through: the page mirrored and shifted, at a fifth of its darkness."""
    a = np.asarray(img).astype(np.float32)
    back = np.roll(a[:, ::-1], (70, 30), axis=(0, 1))
    return scanned(Image.fromarray((a - 0.22 * (255 - back)).clip(0, 255).astype(np.uint8)))


def _key(r):
    return (r.stt, r.title, r.value, r.value_denominator, r.benchmark_value, r.target_op, r.target_value,
            r.max_points, r.status)


def _records(img: Image.Image, path):
    img.save(path, dpi=(300, 300))
    doc = pipeline.process_file(path, path.name)
    assert doc.status == "ok", doc.error
    return doc


@pytest.fixture(scope="module")
def twin(tmp_path_factory):
    doc = _records(scanned(clean_table()), tmp_path_factory.mktemp("twin") / "clean.png")
    assert [r.stt for r in doc.records] == ["1", "1.1", "1.2", "2", "2.1"]
    assert doc.records[1].value == 49.22 and doc.records[1].benchmark_value == 50.36
    return [_key(r) for r in doc.records]


@needs_tesseract
@pytest.mark.parametrize("spoil", [grey_paper, shadow, red_seal, skewed, photographed, bleed_through],
                         ids=["grey-paper", "shadow", "red-seal", "skew-6", "phone-photo", "bleed-through"])
def test_a_spoiled_scan_gives_the_records_of_its_clean_twin(twin, spoil, tmp_path):
    doc = _records(spoil(clean_table()), tmp_path / f"{spoil.__name__}.png")
    assert [_key(r) for r in doc.records] == twin


@needs_tesseract
def test_without_the_clean_up_grey_paper_loses_the_table(twin, tmp_path, monkeypatch):
    """What the clean-up is for (CHITIEU_CLEANUP=off turns it off): on grey paper the erased rules and the
    borders around each cell are white against grey, and Tesseract reads nothing in the table."""
    monkeypatch.setenv(cleanup.SWITCH, "off")
    doc = _records(grey_paper(clean_table()), tmp_path / "grey.png")
    assert [_key(r) for r in doc.records] != twin


def _gray(img: Image.Image) -> np.ndarray:
    return np.asarray(img.convert("L"))


def test_background_is_divided_out_under_a_shadow_and_on_grey_paper():
    for spoil in (shadow, grey_paper):
        page = cleanup.clean_page(_gray(spoil(clean_table())), cleanup.CleanupSettings())
        paper = page[1000:1300, 100:2400]          # below the table: paper only
        assert paper.min() > 200 and np.median(paper) == 255
        assert page[200:1000, 170:2300].min() < 60  # the ink stays dark


def test_red_seal_is_lifted_to_a_trace_and_black_print_over_it_stays():
    from chitieu.extract.images import _gray as without_colour
    rgb = np.asarray(red_seal(clean_table()))
    gray = without_colour(rgb)
    red = (rgb[..., 0].astype(int) - rgb[..., 1]) > 120          # where the seal's ink is
    black = rgb.max(axis=2) < 60                                  # black print, over the seal or not
    assert red.sum() > 10000 and gray[red].min() > 200            # seal: a faint trace, not ink
    assert gray[red].mean() < 250                                 # ... but still there for the thumbnails
    assert gray[black].max() < 80


def test_a_scan_is_not_taken_for_a_photo_and_a_photo_gives_its_page_corners():
    assert cleanup.find_page(_gray(scanned(clean_table()))) is None
    corners = cleanup.find_page(_gray(photographed(clean_table())))
    want = np.float32([[330, 230], [2560, 190], [2700, 1700], [180, 1740]])
    assert corners is not None and np.abs(corners - want).max() < 25


@pytest.mark.parametrize("angle", [-9.0, -2.5, 6.0, 9.5])
def test_deskew_finds_angles_up_to_ten_degrees(angle):
    img = clean_table().convert("L").rotate(angle, resample=Image.BICUBIC, expand=True, fillcolor=255)
    straight, found = deskew(np.asarray(img))
    assert abs(found + angle) <= 0.2 or abs(found - angle) <= 0.2
    assert straight.shape == np.asarray(img).shape


def test_deskew_fills_uncovered_margins_with_the_paper_not_white():
    img = grey_paper(clean_table()).convert("L").rotate(5, resample=Image.BICUBIC, expand=True, fillcolor=190)
    straight, found = deskew(np.asarray(img))
    assert found != 0 and straight[:5, :5].max() < 230 and straight[-5:, -5:].max() < 230


def test_streaks_across_the_page_and_the_dark_border_go_rules_stay():
    page = _gray(scanned(clean_table())).copy()
    page[1250:1253, :] = 0            # a fax streak across the whole page
    page[:, :40] = 30                  # the scanner's dark edge beyond the paper
    page[:60, 600:2480] = 20           # ... and a wedge of it along the top
    out = cleanup.clean_page(page, cleanup.CleanupSettings())
    assert out[1250:1253].min() > 200 and out[:, :40].min() > 200 and out[:60, 600:].min() > 200
    assert out[200, 200:2200].max() < 128 and out[200:900, 170].max() < 128   # a table rule stays


def test_a_tightly_cropped_table_keeps_its_outer_rules():
    page = _gray(scanned(clean_table()))[197:984, 167:2284]     # the table and 2 pixels around it
    out = cleanup.clean_page(page, cleanup.CleanupSettings())
    assert out[3, 50:2000].max() < 128 and out[50:700, 3].max() < 128


def test_specks_are_filtered_only_on_a_page_that_has_them():
    page = _gray(scanned(clean_table()))
    settings = cleanup.CleanupSettings()
    assert cleanup.remove_specks(page, settings) is page
    rng = np.random.default_rng(1)
    noisy = page.copy()
    noisy[rng.random(page.shape) < 0.004] = 0
    cleaned = cleanup.remove_specks(noisy, settings)
    assert (cleaned[1000:1300] < 128).sum() < 0.1 * (noisy[1000:1300] < 128).sum()


def test_off_leaves_the_page_alone_and_settings_are_checked():
    page = _gray(grey_paper(clean_table()))
    assert cleanup.clean_page(page, cleanup.CleanupSettings(enabled=False)) is page
    with pytest.raises(ValueError):
        cleanup.CleanupSettings(page_min_area=0.9, page_max_area=0.5)


def grey_rules(img: Image.Image) -> Image.Image:
    """A low-resolution scan's table: its thin rules come out light grey where the print stays dark."""
    a = np.asarray(img.convert("L")).copy()
    rules = np.zeros_like(a, dtype=bool)
    dark = a < 128
    # the rules of the drawn table are the long dark runs; the letters are not
    rows = dark.mean(axis=1) > 0.5
    cols = dark.mean(axis=0) > 0.3
    rules[rows, :] = dark[rows, :]
    rules[:, cols] |= dark[:, cols]
    a[rules] = 195
    return Image.fromarray(a)


def test_grey_rules_are_no_show_through_and_are_kept():
    # a 100-dpi scan of a ruled list: the show-through step took its grey rules for the other side of the sheet
    # and made them white; the table was then read as running text
    from chitieu.extract.grid import find_grid
    page = _gray(grey_rules(clean_table()))
    assert (page == 195).sum() > 10_000                       # the rules are grey
    cleaned = cleanup.remove_bleed_through(page)
    assert (cleaned == 195).sum() == (page == 195).sum()      # and stay as they were
    assert len(find_grid(cleaned)[0][0].rows) == len(ROWS)
    shown = _gray(bleed_through(clean_table()))
    assert not np.array_equal(cleanup.remove_bleed_through(shown), shown)   # show-through is still removed


@needs_tesseract
def test_the_review_thumbnail_shows_the_seal_that_ocr_was_spared(tmp_path):
    # the seal is lifted before OCR and rule finding; a clerk checking the page still sees where it was
    import io
    doc = _records(red_seal(clean_table()), tmp_path / "sealed.png")
    shown = np.asarray(Image.open(io.BytesIO(doc.pages[0].thumbnail)).convert("RGB")).astype(int)
    red = (shown[..., 0] > 150) & (shown[..., 0] - shown[..., 1] > 60)
    assert red.sum() > 50
    plain = _records(clean_table(), tmp_path / "plain.png")
    shown = np.asarray(Image.open(io.BytesIO(plain.pages[0].thumbnail)).convert("RGB")).astype(int)
    assert ((shown[..., 0] > 150) & (shown[..., 0] - shown[..., 1] > 60)).sum() == 0
