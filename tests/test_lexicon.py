"""The indicator lexicon: official wordings matched on folded text, numbers as identity, user files."""
import json

from click.testing import CliRunner

from chitieu import cli
from conftest import seed
from chitieu.normalize.lexicon import (MATCH_THRESHOLD, Lexicon, looks_damaged, match_records, shipped_lexicon,
                              split_interleaved)
from chitieu.schemas.model import Record


def test_2023_wording_finds_2025_entry():
    # seed 002 row 5.1 (2023) is indicator 4.1 of the 2025 list (shared/real/lexicon_766.txt)
    m = shipped_lexicon().match("Tỷ lệ hồ sơ thủ tục hành chính có cấp kết quả giải quyết thủ tục hành chính điện tử")
    assert m.entry.id == "bcs766:4.1" and m.score == 100


def test_question_mark_damage_matches():
    # seed 002, second copy, row 1.1: every stacked-mark letter became '?'
    m = shipped_lexicon().match("T? l? th? t?c hành chính công b? đúng h?n")
    assert m.entry.wording == "Tỷ lệ thủ tục hành chính công bố đúng hạn" and m.score >= MATCH_THRESHOLD


def test_stripped_diacritics_match():
    # seed 003 line 'Ty I¢ dich vu cong truc tuyén ...' after OCR: accent-folded matching ignores the marks
    m = shipped_lexicon().match("Ty le ho so thanh toan truc tuyen")
    assert m.entry.wording == "Tỷ lệ hồ sơ thanh toán trực tuyến"


def test_numbers_are_identity():
    lex = shipped_lexicon()
    m3 = lex.match("Tổng số TTHC đủ điều kiện cung cấp trực tuyến mức độ 3")
    m4 = lex.match("Tổng số TTHC đủ điều kiện cung cấp trực tuyến mức độ 4")
    assert m3.entry.wording.endswith("3") and m4.entry.wording.endswith("4")
    assert lex.match("Tổng số TTHC đủ điều kiện cung cấp trực tuyến mức độ 2") is None


def test_unrelated_title_does_not_match():
    assert shipped_lexicon().match("Khẩn trương xây dựng kế hoạch tổ chức hội nghị tổng kết năm") is None
    assert shipped_lexicon().match("Đạt") is None  # terms are never indicator matches


def test_damaged_title_takes_official_wording():
    rec = Record(doc_id="0" * 16, source="x", page=1, seq=1, title="T? l? th? t?c hành chính công b? đúng h?n")
    match_records([rec], shipped_lexicon())
    assert rec.title == "Tỷ lệ thủ tục hành chính công bố đúng hạn"
    assert rec.indicator_id and any("restored from lexicon" in w for w in rec.warnings)


def test_clean_title_is_never_replaced():
    title = "tỷ lệ giải quyết hồ sơ đúng hạn trung bình của tỉnh"  # seed 002 2.1, lower-case as printed
    rec = Record(doc_id="0" * 16, source="x", page=1, seq=1, title=title)
    match_records([rec], shipped_lexicon())
    assert rec.title == title and rec.warnings == []
    assert not looks_damaged(title) and looks_damaged("thuc hien cac chi tieu")


def test_user_lexicon_through_cli(tmp_path):
    lex = tmp_path / "mine.tsv"
    lex.write_text("id\twording\tkind\tsource\nmine:1\tSố TTHC có phát sinh giao dịch thanh toán trực tuyến\t"
                   "indicator\tour list\n", encoding="utf-8")
    assert len(Lexicon.load([lex]).indicators) == len(shipped_lexicon().indicators) + 1
    out = tmp_path / "out"
    result = CliRunner().invoke(cli.main, ["run", str(seed("001")), "--out", str(out), "--lexicon", str(lex)])
    assert result.exit_code == 0, result.output
    recs = json.loads((out / "records.json").read_text(encoding="utf-8"))
    assert recs[5]["stt"] == "6" and recs[5]["indicator_id"] in ("mine:1", "dvctt-2023:6")
    assert recs[5]["match_score"] == 100


def test_malformed_lexicon_is_a_usage_error(tmp_path):
    bad = tmp_path / "bad.tsv"
    bad.write_text("just some words\n", encoding="utf-8")
    result = CliRunner().invoke(cli.main, ["run", str(seed("001")), "--out", str(tmp_path / "o"),
                                           "--lexicon", str(bad)])
    assert result.exit_code == 2 and "first row" in result.output and "Traceback" not in result.output


def test_title_read_across_columns_is_cut_to_its_known_name():
    # seed 000 row 1 after repair: the 'Thực hiện' column's words sit before and inside the indicator's name
    rec = Record(doc_id="0" * 16, source="x", page=1, seq=1,
                 title="Các sở, Ban, ) ngành chủ trì, Tỷ lệ dịch vụ công trực tuyến toàn trình phối hợp với được "
                       "công bố trên Hệ thống iGate UBND cấp")
    split_interleaved([rec], shipped_lexicon())
    assert rec.title == "Tỷ lệ dịch vụ công trực tuyến toàn trình được công bố trên Hệ thống iGate"
    assert rec.responsible == "Các sở, Ban, ) ngành chủ trì, phối hợp với UBND cấp"
    assert any("read across columns" in w for w in rec.warnings)


def test_longer_name_or_unknown_title_is_not_cut():
    # words inside a known name that are the title's own ('… toàn trình (mức độ 4) được …') keep it whole when the
    # whole title matches; a title holding no known name stays as it is
    for title in ("Tỷ lệ dịch vụ công trực tuyến toàn trình được công bố trên Hệ thống iGate tỉnh",
                  "Khẩn trương xây dựng kế hoạch tổ chức hội nghị tổng kết năm"):
        rec = Record(doc_id="0" * 16, source="x", page=1, seq=1, title=title)
        split_interleaved([rec], shipped_lexicon())
        assert rec.title == title and rec.responsible is None and rec.warnings == []


def test_a_title_the_restorer_repaired_takes_the_official_wording_it_matches(seed_docs):
    # seed 000 (OCR'd by an English model) holds seed 001's indicators: where the restorer left a slip
    # ('cấp nhật', 'TTI;IC ... thanh tôn'), the known wording is the better reading; the OCR text stays in title_raw
    by_stt = {r.stt: r for r in seed_docs["000"].records}
    assert by_stt["2"].title == "Hồ sơ giải quyết được cập nhật lên Hệ thống iGate"
    assert by_stt["2"].title_raw.startswith("HO so' gidi quyét dwgc cp nhat 1én HE")
    assert any("restored from lexicon entry dvctt-2023:2" in w for w in by_stt["2"].warnings)
    # a clean document's titles are its own, even where a lexicon entry is close
    assert not any("restored from lexicon" in w for r in seed_docs["001"].records for w in r.warnings)
