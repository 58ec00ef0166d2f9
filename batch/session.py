"""What surrounds a run from the command line: stop signals handled like Ctrl-C, and library log lines kept off
the terminal, whose output is one line per file."""
from __future__ import annotations

import logging
import signal
from contextlib import contextmanager
from pathlib import Path

from chitieu.errors import ExitCode, Stopped

# Signals that ask a run to stop, and the exit code each gives (128 + the signal's number, as shells report).
# Those the system has: Windows has no SIGHUP (closing its console sends CTRL_CLOSE_EVENT, which Python cannot
# catch); its Ctrl-Break (SIGBREAK) is a stop like Ctrl-C.
STOP_SIGNALS = {getattr(signal, name): code for name, code in (
    ("SIGTERM", ExitCode.terminated), ("SIGHUP", ExitCode.hangup), ("SIGBREAK", ExitCode.interrupted))
    if hasattr(signal, name)}


@contextmanager
def stop_on_signals():
    """Within the block, SIGTERM and SIGHUP raise Stopped in the main thread, as Ctrl-C raises
    KeyboardInterrupt: the worker pool's cleanup stops the workers and the CLI says so in one line. Without
    this a SIGTERM ends the supervisor at once and leaves its workers running."""
    def stop(signum, frame):
        for sig in (*STOP_SIGNALS, signal.SIGINT):  # a second signal must not cut the cleanup short
            signal.signal(sig, signal.SIG_IGN)
        raise Stopped(signal.Signals(signum).name, STOP_SIGNALS[signum])

    before = {sig: signal.getsignal(sig) for sig in (*STOP_SIGNALS, signal.SIGINT)}
    for sig in STOP_SIGNALS:
        signal.signal(sig, stop)
    try:
        yield
    finally:
        for sig, handler in before.items():
            signal.signal(sig, handler)


class _LogFile(logging.FileHandler):
    """A log file whose folder is made at the first line (the output folder may not exist yet)."""

    def _open(self):
        Path(self.baseFilename).parent.mkdir(parents=True, exist_ok=True)
        return super()._open()


@contextmanager
def library_logs_to(path: Path):
    """Within the block, library log lines (pdfminer's 'Cannot concatenate matrix …') and Python warnings
    (PIL's DecompressionBombWarning) go to path instead of stderr, where they would land between the
    per-file lines. Worker processes forked within the block inherit it and append to the same file; spawned
    ones are given it (log_files)."""
    path = Path(path)
    try:
        path.unlink(missing_ok=True)  # one run's lines: every worker appends, so the file is emptied here, once
    except OSError:
        pass  # an output folder that cannot be written is reported by the run itself
    raise_before = logging.raiseExceptions
    handler = _log_to(path)
    try:
        yield
    finally:
        logging.captureWarnings(False)
        logging.raiseExceptions = raise_before
        logging.getLogger().removeHandler(handler)
        handler.close()


def log_files() -> tuple[str, ...]:
    """The files library_logs_to sends this process's library log lines to: a worker started by spawn (Windows)
    inherits no handler, so it is given these and opens them itself (log_to_files)."""
    return tuple(h.baseFilename for h in logging.getLogger().handlers if isinstance(h, _LogFile))


def log_to_files(paths) -> None:
    """In a spawned worker: library log lines and warnings appended to the supervisor's files (log_files)."""
    for path in paths:
        _log_to(Path(path))


def _log_to(path: Path) -> logging.Handler:
    handler = _LogFile(path, encoding="utf-8", delay=True)
    handler.setFormatter(logging.Formatter("%(asctime)s pid %(process)d %(name)s %(levelname)s: %(message)s"))
    logging.getLogger().addHandler(handler)  # with a handler, logging's last resort (stderr) is never used
    logging.captureWarnings(True)
    logging.raiseExceptions = False  # a log line that cannot be written (full disk) is dropped, not a traceback
    return handler
