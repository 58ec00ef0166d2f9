"""Which files of the given folders are inputs, and why every other one is skipped. Only regular files are
inputs: a FIFO or a device would block or never end when opened, so they are skipped from their type alone,
before anything opens them. Nothing is left out silently: each skipped file or folder is listed in report.json
with a reason and a code (SkipCode)."""
from __future__ import annotations

import errno
import os
import stat
from enum import Enum
from pathlib import Path
from typing import Iterable, Optional

from extract import INPUT_SUFFIXES, looks_like_input
from output.controls import printable_name

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


def collect_inputs(paths: Iterable[Path], out_dir: Optional[Path] = None,
                   follow_links: bool = False) -> tuple[list[tuple[Path, str]], list[dict]]:
    """Expand files and folders (recursively, sorted) into (path, source name) pairs, and what was skipped.
    A source name is shown and stored with control characters and undecodable bytes escaped; the path stays
    as the system gives it. out_dir, when inside a given folder, is skipped."""
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
    return found, skipped
