"""Batches: worker processes that isolate each file, resume from what a run already finished, progress."""
from chitieu.batch.manifest import Manifest, pipeline_version, run_key
from chitieu.batch.workers import Task, run_in_process, run_isolated

__all__ = ["Manifest", "Task", "pipeline_version", "run_in_process", "run_isolated", "run_key"]
