"""Writes a run's results: records.csv, records.json, documents.json, report.json — each atomically."""
from chitieu.output.atomic import write_atomic  # noqa: F401
from chitieu.output.files import write_outputs  # noqa: F401
