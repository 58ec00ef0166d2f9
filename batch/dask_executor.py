"""Many machines: the same per-file task on a Dask distributed cluster. Results come back to the client one by
one as files finish; it keeps the manifest and streams each result to the outputs (it never holds them all),
exactly as with local workers. Imported only with --executor dask, so local runs pay no Dask import cost. Every
worker needs chitieu installed (same version) and, for scans, Tesseract with its Vietnamese model.

--timeout and --max-memory hold as locally: a Dask worker converts each file in a child process of its own
(batch/workers.py's isolation, one file), which is stopped past --timeout, limited to --max-memory on top of
what the program takes, and whose crash costs that file only; the Dask worker itself lives on. That needs worker
processes that may have children: this module starts its LocalCluster so, and a cluster's workers are started
with DASK_DISTRIBUTED__WORKER__DAEMON=False. Workers that cannot (the default) convert in their own thread:
--max-memory does not hold there, and --timeout is enforced from here, as a backstop in every case: the cluster
is given no more files than it has worker threads, so a file's clock starts when a thread takes it (the workers
load the models first); a file past its time is cancelled and the worker process running it is restarted (a
Python thread cannot be stopped otherwise), and the file is reported as timed out."""
from __future__ import annotations

import time
from typing import Iterable, Iterator, Optional

from chitieu.batch.workers import Task, _failed
from chitieu.errors import MissingDependency

# How often (seconds) running files are checked against --timeout while none finishes.
POLL = 0.5
# Seconds the client waits past --timeout when the workers stop their own files: the worker's own stop (and its
# report) comes first; the client's is for a worker that hangs.
GRACE = 30


def _warm() -> None:
    """Load what every file needs (the pipeline's imports, the syllable model, the lexicon) before any file's
    clock starts: a fresh worker spends seconds on them, which are no file's fault."""
    import cv2  # noqa: F401 — what a file's child process would otherwise import anew, each time
    import pdfplumber  # noqa: F401
    import pypdfium2  # noqa: F401
    from PIL import Image  # noqa: F401

    from chitieu import pipeline  # noqa: F401
    from chitieu.normalize.lexicon import shipped_lexicon
    from chitieu.normalize.syllable_model import shipped_model
    shipped_model()
    shipped_lexicon()


def _can_isolate() -> bool:
    """Whether this worker process may start a child process per file (Dask starts daemonic workers unless
    distributed.worker.daemon is False, and a daemonic process may have no children)."""
    import multiprocessing
    import os
    return hasattr(os, "fork") and not multiprocessing.current_process().daemon


def _convert(task: Task, settings):
    """One file converted and finished (batch/finish.py) on the worker: the client only writes and ingests."""
    if _can_isolate():
        from chitieu.batch.workers import run_isolated
        ((_, done),) = list(run_isolated([task], settings, 1, settings.timeout, settings.max_memory))
        return done
    from chitieu import pipeline
    from chitieu.batch.finish import finish
    return finish(pipeline.process_file(task.path, task.source, settings), task.source, settings.lang)


def run_dask(tasks: Iterable[Task], settings, scheduler: Optional[str],
             timeout: Optional[float] = None) -> Iterator[tuple[Task, object]]:
    """Yield (task, result) per task as the cluster finishes them: its Finished (batch/finish.py) or a failed
    Document; scheduler None starts a LocalCluster."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise MissingDependency("--executor dask needs Dask: .venv/bin/pip install 'dask[distributed]'") from None
    tasks = list(tasks)
    if not tasks:
        return  # everything was resumed: no cluster needed
    cluster = None
    if scheduler:
        client = Client(scheduler, timeout="30s")
    else:
        import dask
        with dask.config.set({"distributed.worker.daemon": False}):  # each file in a child process of its own
            cluster = LocalCluster(n_workers=max(1, settings.workers or 2), threads_per_worker=1, processes=True,
                                   dashboard_address=None)
        client = Client(cluster)
    try:
        # the paths must be readable on the workers: a shared folder, or the same path on every machine
        yield from _run(client, tasks, settings, timeout)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _run(client, tasks: list[Task], settings, timeout: Optional[float]) -> Iterator[tuple[Task, object]]:
    from distributed import wait

    client.run(_warm)  # before any clock starts, and once per worker rather than once per file's child process
    backstop = timeout
    if timeout and all(client.run(_can_isolate).values()):
        backstop = timeout + GRACE  # the workers stop their own files at --timeout
    queue = list(reversed(tasks))
    running: dict = {}   # future → (task, when it was handed to the cluster)
    while queue or running:
        slots = max(1, sum(client.nthreads().values()))
        while queue and len(running) < slots:
            task = queue.pop()
            future = client.submit(_convert, task, settings, pure=False, key=f"chitieu-{task.index}-{task.doc_id}")
            running[future] = (task, time.monotonic())
        try:
            done = wait(list(running), timeout=POLL, return_when="FIRST_COMPLETED").done
        except TimeoutError:
            done = set()
        for future in done:
            task, _ = running.pop(future)
            yield task, _result(future, task)
        now = time.monotonic()
        for future, (task, started) in list(running.items()):
            if backstop and now - started > backstop:
                del running[future]
                _stop(client, future)
                yield task, _failed(task, "timeout", f"took longer than {timeout:g} s and was stopped; "
                                    "raise --timeout for very large files")


def _result(future, task: Task):
    try:
        return future.result()
    except Exception as exc:  # noqa: BLE001 — a worker lost or a task that raised: this file failed
        return _failed(task, "crashed", f"the Dask worker converting this file failed "
                       f"({type(exc).__name__}: {str(exc)[:200]})")


def _stop(client, future) -> None:
    """Cancel a running file and restart the worker process that runs it (its nanny starts a fresh one)."""
    holders = [worker for worker, keys in client.processing().items() if future.key in keys]
    client.cancel(future, force=True)
    if holders:
        try:
            client.restart_workers(holders, timeout=60)
            client.run(_warm)  # on every worker: the restarted one has a new address (and the others are warm)
        except Exception:  # noqa: BLE001 — a worker without a nanny cannot be restarted: it finishes in vain
            pass
