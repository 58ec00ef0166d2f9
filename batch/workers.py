"""Isolation: each file is converted in a worker process, so a crash, a hang or a memory blow-up in one file
costs that file only. The supervisor kills a worker that runs past the timeout or dies, records one failure line
for its file, starts a fresh worker and goes on."""
from __future__ import annotations

import multiprocessing as mp
import os
import signal
import time
import traceback
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional

from chitieu.batch.memory import limit_memory, out_of_memory
from chitieu.schemas import Document



@dataclass
class Task:
    index: int   # position among the run's inputs: outputs keep the input order
    path: Path
    source: str
    doc_id: str


def _worker_main(conn: Connection, settings, memory_mb: Optional[int], supervisor: int) -> None:
    """Convert the files sent over conn, one at a time, and send each Document back."""
    from chitieu import pipeline

    _leave_stopping_to_the_supervisor(supervisor)
    base_mb = limit_memory(memory_mb)  # batch/memory.py: --max-memory on top of the program's own memory
    while True:
        try:
            task = conn.recv()
        except EOFError:
            return
        if task is None:
            return
        try:
            doc = out_of_memory(pipeline.process_file(task.path, task.source, settings), memory_mb, base_mb)
        except MemoryError:
            doc = _failed(task, "out-of-memory",
                          f"the file needed more than {memory_mb} MB of memory; raise --max-memory or split it")
        except BaseException as exc:  # noqa: BLE001 — --debug: the traceback goes back as the reason
            doc = _failed(task, "internal-error", f"internal error ({type(exc).__name__}: {exc})\n"
                          + traceback.format_exc())
        try:
            conn.send(doc)
        except MemoryError:
            conn.send(_failed(task, "out-of-memory", "the file's results did not fit in memory"))


def _leave_stopping_to_the_supervisor(supervisor: int) -> None:
    """Ctrl-C and a closed terminal (SIGHUP) reach the whole process group: the supervisor stops the workers (it
    knows which file each holds), so workers ignore them. SIGTERM keeps its default, so that terminate() (and
    multiprocessing's own cleanup at exit) still ends a worker. Workers die with the supervisor even when it is
    killed with -9 (Linux: PR_SET_PDEATHSIG), so that none is ever orphaned."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # forked: the supervisor's Python handler would run here too
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG = 1
        if os.getppid() != supervisor:  # the supervisor died before prctl took effect
            os._exit(0)
    except (OSError, AttributeError):
        pass  # not Linux: the supervisor's cleanup and the pipe's EOF still end the worker


def _failed(task: Task, code: str, reason: str) -> Document:
    return Document(doc_id=task.doc_id, source=task.source, status="failed", error=reason, error_code=code)


class _Worker:
    def __init__(self, ctx, settings, memory_mb):
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker_main, args=(child, settings, memory_mb, os.getpid()),
                                daemon=True)
        self.proc.start()
        child.close()
        self.task: Optional[Task] = None
        self.started = 0.0

    def give(self, task: Task) -> None:
        self.task, self.started = task, time.monotonic()
        self.conn.send(task)

    def stop(self) -> None:
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join(5)
        self.conn.close()


def run_isolated(tasks: Iterable[Task], settings, workers: int, timeout: Optional[float],
                 memory_mb: Optional[int]) -> Iterator[tuple[Task, Document]]:
    """Yield (task, Document) per task, in completion order; failures of any kind become failed Documents."""
    ctx = mp.get_context("fork" if hasattr(os, "fork") else "spawn")
    pending = list(tasks)
    pending.reverse()
    pool = [_Worker(ctx, settings, memory_mb) for _ in range(max(1, min(workers, len(pending))))]
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
                    try:
                        doc = w.conn.recv()
                    except (EOFError, OSError):
                        doc = None
                    if doc is not None:
                        w.task = None
                        yield task, doc
                        continue
                if w.proc.sentinel in ready or not w.proc.is_alive():
                    code = w.proc.exitcode
                    why = (f"killed by signal {-code}" if code is not None and code < 0 else f"exit code {code}")
                    w.stop()
                    pool[i] = _Worker(ctx, settings, memory_mb)
                    yield task, _failed(task, "crashed", f"the worker converting this file died ({why}); "
                                  "the file may be damaged or too large")
                elif timeout and now - w.started > timeout:
                    w.stop()
                    pool[i] = _Worker(ctx, settings, memory_mb)
                    yield task, _failed(task, "timeout", f"took longer than {timeout:g} s and was stopped; "
                                  "raise --timeout for very large files")
    finally:
        for w in pool:
            try:
                w.conn.send(None)
            except (OSError, ValueError):
                pass
            w.stop()


def run_in_process(tasks: Iterable[Task], settings, convert: Callable) -> Iterator[tuple[Task, Document]]:
    """The same without worker processes (workers=0): for Python callers and debugging."""
    for task in tasks:
        yield task, convert(task.path, task.source, settings)
