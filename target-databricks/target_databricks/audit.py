"""The audit table: one row per flush (and per quarantine replay) in the target schema, on both engines."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.json as pj

from target_databricks.types import JSON_ENCODER, TIMESTAMP

STATUS_LOADED = "loaded"
STATUS_QUARANTINED = "quarantined"
STATUS_REPLAYED = "replayed"
# What identifies an audit row: a retried write (lost reply) of the same row is skipped, not repeated.
KEY_COLUMNS = ("run_id", "batch_id", "status")

AUDIT_SCHEMA = pa.schema(
    [
        pa.field("run_id", pa.string()),
        pa.field("stream", pa.string()),
        pa.field("table_name", pa.string()),
        pa.field("rows_in", pa.int64()),
        pa.field("inserted", pa.int64()),
        pa.field("updated", pa.int64()),
        pa.field("deleted", pa.int64()),
        pa.field("rejected", pa.int64()),
        pa.field("duration_seconds", pa.float64()),
        pa.field("status", pa.string()),
        pa.field("error", pa.string()),
        pa.field("batch_id", pa.string()),
        pa.field("engine", pa.string()),
        pa.field("finished_at", TIMESTAMP),
    ]
)


@dataclass
class AuditRow:
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

    def values(self) -> list[object]:
        return [getattr(self, f.name) for f in AUDIT_SCHEMA]


def to_table(rows: list[AuditRow]) -> pa.Table:
    """Through Arrow's JSON reader, like records: `Table.from_pylist` makes pyarrow import pandas (~0.8 s
    per run), which a delta run otherwise never needs."""
    data = JSON_ENCODER.encode_lines([dataclasses.asdict(r) for r in rows])
    options = pj.ParseOptions(explicit_schema=AUDIT_SCHEMA, unexpected_field_behavior="error")
    return pj.read_json(io.BytesIO(data), parse_options=options)
