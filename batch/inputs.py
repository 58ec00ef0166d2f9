"""Which files of the given folders are inputs, and why every other one is skipped. Only regular files are
inputs: a FIFO or a device would block or never end when opened, so they are skipped from their type alone,
before anything opens them. Nothing is left out silently: each skipped file or folder is listed in report.json
with a reason and a code (SkipCode). Page images of one folder whose names differ only by a page number
(scan_0001.jpg, scan_0002.jpg, … as scanner software writes them) are one input: a PageGroup."""
from __future__ import annotations

import errno
import os
import re
import stat
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Iterable, Optional, Union

from chitieu.extract import INPUT_SUFFIXES, looks_like_input
from chitieu.output.controls import printable_name

# Longest path the system opens (bytes, with its NUL); a longer one fails with ENAMETOOLONG.
PATH_MAX = os.pathconf("/", "PC_PATH_MAX") if hasattr(os, "pathconf") else 4096
# The folder every chitieu output folder holds (the resume cache): such a folder is outputs, never inputs.
OUTPUT_MARK = ".chitieu"


class SkipCode(str, Enum):
    """Why a file or folder is not an input (report.json → skipped[].code)."""

    missing = "missing"              # named on the command line, does not exist
    not_input = "not-input"          # another file type (.docx, .xlsx, …)
    hidden = "hidden"                # .name: editors' and systems' files
    too_long = "too-long"            # a path longer than PATH_MAX cannot be opened
    unreadable = "unreadable"        # a folder that cannot be listed
    not_regular = "not-regular"      # FIFO, device, socket: opening it may block or never end
    link_outside = "link-outside"    # a link out of the input folder (--follow-links reads it)
    link_folder = "link-folder"      # links to folders are not followed (they may loop)
    output = "output"                # the output folder of this run, or of an earlier one


def _skip(skipped: list[dict], source: str, code: SkipCode, reason: str) -> None:
    skipped.append({"source": printable_name(source), "reason": reason, "code": code.value})


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a folder")):
        if test(mode):
            return name
    return "not a regular file"


def _too_long(path: Path) -> bool:
    return len(os.fsencode(str(path))) >= PATH_MAX


def _within(target: str, tree: str) -> bool:
    return os.path.commonpath([target, tree]) == tree


def _why_not_a_file(path: Path, tree: Optional[str], follow_links: bool) -> Optional[tuple[SkipCode, str]]:
    """None when path may be read as an input; else why not. Only stat() calls: nothing is opened."""
    try:
        lst = os.lstat(path)
    except OSError as exc:
        return SkipCode.unreadable, f"cannot be examined ({exc.strerror})"
    if not stat.S_ISLNK(lst.st_mode):
        return None if stat.S_ISREG(lst.st_mode) else (SkipCode.not_regular, f"{_kind(lst.st_mode)}, not a file")
    try:
        target = os.path.realpath(path, strict=True)
        st = os.stat(path)
    except OSError:
        return None  # a broken link or a loop: converted, it fails alone with "cannot be read"
    if not stat.S_ISREG(st.st_mode):
        return SkipCode.not_regular, f"a link to {_kind(st.st_mode)} ({printable_name(target)}), not a file"
    if tree is not None and not follow_links and not _within(target, tree):
        return SkipCode.link_outside, (f"a link to a file outside the input folder ({printable_name(target)}); "
                                       "--follow-links reads it")
    return None


def _is_output(folder: Path, out_dir: Optional[str]) -> bool:
    if out_dir is not None and os.path.realpath(folder) == out_dir:
        return True
    return os.path.isdir(folder / OUTPUT_MARK)  # os.path: a path too long to stat is simply not one


def _folders_to_walk(root: Path, dirs: list[str], top: Path, out_dir: Optional[str],
                     skipped: list[dict]) -> list[str]:
    keep = []
    for name in sorted(dirs):
        folder = root / name
        rel = folder.relative_to(top).as_posix()
        if _too_long(folder):
            _skip(skipped, rel, SkipCode.too_long, f"the path is longer than the system allows ({PATH_MAX} bytes); "
                  "move the folder higher up")
        elif os.path.islink(folder):
            _skip(skipped, rel, SkipCode.link_folder, "a link to a folder; links to folders are not followed")
        elif name.startswith("."):
            _skip(skipped, rel, SkipCode.hidden, "a hidden folder; its files are not read")
        elif _is_output(folder, out_dir):
            _skip(skipped, rel, SkipCode.output, "a chitieu output folder (--out); its files are not inputs")
        else:
            keep.append(name)
    return keep


def _folder_error(exc: OSError, top: Path, skipped: list[dict]) -> None:
    """os.walk's onerror: a folder it cannot list (without this, its files would vanish without a word)."""
    rel = Path(exc.filename).relative_to(top).as_posix() if exc.filename else str(top)
    if exc.errno == errno.ENAMETOOLONG:
        _skip(skipped, rel, SkipCode.too_long, f"the path is longer than the system allows ({PATH_MAX} bytes); "
              "move the files higher up")
    else:
        _skip(skipped, rel, SkipCode.unreadable, f"the folder cannot be read ({exc.strerror})")


def _file_in_folder(path: Path, rel: str, tree: str, follow_links: bool, found: list, skipped: list) -> None:
    if path.name.startswith("."):
        return _skip(skipped, rel, SkipCode.hidden, "a hidden file")
    if _too_long(path):
        return _skip(skipped, rel, SkipCode.too_long,
                     f"the path is longer than the system allows ({PATH_MAX} bytes); move the file higher up")
    why = _why_not_a_file(path, tree, follow_links)
    if why:
        return _skip(skipped, rel, *why)
    # by extension, and by content for the rest: a PDF saved as 'report' or 'scan.dat' counts
    if path.suffix.lower() in INPUT_SUFFIXES or (path.is_file() and looks_like_input(path)):
        found.append((path, printable_name(rel)))
    else:
        _skip(skipped, rel, SkipCode.not_input, f"not an input type ({path.suffix or 'no extension'})")


def _walk(top: Path, out_dir: Optional[str], follow_links: bool, found: list, skipped: list) -> None:
    tree = os.path.realpath(top)
    if _is_output(top, out_dir):
        return _skip(skipped, str(top), SkipCode.output, "a chitieu output folder (--out); its files are not inputs")
    for root, dirs, files in os.walk(top, onerror=lambda exc: _folder_error(exc, top, skipped)):
        root_path = Path(root)
        dirs[:] = _folders_to_walk(root_path, dirs, top, out_dir, skipped)
        for name in sorted(files):
            path = root_path / name
            _file_in_folder(path, path.relative_to(top).as_posix(), tree, follow_links, found, skipped)


def collect_inputs(paths: Iterable[Path], out_dir: Optional[Path] = None, follow_links: bool = False,
                   group_pages: bool = True) -> tuple[list[tuple[Union[Path, "PageGroup"], str]], list[dict]]:
    """Expand files and folders (recursively, sorted) into (path, source name) pairs, and what was skipped.
    A source name is shown and stored with control characters and undecodable bytes escaped; the path stays
    as the system gives it. out_dir, when inside a given folder, is skipped. With group_pages, the page images
    of one document are one PageGroup in place of their paths (see group_page_images)."""
    found: list[tuple[Path, str]] = []
    skipped: list[dict] = []
    out_real = os.path.realpath(out_dir) if out_dir is not None else None
    for given in map(Path, paths):
        if _too_long(given):
            _skip(skipped, str(given), SkipCode.too_long,
                  f"the path is longer than the system allows ({PATH_MAX} bytes)")
        elif os.path.isdir(given):
            _walk(given, out_real, follow_links, found, skipped)
        elif os.path.exists(given):
            # named on the command line: links are the user's choice, but only a regular file is opened
            why = _why_not_a_file(given, None, True)
            if why:
                _skip(skipped, str(given), *why)
            else:
                found.append((given, printable_name(given.name)))
        else:
            _skip(skipped, str(given), SkipCode.missing, "no such file or folder")
    return (group_page_images(found) if group_pages else found), skipped


# --- page images of one document -------------------------------------------------------------------------------

# Image files that may be the pages of one document (by name: a folder is grouped before anything is opened).
PAGE_IMAGE_SUFFIXES = {".png": "png", ".jpg": "jpg", ".jpeg": "jpg", ".tif": "tiff", ".tiff": "tiff"}
# The page number of a page image's name: its last run of digits ('scan_0012' → 'scan_', '0012', '';
# 'trang 3' → 'trang ', '3'; 'p-2' → 'p-', '2'; '0001' → '', '0001'); what is around it names the series.
PAGE_NUMBER = re.compile(r"^(?P<prefix>.*?)(?P<number>\d+)(?P<suffix>\D*)$")
# Up to this many missing pages between two numbers keep one document (a page lost by the scanner: warned);
# a longer gap starts another document (IMG_0012.jpg and IMG_0450.jpg are two photo sessions, not one report).
MAX_MISSING_PAGES = 3


@dataclass(frozen=True)
class PageGroup:
    """Page images of one document, in page order: one folder, names that differ only by a page number."""

    files: tuple[Path, ...]
    names: tuple[str, ...]        # each file's name as shown (control characters escaped), for reasons
    source: str                   # the group as one name: 'scans/scan_{0001..0012}.jpg'
    warnings: tuple[str, ...] = ()  # what the numbering says (a page missing), for the document's warnings


@dataclass(frozen=True)
class _PageImage:
    index: int       # position among the collected inputs: a group takes its first page's place
    path: Path
    source: str
    number: int
    digits: str      # the number as written ('0012'), for the group's name
    series: tuple    # (folder, prefix, suffix): what pages of one document share
    extension: str   # normalised ('jpeg' → 'jpg'): pages saved twice in two formats are told apart by it


def group_page_images(found: list[tuple[Path, str]]) -> list[tuple[Union[Path, PageGroup], str]]:
    """Replace the page images of each document by one PageGroup, in the place of its first page. A series is
    the images of one folder whose names differ only by their number, numbers compared as numbers (2 before
    10), any image extension (0001.jpg, 0002.png); a single image stays alone, and so does an image whose
    number another image of its series uses too in the same format (scan_1.jpg, scan_01.jpg)."""
    series: dict[tuple, list[_PageImage]] = {}
    for i, (path, source) in enumerate(found):
        page = _page_image(i, path, source)
        if page is not None:
            series.setdefault(page.series, []).append(page)
    groups: dict[int, tuple[PageGroup, set[int]]] = {}
    for pages in series.values():
        for run in (run for same in _without_twins(pages) for run in _runs(same)):
            if len(run) > 1:
                groups[run[0].index] = (_group(run), {p.index for p in run})
    taken = {i for _, members in groups.values() for i in members}
    out: list[tuple[Union[Path, PageGroup], str]] = []
    for i, item in enumerate(found):
        if i in groups:
            out.append((groups[i][0], groups[i][0].source))
        elif i not in taken:
            out.append(item)
    return out


def _page_image(index: int, path: Path, source: str) -> Optional[_PageImage]:
    extension = PAGE_IMAGE_SUFFIXES.get(path.suffix.lower())
    match = PAGE_NUMBER.match(path.stem) if extension else None
    if match is None:
        return None
    key = (str(path.parent), match["prefix"].casefold(), match["suffix"].casefold())
    return _PageImage(index, path, source, int(match["number"]), match["number"], key, extension)


def _without_twins(pages: list[_PageImage]) -> list[list[_PageImage]]:
    """The series to order. A number used twice (dispatch_003.png and dispatch_003.tiff: one page saved in two
    formats) gives no page order: the series is then taken format by format, and a format that still uses a
    number twice (scan_1.jpg, scan_01.jpg) leaves its images alone."""
    if _distinct(pages):
        return [pages]
    by_format: dict[str, list[_PageImage]] = {}
    for p in pages:
        by_format.setdefault(p.extension, []).append(p)
    return [same for same in by_format.values() if _distinct(same)]


def _distinct(pages: list[_PageImage]) -> bool:
    return len({p.number for p in pages}) == len(pages)


def _runs(pages: list[_PageImage]) -> list[list[_PageImage]]:
    """The series in page order, cut where more than MAX_MISSING_PAGES numbers are missing."""
    runs: list[list[_PageImage]] = []
    for page in sorted(pages, key=lambda p: p.number):
        if runs and page.number - runs[-1][-1].number <= MAX_MISSING_PAGES + 1:
            runs[-1].append(page)
        else:
            runs.append([page])
    return runs


def _group(run: list[_PageImage]) -> PageGroup:
    names = tuple(printable_name(p.path.name) for p in run)
    return PageGroup(files=tuple(p.path for p in run), names=names, source=_group_name(run),
                     warnings=tuple(_gaps(run, names)))


def _gaps(run: list[_PageImage], names: tuple[str, ...]) -> list[str]:
    """A warning per gap in the numbering: a page the scanner skipped, or a file lost on the way."""
    out = []
    for (a, name_a), (b, name_b) in zip(zip(run, names), zip(run[1:], names[1:])):
        if b.number - a.number > 1:
            missing = (str(a.number + 1) if b.number - a.number == 2 else f"{a.number + 1}-{b.number - 1}")
            out.append(f"page images: no page numbered {missing} between {name_a} and {name_b}; a page may be "
                       "missing")
    return out


def _group_name(run: list[_PageImage]) -> str:
    """'scans/scan_{0001..0012}.jpg'; with a gap 'scan_{0001..0002,0004}.jpg'; in several formats
    'scan_{0001..0003}.{jpg,png}'. The folder and the words around the number are the first page's."""
    first = run[0]
    match = PAGE_NUMBER.match(first.path.stem)
    folder = first.source[: len(first.source) - len(printable_name(first.path.name))]
    numbers = _number_ranges(run)
    suffixes = sorted({p.path.suffix for p in run})
    ext = suffixes[0] if len(suffixes) == 1 else ".{" + ",".join(s.lstrip(".") for s in suffixes) + "}"
    return printable_name(f"{folder}{match['prefix']}{{{numbers}}}{match['suffix']}{ext}")


def _number_ranges(run: list[_PageImage]) -> str:
    """'0001..0012', or '0001..0002,0004' around gaps: the numbers as written."""
    parts: list[list[_PageImage]] = []
    for p in run:
        if parts and p.number == parts[-1][-1].number + 1:
            parts[-1].append(p)
        else:
            parts.append([p])
    return ",".join(f"{r[0].digits}..{r[-1].digits}" if len(r) > 1 else r[0].digits for r in parts)
