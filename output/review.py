"""review.html: one self-contained page (no CDN, no external fonts or scripts) for a clerk to check a batch: a
sortable summary of the documents, then per document its metadata, its records (rows that need a look marked,
repaired words showing what was printed), and the lines that did not become records. Over PER_PAGE_LIMIT
documents, each document gets its own page in review/ so that the summary stays fast. Scanned pages show a
thumbnail and each table row its image as scanned: JPEG files in review/img/, referenced relatively.

The page speaks Vietnamese by default (LABELS["vi"]), English with --lang en; the pipeline's own reasons and
warnings stay as they are written. It fits a 1366-pixel screen (long cells wrap), reads on a phone (viewport;
wide tables scroll inside their box), keeps the column headers visible under the sticky bar, and sorts the
Vietnamese way (Intl.Collator('vi'): Đ after D, not after X), showing the direction of the sort."""
from __future__ import annotations

import difflib
import html
import secrets
from pathlib import Path
from typing import Callable, Optional, Sequence

from chitieu.output.atomic import write_atomic
from chitieu.output.controls import escape_controls
from chitieu.output.stream import AtomicText
from chitieu.schemas.model import Document, Record

# Records whose confidence is below this, or that carry a warning, need a look.
LOOK_BELOW = 0.8
PER_PAGE_LIMIT = 50

# Every word the page says, per language: one table, so that a translation is reviewed in one place.
LABELS: dict[str, dict[str, str]] = {
    "vi": {
        "title": "Kiểm tra kết quả chitieu",
        "summary": "{documents} văn bản, {records} dòng đã đọc, {failed} văn bản lỗi, {seconds} giây.",
        "legend": "Dòng tô vàng cần xem lại (có cảnh báo, hoặc độ tin cậy của OCR dưới 0,8); chữ "
                  "<mark class=rep>tô xanh</mark> đã được sửa (đưa chuột lên để xem chữ trong bản in).",
        "only_look": "chỉ hiện các dòng cần xem lại",
        "all_documents": "← tất cả văn bản",
        "document": "Văn bản", "kind": "Loại", "pages": "Số trang", "records": "Số dòng",
        "need_look": "Cần xem lại", "warnings": "Cảnh báo", "unparsed": "Dòng chưa đọc", "seconds": "Giây",
        "failure": "Lỗi",
        "stt": "STT", "title_col": "Nội dung", "value": "Kết quả", "unit": "Đơn vị tính",
        "benchmark": "TB cả nước", "target": "Chỉ tiêu", "status": "Đánh giá", "responsible": "Đơn vị thực hiện",
        "confidence": "Độ tin cậy", "page": "Trang", "as_scanned": "Ảnh quét",
        "line": "Dòng", "text": "Nội dung", "why": "Lý do",
        "no_heading": "không tìm thấy phần đầu văn bản",
        "failed": "Lỗi: {error}",
        "page_paths": "{pages} trang ({paths}); bố cục: {layout}",
        "table_as_printed": "Bảng {index} như bản in (trang {pages}, {rows} dòng, {columns} cột)",
        "merged": "lặp lại từ ô gộp phía trên",
        "unparsed_lines": "{count} dòng không thành dòng số liệu",
        "printed": "bản in: {text}", "nothing": "(không có)",
        "row_image": "dòng như bản quét", "page_image": "trang {number}",
        "kind.text": "tệp chữ", "kind.pdf-text": "PDF có lớp chữ", "kind.pdf-scan": "PDF quét", "kind.image": "ảnh",
        "path.text": "tệp chữ", "path.text-layer": "lớp chữ", "path.ocr": "OCR", "path.no-text": "không có chữ",
        "path.blank": "trang trắng",
        "layout.table": "bảng", "layout.flow": "văn bản liền", "layout.none": "không có dòng đánh số",
    },
    "en": {
        "title": "chitieu review",
        "summary": "{documents} documents, {records} records, {failed} failed, {seconds} s.",
        "legend": "Rows marked yellow need a look (a warning or OCR confidence under 0.8); "
                  "<mark class=rep>blue</mark> words were repaired (hover for what was printed).",
        "only_look": "only rows that need a look",
        "all_documents": "← all documents",
        "document": "Document", "kind": "Kind", "pages": "Pages", "records": "Records",
        "need_look": "Need a look", "warnings": "Warnings", "unparsed": "Unparsed", "seconds": "Seconds",
        "failure": "Failure",
        "stt": "STT", "title_col": "Title", "value": "Value", "unit": "Unit", "benchmark": "National avg.",
        "target": "Target", "status": "Status", "responsible": "Responsible", "confidence": "Conf.",
        "page": "Page", "as_scanned": "As scanned",
        "line": "Line", "text": "Text", "why": "Why",
        "no_heading": "no heading found",
        "failed": "Failed: {error}",
        "page_paths": "{pages} page(s) ({paths}); layout {layout}",
        "table_as_printed": "Table {index} as printed (page {pages}, {rows} rows, {columns} columns)",
        "merged": "repeated from the merged cell above",
        "unparsed_lines": "{count} lines that are not records",
        "printed": "printed: {text}", "nothing": "(nothing)",
        "row_image": "row as scanned", "page_image": "page {number}",
        "kind.text": "text", "kind.pdf-text": "pdf-text", "kind.pdf-scan": "pdf-scan", "kind.image": "image",
        "path.text": "text", "path.text-layer": "text-layer", "path.ocr": "ocr", "path.no-text": "no-text",
        "path.blank": "blank",
        "layout.table": "table", "layout.flow": "flow", "layout.none": "none",
    },
}
LANGUAGES = tuple(LABELS)

# The sticky bar's height: the column headers stick just under it, so it never covers them. Borders are the
# cells' own (border-collapse: separate): a collapsed border stays behind when its header sticks.
CSS = """
:root{--bar:2.4rem}
*{box-sizing:border-box}
body{font:14px/1.4 system-ui,sans-serif;margin:0 1.5em 1.5em;color:#222;overflow-wrap:break-word}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:2em;border-top:2px solid #ccc;padding-top:.6em}
table{border-collapse:separate;border-spacing:0;margin:.5em 0;width:100%;border:solid #ddd;border-width:1px 0 0 1px}
th,td{border:solid #ddd;border-width:0 1px 1px 0;padding:3px 6px;vertical-align:top;text-align:left}
th{background:#f3f3f3;position:sticky;top:var(--bar);z-index:1}
table.sortable th{cursor:pointer;user-select:none}
table.sortable th::after{content:" ↕";color:#999;font-weight:normal}
table.sortable th[aria-sort=ascending]::after{content:" ▲";color:#222}
table.sortable th[aria-sort=descending]::after{content:" ▼";color:#222}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}td.long{white-space:normal}
tr.look td{background:#fff4d6}tr.failed td{background:#fde2e2}
mark.rep{background:#d7ecff;border-bottom:1px dotted #06c}
.warn{color:#a15c00;font-size:.9em}.meta{color:#555}.stt{white-space:nowrap}
body.only-look tr.rec:not(.look){display:none}
.bar{position:sticky;top:0;height:var(--bar);display:flex;align-items:center;background:#fff;z-index:3;
margin:0 -1.5em;padding:0 1.5em;border-bottom:1px solid #ddd}
img.row{width:380px;max-width:28vw;display:block}td.title{min-width:14em}
img.thumb{width:120px;max-width:30vw;border:1px solid #ccc;margin-right:6px}
.box{overflow:auto;max-height:calc(100vh - var(--bar) - 1rem)}
.box th{top:0}
table.cells th{cursor:default}td.merged{color:#999}tr.kind-total td{font-weight:600}
tr.kind-heading td{font-style:italic}
@media (max-width:800px){
body{margin:0 .6em .6em}.bar{margin:0 -.6em;padding:0 .6em}
.wide{overflow:auto;max-height:calc(100vh - var(--bar) - 1rem)}.wide th{top:0}.wide>table{min-width:46rem}
td.title{min-width:10em}}
"""
# Sorting: numbers as numbers, text with Vietnamese collation (numeric: '1.10' after '1.9'); the header shows
# the direction (aria-sort, drawn by the CSS).
JS = """
const coll=new Intl.Collator(document.documentElement.lang,{numeric:true,sensitivity:'base'});
function key(td){const s=(td.dataset.v??td.innerText).trim();const n=Number(s);return s!==''&&!isNaN(n)?n:s}
function cmp(x,y){return typeof x==='number'&&typeof y==='number'?x-y:coll.compare(String(x),String(y))}
function sortBy(th){const t=th.closest('table'),i=[...th.parentNode.children].indexOf(th),
rows=[...t.tBodies[0].rows],asc=th.getAttribute('aria-sort')!=='ascending';
for(const h of th.parentNode.children)h.removeAttribute('aria-sort');
th.setAttribute('aria-sort',asc?'ascending':'descending');
rows.sort((a,b)=>cmp(key(a.cells[i]),key(b.cells[i]))*(asc?1:-1));rows.forEach(r=>t.tBodies[0].appendChild(r))}
document.addEventListener('click',e=>{const th=e.target.closest('th');if(th&&th.closest('table.sortable'))sortBy(th)});
function onlyLook(cb){document.body.classList.toggle('only-look',cb.checked)}
"""


class Labels:
    """The words of one language: L("key") or L("key", name=value) for a label with blanks."""

    def __init__(self, lang: str):
        if lang not in LABELS:
            raise ValueError(f"no labels for language {lang!r}; use one of {', '.join(LANGUAGES)}")
        self.lang = lang
        self.words = LABELS[lang]

    def __call__(self, key: str, **values) -> str:
        text = self.words[key]
        return text.format(**values) if values else text

    def number(self, value, digits: int | None = None) -> str:
        """A number as the language writes it: 0,75 in Vietnamese, 0.75 in English."""
        if value is None:
            return ""
        text = f"{value:.{digits}f}" if digits is not None else _num(value)
        return text.replace(".", ",") if self.lang == "vi" else text

    def code(self, group: str, value) -> str:
        """A code of the pipeline (kind, page path, layout) in words; an unknown code as it is."""
        return self.words.get(f"{group}.{value}", str(value or "-"))


def escape(text: str, quote: bool = True) -> str:
    """HTML-escaped, control characters made visible (an HTML page cannot hold a NUL or an ESC)."""
    return html.escape(escape_controls(text), quote)


def needs_look(rec: Record) -> bool:
    return bool(rec.warnings) or (rec.confidence is not None and rec.confidence < LOOK_BELOW)


def marked_title(rec: Record, L: Labels | None = None) -> str:
    """The title with each repaired word marked and the printed word in its tooltip."""
    L = L or Labels("vi")
    title = rec.title or ""
    raw = rec.title_raw or ""
    if not raw or raw.startswith(title) and len(raw) >= len(title) and raw[:len(title)] == title:
        return escape(title)
    a, b = raw.split(), title.split()
    out = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(escape(" ".join(b[j1:j2])))
        elif op in ("replace", "insert") and j2 > j1:
            was = " ".join(a[i1:i2]) or L("nothing")
            out.append(f'<mark class="rep" title="{escape(L("printed", text=was), quote=True)}">'
                       f'{escape(" ".join(b[j1:j2]))}</mark>')
    return " ".join(out)


def _num(v) -> str:
    return "" if v is None else (f"{v:g}" if isinstance(v, float) else str(v))


# A figure longer than this is text ('đạt 80,984% (Vượt chỉ tiêu …)'): it wraps, not to widen the page.
SHORT_FIGURE = 16


def _figure(raw) -> str:
    """A cell holding a figure as printed: right-aligned, on one line when it is short."""
    text = raw or ""
    return f'<td class="num{" long" if len(text) > SHORT_FIGURE else ""}">{escape(text)}</td>'


def _head(L: Labels, keys) -> str:
    return "<tr>" + "".join(f"<th>{escape(L(k))}</th>" for k in keys) + "</tr>"


def _records_table(doc: Document, images: dict, L: Labels) -> str:
    rows = []
    show_images = bool(images)
    for r in doc.records:
        look = needs_look(r)
        indent = max(0, (r.level or 1) - 1) * 1.2
        target = escape(r.target_raw or (f"{r.target_op} {_num(r.target_value)}" if r.target_op else ""))
        warn = "".join(f'<div class="warn">⚠ {escape(w)}</div>' for w in r.warnings)
        rows.append(
            f'<tr class="rec{" look" if look else ""}"><td class="stt" data-v="{r.seq}" '
            f'style="padding-left:{indent + .4:.1f}em">{escape(r.stt_raw or "-")}</td>'
            f'<td class="title">{marked_title(r, L)}{warn}</td>{_figure(r.value_raw)}'
            f'<td>{escape(r.unit or "")}</td>{_figure(r.benchmark_raw)}<td>{target}</td>'
            f'<td>{escape(r.status or "")}</td><td>{escape(r.responsible or "")}</td>'
            f'<td class="num" data-v="{_num(r.confidence)}">{L.number(r.confidence)}</td>'
            f'<td class="num">{r.page}</td>' +
            (f'<td>{_img(images.get((r.page, r.line)), L("row_image"), "row")}</td>' if show_images else "") +
            "</tr>")
    head = _head(L, ["stt", "title_col", "value", "unit", "benchmark", "target", "status", "responsible",
                     "confidence", "page"] + (["as_scanned"] if show_images else []))
    return (f'<div class="wide"><table class="sortable records"><thead>{head}</thead>'
            f'<tbody>{"".join(rows)}</tbody></table></div>')


def _cells_table(doc: Document, table, L: Labels) -> str:
    """One table as printed: its header paths over every record's cells (totals in bold, headings in italics,
    cells repeated from a merged cell above in grey), folded away until the clerk opens it; as wide as the
    printed table, so it scrolls inside its own box."""
    head = "".join(f"<th>{escape(c)}</th>" for c in table.columns)
    merged = f' title="{escape(L("merged"))}"'
    rows = []
    for r in doc.records:
        if r.table_index != table.index:
            continue
        cells = "".join(f'<td class="{"num" if c.value is not None else ""}{" merged" if c.merged else ""}"'
                        f'{merged if c.merged else ""}>{escape(c.text)}</td>' for c in r.cells)
        rows.append(f'<tr class="kind-{escape(r.kind)}">{cells}</tr>')
    pages = ", ".join(str(p) for p in table.pages) or str(table.page)
    summary = L("table_as_printed", index=table.index, pages=pages, rows=len(rows), columns=len(table.columns))
    return (f"<details><summary>{escape(summary)}</summary><div class=\"box\"><table class=\"cells\"><thead><tr>"
            f"{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div></details>")


def _img(src, alt: str, cls: str) -> str:
    return f'<img class="{cls}" loading="lazy" src="{escape(src, quote=True)}" alt="{escape(alt)}">' if src else ""


def document_images(doc: Document) -> tuple[dict, dict, dict]:
    """The doc's page thumbnails and the images of its rows that became records, as files of review/img/:
    their names by page, by (page, line), and their bytes by name."""
    pages, rows, files = {}, {}, {}
    wanted = {(r.page, r.line) for r in doc.records}  # rows that became records; others are not shown
    for p in doc.pages:
        if p.thumbnail:
            name = pages[p.number] = f"{doc.doc_id}-p{p.number}.jpg"
            files[name] = p.thumbnail
        for ln in p.lines:
            if ln.image and (p.number, ln.number) in wanted:
                name = rows[(p.number, ln.number)] = f"{doc.doc_id}-p{p.number}-l{ln.number}.jpg"
                files[name] = ln.image
    return pages, rows, files


def section_pieces(doc: Document, L: Labels) -> tuple[list[str], dict]:
    """The doc's section of the review, cut where each image's address begins (its folder is relative to the
    page the section lands on: review/img/ from review.html, img/ from review/<doc_id>.html), and its images'
    bytes by file name. The cut is at a random mark the document's text cannot hold."""
    mark = f"chitieu-{secrets.token_hex(16)}/"
    pages, rows, files = document_images(doc)
    html_ = document_section(doc, {n: f"{mark}img/{name}" for n, name in pages.items()},
                             {k: f"{mark}img/{name}" for k, name in rows.items()}, L=L)
    return html_.split(mark), files


def _write_images(out_dir: Path, files: dict, fresh: bool) -> None:
    folder = out_dir / "review" / "img"
    for name, data in files.items():
        if fresh or not (folder / name).exists():
            folder.mkdir(parents=True, exist_ok=True)
            write_atomic(folder / name, data)


def document_section(doc: Document, thumbs: dict | None = None, images: dict | None = None,
                     L: Labels | None = None) -> str:
    L = L or Labels("vi")
    m = doc.meta
    meta = " · ".join(escape(x) for x in (m.doc_type, m.number, m.issuer, m.place, m.date) if x)
    parts = [f'<h2 id="doc-{doc.doc_id}">{escape(doc.source)}</h2>',
             f'<p class="meta">{meta or escape(L("no_heading"))}' +
             (f"<br>{escape(m.subject)}" if m.subject else "") + "</p>"]
    if doc.status == "failed":
        parts.append(f'<p class="warn">{escape(L("failed", error=doc.error or ""))}</p>')
        return "\n".join(parts)
    paths = ", ".join(f"p{p.number}: {L.code('path', p.path)}" for p in doc.pages)
    layout = L.code("layout", doc.layout)
    parts.append(f'<p class="meta">{escape(L("page_paths", pages=len(doc.pages), paths=paths, layout=layout))}</p>')
    if thumbs:
        parts.append('<p class="thumbs">' + "".join(
            f'<a href="{escape(src, quote=True)}">{_img(src, L("page_image", number=n), "thumb")}</a>'
            for n, src in sorted(thumbs.items())) + "</p>")
    parts += [f'<div class="warn">⚠ {escape(w)}</div>' for w in doc.warnings]
    if doc.records:
        parts.append(_records_table(doc, images or {}, L))
    parts += [_cells_table(doc, t, L) for t in doc.tables]
    if doc.unparsed:
        rows = "".join(f'<tr><td class="num">{u.page}</td><td class="num">{u.line}</td><td>{escape(u.text)}</td>'
                       f'<td>{escape(u.reason)}</td></tr>' for u in doc.unparsed)
        parts.append(f"<details><summary>{escape(L('unparsed_lines', count=len(doc.unparsed)))}</summary>"
                     f'<div class="wide"><table class="sortable"><thead>{_head(L, ["page", "line", "text", "why"])}'
                     f"</thead><tbody>{rows}</tbody></table></div></details>")
    return "\n".join(parts)


def _bar(L: Labels) -> str:
    return (f'<div class="bar"><label><input type="checkbox" onchange="onlyLook(this)"> {escape(L("only_look"))}'
            "</label></div>")


def _page_head(title: str, L: Labels) -> str:
    return (f'<!DOCTYPE html><html lang="{L.lang}"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape(title)}</title><style>{CSS}</style><script>{JS}</script></head><body>")


PAGE_END = "</body></html>\n"


def _page(title: str, body: str, L: Labels) -> str:
    return _page_head(title, L) + body + PAGE_END


class ReviewWriter:
    """review.html, and review/<doc_id>.html per document over PER_PAGE_LIMIT documents, written as the
    documents' sections arrive in input order: the summary first (from the briefs, output/parts.brief), then
    each section, so that a run of any size is written holding one section. Over the limit a document's page is
    written only when the document is fresh or its page is missing (or in another language): a re-run that adds
    five documents to four hundred writes five pages. Nothing is in place until close()."""

    def __init__(self, out_dir: Path, briefs: list[dict], seconds: float, lang: str = "vi"):
        self.L = L = Labels(lang)
        self.out_dir = Path(out_dir)
        self.split = len(briefs) > PER_PAGE_LIMIT
        rows = [_summary_row(b, f"review/{b['doc_id']}.html" if self.split else f"#doc-{b['doc_id']}", L)
                for b in briefs]
        head = _head(L, ["document", "kind", "pages", "records", "need_look", "warnings", "unparsed", "seconds",
                         "failure"])
        counts = L("summary", documents=len(briefs), records=sum(b["records"] for b in briefs),
                   failed=sum(b["status"] == "failed" for b in briefs), seconds=L.number(seconds, 1))
        self._briefs = briefs
        self._main = AtomicText(self.out_dir / "review.html")
        self._main.write(_page_head(L("title"), L) +
                         f"<h1>{escape(L('title'))}</h1><p>{escape(counts)} {L('legend')}</p>{_bar(L)}"
                         f'<div class="wide"><table class="sortable"><thead>{head}</thead>'
                         f"<tbody>{''.join(rows)}</tbody></table></div>")
        if self.split:
            (self.out_dir / "review").mkdir(parents=True, exist_ok=True)

    def add(self, index: int, section: Callable[[], tuple[list[str], dict]], fresh: bool) -> None:
        """Document `index` (of the briefs): section() gives its section_pieces, asked only when its section is
        written; fresh: converted in this run, so its page and images are written even if present."""
        if not self.split:
            pieces, files = section()
            self._main.write("\n" + "review/".join(pieces))
            _write_images(self.out_dir, files, fresh)
            return
        b = self._briefs[index]
        page = self.out_dir / "review" / f"{b['doc_id']}.html"
        if not fresh and _written_in(page, self.L.lang):
            return
        pieces, files = section()
        body = (f'<p><a href="../review.html">{escape(self.L("all_documents"))}</a></p>{_bar(self.L)}'
                + "".join(pieces))
        write_atomic(page, _page(b["source"], body, self.L))
        _write_images(self.out_dir, files, fresh)

    def close(self) -> Path:
        try:
            self._main.write(PAGE_END)
            self._main.commit()
        except BaseException:
            self._main.abort()   # a full disk leaves the earlier page and no temp file
            raise
        return self._main.path

    def abort(self) -> None:
        self._main.abort()


def write_review(out_dir: Path, documents: Sequence[Document], seconds: float, lang: str = "vi",
                 briefs: Optional[list[dict]] = None, fresh: Optional[set[int]] = None) -> Path:
    """Write DIR/review.html (and DIR/review/<doc_id>.html for large runs) from whole documents, in lang
    (LABELS: vi or en); return the main page's path. fresh: the indices of the documents whose pages are
    written even if present (all when None). A run writes its review from its parts instead (ReviewWriter)."""
    if briefs is None:
        from chitieu.output.parts import brief
        briefs = [brief(d) for d in documents]
    writer = ReviewWriter(out_dir, briefs, seconds, lang)
    try:
        for i in range(len(briefs)):
            writer.add(i, lambda i=i: section_pieces(documents[i], writer.L), fresh is None or i in fresh)
    except BaseException:
        writer.abort()
        raise
    return writer.close()


def _written_in(page: Path, lang: str) -> bool:
    """True when a document's page is there, in this language (a run with another --lang writes it anew)."""
    try:
        with open(page, "rb") as fh:
            return f'<html lang="{lang}">'.encode() in fh.read(200)
    except OSError:
        return False


def _summary_row(b: dict, link: str, L: Labels) -> str:
    return (f'<tr class="{"failed" if b["status"] == "failed" else ""}"><td><a href="{link}">{escape(b["source"])}'
            f'</a></td><td>{escape(L.code("kind", b["kind"]))}</td><td class="num">{b["pages"]}</td>'
            f'<td class="num">{b["records"]}</td><td class="num">{b["looks"]}</td>'
            f'<td class="num">{b["warnings"]}</td><td class="num">{b["unparsed"]}</td>'
            f'<td class="num" data-v="{b["seconds"]:.2f}">{L.number(b["seconds"], 2)}</td>'
            f'<td>{escape(b["error"] or "")}</td></tr>')
