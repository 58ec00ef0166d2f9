"""The per-page choice of how to get a page's text, with the reason the user sees in documents.json."""
from __future__ import annotations

# Fewer words than this on a page means there is no usable text layer (a scan, or a stray page number).
MIN_WORDS = 3


def decide_page(words: list[dict]) -> tuple[str, str]:
    """Return (path, reason) for a PDF page from its text-layer words."""
    if len(words) >= MIN_WORDS:
        return "text-layer", f"page has a text layer ({len(words)} words)"
    if words:
        return "no-text", f"no text layer (scanned page): only {len(words)} word(s) on the page"
    return "no-text", "no text layer (scanned page)"
