"""The embedded engine: delta-rs writes Delta tables under `<delta_root>/<catalog>/<schema>/<table>`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from deltalake import DeltaTable, Field, write_deltalake
from deltalake.exceptions import TableNotFoundError

from target_databricks.engines import TableRef, WriteCounts, WritePlan, soft_deletes
from target_databricks.errors import retry_transient
from target_databricks.sql import DELETED, TABLE_VERSION, MergeSpec, soft_delete_updates, version_guard
from target_databricks.types import databricks_type


def _dq(name: str) -> str:
    # DataFusion (delta-rs predicates) quotes identifiers the ANSI way.
    return '"' + name.replace('"', '""') + '"'


class DeltaEngine:
    name = "delta"

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.root = str(config.get("delta_root") or "output/delta").rstrip("/")
        self.storage_options: dict[str, str] | None = None

    def uri(self, table: TableRef) -> str:
        return f"{self.root}/{table.catalog}/{table.schema}/{table.name}"

    def _open(self, table: TableRef) -> DeltaTable | None:
        try:
            return DeltaTable(self.uri(table), storage_options=self.storage_options)
        except TableNotFoundError:
            return None

    def columns(self, table: TableRef) -> dict[str, str] | None:
        delta = self._open(table)
        if delta is None:
            return None
        schema = pa.schema(delta.schema().to_arrow())
        return {f.name: databricks_type(f.type).lower() for f in schema}

    @retry_transient
    def create_table(self, table: TableRef, schema: pa.Schema) -> None:
        DeltaTable.create(self.uri(table), schema, mode="ignore", storage_options=self.storage_options)

    @retry_transient
    def add_columns(self, table: TableRef, fields: list[pa.Field]) -> None:
        delta = DeltaTable(self.uri(table), storage_options=self.storage_options)
        delta.alter.add_columns([Field.from_arrow(f) for f in fields])

    @retry_transient
    def write(self, table: TableRef, batch: pa.Table, plan: WritePlan) -> WriteCounts:
        if plan.method == "overwrite" or plan.method == "append-only" or not plan.merge.keys:
            # An overwrite is one commit that replaces the contents: readers never see the table empty.
            overwrite = plan.method == "overwrite"
            write_deltalake(
                self.uri(table),
                batch,
                mode="overwrite" if overwrite else "append",
                schema_mode="overwrite" if overwrite else "merge",
                storage_options=self.storage_options,
            )
            return WriteCounts(inserted=batch.num_rows)
        return self._merge(table, batch, plan.merge)

    def _merge(self, table: TableRef, batch: pa.Table, spec: MergeSpec) -> WriteCounts:
        if not soft_deletes(batch, spec):
            return self._merge_once(table, batch, spec)
        # delta-rs counts a soft delete as an update: the delete records merge on their own to be counted.
        flagged = pc.is_valid(batch.column(DELETED))
        rest, deletes = batch.filter(pc.invert(flagged)), batch.filter(flagged)
        kept = self._merge_once(table, rest, spec) if rest.num_rows else WriteCounts()
        return kept.plus_soft_deletes(self._merge_once(table, deletes, spec))

    def _merge_once(self, table: TableRef, batch: pa.Table, spec: MergeSpec) -> WriteCounts:
        delta = DeltaTable(self.uri(table), storage_options=self.storage_options)
        guard = version_guard(spec, q=_dq)
        on = [f"t.{_dq(k)} = s.{_dq(k)}" for k in spec.keys] + _key_ranges(batch, spec.keys)
        merger = delta.merge(
            batch,
            predicate=" AND ".join(on),
            source_alias="s",
            target_alias="t",
            merge_schema=True,  # without it delta-rs silently drops new source columns
        )
        has_deletes = DELETED in batch.column_names
        if has_deletes:
            deleted = f"s.{_dq(DELETED)} IS NOT NULL AND {guard}"
            if spec.hard_delete:
                merger = merger.when_matched_delete(predicate=deleted)
            else:
                merger = merger.when_matched_update(updates=_soft_delete_updates(spec), predicate=deleted)
        merger = merger.when_matched_update_all(predicate=guard)
        insert_if = f"s.{_dq(DELETED)} IS NULL" if has_deletes and spec.hard_delete else None
        metrics = merger.when_not_matched_insert_all(predicate=insert_if).execute()
        return WriteCounts(
            inserted=int(metrics.get("num_target_rows_inserted", 0)),
            updated=int(metrics.get("num_target_rows_updated", 0)),
            deleted=int(metrics.get("num_target_rows_deleted", 0)),
        )

    @retry_transient
    def retire_versions(self, table: TableRef, version: int, hard_delete: bool) -> None:
        delta = self._open(table)
        if delta is None or TABLE_VERSION not in delta.schema().to_arrow().names:
            return
        older = f"({_dq(TABLE_VERSION)} < {int(version)} OR {_dq(TABLE_VERSION)} IS NULL)"
        if hard_delete:
            delta.delete(older)
        else:
            now = dt.datetime.now(dt.UTC)
            delta.update(new_values={DELETED: now}, predicate=f"{older} AND {_dq(DELETED)} IS NULL")

    @retry_transient
    def append_audit(self, table: TableRef, rows: pa.Table) -> None:
        write_deltalake(
            self.uri(table), rows, mode="append", schema_mode="merge", storage_options=self.storage_options
        )

    def drop_table(self, table: TableRef) -> None:
        """Delete the table's folder (log and data files), locally or in object storage."""
        from pyarrow import fs

        filesystem, path = fs.FileSystem.from_uri(_absolute(self.uri(table)))
        if filesystem.get_file_info(path).type != fs.FileType.NotFound:
            filesystem.delete_dir(path)

    def close(self) -> None:
        """Nothing to release: delta-rs holds no connection."""


def _absolute(uri: str) -> str:
    """pyarrow's from_uri needs a URI or an absolute path; a relative delta_root is local."""
    return uri if "://" in uri else str(Path(uri).resolve())


def _key_ranges(batch: pa.Table, keys: Sequence[str]) -> list[str]:
    """`t.key BETWEEN <batch min> AND <batch max>` for string and integer keys.

    A target row equal to a batch key lies inside the batch's range, so these terms never change what
    matches; they let delta-rs skip files by their min/max statistics instead of reading (and joining)
    the whole table on every flush, which made each MERGE slower and bigger as the table grew.
    """
    ranges = []
    for key in keys:
        column = batch.column(key)
        if not (pa.types.is_string(column.type) or pa.types.is_integer(column.type)):
            continue
        bounds = pc.min_max(column).as_py()
        if bounds["min"] is not None:
            low, high = (_literal(bounds[end]) for end in ("min", "max"))
            ranges.append(f"t.{_dq(key)} BETWEEN {low} AND {high}")
    return ranges


def _literal(value: str | int) -> str:
    # DataFusion string literals take no backslash escapes; a quote is doubled.
    return str(value) if isinstance(value, int) else "'" + value.replace("'", "''") + "'"


def _soft_delete_updates(spec: MergeSpec) -> dict[str, str]:
    """The same assignments as the Databricks MERGE, in delta-rs' {column: expression} form."""
    return dict(soft_delete_updates(spec, q=_dq))
