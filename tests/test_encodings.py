"""Legacy Vietnamese encodings: bytes of seed text in each code page decode back exactly; mojibake is fixed;
clean Unicode and OCR garble are left alone. Legacy bytes are made with glibc's iconv (always on Debian)."""
import subprocess
import unicodedata

import pytest
from click.testing import CliRunner

from chitieu import cli
from chitieu import pipeline
from conftest import seed
from chitieu.normalize.encodings import decode_legacy, fix_mojibake, vni_to_unicode


def seed_text(prefix: str) -> str:
    text = seed(prefix).read_text(encoding="utf-8")
    if prefix == "002":
        text = text[:text.index(" CÁC CH?")]  # the clean part only
    return text


def iconv(text: str, charset: str) -> bytes:
    return subprocess.run(["iconv", "-f", "UTF-8", "-t", charset], input=text.encode(), check=True,
                          capture_output=True).stdout


@pytest.mark.parametrize("charset,name", [("CP1258", "Windows-1258"), ("VISCII", "VISCII"),
                                          ("TCVN5712-1", "TCVN3 (ABC)")])
@pytest.mark.parametrize("prefix", ["001", "002"])
def test_legacy_bytes_decode_exactly(charset, name, prefix):
    text = seed_text(prefix)
    decoded = decode_legacy(iconv(text, charset))
    assert decoded.encoding == name and decoded.warning is None
    assert unicodedata.normalize("NFC", decoded.text) == text


def test_tcvn3_mojibake_from_a_vntime_pdf():
    fixed = fix_mojibake("Céng hoµ x· héi chñ nghÜa ViÖt Nam")
    assert fixed.text == "Cộng hoà xã hội chủ nghĩa Việt Nam" and fixed.encoding == "TCVN3 (ABC)"


def test_vni_mojibake():
    assert vni_to_unicode("Coäng hoøa xaõ hoäi chuû nghóa Vieät Nam") == "Cộng hòa xã hội chủ nghĩa Việt Nam"
    assert vni_to_unicode("Ñoäc laäp - Töï do - Haïnh phuùc") == "Độc lập - Tự do - Hạnh phúc"
    assert fix_mojibake("Sôû Noäi vuï baùo caùo soá lieäu").text == "Sở Nội vụ báo cáo số liệu"


@pytest.mark.parametrize("text", [
    "Tỷ lệ thủ tục hành chính công bố đúng hạn (6đ)",      # seed 002, clean
    "Ty 1€ dich vu cong truc tuyén toan trinh phéi hop voi",  # seed 000: OCR garble, not an encoding problem
    "Céc s0, ban, nganh",                                   # seed 000
    "thuc hien cac chi tieu",                               # seed 003: stripped
    "Theo Quyết định số 3003/QĐ-UBND ngày 30/12/2022",      # seed 001
])
def test_no_false_conversion(text):
    assert fix_mojibake(text) is None


def test_cp1258_file_goes_through_the_pipeline(tmp_path):
    path = tmp_path / "old.txt"
    path.write_bytes(iconv(seed_text("002"), "CP1258"))
    doc = pipeline.process_file(path, "old.txt")
    assert doc.status == "ok" and len(doc.records) == 29  # 28 rows and the total
    assert "decoded from the legacy Windows-1258 encoding" in doc.warnings
    assert doc.records[1].title == "Tỷ lệ thủ tục hành chính công bố đúng hạn"


def test_tcvn3_mojibake_lines_keep_their_original(tmp_path):
    text = seed_text("001")
    mojibake = iconv(text, "TCVN5712-1").decode("latin-1")  # as a legacy-font PDF text layer reads
    path = tmp_path / "vntime.txt"
    path.write_text(mojibake, encoding="utf-8")
    doc = pipeline.process_file(path, "vntime.txt")
    assert [r.title for r in doc.records][:2] == [
        "Tỷ lệ dịch vụ công trực tuyến toàn trình được công bố trên Hệ thống iGate",
        "Hồ sơ giải quyết được cập nhật lên Hệ thống iGate"]
    changed = [ln for p in doc.pages for ln in p.lines if ln.raw is not None]
    assert changed and all(ln.edits[0].reason == "legacy-encoding:TCVN3 (ABC)" for ln in changed)
    assert any("TCVN3" in w for w in doc.warnings)


def test_latin1_text_that_is_not_vietnamese_fails_clearly(tmp_path):
    path = tmp_path / "german.txt"
    path.write_bytes("Größenübersicht für Straßen und Plätze, Häuser".encode("latin-1"))
    result = CliRunner().invoke(cli.main, ["run", str(path), "--out", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert "nor a known Vietnamese encoding" in result.output


def test_fold_remembers_short_texts_only():
    # a batch folds every page's whole text once for the search index: remembering those grew memory per page
    from chitieu.normalize.unicode import _fold_short, fold
    _fold_short.cache_clear()
    page = "Tỷ lệ hồ sơ được giải quyết đúng hạn. " * 40
    assert fold(page) == "ty le ho so duoc giai quyet dung han. " * 40
    assert fold("Tỷ lệ Đạt") == "ty le dat"
    assert _fold_short.cache_info().currsize == 1
