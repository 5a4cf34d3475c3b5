"""The audit table: one row per flush (and per quarantine replay) in the target schema, on both engines."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import typing
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.json as pj

from target_databricks.types import JSON_ENCODER, TIMESTAMP

STATUS_LOADED = "loaded"
STATUS_QUARANTINED = "quarantined"
STATUS_REPLAYED = "replayed"
# What identifies an audit row: a retried write (lost reply) of the same row is skipped, not repeated.
KEY_COLUMNS = ("run_id", "batch_id", "status")


@dataclass
class AuditRow:
    """One row of the audit table: its fields, in order, are the table's columns (AUDIT_SCHEMA)."""

    run_id: str
    stream: str
    table_name: str
    rows_in: int
    inserted: int = 0
    updated: int = 0
    deleted: int = 0
    rejected: int = 0
    duration_seconds: float = 0.0
    status: str = STATUS_LOADED
    error: str | None = None
    batch_id: str = ""
    engine: str = ""
    finished_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))



# Python type of an AuditRow field → its column type: the dataclass is the one declaration of the columns.
ARROW_TYPES: dict[object, pa.DataType] = {
    str: pa.string(),
    int: pa.int64(),
    float: pa.float64(),
    dt.datetime: TIMESTAMP,
}


def _arrow_type(hint: object) -> pa.DataType:
    """`X` or `X | None` (every audit column is nullable) → its Arrow type."""
    members = [m for m in typing.get_args(hint) if m is not type(None)] or [hint]
    return ARROW_TYPES[members[0]]


AUDIT_SCHEMA = pa.schema(
    [pa.field(name, _arrow_type(hint)) for name, hint in typing.get_type_hints(AuditRow).items()]
)


def to_table(rows: list[AuditRow]) -> pa.Table:
    """Through Arrow's JSON reader, like records: `Table.from_pylist` makes pyarrow import pandas (~0.8 s
    per run), which a delta run otherwise never needs."""
    data = JSON_ENCODER.encode_lines([dataclasses.asdict(r) for r in rows])
    options = pj.ParseOptions(explicit_schema=AUDIT_SCHEMA, unexpected_field_behavior="error")
    return pj.read_json(io.BytesIO(data), parse_options=options)
