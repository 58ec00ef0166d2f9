"""Writes a run's results: records.csv, records.json, documents.json, report.json — each atomically."""
from output.atomic import write_atomic  # noqa: F401
from output.files import write_outputs  # noqa: F401
