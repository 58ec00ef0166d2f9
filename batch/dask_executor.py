"""Many machines: the same per-file task on a Dask distributed cluster. Results come back to the client, which
keeps the manifest and writes the outputs, exactly as with local workers. Imported only with --executor dask,
so local runs pay no Dask import cost. Every worker needs chitieu installed (same version) and, for scans,
Tesseract with its Vietnamese model."""
from __future__ import annotations

from typing import Iterable, Iterator, Optional

from batch.workers import Task, _failed
from errors import MissingDependency
from schemas import Document


def _convert(task: Task, settings) -> Document:
    import pipeline
    return pipeline.process_file(task.path, task.source, settings)


def run_dask(tasks: Iterable[Task], settings, scheduler: Optional[str],
             timeout: Optional[float] = None) -> Iterator[tuple[Task, Document]]:
    """Yield (task, Document) per task as the cluster finishes them; scheduler None starts a LocalCluster."""
    try:
        from distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise MissingDependency("--executor dask needs Dask: .venv/bin/pip install 'dask[distributed]'") from None
    tasks = list(tasks)
    if not tasks:
        return  # everything was resumed: no cluster needed
    cluster = None
    if scheduler:
        client = Client(scheduler, timeout="30s")
    else:
        cluster = LocalCluster(n_workers=max(1, settings.workers or 2), threads_per_worker=1, processes=True,
                               dashboard_address=None)
        client = Client(cluster)
    try:
        # the paths must be readable on the workers: a shared folder, or the same path on every machine
        futures = {client.submit(_convert, task, settings, pure=False, key=f"chitieu-{task.index}-{task.doc_id}"):
                   task for task in tasks}
        for future in as_completed(futures):
            task = futures[future]
            try:
                doc = future.result(timeout=timeout)
            except Exception as exc:  # noqa: BLE001 — a worker lost or a task that raised: this file failed
                doc = _failed(task, "crashed", f"the Dask worker converting this file failed "
                              f"({type(exc).__name__}: {str(exc)[:200]})")
            yield task, doc
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
