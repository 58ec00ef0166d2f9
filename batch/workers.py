"""Isolation: each file is converted in a worker process, so a crash, a hang or a memory blow-up in one file
costs that file only. The supervisor kills a worker that runs past the timeout or dies, records one failure line
for its file, starts a fresh worker and goes on.

Workers start by fork where the system has it (Linux, macOS) and by spawn elsewhere (Windows): a spawned worker
shares nothing with the supervisor, so everything it needs travels as picklable arguments (the settings, the
tasks, the library log files) and no module-level state of the supervisor is assumed."""
from __future__ import annotations

import multiprocessing as mp
import os
import signal
import sys
import time
import traceback
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional

from chitieu.batch.memory import NOT_ENFORCED, limit_memory, out_of_memory
from chitieu.batch.session import log_files, log_to_files
from chitieu.schemas import Document


# A worker's first message: its libraries are loaded and its memory limit set. A file's --timeout clock starts
# then, not when the file was handed over: a worker's start takes 2 s on an idle machine, several on a busy one,
# more when spawned (a fresh interpreter imports everything), and is not the file's doing.
READY = "ready"
STARTUP_LIMIT = 300.0  # seconds a worker may take to send READY before it is taken for stuck


@dataclass
class Task:
    index: int   # position among the run's inputs: outputs keep the input order
    path: Path
    source: str
    doc_id: str


def _worker_main(conn: Connection, settings, memory_mb: Optional[int], supervisor: int,
                 logs: tuple[str, ...] = (), finished: bool = True) -> None:
    """Convert the files sent over conn, one at a time, and send each back finished (batch/finish.py; its
    Document instead when not `finished`), or a failed Document when it could not be converted. The first
    message says the worker is ready, and whether it could limit its memory. logs: the supervisor's library log
    files, for a spawned worker (a forked one inherited them)."""
    _leave_stopping_to_the_supervisor(supervisor)
    log_to_files(logs)
    from chitieu import pipeline
    from chitieu.batch.finish import finish

    base_mb = limit_memory(memory_mb)  # batch/memory.py: --max-memory on top of the program's own memory
    conn.send((READY, not (memory_mb and base_mb is None)))
    while True:
        try:
            task = conn.recv()
        except EOFError:
            return
        if task is None:
            return
        try:
            doc = out_of_memory(pipeline.process_file(task.path, task.source, settings), memory_mb, base_mb)
            done = finish(doc, task.source, settings.lang) if finished else doc
        except MemoryError:
            done = _failed(task, "out-of-memory",
                           f"the file needed more than {memory_mb} MB of memory; raise --max-memory or split it")
        except BaseException as exc:  # noqa: BLE001 — --debug: the traceback goes back as the reason
            done = _failed(task, "internal-error", f"internal error ({type(exc).__name__}: {exc})\n"
                           + traceback.format_exc())
        try:
            conn.send(done)
        except MemoryError:
            conn.send(_failed(task, "out-of-memory", "the file's results did not fit in memory"))


def _leave_stopping_to_the_supervisor(supervisor: int) -> None:
    """Ctrl-C and a closed terminal (SIGHUP) reach the whole process group: the supervisor stops the workers (it
    knows which file each holds), so workers ignore them. SIGTERM keeps its default, so that terminate() (and
    multiprocessing's own cleanup at exit) still ends a worker. Workers die with the supervisor even when it is
    killed with -9 (Linux: PR_SET_PDEATHSIG), so that none is ever orphaned. Windows has no SIGHUP, and Ctrl-C
    and Ctrl-Break reach every process of the console, so workers ignore SIGBREAK too."""
    for name in ("SIGINT", "SIGHUP", "SIGBREAK"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # forked: the supervisor's Python handler would run here too
    if not sys.platform.startswith("linux"):
        return  # elsewhere the supervisor's cleanup and the pipe's EOF end the worker
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG = 1
        if os.getppid() != supervisor:  # the supervisor died before prctl took effect
            os._exit(0)
    except (OSError, AttributeError):
        pass  # a libc without prctl: the pipe's EOF still ends the worker


def _failed(task: Task, code: str, reason: str) -> Document:
    return Document(doc_id=task.doc_id, source=task.source, status="failed", error=reason, error_code=code)


class _Worker:
    def __init__(self, ctx, settings, memory_mb, finished: bool = True):
        self.conn, child = ctx.Pipe()
        logs = () if ctx.get_start_method() == "fork" else log_files()  # forked: the handlers came along
        self.proc = ctx.Process(target=_worker_main,
                                args=(child, settings, memory_mb, os.getpid(), logs, finished), daemon=True)
        self.proc.start()
        child.close()
        self.task: Optional[Task] = None
        self.started = 0.0
        self.born = time.monotonic()
        self.ready_at: Optional[float] = None

    def give(self, task: Task) -> None:
        self.task, self.started = task, time.monotonic()
        self.conn.send(task)

    def receive(self):
        """(READY, whether it limits its memory), a file's result, or None when the pipe broke (it died)."""
        try:
            return self.conn.recv()
        except (EOFError, OSError):
            return None

    def overdue(self, now: float, timeout: Optional[float]) -> Optional[str]:
        """Why the current file is stopped for time, or None: past --timeout since the worker was ready, or the
        worker never ready."""
        if self.ready_at is None:
            if now - self.born > STARTUP_LIMIT:
                return (f"its worker process did not start within {STARTUP_LIMIT:g} s and was stopped; "
                        "check that the machine is not out of memory")
            return None
        if timeout and now - max(self.started, self.ready_at) > timeout:
            return f"took longer than {timeout:g} s and was stopped; raise --timeout for very large files"
        return None

    def stop(self) -> None:
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join(5)
        self.conn.close()


def run_isolated(tasks: Iterable[Task], settings, workers: int, timeout: Optional[float],
                 memory_mb: Optional[int], notes: Optional[list] = None,
                 finished: bool = True) -> Iterator[tuple[Task, object]]:
    """Yield (task, result) per task, in completion order: the worker's Finished (batch/finish.py; its Document
    when not `finished`, for callers that keep documents in memory), or a failed Document for a file whose worker
    died or ran out of time. notes: the run's notes, which get NOT_ENFORCED (once) when a worker could not limit
    its memory."""
    ctx = mp.get_context(start_method())
    pending = list(tasks)
    pending.reverse()

    def worker():
        return _Worker(ctx, settings, memory_mb, finished)
    pool = [worker() for _ in range(max(1, min(workers, len(pending))))]
    try:
        while pending or any(w.task for w in pool):
            for w in pool:
                if w.task is None and pending:
                    w.give(pending.pop())
            busy = [w for w in pool if w.task]
            ready = wait([w.conn for w in busy] + [w.proc.sentinel for w in busy], timeout=0.5)
            now = time.monotonic()
            for i, w in enumerate(pool):
                if not w.task:
                    continue
                task = w.task
                if w.conn in ready:
                    done = w.receive()
                    if isinstance(done, tuple) and done[0] == READY:
                        w.ready_at = now
                        if not done[1] and notes is not None and NOT_ENFORCED not in notes:
                            notes.append(NOT_ENFORCED)
                        continue
                    if done is not None:
                        w.task = None
                        yield task, done
                        continue
                if w.proc.sentinel in ready or not w.proc.is_alive():
                    code = w.proc.exitcode
                    why = (f"killed by signal {-code}" if code is not None and code < 0 else f"exit code {code}")
                    w.stop()
                    pool[i] = worker()
                    yield task, _failed(task, "crashed", f"the worker converting this file died ({why}); "
                                  "the file may be damaged or too large")
                elif why := w.overdue(now, timeout):
                    w.stop()
                    pool[i] = worker()
                    yield task, _failed(task, "timeout", why)
    finally:
        for w in pool:
            try:
                w.conn.send(None)
            except (OSError, ValueError):
                pass
            w.stop()


def start_method() -> str:
    """fork where the system has it: a worker starts at once with everything loaded. spawn elsewhere (Windows):
    a fresh interpreter that imports what it needs."""
    return "fork" if hasattr(os, "fork") else "spawn"


def run_in_process(tasks: Iterable[Task], settings, convert: Callable) -> Iterator[tuple[Task, Document]]:
    """The same without worker processes (workers=0): for Python callers and debugging."""
    for task in tasks:
        yield task, convert(task.path, task.source, settings)
