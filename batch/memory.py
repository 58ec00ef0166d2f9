"""--max-memory in a worker process: the MB a file may use, on top of what the program itself takes.

The limit is an address-space limit (RLIMIT_AS). Python with numpy, OpenCV, pdfium and the syllable model maps
about 650-800 MB of address space before it reads a byte of any file (measured on this machine; its resident
memory is about 200 MB), so a limit of 256 MB taken as the whole made every file fail, 3 KB text files too, as
"internal error (MemoryError)". The worker therefore loads what files need first, measures its own address
space, and allows that plus --max-memory.

Windows has no `resource` module (no per-process address-space limit): there the run goes on without a limit
and says so once in report.json (NOT_ENFORCED), rather than every run failing at `import resource`."""
from __future__ import annotations

from typing import Optional

try:
    import resource
except ImportError:  # Windows
    resource = None

# The one warning a run carries when the worker could not limit its memory (batch/workers.py adds it once).
NOT_ENFORCED = ("--max-memory is not enforced on this system (it cannot limit a process's memory): "
                "files were converted without a memory limit")


def limit_memory(memory_mb: Optional[int]) -> Optional[int]:
    """Load the libraries and models every file may need, then limit the address space to what they take plus
    memory_mb; return the program's own share in MB (0 when there is no limit), or None when this system cannot
    set the limit (no `resource` module, or the limit refused)."""
    if not memory_mb:
        return 0
    if resource is None:
        return None
    _load_everything()
    base = address_space()
    limit = base + memory_mb * 2**20
    try:
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ValueError, OSError, AttributeError):  # a system without RLIMIT_AS, or one that refuses it
        return None
    return base // 2**20


def _load_everything() -> None:
    """What a file may need, loaded before the limit so that it counts as the program's (imports done later
    would map their libraries inside the file's share)."""
    import cv2  # noqa: F401 — OCR, grids
    import numpy  # noqa: F401
    import pdfplumber  # noqa: F401
    import pypdfium2  # noqa: F401
    import pytesseract  # noqa: F401
    from PIL import Image  # noqa: F401

    from chitieu import pipeline  # noqa: F401
    from chitieu.normalize.lexicon import shipped_lexicon
    from chitieu.normalize.syllable_model import shipped_model
    shipped_model()
    shipped_lexicon()


def address_space() -> int:
    """This process's address space in bytes (Linux /proc; elsewhere its peak resident size, a lower bound)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    if resource is None:
        return 0
    import sys
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024  # bytes on macOS, KB elsewhere


def out_of_memory(doc, memory_mb: Optional[int], base_mb: Optional[int]):
    """A document that failed with a MemoryError under the limit, reported as out-of-memory (process_file
    turns every unexpected exception into an internal error; under --max-memory this one is the limit).
    base_mb None: no limit was set, so a MemoryError is the machine's, and stays an internal error."""
    if (memory_mb and base_mb is not None and doc.error_code == "internal-error"
            and (doc.error or "").startswith("internal error (MemoryError")):
        doc.error_code = "out-of-memory"
        doc.error = (f"the file needed more than {memory_mb} MB of memory (beyond the {base_mb} MB the program "
                     "itself takes); raise --max-memory or split it")
    return doc
