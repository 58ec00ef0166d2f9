"""review.html: one self-contained page (no CDN, no external fonts or scripts) for a clerk to check a batch: a
sortable summary of the documents, then per document its metadata, its records (rows that need a look marked,
repaired words showing what was printed), and the lines that did not become records. Over PER_PAGE_LIMIT
documents, each document gets its own page in review/ so that the summary stays fast. Scanned pages show a
thumbnail and each table row its image as scanned: JPEG files in review/img/, referenced relatively."""
from __future__ import annotations

import difflib
import html
from pathlib import Path

from chitieu.output.atomic import write_atomic
from chitieu.output.controls import escape_controls
from chitieu.schemas.model import Document, Record

# Records whose confidence is below this, or that carry a warning, need a look.
LOOK_BELOW = 0.8
PER_PAGE_LIMIT = 50

CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:2em;border-top:2px solid #ccc;padding-top:.6em}
table{border-collapse:collapse;margin:.5em 0;width:100%}
th,td{border:1px solid #ddd;padding:3px 6px;vertical-align:top;text-align:left}
th{background:#f3f3f3;cursor:pointer;position:sticky;top:0}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.look td{background:#fff4d6}tr.failed td{background:#fde2e2}
mark.rep{background:#d7ecff;border-bottom:1px dotted #06c}
.warn{color:#a15c00;font-size:.9em}.meta{color:#555}.stt{white-space:nowrap}
body.only-look tr.rec:not(.look){display:none}
.bar{position:sticky;top:0;background:#fff;padding:.4em 0;z-index:2}
img.row{width:380px;display:block}td.title{min-width:22em}img.thumb{width:120px;border:1px solid #ccc;margin-right:6px}
table.cells th{cursor:default}td.merged{color:#999}tr.kind-total td{font-weight:600}tr.kind-heading td{font-style:italic}
"""
JS = """
function sortBy(th){const t=th.closest('table'),i=[...th.parentNode.children].indexOf(th),
rows=[...t.tBodies[0].rows],asc=th.dataset.asc!=='1';th.dataset.asc=asc?'1':'0';
const v=r=>{const s=r.cells[i].dataset.v??r.cells[i].innerText;const n=parseFloat(s);return isNaN(n)?s:n};
rows.sort((a,b)=>{const x=v(a),y=v(b);return (x>y?1:x<y?-1:0)*(asc?1:-1)});rows.forEach(r=>t.tBodies[0].appendChild(r))}
document.addEventListener('click',e=>{if(e.target.tagName==='TH'&&e.target.closest('table.sortable'))sortBy(e.target)});
function onlyLook(cb){document.body.classList.toggle('only-look',cb.checked)}
"""


def escape(text: str, quote: bool = True) -> str:
    """HTML-escaped, control characters made visible (an HTML page cannot hold a NUL or an ESC)."""
    return html.escape(escape_controls(text), quote)


def needs_look(rec: Record) -> bool:
    return bool(rec.warnings) or (rec.confidence is not None and rec.confidence < LOOK_BELOW)


def marked_title(rec: Record) -> str:
    """The title with each repaired word marked and the printed word in its tooltip."""
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
            was = " ".join(a[i1:i2]) or "(nothing)"
            out.append(f'<mark class="rep" title="printed: {escape(was, quote=True)}">{escape(" ".join(b[j1:j2]))}'
                       f'</mark>')
    return " ".join(out)


def _num(v) -> str:
    return "" if v is None else (f"{v:g}" if isinstance(v, float) else str(v))


def _records_table(doc: Document, images: dict) -> str:
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
            f'<td class="title">{marked_title(r)}{warn}</td><td class="num">{escape(r.value_raw or "")}</td>'
            f'<td>{escape(r.unit or "")}</td><td class="num">{escape(r.benchmark_raw or "")}</td><td>{target}</td>'
            f'<td>{escape(r.status or "")}</td><td>{escape(r.responsible or "")}</td>'
            f'<td class="num">{_num(r.confidence)}</td><td class="num">{r.page}</td>' +
            (f'<td>{_img(images.get((r.page, r.line)), "row as scanned", "row")}</td>' if show_images else "") +
            "</tr>")
    head = ("<tr><th>STT</th><th>Title</th><th>Value</th><th>Unit</th><th>National avg.</th><th>Target</th>"
            "<th>Status</th><th>Responsible</th><th>Conf.</th><th>Page</th>" +
            ("<th>As scanned</th>" if show_images else "") + "</tr>")
    return f'<table class="sortable records"><thead>{head}</thead><tbody>{"".join(rows)}</tbody></table>'


def _cells_table(doc: Document, table) -> str:
    """One table as printed: its header paths over every record's cells (totals in bold, headings in italics,
    cells repeated from a merged cell above in grey), folded away until the clerk opens it."""
    head = "".join(f"<th>{escape(c)}</th>" for c in table.columns)
    rows = []
    for r in doc.records:
        if r.table_index != table.index:
            continue
        cells = "".join(f'<td class="{"num" if c.value is not None else ""}{" merged" if c.merged else ""}"'
                        f'{" title=" + chr(34) + "repeated from the merged cell above" + chr(34) if c.merged else ""}>'
                        f"{escape(c.text)}</td>" for c in r.cells)
        rows.append(f'<tr class="kind-{escape(r.kind)}">{cells}</tr>')
    pages = ", ".join(str(p) for p in table.pages) or str(table.page)
    return (f"<details><summary>Table {table.index} as printed (page {escape(pages)}, {len(rows)} rows, "
            f"{len(table.columns)} columns)</summary><table class=\"cells\"><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table></details>")


def _img(src, alt: str, cls: str) -> str:
    return f'<img class="{cls}" loading="lazy" src="{escape(src, quote=True)}" alt="{alt}">' if src else ""


def save_images(out_dir: Path, doc: Document, prefix: str) -> tuple[dict, dict]:
    """Write the doc's page thumbnails and row images as JPEG files in DIR/review/img/; return their relative
    addresses (as seen from a page in `prefix`) by page, and by (page, line)."""
    pages, rows = {}, {}
    folder = out_dir / "review" / "img"
    wanted = {(r.page, r.line) for r in doc.records}  # rows that became records; others are not shown
    for p in doc.pages:
        if p.thumbnail:
            folder.mkdir(parents=True, exist_ok=True)
            name = f"{doc.doc_id}-p{p.number}.jpg"
            write_atomic(folder / name, p.thumbnail)
            pages[p.number] = f"{prefix}img/{name}"
        for ln in p.lines:
            if ln.image and (p.number, ln.number) in wanted:
                folder.mkdir(parents=True, exist_ok=True)
                name = f"{doc.doc_id}-p{p.number}-l{ln.number}.jpg"
                write_atomic(folder / name, ln.image)
                rows[(p.number, ln.number)] = f"{prefix}img/{name}"
    return pages, rows


def document_section(doc: Document, thumbs: dict | None = None, images: dict | None = None) -> str:
    m = doc.meta
    meta = " · ".join(escape(x) for x in (m.doc_type, m.number, m.issuer, m.place, m.date) if x)
    parts = [f'<h2 id="doc-{doc.doc_id}">{escape(doc.source)}</h2>',
             f'<p class="meta">{meta or "no heading found"}' + (f"<br>{escape(m.subject)}" if m.subject else "") +
             "</p>"]
    if doc.status == "failed":
        parts.append(f'<p class="warn">Failed: {escape(doc.error or "")}</p>')
        return "\n".join(parts)
    paths = ", ".join(f"p{p.number}: {escape(p.path)}" for p in doc.pages)
    parts.append(f'<p class="meta">{len(doc.pages)} page(s) ({paths}); layout {escape(doc.layout or "-")}</p>')
    if thumbs:
        parts.append('<p class="thumbs">' + "".join(
            f'<a href="{escape(src, quote=True)}">{_img(src, f"page {n}", "thumb")}</a>'
            for n, src in sorted(thumbs.items())) + "</p>")
    parts += [f'<div class="warn">⚠ {escape(w)}</div>' for w in doc.warnings]
    if doc.records:
        parts.append(_records_table(doc, images or {}))
    parts += [_cells_table(doc, t) for t in doc.tables]
    if doc.unparsed:
        rows = "".join(f'<tr><td class="num">{u.page}</td><td class="num">{u.line}</td><td>{escape(u.text)}</td>'
                       f'<td>{escape(u.reason)}</td></tr>' for u in doc.unparsed)
        parts.append(f"<details><summary>{len(doc.unparsed)} lines that are not records</summary>"
                     f'<table class="sortable"><thead><tr><th>Page</th><th>Line</th><th>Text</th><th>Why</th></tr>'
                     f"</thead><tbody>{rows}</tbody></table></details>")
    return "\n".join(parts)


def _page(title: str, body: str) -> str:
    return (f'<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>{escape(title)}</title>'
            f"<style>{CSS}</style><script>{JS}</script></head><body>{body}</body></html>\n")


def write_review(out_dir: Path, documents: list[Document], seconds: float) -> Path:
    """Write DIR/review.html (and DIR/review/<doc_id>.html for large runs); return the main page's path."""
    out_dir = Path(out_dir)
    split = len(documents) > PER_PAGE_LIMIT
    rows = []
    for d in documents:
        link = f"review/{d.doc_id}.html" if split else f"#doc-{d.doc_id}"
        looks = sum(needs_look(r) for r in d.records)
        rows.append(
            f'<tr class="{"failed" if d.status == "failed" else ""}"><td><a href="{link}">{escape(d.source)}</a></td>'
            f'<td>{escape(d.kind)}</td><td class="num">{len(d.pages)}</td><td class="num">{len(d.records)}</td>'
            f'<td class="num">{looks}</td><td class="num">{len(d.warnings) + sum(len(r.warnings) for r in d.records)}'
            f'</td><td class="num">{len(d.unparsed)}</td><td class="num">{d.seconds:.2f}</td>'
            f'<td>{escape(d.error or "")}</td></tr>')
    total = sum(len(d.records) for d in documents)
    summary = (f"<h1>chitieu review</h1><p>{len(documents)} documents, {total} records, "
               f"{sum(d.status == 'failed' for d in documents)} failed, {seconds:.1f} s. Rows marked yellow need a "
               "look (a warning or OCR confidence under 0.8); <mark class=rep>blue</mark> words were repaired "
               "(hover for what was printed).</p>"
               '<div class="bar"><label><input type="checkbox" onchange="onlyLook(this)"> only rows that need a '
               "look</label></div>"
               '<table class="sortable"><thead><tr><th>Document</th><th>Kind</th><th>Pages</th><th>Records</th>'
               "<th>Need a look</th><th>Warnings</th><th>Unparsed</th><th>Seconds</th><th>Failure</th></tr></thead>"
               f"<tbody>{''.join(rows)}</tbody></table>")
    if split:
        (out_dir / "review").mkdir(parents=True, exist_ok=True)
        for d in documents:
            body = ('<p><a href="../review.html">← all documents</a></p><div class="bar"><label><input '
                    'type="checkbox" onchange="onlyLook(this)"> only rows that need a look</label></div>' +
                    document_section(d, *save_images(out_dir, d, "")))
            write_atomic(out_dir / "review" / f"{d.doc_id}.html", _page(d.source, body))
        body = summary
    else:
        body = summary + "\n".join(document_section(d, *save_images(out_dir, d, "review/")) for d in documents)
    path = out_dir / "review.html"
    write_atomic(path, _page("chitieu review", body))
    return path
