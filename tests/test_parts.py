"""The workbook put together from the documents' stored pieces (output/excel.py, sheetxml.py, zipparts.py) against
the workbook XlsxWriter writes cell by cell, and the parts a re-run copies them from (output/parts.py)."""
import json
import os
import random
import shutil
import subprocess
import warnings
import zipfile
import zlib

import pytest

from chitieu.output import zipparts
from chitieu.output.excel import DirectWorkbooks, Workbooks, document_pieces, write_xlsx
from chitieu.output.parts import PartStore, render
from chitieu.schemas.model import Document, Record, RecordCell
from tests.test_scale import _sheets


def test_crc_of_joined_bytes_is_joined_from_the_pieces_crcs():
    rng = random.Random(23)
    for _ in range(300):
        a = rng.randbytes(rng.randint(0, 3000))
        b = rng.randbytes(rng.choice([0, 1, 7, rng.randint(0, 200_000)]))
        assert zipparts.crc_join(zlib.crc32(a), zlib.crc32(b), zipparts.crc_shift(len(b))) == zlib.crc32(a + b)


def test_pieces_deflated_apart_are_one_stream_when_joined():
    rng = random.Random(5)
    texts = [("<row>" + "x" * rng.randint(0, 5000) + rng.randbytes(50).hex() + "</row>").encode()
             for _ in range(40)] + [b""]
    pieces = [zipparts.piece(t) for t in texts]
    assert zipparts.join_pieces(pieces) == b"".join(texts)


def _zip_of_pieces(path, texts):
    with open(path, "wb") as fh, open(str(path) + ".body", "w+b") as body_file:
        body = zipparts.Stream(body_file)
        for t in texts:
            p = zipparts.piece(t)
            body.add(p.data, p.crc, p.size, p.shift)
        out = zipparts.ZipWriter(fh)
        out.add("a.txt", b"hello")
        body_file.flush()
        out.add_joined("b.xml", b"<head>", body, body_file, b"</tail>")
        out.add("c/d.txt", b"")
        out.close()


@pytest.mark.parametrize("zip64_from", [zipparts.ZIP64_FROM, 100])
def test_the_zip_of_joined_pieces_reads_back_with_its_crc(tmp_path, monkeypatch, zip64_from):
    """zipfile checks each entry's CRC-32 on reading; with the Zip64 threshold lowered, every size and offset
    past it goes in Zip64 records, as a workbook beyond 4 GB would need."""
    monkeypatch.setattr(zipparts, "ZIP64_FROM", zip64_from)
    texts = [f"<row>{i} {'y' * i}</row>".encode() for i in range(300)]
    path = tmp_path / "t.zip"
    _zip_of_pieces(path, texts)
    with zipfile.ZipFile(path) as z:
        assert z.testzip() is None
        assert z.namelist() == ["a.txt", "b.xml", "c/d.txt"]
        assert z.read("b.xml") == b"<head>" + b"".join(texts) + b"</tail>" and z.read("a.txt") == b"hello"
        zip64 = [info.extra[:2] == b"\x01\x00" for info in z.infolist()]   # a Zip64 extra field, tag 1
        assert zip64 == ([False, True, True] if zip64_from == 100 else [False] * 3)  # c/d.txt: its offset


def _odd_document() -> Document:
    """Text that needs each of XlsxWriter's treatments: markup, _xHHHH_ look-alikes, edge spaces, line breaks and a
    carriage return, control characters, formula-like text, a character beyond U+FFFF, text beyond a cell's
    32,767 units, numbers, booleans, empty cells between full ones."""
    titles = ["a & b < c > d", "_x0041_ stays", " leading", "trailing\t", "two\nlines", "cr\rinside", "bell\x07",
              '=HYPERLINK("http://x","y")', "-5%", "emoji 😀 ok", "đ" * 40_000, "😀" * 20_000, "", "ok"]
    recs = [Record(doc_id="d" * 16, source="x y.txt", page=1, seq=i, stt=f"1.{i}0", title=t, value=i / 7,
                   value_high=10 ** 17 if i == 3 else None, target_op="=" if i % 2 else None,
                   warnings=["w1", "w2"] if i == 2 else [], level=i,
                   cells=[RecordCell(column="Tên", text=t[:50], value=None, merged=i % 2 == 0),
                          RecordCell(column="Số", text="5", value=5.0, merged=False)])
            for i, t in enumerate(titles, start=1)]
    return Document(doc_id="d" * 16, source="x y.txt", records=recs, warnings=["a document warning"])


def _direct_and_pieces(tmp_path, docs, max_rows=1_048_576):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        direct = write_xlsx(tmp_path / "direct.xlsx", docs, max_rows, direct=True)
    pieces = write_xlsx(tmp_path / "pieces.xlsx", docs, max_rows)
    return direct, pieces


def test_a_workbook_of_pieces_reads_as_the_one_xlsxwriter_writes_cell_by_cell(tmp_path, seed_docs):
    """Values, types, formats of every cell, and each sheet's frame (frozen header, filter, widths, print
    set-up), through openpyxl and pandas; the defined names (filters, print area and titles) as XlsxWriter's."""
    pd = pytest.importorskip("pandas")
    docs = list(seed_docs.values()) + [_odd_document()]
    (direct,), (pieces,) = _direct_and_pieces(tmp_path, docs)
    assert _sheets(pieces) == _sheets(direct)
    for sheet in ("records", "documents", "problems", "cells"):
        theirs = pd.read_excel(direct, sheet_name=sheet, dtype=object)
        ours = pd.read_excel(pieces, sheet_name=sheet, dtype=object)
        assert ours.equals(theirs) and len(ours) > 0, sheet
    with zipfile.ZipFile(direct) as a, zipfile.ZipFile(pieces) as b:
        assert b.testzip() is None and a.namelist() == b.namelist()
        for name in ("xl/workbook.xml", "xl/styles.xml", "[Content_Types].xml", "xl/_rels/workbook.xml.rels"):
            assert a.read(name) == b.read(name), name


def test_text_that_xlsxwriter_takes_for_rich_text_is_text_in_the_pieces(tmp_path):
    """XlsxWriter writes a string that begins with <r> and ends with </r> as raw XML in constant-memory mode
    (its rich strings travel so): a title could inject markup. The pieces escape it like any text."""
    sneaky = '<r><t>x</t></r><r><t>y</t></r>'
    doc = Document(doc_id="e" * 16, source="s.txt",
                   records=[Record(doc_id="e" * 16, source="s.txt", page=1, seq=1, title=sneaky)])
    (pieces,) = write_xlsx(tmp_path / "p.xlsx", [doc])
    rows = _sheets(pieces)["records"][1]
    title = rows[0].index(("title", "s", "General"))
    assert rows[1][title][0] == sneaky


def test_a_split_workbook_of_pieces_reads_as_xlsxwriter_s(tmp_path, seed_docs):
    """Sheets that outgrow a (lowered) row limit go on in records_2.xlsx, …: pieces that cross the limit are cut
    between files at the same rows as the cell-by-cell writer cuts them."""
    docs = list(seed_docs.values()) * 2
    direct, pieces = _direct_and_pieces(tmp_path, docs, max_rows=70)
    assert [p.name for p in pieces] == [p.name.replace("direct", "pieces") for p in direct]
    assert len(pieces) >= 5
    for a, b in zip(direct, pieces):
        assert _sheets(b) == _sheets(a), b.name


def test_libreoffice_reads_the_workbook_of_pieces_as_xlsxwriter_s(tmp_path, seed_docs):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    docs = list(seed_docs.values()) + [_odd_document()]
    (direct,), (pieces,) = _direct_and_pieces(tmp_path, docs)
    converted = {}
    for path in (direct, pieces):
        folder = tmp_path / path.stem
        env = dict(os.environ, HOME=str(tmp_path / "home"))  # a profile of its own: no clash with another soffice
        subprocess.run([soffice, "--headless", "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,"
                        "true,false,false,false,-1", "--outdir", str(folder), str(path)],
                       check=True, capture_output=True, timeout=180, env=env)
        converted[path.stem] = {p.name.replace(path.stem, ""): p.read_bytes() for p in folder.iterdir()}
    assert len(converted["direct"]) == 4  # one CSV per sheet
    assert converted["pieces"] == converted["direct"]


def test_pieces_are_copied_as_they_are_unless_they_cross_the_last_row(tmp_path, seed_docs, monkeypatch):
    """A run copies each document's pieces: nothing is rendered or compressed again but what crosses a file."""
    doc = seed_docs["002"]
    made = document_pieces(doc)
    compressed = []
    real = zipparts.piece
    monkeypatch.setattr("chitieu.output.excel.piece", lambda raw: compressed.append(len(raw)) or real(raw))
    books = Workbooks(tmp_path / "r.xlsx")
    for _ in range(3):
        for sheet, (p, rows) in made.items():
            books.add(sheet, p, rows)
    books.close()
    assert compressed == []
    rows = len(doc.records)
    books = Workbooks(tmp_path / "s.xlsx", max_rows=rows + 5)
    for _ in range(2):
        books.add("records", *made["records"])
    assert [p.name for p in books.close()] == ["s.xlsx", "s_2.xlsx"] and len(compressed) == 2


def test_a_part_comes_back_as_it_was_saved(tmp_path, seed_docs):
    store = PartStore(tmp_path)
    part = render(seed_docs["001"])
    store.save("p", part)
    assert store.load("p", whole=True) == dict(part, index=[[k, len(v)] for k, v in part["segments"].items()])
    head = store.load("p")
    assert "segments" not in head and head["brief"] == part["brief"] and store.rejected == {}


@pytest.mark.parametrize("damage, reason", [
    (lambda b: b[:-1] + bytes([b[-1] ^ 1]), "segments fail their SHA-256 check"),
    (lambda b: b[:-100], "cut short"),
    (lambda b: b.replace(b'"records":', b'"records":1', 1), "head fails its SHA-256 check"),
    (lambda b: b"\x80\x04garbage" + b, "not JSON"),
    (lambda b: b.split(b"\n", 1)[1], "first line is not a part's check"),
    (lambda b: b.replace(b"chitieu-part/3", b"chitieu-part/2", 1), "not a part of this version"),
])
def test_a_damaged_part_is_refused_with_its_reason(tmp_path, seed_docs, damage, reason):
    store = PartStore(tmp_path)
    store.save("p", render(seed_docs["002"]))
    path = store.path("p")
    path.write_bytes(damage(path.read_bytes()))
    assert store.load("p", whole=True) is None
    assert reason in store.rejected["p"]
    assert "p" in store.notes()[0] and "rendered again" in store.notes()[0]


def test_a_planted_pickle_in_the_parts_runs_no_code(tmp_path, seed_docs):
    import pickle

    witness = tmp_path / "pwned"

    class Exploit:
        def __reduce__(self):
            return (os.system, (f"touch {witness}",))

    store = PartStore(tmp_path)
    store.dir.mkdir(parents=True)
    store.path("p").write_bytes(pickle.dumps(Exploit()))
    assert store.load("p", whole=True) is None and not witness.exists()


def test_a_head_of_the_wrong_shape_is_refused_even_with_a_matching_digest(tmp_path, seed_docs):
    """The digest guards against damage; the shape check against a part made by hand with its digest: a sheet's
    check that is no number, a table file named to land outside DIR/tables/."""
    store = PartStore(tmp_path)
    part = render(seed_docs["002"])
    part["xlsx"]["records"][0] = "crc"
    store.save("p", part)
    assert store.load("p") is None and "records sheet's check" in store.rejected["p"]
    part = render(seed_docs["002"])
    part["files"]["tables"].append("../../escape.csv")
    part["segments"]["tables/../../escape.csv"] = b"planted"
    store.save("q", part)
    assert store.load("q") is None and "tables files" in store.rejected["q"]
    part = render(seed_docs["002"])
    part["brief"]["records"] = "many"
    store.save("r", part)
    assert store.load("r") is None and "brief or report facts" in store.rejected["r"]


def test_parquet_rows_of_parts_without_arrow_tables_are_made_from_their_records(tmp_path, seed_docs, monkeypatch):
    """A part rendered where pyarrow was missing has no Arrow tables, and one whose tables are not ours is not
    trusted: both give the rows records.json holds, as the Arrow tables would."""
    pq = pytest.importorskip("pyarrow.parquet")
    from chitieu.output import parquet
    from chitieu.output.parts import RunOutputs
    docs = list(seed_docs.values())
    with_tables = [render(d) for d in docs]
    with monkeypatch.context() as patched:
        patched.setattr(parquet, "available", lambda: False)
        without = [render(d) for d in docs]
    assert all("parquet/records" not in p["segments"] for p in without)
    without[0]["segments"]["parquet/records"] = b"not arrow at all"
    without[0]["segments"]["parquet/cells"] = with_tables[0]["segments"]["parquet/cells"]
    for name, made in (("tables", with_tables), ("records", without)):
        (tmp_path / name).mkdir()
        outputs = RunOutputs(tmp_path / name, xlsx=False)
        for part in made:
            outputs.add(part)
        outputs.close(0.0, [], [])
    for name in ("records.parquet", "cells.parquet"):
        ours, theirs = pq.read_table(tmp_path / "records" / name), pq.read_table(tmp_path / "tables" / name)
        assert ours.schema.equals(theirs.schema) and ours.to_pylist() == theirs.to_pylist() and ours.num_rows > 0


def test_a_review_image_named_outside_review_img_is_refused(tmp_path, seed_docs):
    store = PartStore(tmp_path)
    part = render(seed_docs["002"])
    part["review"]["images"].append("../../escape.jpg")
    part["segments"]["review/img/../../escape.jpg"] = b"planted"
    store.save("p", part)
    assert store.load("p") is None and "review section or images" in store.rejected["p"]


def test_arrow_tables_read_from_json_lines_are_those_pa_table_builds(seed_docs):
    """records.parquet's rows go through pyarrow's JSON reader (pa.table imports pandas); the same tables, and
    rows JSON cannot carry (a NaN) still go through pa.table."""
    pa = pytest.importorskip("pyarrow")
    from chitieu.output import parquet
    from chitieu.output.files import cell_json_lines, dict_cell_rows
    from chitieu.schemas.model import FLAT_FIELDS
    rows = 0
    for doc in seed_docs.values():
        records = [r.to_dict() for r in doc.records]
        for made, schema in (([{f: r.get(f) for f in FLAT_FIELDS} for r in records], parquet.records_schema()),
                             (list(dict_cell_rows(records)), parquet.cells_schema())):
            by_pa = pa.table({f.name: [r.get(f.name) for r in made] for f in schema}, schema=schema)
            ours = parquet.table(made, schema)
            assert ours.equals(by_pa) and ours.to_pylist() == by_pa.to_pylist()
            rows += len(made)
        # the cells' lines made with each record's own fields encoded once are json.dumps of each row
        assert cell_json_lines(records) == [json.dumps(r, ensure_ascii=False) for r in dict_cell_rows(records)]
        # records.json's own lines, with the cells the schema has no column for
        lines = [json.dumps(r, ensure_ascii=False) for r in records]
        from_lines = parquet.table([{f: r.get(f) for f in FLAT_FIELDS} for r in records], parquet.records_schema(),
                                   lines)
        assert from_lines.equals(parquet._from_json_lines(
            [json.dumps({f: r.get(f) for f in FLAT_FIELDS}, ensure_ascii=False) for r in records],
            parquet.records_schema()))
    assert rows > 400
    odd = [{"doc_id": "x", "value": float("nan"), "warnings": ["a"]}, {"doc_id": "y", "value": 1.5}]
    with pytest.raises(ValueError):
        parquet._from_json_lines([json.dumps(r) for r in odd], parquet.records_schema())
    table = parquet.table(odd, parquet.records_schema())
    assert table.column("doc_id").to_pylist() == ["x", "y"] and table.column("value").null_count == 0


def test_rendering_a_part_imports_no_pandas(seed_docs):
    import subprocess
    import sys
    pytest.importorskip("pyarrow")
    from tests.conftest import SEEDS
    code = ("import sys, pathlib; from chitieu import pipeline; from chitieu.output.parts import render; "
            "p = pathlib.Path(sys.argv[1]); part = render(pipeline.process_file(p, p.name)); "
            "assert part['segments']['parquet/records']; print('pandas' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code, str(sorted(SEEDS.glob("*.txt"))[2])], capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"
