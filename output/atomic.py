"""Atomic writes: a reader sees the old file or the new one, never half of one."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def make_readable(fd: int, path: str) -> None:
    """Give a new temp file the mode open() would give it (mkstemp makes 0600; outputs are read by other users
    and tools). By descriptor where the system can (POSIX); Windows before Python 3.13 has no os.fchmod, and its
    os.chmod on the path only sets or clears read-only, which is all a mode means there."""
    mode = 0o666 & ~_umask()
    if hasattr(os, "fchmod"):
        os.fchmod(fd, mode)
    else:
        os.chmod(path, mode)


def write_atomic(path: Path, data: bytes | str, encoding: str = "utf-8") -> None:
    """Write to a temp file in the same folder, fsync it, then rename it over `path`."""
    path = Path(path)
    # backslashreplace: a lone surrogate (a byte that was not UTF-8, decoded by the system) is written as '\udcff'
    # rather than failing the whole output
    payload = data.encode(encoding, errors="backslashreplace") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        make_readable(fd, tmp)
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
