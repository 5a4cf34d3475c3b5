"""Write engines: one small interface, shared by the embedded delta-rs engine and a Databricks warehouse."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import pyarrow as pa

from target_databricks.settings import Settings
from target_databricks.sql import DELETED, SEQUENCE, MergeSpec

LoadMethod = Literal["upsert", "append-only", "overwrite"]


@dataclass(frozen=True)
class TableRef:
    catalog: str
    schema: str
    name: str

    def __post_init__(self) -> None:
        # The parts become path segments under delta_root: nothing that could climb out of it or split.
        for part, value in (("catalog", self.catalog), ("schema", self.schema), ("table", self.name)):
            if not value or value in (".", "..") or re.search(r"[/\\.\x00-\x1f]", value):
                raise ValueError(
                    f"{part} name {value!r} is not allowed: use a plain name without '/', '\\', '.' or "
                    "control characters (check the catalog, schema, audit_table or table_mapping settings)"
                )

    def __str__(self) -> str:
        return f"{self.catalog}.{self.schema}.{self.name}"


@dataclass(frozen=True)
class WritePlan:
    """How a batch lands: `append-only` and keyless streams append; `overwrite` replaces atomically."""

    method: LoadMethod
    merge: MergeSpec


@dataclass(frozen=True)
class WriteCounts:
    inserted: int = 0
    updated: int = 0
    deleted: int = 0

    def plus_soft_deletes(self, flagged: WriteCounts) -> WriteCounts:
        """Add the counts of a merge of delete records only: every row it flagged (or, for a record the
        table never saw, inserted as a tombstone) is a delete that landed."""
        landed = flagged.inserted + flagged.updated + flagged.deleted
        return WriteCounts(self.inserted, self.updated, self.deleted + landed)


def soft_deletes(batch: pa.Table, spec: MergeSpec) -> bool:
    """True when the batch soft-deletes rows: Delta reports those as updates, so they merge apart."""
    if spec.hard_delete or not spec.keys or DELETED not in batch.column_names:
        return False
    return batch.column(DELETED).null_count < batch.num_rows


class Engine(Protocol):
    """Everything engine-specific; the sink recipe, mapping, audit and quarantine are shared."""

    name: str
    # A write into a missing table creates it (typed from the batch), so the loader need not create first.
    writes_create_tables: bool

    def columns(self, table: TableRef) -> dict[str, str] | None:
        """Column name → Databricks type (lower case, as DESCRIBE shows it); None if the table is missing."""

    def table_names(self, catalog: str, schema: str) -> set[str]:
        """The tables in `catalog.schema`, lower case (empty when the schema does not exist)."""

    def create_table(self, table: TableRef, schema: pa.Schema) -> None:
        """Create the table if it does not exist."""

    def add_columns(self, table: TableRef, fields: list[pa.Field]) -> None:
        """Add nullable columns to an existing table."""

    def write(self, table: TableRef, batch: pa.Table, plan: WritePlan) -> WriteCounts:
        """Land one deduplicated batch."""

    def retire_versions(self, table: TableRef, version: int, hard_delete: bool) -> None:
        """ACTIVATE_VERSION: delete or flag rows whose `_sdc_table_version` is older than `version`."""

    def insert_once(self, table: TableRef, rows: pa.Table, keys: Sequence[str]) -> None:
        """Insert rows whose key is not in the table yet (safe to retry), creating the table if needed."""

    def select(self, table: TableRef, column: str, value: str) -> list[dict[str, Any]] | None:
        """Rows where `column` equals `value`; None if the table does not exist."""

    def drop_table(self, table: TableRef) -> None:
        """Remove the table (and its data) if it exists."""

    def close(self) -> None:
        """Release connections and staged files."""


def append_keys(batch: pa.Table) -> list[str]:
    """What makes an append idempotent: the target's per-record arrival stamp, when the batch has it."""
    return [SEQUENCE] if SEQUENCE in batch.column_names else []


def make_engine(settings: Settings) -> Engine:
    """The engine `settings.engine_name` names (imported only when used)."""
    name = settings.engine_name
    if name == "delta":
        from target_databricks.engines.delta import DeltaEngine

        return DeltaEngine(settings)
    if name == "databricks":
        from target_databricks.engines.databricks import DatabricksEngine

        return DatabricksEngine(settings)
    raise ValueError(f"unknown engine {name!r}: use 'delta' or 'databricks'")
