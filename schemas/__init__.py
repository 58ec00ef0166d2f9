"""The data that flows between the stages, and the JSON Schema that records are validated against."""
from chitieu.schemas.model import (  # noqa: F401
    Cell, DocMeta, Document, Edit, Line, Page, Problem, Record, RECORD_FIELDS, Unparsed,
)
from chitieu.schemas.validate import validate_record, record_schema  # noqa: F401
