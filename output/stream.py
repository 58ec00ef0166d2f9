"""Atomic files written piece by piece: a run's outputs are written as the documents are read, one at a time,
so no output is ever held whole in memory; a reader still sees the old file or the new one, never half of one
(as with output/atomic.py: temp file in the same folder, fsync, rename)."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from chitieu.output.atomic import make_readable


def temp_beside(path: Path) -> Path:
    """An empty temp file in path's folder, named as write_atomic names its own (.NAME.XXXX.tmp)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    return Path(tmp)


def replace_with(tmp: Path, path: Path) -> None:
    """Put a finished temp file (written by XlsxWriter, pyarrow, …) in path's place: synced, readable, renamed."""
    # read-write: Windows refuses to flush a file opened read-only
    fd = os.open(tmp, os.O_RDWR | getattr(os, "O_BINARY", 0))
    try:
        make_readable(fd, str(tmp))
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)


def discard(tmp: Path) -> None:
    try:
        os.unlink(tmp)
    except FileNotFoundError:
        pass


class AtomicText:
    """A UTF-8 text file written in pieces; commit() puts it in place, abort() leaves the old one."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.tmp = temp_beside(self.path)
        self._fh = open(self.tmp, "wb")

    def write(self, text: str | bytes) -> None:
        """Text (UTF-8; backslashreplace as write_atomic: a lone surrogate from an undecodable file name never
        fails the output), or bytes already encoded so (a part's segments)."""
        self._fh.write(text if isinstance(text, bytes) else text.encode("utf-8", errors="backslashreplace"))

    def commit(self) -> None:
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self._fh.close()
        replace_with(self.tmp, self.path)

    def abort(self) -> None:
        if not self._fh.closed:
            self._fh.close()
        discard(self.tmp)
