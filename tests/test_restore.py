"""Diacritic restoration on real lines of the seeds (each damage class), clean text untouched, provenance kept."""
import subprocess
import sys
import unicodedata

import pytest

from chitieu.normalize import repair_text
from chitieu.normalize.restore import restore_line, restore_lines
from tests.conftest import REAL, ROOT, seed


def lines_of(path):
    return path.read_text(encoding="utf-8-sig").splitlines()


# Seed 000: Tesseract's English model on Vietnamese
@pytest.mark.parametrize("damaged, expected", [
    ("Ty 1€ dich vu cong truc tuyén toan trinh phéi hop voi", "Tỷ lệ dịch vụ công trực tuyến toàn trình phối hợp với"),
    ("dwgc cong bo trén HE¢ thong iGate UBND cap", "được công bố trên HỆ thống iGate UBND cấp"),
    (" THU'C HIEN CAC CHI TIEU", " THỰC HIỆN CÁC CHỈ TIÊU"),
    ("2.2 | Cac huyén, thi xa, thanh phd 100%", "2.2 | Các huyện, thị xã, thành phố 100%"),
])
def test_english_model_ocr_garble(damaged, expected):
    assert restore_line(damaged)[0] == expected


# Seed 003: OCR that lost most diacritics
def test_stripped_ocr_dispatch_is_restored_in_context():
    src = lines_of(seed("003"))
    out = [t for t, _ in restore_lines(src)]
    joined = "\n".join(out)
    assert "thực hiện 03 tháng cao điểm" in joined
    assert "dịch vụ công trực tuyến" in joined
    assert "Tỷ lệ số hóa hồ sơ, kết quả giải quyết TTHC của các cơ quan, đơn vị" in joined


# Seed 002, second half: every letter outside the code page became '?'
@pytest.mark.parametrize("damaged, expected", [
    ("CÁC CH? S? THÀNH PH?N B? CH? S? 766 C?A T?NH THÁNG 11/2023",
     "CÁC CHỈ SỐ THÀNH PHẦN BỘ CHỈ SỐ 766 CỦA TỈNH THÁNG 11/2023"),
    ("1.1 T? l? th? t?c hành chính công", "1.1 Tỷ lệ thủ tục hành chính công"),
    ("1.4 T? l? h? sơ đ?ng b? lên c?ng", "1.4 Tỷ lệ hồ sơ đồng bộ lên cổng"),
    ("75,02% 62,86% Chưa đ?t( t? 100%", "75,02% 62,86% Chưa đạt( từ 100%"),
])
def test_qmark_damage(damaged, expected):
    assert restore_line(damaged)[0] == expected


def test_qmark_constraint_keeps_surviving_letters():
    # 'ơ' survived the code page, so 's?' cannot be 'sơ', and a word without '?' is never changed
    out = restore_line("T? l? h? sơ gi?i quy?t đúng h?n")[0]
    assert out == "Tỷ lệ hồ sơ giải quyết đúng hạn"


@pytest.mark.parametrize("name", ["001", "002", "004"])
def test_clean_seeds_pass_unchanged(name):
    src = [ln for ln in lines_of(seed(name)) if "?" not in ln]
    assert [t for t, _ in restore_lines(src)] == src


@pytest.mark.parametrize("path", sorted(REAL.glob("[0-9]*.txt")), ids=lambda p: p.name[:2])
def test_clean_real_documents_pass_byte_for_byte(path):
    src = lines_of(path)
    assert [t for t, _ in restore_lines(src)] == src


def test_codes_numbers_and_acronyms_are_never_words():
    line = "Ke hoach so 6478/KH-UBND ngay 26/12/2022 cua UBND tinh ve TTHC, CBCCVC va b/a*100"
    out, edits = restore_line(line)
    assert out.startswith("Kế hoạch số 6478/KH-UBND ngày 26/12/2022 của UBND tỉnh về TTHC, CBCCVC và b/a*100")
    assert all(e.before not in ("KH", "UBND", "TTHC", "CBCCVC", "b", "a") for e in edits)


def test_camel_case_names_are_never_words():
    # seed 000 names the 'iGate' system on OCR'd lines, where 'e' may be a misread 'c': it is a name, not 'gác'
    src = lines_of(seed("000"))
    out = [t for t, _ in restore_lines(src)]
    assert sum("iGate" in s for s in src) == sum("iGate" in t for t in out) > 0


def test_edits_point_at_the_original_text():
    line = "Ty 1€ dich vu cong truc tuyén"
    out, edits = restore_line(line)
    assert edits
    for e in edits:
        assert line[e.start:e.end] == e.before
        assert e.reason.startswith("restore") and 0 <= e.score <= 1


@pytest.mark.parametrize("name", ["000", "003"])
def test_restoring_twice_changes_nothing_more(name):
    once = [t for t, _ in restore_lines(lines_of(seed(name)))]
    twice = [t for t, _ in restore_lines(once)]
    assert twice == once


def test_repair_text_also_handles_decomposed_stripped_text():
    text = unicodedata.normalize("NFD", "Tỷ lệ") + " ho so giai quyet dung han"
    fixed = repair_text(text)
    assert fixed.text == "Tỷ lệ hồ sơ giải quyết đúng hạn"
    assert fixed.original == text


def test_pipeline_keeps_the_text_as_extracted_beside_the_repair(seed_docs):
    rec = seed_docs["003"].records[0]
    assert rec.title.startswith("Tỷ")
    assert "dịch vụ công trực tuyến phát sinh hồ sơ trực tuyến" in rec.title
    assert rec.title_raw.startswith("Ty I¢ dich vu cong truc tuyén")  # as OCR'd
    assert (rec.target_op, rec.target_value) == (">=", 90)  # 'đạt tối thiểu 90%' is readable once restored
    assert any("diacritics restored" in w for w in seed_docs["003"].warnings)


@pytest.mark.parametrize("name", ["000", "003"])
def test_every_title_raw_is_the_text_as_extracted(seed_docs, name):
    # title_raw's words are the file's own words, in the file's order: a restored reading longer or shorter
    # than the OCR'd word ('chirc' → 'chức') had shifted the undoing of the edits after it on its line, and the
    # record then kept the restored title (or a mix: 'Céac ss¢, ban, nnganh')
    source = seed(name).read_text(encoding="utf-8").split()
    edge = "\"'“”‘’()[].,;:!|*"
    checked = 0
    for rec in seed_docs[name].records:
        if rec.title_raw and rec.title_raw != rec.title:
            words = [w.strip(edge) for w in rec.title_raw.split() if w.strip(edge)]
            assert all(any(w in s for s in source) for w in words), rec.title_raw
            checked += 1
    assert checked >= 5


def test_repair_cli_keeps_one_line_per_line():
    src = seed("000").read_text(encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "chitieu", "repair"], input=src, capture_output=True, text=True,
                          cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert len(proc.stdout.splitlines()) == len(src.rstrip("\n").splitlines())
    assert "Tỷ lệ dịch vụ công trực tuyến" in proc.stdout


def test_english_lines_are_never_restored():
    lines = ["THƯ VIỆN PHÁP LUẬT has the copyright on this translation. Copying or reposting it without the",
             "domain; free to embed and redistribute), copied so that the samples do not depend on the fonts.",
             "thuc hien cac chi tieu ve cai cach hanh chinh nam 2023"]
    out = [t for t, _ in restore_lines(lines)]
    assert out[:2] == lines[:2]
    assert out[2] == "thực hiện các chỉ tiêu về cải cách hành chính năm 2023"


def test_a_damaged_copy_reads_words_as_the_clean_part_of_the_document_does():
    # seed 002: 'Đ?t' could be đạt, đất or đặt; the clean table above the copy says 'Đạt'
    out = "\n".join(t for t, _ in restore_lines(lines_of(seed("002"))))
    assert "Đất" not in out and out.count("Đạt (từ 90% trở lên)") >= 6


def test_two_consonants_in_ocr_text_lost_their_vowel():
    # seed 000 'thanh ph' (phố), seed 003 'tong sb' (số): in OCR'd text no Vietnamese word is two consonants
    src = lines_of(seed("000"))
    out = dict(zip(src, (t for t, _ in restore_lines(src))))
    assert "thành phố" in out["3.2 | Cac huyén, thi x, thanh ph > 80%% | D20 8om  cap"]
    src = lines_of(seed("003"))
    out = dict(zip(src, (t for t, _ in restore_lines(src))))
    assert "tổng số giao dịch" in out["cong qudc gia/ tong sb giao dich thanh toan cua dich vu cong phai dat trén 40%."]


@pytest.fixture(scope="module")
def without_real_03():
    """A model built without real 03 (as bench/restore_accuracy.py does for each document): no peeking."""
    from tools.build_syllable_model import SHARED, build
    if not (SHARED / "corpus").is_dir():
        pytest.skip("the training corpus (../shared/corpus) is not on this machine; the model cannot be rebuilt")
    return build(leave_out=(next(REAL.glob("03_*.txt")),))


def _right(clean: list[str], restored: list[str]) -> float:
    from bench.restore_accuracy import PUNCT, syllables
    right = total = 0
    for c, r in zip(clean, restored):
        words = r.split()
        for i, syl in syllables(c):
            total += 1
            right += i < len(words) and words[i].strip(PUNCT).lower() == syl
    return right / total


@pytest.mark.parametrize("damage, floor", [("strip", 0.98), ("qmark", 0.98)])
def test_damaged_copy_of_a_real_document_left_out_of_the_model(without_real_03, damage, floor):
    # real 03 (a 2025 plan) stripped of its diacritics (seed 003's damage) or through seed 002's lossy code page,
    # restored by a model that never saw it: its first 500 lines come back 98.6 % and 98.5 % right (the bench
    # measures 98.2 % and 98.7 % on the whole document). The floors were 99 % and 98.5 % while this fixture
    # left out the test copy of real 03 by its path, so the model had in fact counted real 03 (99.8 / 99.5 %)
    import bench.restore_accuracy as bench
    clean = [ln for ln in lines_of(next(REAL.glob("03_*.txt")))[:500] if ln.strip()]
    restored = [t for t, _ in restore_lines([getattr(bench, damage)(ln) for ln in clean], without_real_03)]
    assert _right(clean, restored) >= floor


def test_english_model_ocr_of_a_real_document_left_out_of_the_model(without_real_03):
    # seed 000's damage made afresh: real 03's running text rendered and read by Tesseract's English model
    from bench.restore_ocr import aligned_right, ocr_english, running_lines, words
    src = running_lines(next(REAL.glob("03_*.txt")), 20)
    ocr = ocr_english(src)
    restored = [t for t, _ in restore_lines(ocr, without_real_03)]
    ref = words(src)
    from bench.restore_accuracy import syllables
    n = sum(1 for w in ref if syllables(w))
    # measured: 9.7 % of the syllables right as OCR'd, 99.2 % restored
    assert aligned_right(ref, words(ocr)) / n < 0.3 and aligned_right(ref, words(restored)) / n >= 0.97


@pytest.mark.parametrize("damage", ["strip", "qmark"])
def test_a_wrapped_line_ends_with_the_words_the_next_line_needs(without_real_03, damage):
    # real 03 l.413-417: a line's last word is read with the next line's first ones ('nếp / sống', 'Phổ cập /
    # kỹ năng'); read as the end of a sentence they came back 'nộp' and 'Phụ cấp' in the '?' copy
    import bench.restore_accuracy as bench
    clean = lines_of(next(REAL.glob("03_*.txt")))[412:417]
    restored = [t for t, _ in restore_lines([getattr(bench, damage)(ln) for ln in clean], without_real_03)]
    assert restored[0].endswith("hình thành nếp")
    assert restored[3] == "Đột phá chiến lược là: Phổ cập"


def test_a_list_is_read_across_its_commas(without_real_03):
    # real 03 l.473 through the lossy code page: '(v?n, đ?t, thu?, th? trư?ng)'; with each comma ending the
    # context, 'v?n' was read alone ('vận'); 'th? trư?ng' still reads 'thủ trưởng' (a model without real 03)
    import bench.restore_accuracy as bench
    line = lines_of(next(REAL.glob("03_*.txt")))[472]
    restored = restore_lines([bench.qmark(line)], without_real_03)[0][0]
    assert "(vốn, đất, thuế," in restored


def test_a_list_is_read_across_its_dashes(without_real_03):
    # real 03 l.823 through the lossy code page: 'đúng - đ? - s?ch - s?ng'; with each dash ending the context,
    # 'đ?' was read alone ('để')
    import bench.restore_accuracy as bench
    line = lines_of(next(REAL.glob("03_*.txt")))[822]
    assert restore_lines([bench.qmark(line)], without_real_03)[0][0].endswith("tính đúng - đủ - sạch - sống.")


def test_a_dictionary_word_the_corpus_lacks_is_read_whole(without_real_03):
    # real 03 l.412: 'trụ cột' is not in the corpus without real 03; the dictionary's pair makes it one: without
    # it the '?' copy read 'tr? c?t' as 'trị cắt'
    import bench.restore_accuracy as bench
    line = next(ln for ln in lines_of(next(REAL.glob("03_*.txt"))) if ln.startswith("số là trụ cột nền tảng"))
    assert restore_lines([bench.qmark(line)], without_real_03)[0][0].startswith("số là trụ cột nền tảng")


def test_the_dictionary_adds_pairs_inside_its_words_and_no_reading_of_its_own():
    from collections import Counter
    from chitieu.normalize.syllable_model import BOUNDARY, WORD_START
    from tools.build_syllable_model import _add_words
    uni, bi, tri = Counter({"xổ": 1, "số": 9, "kiến": 4, "thiết": 2}), Counter(), Counter()
    _add_words(["xổ số kiến thiết", "kiến", "xự", "số xự"], 3, uni, bi, tri)
    assert bi == Counter({("xổ", "số"): 3, ("số", "kiến"): 3, ("kiến", "thiết"): 3})
    assert tri[(WORD_START, "xổ", "số")] == 3 and tri[("xổ", "số", "kiến")] == 3
    # no line start or end is counted, one syllable is no pair, and 'xự' (no text uses it) stays unknown
    assert not any(BOUNDARY in gram for gram in [*bi, *tri]) and "xự" not in uni and uni["kiến"] == 4 + 3


def test_the_model_is_a_probability_after_every_context():
    # each order gives the order below exactly what its discounts took off (one discount per times met: once,
    # twice, three or more), so after any context, seen, half seen or not at all, the readings share 1
    import math
    from chitieu.normalize.syllable_model import BOUNDARY, SyllableModel, count
    texts = ["các chỉ số đánh giá\n\nchỉ số cải cách hành chính\n\ncác chỉ tiêu, chỉ số đạt\n\nchủ sở hữu"] * 3
    model = SyllableModel(*count(texts + ["chỉ số chính"]))
    vocabulary = [*model.uni, BOUNDARY]
    for context in [("các", "chỉ"), ("chủ", "sở"), (BOUNDARY, "chỉ"), ("xe", "chỉ"), ("xe", "cộ")]:
        assert sum(math.exp(model.logp(*context, w)) for w in vocabulary) == pytest.approx(1.0, abs=1e-9)


def test_the_model_counts_a_wrapped_sentence_as_one_run_and_a_comma_as_a_syllable():
    from chitieu.normalize.syllable_model import COMMA, syllable_sequences
    text = "bảo đảm dữ liệu đúng, đủ, sạch\nsống (thống nhất). Năm 2025\n\nmở - rộng, 2026-2028"
    assert list(syllable_sequences(text)) == [
        ["bảo", "đảm", "dữ", "liệu", "đúng", COMMA, "đủ", COMMA, "sạch", "sống"], ["thống", "nhất"],
        ["năm", "<num>"], ["mở", COMMA, "rộng", COMMA, "<num>"], ["<num>"]]


def test_a_question_mark_after_a_whole_word_is_left_as_it_is():
    # 'to?' could read 'toả' and 'không?' asks a question: only a '?' that leaves no syllable is a lost letter
    src = ["Do you want to?", "Có đúng vậy không?"]
    assert [t for t, _ in restore_lines(src)] == src
    # in stripped text the word before it is restored and the question mark kept
    assert restore_line("Ke hoach nay da duoc ban hanh chua?")[0] == "Kế hoạch này đã được ban hành chưa?"
    assert restore_line("Co thuc hien dung quy dinh khong?")[0] == "Có thực hiện đúng quy định không?"


def test_a_vietnamese_name_inside_an_english_line_is_restored_and_the_english_kept():
    # real 02's footer through the lossy code page; before, the English around it left the whole line as it was
    line = "THƯ VI?N PHÁP LU?T** has the copyright on this translation."
    assert restore_line(line)[0] == "THƯ VIỆN PHÁP LUẬT** has the copyright on this translation."


def test_a_one_letter_word_in_a_capitals_line_is_in_capitals():
    # 'S?' shows one letter: the line's other words, '?' and all, say it is a capital heading
    assert restore_line("CÁC CH? S? C?A T?NH")[0] == "CÁC CHỈ SỐ CỦA TỈNH"


def test_acronyms_with_d_bar_come_back_in_a_stripped_document_only():
    # 'HĐND', 'QĐ' are written with 'Đ' thousands of times in the training texts and never with 'D'
    stripped = ["Ke hoach so 58/QD-UBND ngay 06/01/2023 cua UBND huyen",
                "hop voi Van phong HDND va UBND huyen de kip thoi phan anh"]
    out = restore_lines(stripped)
    assert out[0][0] == "Kế hoạch số 58/QĐ-UBND ngày 06/01/2023 của UBND huyện"
    assert "Văn phòng HĐND và UBND huyện" in out[1][0]
    assert any(e.reason == "restore-acronym" and e.before == "QD" for e in out[0][1])
    clean = ["Văn phòng HDND và UBND huyện đã họp"]  # clean Vietnamese: left as it is, whatever it spells
    assert restore_lines(clean)[0][0] == clean[0]


def test_a_word_that_lost_its_first_letter_to_the_code_page_takes_the_case_of_its_place():
    # '?' has no case: a list item or a sentence opens with a capital, a one-letter 'S?' is 'SỐ' only among
    # capitals (real 02-06 through the lossy code page: 61 → 33 right syllables in the wrong case)
    out = [t for t, _ in restore_lines(["a) ?ng d?ng công ngh? s?", "v?i phát tri?n xanh. ?ng d?ng",
                                        "c?a doanh nghi?p", "S? li?u TTHC", "S?: 144/KH-UBND", "CÁC CH? S? C?A T?NH"])]
    assert out == ["a) Ứng dụng công nghệ số", "với phát triển xanh. Ứng dụng", "của doanh nghiệp",
                   "Số liệu TTHC", "Số: 144/KH-UBND", "CÁC CHỈ SỐ CỦA TỈNH"]


def test_a_word_with_an_ocr_crumb_inside_reads_as_the_word_without_it():
    # seed 003's header: 'l1ap' is 'lập' with a '1' the OCR put inside (before, only words one edit away from
    # 'lap' were tried, and it read 'Đọc lại')
    assert restore_line(" HUYEN LUC NGAN Pgc l1ap - Tw do - Hanh phuc")[0] == \
        " HUYỆN LỤC NGẠN Độc lập - Tự do - Hạnh phúc"
