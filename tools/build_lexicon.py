"""Build normalize/data/lexicon.tsv: the indicator lexicon (official wordings with stable ids) and common terms.

Sources (all official documents, no copyright under Art. 15 of the Vietnamese IP law):
- ../shared/real/lexicon_766.txt: Bộ chỉ số 766, 2025 wording, codes as printed;
- the indicator tables of the clean seeds 001, 002 (2023 wording of the 766 set) and 004, and of the real
  documents 02 (QĐ 2629/QĐ-TTg, Phụ lục I) and 10 (NQ 03/NQ-CP, Phụ lục I), read with chitieu's own parser;
- TERMS below: bodies, places, units and statuses that the documents use over and over.
Ids are '<set>:<STT>' ('#2', '#3' when a set repeats an STT). Rerun after changing the parser, then review
`git diff normalize/data/lexicon.tsv` before committing."""
from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared"
OUT = ROOT / "normalize" / "data" / "lexicon.tsv"

# (set id, file, source description, (first line, line after the last) of the indicator table or None)
TABLE_SOURCES = [
    ("bcs766-2023", "seeds/002_97e66b48479116ec.txt", "Bộ chỉ số 766, 2023 wording (seed 002, VP UBND tỉnh 12/2023)",
     None),
    ("dvctt-2023", "seeds/001_e15b56546b8f6637.txt", "Online public service targets, Sở GDĐT 2023-2024 (seed 001)",
     None),
    ("cchc-tk-2023", "seeds/004_86c5c13f80604ff6.txt", "CCHC statistics annex, Sở TNMT Q1/2023 (seed 004)", None),
    ("qd2629-2025", "real/02_qd-2629-QD-TTg-2025_chinh-phu-so-chi-tieu.txt", "QĐ 2629/QĐ-TTg 2025, Phụ lục I",
     ("**PHỤ LỤC I**", "**PHỤ LỤC II**")),
    ("nq03-2025", "real/10_nq-03-NQ-CP-2025_phu-luc-I-chi-tieu.txt", "NQ 03/NQ-CP 2025, Phụ lục I", None),
]
# Rows of these shapes are not indicator names (sentences, spilled columns, page furniture).
NOT_A_NAME = re.compile(r"( - |[.;:]\s|Bạn vừa|Tài khoản|Hỗ trợ:|\?|báo cáo|= \d)")

TERMS = [
    # bodies
    "Ủy ban nhân dân tỉnh", "UBND tỉnh", "UBND cấp huyện", "UBND cấp xã", "Văn phòng UBND tỉnh",
    "Văn phòng HĐND và UBND huyện", "Sở Nội vụ", "Sở Tư pháp", "Sở Tài chính", "Sở Kế hoạch và Đầu tư",
    "Sở Thông tin và Truyền thông", "Sở Tài nguyên và Môi trường", "Sở Giáo dục và Đào tạo", "Sở Y tế",
    "Sở Khoa học và Công nghệ", "Các sở, ban, ngành", "Các huyện, thị xã, thành phố", "Các cơ quan, đơn vị",
    "Bộ phận Một cửa", "Trung tâm Phục vụ hành chính công", "Cổng Dịch vụ công quốc gia",
    "Hệ thống thông tin giải quyết thủ tục hành chính", "Văn phòng Chính phủ", "Bộ Khoa học và Công nghệ",
    "Bộ Công an", "Bộ Nội vụ", "Bộ Tài chính",
    # units
    "Hồ sơ", "Thủ tục", "Văn bản", "Nhiệm vụ", "Người", "Đơn vị", "điểm", "Tỷ lệ",
    # statuses
    "Đạt", "Chưa đạt", "Đã hoàn thành", "Đã hoàn thành quá hạn", "Đang thực hiện", "Chưa hoàn thành",
]


def rows_766() -> list[tuple[str, str, str, str]]:
    out = []
    for line in (SHARED / "real" / "lexicon_766.txt").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        code, name = line.split("\t", 1)
        kind = "group" if "." not in code else "indicator"
        out.append((f"bcs766:{code}", name.strip(), kind, "Bộ chỉ số 766, 2025 wording (shared/real/lexicon_766.txt)"))
    return out


def rows_tables() -> list[tuple[str, str, str, str]]:
    import tempfile

    from chitieu import pipeline
    out = []
    for set_id, rel, source, span in TABLE_SOURCES:
        path = SHARED / rel
        if span:  # only the indicator annex: the body's prose lists are targets, not names
            text = path.read_text(encoding="utf-8")
            text = text[text.index(span[0]):text.index(span[1])]
            path = Path(tempfile.mkdtemp()) / path.name
            path.write_text(text, encoding="utf-8")
        doc = pipeline.process_file(path, Path(rel).name)
        seen: dict[str, int] = {}
        parent_subs: dict[str, int] = {}
        for rec in doc.records:
            title = rec.title or ""
            if len(title) < 8 or NOT_A_NAME.search(title):
                continue
            if rec.stt:
                key = rec.stt
            else:  # a '-' sub-row: numbered under its parent
                parent_subs[rec.parent_stt] = parent_subs.get(rec.parent_stt, 0) + 1
                key = f"{rec.parent_stt}-{parent_subs[rec.parent_stt]}"
            seen[key] = seen.get(key, 0) + 1
            rid = f"{set_id}:{key}" + (f"#{seen[key]}" if seen[key] > 1 else "")
            out.append((rid, title, "indicator", source))
    return out


def main() -> None:
    rows = rows_766() + rows_tables()
    rows += [(f"term:{i + 1}", t, "term", "curated (tools/build_lexicon.py)") for i, t in enumerate(TERMS)]
    lines = ["id\twording\tkind\tsource"] + ["\t".join(r) for r in rows]
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {OUT}: {len(rows)} entries")


if __name__ == "__main__":
    main()
