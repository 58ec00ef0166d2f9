"""Lists printed two-up (or three-up): one grid holding the same columns twice side by side, each copy with its own
STT ('STT | Tên địa phương | Ký hiệu' and again to the right), often with an empty gap column between the copies.
Annexes print long code lists so to fill the page. Read as one table: the left copy's rows, then the right
copy's, which is the order of their numbers; the gap columns are no columns of the table."""
from __future__ import annotations

from dataclasses import replace
from typing import Optional

from chitieu.normalize.unicode import fold
from chitieu.parse.assemble import Item
from chitieu.parse.header import role_of
from chitieu.schemas.model import Cell

# Row shapes whose cells are numbered by column (a ruled grid, tabs, bars, Markdown): a copy is a run of indices.
INDEXED = frozenset({"pdf-grid", "tabs", "bars", "markdown"})
MAX_COPIES = 3


def copies(texts: list[str]) -> Optional[list[list[int]]]:
    """The column indices of each copy when a header row is the same columns printed side by side, each copy
    opening with an STT column; else None. A header that only repeats its leaf columns under groups ('Số lượng |
    Tỷ lệ' under each year) has no STT of its own in each copy and is not split."""
    words = [" ".join(fold(t).split()) for t in texts]
    filled = [i for i, w in enumerate(words) if w]
    for count in range(2, MAX_COPIES + 1):
        width, rest = divmod(len(filled), count)
        if rest or width < 2:
            continue
        groups = [filled[k * width:(k + 1) * width] for k in range(count)]
        first = [words[i] for i in groups[0]]
        if role_of(texts[groups[0][0]]) != "stt":
            continue
        if all([words[i] for i in g] == first for g in groups[1:]) and _contiguous(groups):
            return groups
    return None


def _contiguous(groups: list[list[int]]) -> bool:
    """Each copy's columns next to each other (a gap column may only lie between copies)."""
    return all(g[-1] - g[0] == len(g) - 1 for g in groups)


def _part(item: Item, columns: list[int]) -> Item:
    """The item cut down to one copy's columns, renumbered from 0."""
    cells = [replace(item.cells[i], col=k) for k, i in enumerate(columns)]
    left = next((c.x0 for c in cells if c.x0 is not None), None)
    right = next((c.x1 for c in reversed(cells) if c.x1 is not None), None)
    words = item.line.words
    if words is not None and left is not None and right is not None:
        words = [w for w in words if w.x0 is not None and left <= w.x0 < right]
    line = replace(item.line, text="\t".join(c.text for c in cells), cells=cells, words=words)
    return replace(item, line=line, cells=cells)


def _block_end(items: list[Item], start: int) -> int:
    """The index after the last row of the grid that starts at `start` (rows of the header's width)."""
    header = items[start]
    end = start + 1
    while end < len(items) and items[end].how == header.how and items[end].cells is not None \
            and len(items[end].cells) == len(header.cells):
        end += 1
    return end


def unfold_side_by_side(items: list[Item]) -> list[Item]:
    """The items with every side-by-side block read copy after copy; other items as they are."""
    out: list[Item] = []
    index = 0
    while index < len(items):
        item = items[index]
        groups = copies(item.texts) if item.cells and item.how in INDEXED else None
        if groups is None:
            out.append(item)
            index += 1
            continue
        end = _block_end(items, index)
        block = items[index:end]
        out.append(_part(item, groups[0]))
        for k, columns in enumerate(groups):
            # a copy's own header row (repeated on the block's later rows) is dropped: the left one stands for all
            out.extend(_part(row, columns) for row in block[1:] if copies(row.texts) is None)
        index = end
    return out
