"""Durable quarantine for batches that cannot be written: Parquet plus a JSON manifest per batch.

The manifest is written last (atomic rename), so a batch is either fully quarantined or not at all.
Batches are replayed, oldest first, at the start of the next run; the version guard makes a replay
unable to overwrite newer rows that landed in between.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from target_databricks.engines import TableRef, WritePlan
from target_databricks.sql import MergeSpec


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
    data_file: str

    def manifest(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_manifest(cls, raw: dict[str, Any]) -> QuarantinedBatch:
        plan = raw["plan"]
        return cls(
            **{
                **raw,
                "table": TableRef(**raw["table"]),
                "plan": WritePlan(method=plan["method"], merge=MergeSpec(**plan["merge"])),
            }
        )


class Quarantine:
    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def _dir(self, table: TableRef) -> Path:
        return self.root / table.catalog / table.schema / table.name

    def put(
        self, batch_id: str, stream: str, table: TableRef, plan: WritePlan, data: pa.Table, reason: str
    ) -> QuarantinedBatch:
        folder = self._dir(table)
        folder.mkdir(parents=True, exist_ok=True)
        created = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
        data_file = folder / f"{created}-{batch_id}.parquet"
        _atomic(data_file, lambda tmp: pq.write_table(data, tmp))
        entry = QuarantinedBatch(
            batch_id, stream, table, plan, reason, data.num_rows, created, 0, str(data_file)
        )
        self._save(entry)
        return entry

    def _save(self, entry: QuarantinedBatch) -> None:
        manifest = Path(entry.data_file).with_suffix(".json")
        text = json.dumps(entry.manifest(), indent=2, default=str)
        _atomic(manifest, lambda tmp: tmp.write_text(text, encoding="utf-8"))

    def pending(self) -> list[QuarantinedBatch]:
        """Quarantined batches, oldest first."""
        if not self.root.is_dir():
            return []
        entries = [
            QuarantinedBatch.from_manifest(json.loads(path.read_text(encoding="utf-8")))
            for path in self.root.glob("*/*/*/*.json")
        ]
        return sorted(entries, key=lambda e: (e.created_at, e.batch_id))

    def load(self, entry: QuarantinedBatch) -> pa.Table:
        return pq.read_table(entry.data_file)

    def resolve(self, entry: QuarantinedBatch) -> None:
        """The batch landed: drop the manifest first so a crash here cannot replay a half-deleted entry."""
        Path(entry.data_file).with_suffix(".json").unlink(missing_ok=True)
        Path(entry.data_file).unlink(missing_ok=True)

    def still_failing(self, entry: QuarantinedBatch, reason: str) -> None:
        entry.attempts += 1
        entry.reason = reason
        self._save(entry)


def _atomic(path: Path, write: Any) -> None:
    tmp = path.with_name(path.name + ".tmp")
    write(tmp)
    os.replace(tmp, path)
