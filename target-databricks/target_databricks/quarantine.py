"""Durable quarantine for batches the table refuses: one row per batch in a table beside the data.

The row holds the batch itself (Parquet bytes) and how to write it, in `<catalog>.<schema>._quarantine`
(`quarantine_table`): under `delta_root` for the delta engine, so object storage keeps it, and in the
warehouse for the databricks engine, never in a local folder an ephemeral runner throws away. Every write
is a MERGE keyed by batch id (the `attempts` counter is the version), so a retried write changes nothing.
Pending batches are replayed, oldest first, at the start of the next run; the version guard keeps a replay
from overwriting newer rows that landed in between.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from dataclasses import asdict, dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from target_databricks.engines import Engine, TableRef, WritePlan
from target_databricks.sql import MergeSpec

PENDING, RESOLVED = "pending", "resolved"

QUARANTINE_SCHEMA = pa.schema(
    [
        pa.field("batch_id", pa.string()),
        pa.field("stream", pa.string()),
        pa.field("catalog_name", pa.string()),
        pa.field("schema_name", pa.string()),
        pa.field("table_name", pa.string()),
        pa.field("plan", pa.string()),
        pa.field("reason", pa.string()),
        pa.field("rows", pa.int64()),
        pa.field("created_at", pa.string()),
        pa.field("attempts", pa.int64()),
        pa.field("status", pa.string()),
        pa.field("data", pa.binary()),
    ]
)
# Keyed by batch; a later state of the entry (more attempts, resolved) always wins.
ENTRY_MERGE = MergeSpec(keys=["batch_id"], versions=["attempts"], casts={}, hard_delete=False)


@dataclass
class QuarantinedBatch:
    batch_id: str
    stream: str
    table: TableRef
    plan: WritePlan
    reason: str
    rows: int
    created_at: str
    attempts: int
    where: str  # for messages: the quarantine table holding it
    data: bytes = field(default=b"", repr=False)


class Quarantine:
    def __init__(self, engine: Engine, table: TableRef) -> None:
        self.engine, self.table = engine, table
        self._ready = False

    def put(
        self, batch_id: str, stream: str, table: TableRef, plan: WritePlan, data: pa.Table, reason: str
    ) -> QuarantinedBatch:
        sink = io.BytesIO()
        pq.write_table(data, sink)
        created = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
        entry = QuarantinedBatch(
            batch_id, stream, table, plan, reason, data.num_rows, created, 0, str(self.table), sink.getvalue()
        )
        self._save(entry, PENDING)
        return entry

    def pending(self) -> list[QuarantinedBatch]:
        """Quarantined batches not landed yet, oldest first."""
        rows = self.engine.select(self.table, "status", PENDING) or []
        entries = [self._entry(row) for row in rows]
        return sorted(entries, key=lambda e: (e.created_at, e.batch_id))

    def load(self, entry: QuarantinedBatch) -> pa.Table:
        return pq.read_table(io.BytesIO(entry.data))

    def resolve(self, entry: QuarantinedBatch) -> None:
        """The batch landed: the entry is marked resolved and its data dropped."""
        entry.attempts += 1
        self._save(entry, RESOLVED)

    def still_failing(self, entry: QuarantinedBatch, reason: str) -> None:
        entry.attempts += 1
        entry.reason = reason
        self._save(entry, PENDING)

    def _save(self, entry: QuarantinedBatch, status: str) -> None:
        if not self._ready:
            if self.engine.columns(self.table) is None:
                self.engine.create_table(self.table, QUARANTINE_SCHEMA)
            self._ready = True
        row = {
            "batch_id": entry.batch_id,
            "stream": entry.stream,
            "catalog_name": entry.table.catalog,
            "schema_name": entry.table.schema,
            "table_name": entry.table.name,
            "plan": json.dumps(asdict(entry.plan)),
            "reason": entry.reason,
            "rows": entry.rows,
            "created_at": entry.created_at,
            "attempts": entry.attempts,
            "status": status,
            "data": entry.data if status == PENDING else None,
        }
        table = pa.Table.from_batches([pa.RecordBatch.from_pylist([row], schema=QUARANTINE_SCHEMA)])
        self.engine.write(self.table, table, WritePlan("upsert", ENTRY_MERGE))

    def _entry(self, row: dict[str, Any]) -> QuarantinedBatch:
        plan = json.loads(row["plan"])
        return QuarantinedBatch(
            batch_id=row["batch_id"],
            stream=row["stream"],
            table=TableRef(row["catalog_name"], row["schema_name"], row["table_name"]),
            plan=WritePlan(method=plan["method"], merge=MergeSpec(**plan["merge"])),
            reason=row["reason"] or "",
            rows=int(row["rows"]),
            created_at=row["created_at"],
            attempts=int(row["attempts"]),
            where=str(self.table),
            data=bytes(row["data"] or b""),
        )
