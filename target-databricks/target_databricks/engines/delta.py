"""The embedded engine: delta-rs writes Delta tables under `<delta_root>/<catalog>/<schema>/<table>`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa
import pyarrow.compute as pc
from deltalake import DeltaTable, Field, write_deltalake
from deltalake.exceptions import TableNotFoundError

from target_databricks import sql
from target_databricks.engines import TableRef, WriteCounts, WritePlan, append_keys, soft_deletes
from target_databricks.errors import retry_transient
from target_databricks.settings import Settings
from target_databricks.sql import DELETED, TABLE_VERSION, MergeSpec, ansi_quote
from target_databricks.types import databricks_type

WholeMode = Literal["overwrite", "append"]


class DeltaEngine:
    name = "delta"
    writes_create_tables = True  # write_deltalake creates it: DeltaTable.create first is one more commit

    def __init__(self, settings: Settings) -> None:
        self.root = settings.delta_root.rstrip("/")
        self.storage_options: dict[str, str] | None = None
        # Tables that held no rows when this run first wrote to them, with every key written since: a later
        # batch none of whose keys is among them may append (a MERGE would only insert). Tables known to
        # hold other rows are in `_holding`; neither needs the table opened again.
        self._fresh: dict[str, WrittenKeys] = {}
        self._holding: set[str] = set()

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

    def table_names(self, catalog: str, schema: str) -> set[str]:
        """Folders of `<delta_root>/<catalog>/<schema>` holding a Delta log: one listing, local or remote."""
        from pyarrow import fs

        filesystem, path = fs.FileSystem.from_uri(_absolute(f"{self.root}/{catalog}/{schema}"))
        listing = filesystem.get_file_info(fs.FileSelector(path, allow_not_found=True, recursive=False))
        folders = [info.base_name for info in listing if info.type == fs.FileType.Directory]
        return {
            name.lower()
            for name in folders
            if DeltaTable.is_deltatable(f"{self.root}/{catalog}/{schema}/{name}", self.storage_options)
        }

    @retry_transient
    def create_table(self, table: TableRef, schema: pa.Schema) -> None:
        DeltaTable.create(self.uri(table), schema, mode="ignore", storage_options=self.storage_options)

    @retry_transient
    def add_columns(self, table: TableRef, fields: list[pa.Field]) -> None:
        delta = DeltaTable(self.uri(table), storage_options=self.storage_options)
        have = {name.lower() for name in pa.schema(delta.schema().to_arrow()).names}
        missing = [f for f in fields if f.name.lower() not in have]  # a retried call finds them added
        if missing:
            delta.alter.add_columns([Field.from_arrow(f) for f in missing])

    @retry_transient
    def write(self, table: TableRef, batch: pa.Table, plan: WritePlan) -> WriteCounts:
        if plan.method == "overwrite":
            # One commit that replaces the contents: readers never see the table empty.
            return self._write_whole(table, batch, "overwrite")
        if plan.method == "append-only" or not plan.merge.keys:
            return self._insert_missing(table, batch, append_keys(batch))
        return self._merge(table, batch, plan.merge)

    def _write_whole(self, table: TableRef, batch: pa.Table, mode: WholeMode) -> WriteCounts:
        """One write_deltalake commit: the batch replaces the table (`overwrite`) or is added (`append`)."""
        schema_mode: Literal["overwrite", "merge"] = "overwrite" if mode == "overwrite" else "merge"
        write_deltalake(
            self.uri(table), batch, mode=mode, schema_mode=schema_mode, storage_options=self.storage_options
        )
        return WriteCounts(inserted=batch.num_rows)

    def _merger(self, table: TableRef, batch: pa.Table, keys: Sequence[str]) -> Any:
        delta = DeltaTable(self.uri(table), storage_options=self.storage_options)
        return delta.merge(
            batch,
            predicate=sql.key_match(keys, ansi_quote, _key_ranges(batch, keys)),
            source_alias="s",
            target_alias="t",
            merge_schema=True,  # without it delta-rs silently drops new source columns
        )

    def _holds_rows(self, table: TableRef) -> bool:
        """False for a table with no data files (just created, or created empty for a stream without
        records): a MERGE into it inserts what it may insert and matches nothing, so a plain append does
        the same in a fraction of the time (a MERGE plans a join over every nested column). Checked inside
        the retried write, so a retry after an append that did commit sees the rows and merges."""
        delta = self._open(table)
        return delta is not None and bool(delta.file_uris())

    def _insert_missing(self, table: TableRef, batch: pa.Table, keys: Sequence[str]) -> WriteCounts:
        """An append a retry cannot duplicate: rows whose key the table already holds are skipped."""
        if not keys or not self._holds_rows(table):
            return self._write_whole(table, batch, "append")
        metrics = self._merger(table, batch, keys).when_not_matched_insert_all().execute()
        return WriteCounts(inserted=int(metrics.get("num_target_rows_inserted", 0)))

    def _merge(self, table: TableRef, batch: pa.Table, spec: MergeSpec) -> WriteCounts:
        uri = self.uri(table)
        # Popped: after a failed write, its retry and every later batch MERGE.
        written = self._fresh.pop(uri, None)
        if written is None and uri not in self._holding and not self._holds_rows(table):
            written = WrittenKeys(spec.keys)
        if written is None or written.keys != list(spec.keys):  # another stream's keys: MERGE decides
            self._holding.add(uri)
            return self._merge_into_rows(table, batch, spec)
        if written.any_of(batch):
            counts = self._merge_into_rows(table, batch, spec)
        else:
            insert_if = sql.insert_condition(spec, ansi_quote) if DELETED in batch.column_names else None
            rows = batch.filter(pc.is_null(batch.column(DELETED))) if insert_if else batch
            counts = self._write_whole(table, rows, "append")
        written.add(batch)
        self._fresh[uri] = written
        return counts

    def _merge_into_rows(self, table: TableRef, batch: pa.Table, spec: MergeSpec) -> WriteCounts:
        if not soft_deletes(batch, spec):
            return self._merge_once(table, batch, spec)
        # delta-rs counts a soft delete as an update: the delete records merge on their own to be counted.
        flagged = pc.is_valid(batch.column(DELETED))
        rest, deletes = batch.filter(pc.invert(flagged)), batch.filter(flagged)
        kept = self._merge_once(table, rest, spec) if rest.num_rows else WriteCounts()
        return kept.plus_soft_deletes(self._merge_once(table, deletes, spec))

    def _merge_once(self, table: TableRef, batch: pa.Table, spec: MergeSpec) -> WriteCounts:
        merger = self._merger(table, batch, spec.keys)
        has_deletes = DELETED in batch.column_names
        if has_deletes:
            deleted = sql.deleted_condition(spec, ansi_quote)
            if spec.hard_delete:
                merger = merger.when_matched_delete(predicate=deleted)
            else:
                updates = dict(sql.soft_delete_updates(spec, q=ansi_quote))
                merger = merger.when_matched_update(updates=updates, predicate=deleted)
        merger = merger.when_matched_update_all(predicate=sql.version_guard(spec, q=ansi_quote))
        insert_if = sql.insert_condition(spec, ansi_quote) if has_deletes else None
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
        if hard_delete:
            delta.delete(sql.older_versions(version, ansi_quote))
        else:
            now = dt.datetime.now(dt.UTC)
            delta.update(new_values={DELETED: now}, predicate=sql.retire_predicate(version, ansi_quote))

    @retry_transient
    def insert_once(self, table: TableRef, rows: pa.Table, keys: Sequence[str]) -> None:
        if self._open(table) is None:
            DeltaTable.create(
                self.uri(table), rows.schema, mode="ignore", storage_options=self.storage_options
            )
        self._insert_missing(table, rows, keys)

    def select(self, table: TableRef, column: str, value: str) -> list[dict[str, Any]] | None:
        delta = self._open(table)
        if delta is None:
            return None
        return delta.to_pyarrow_dataset().to_table(filter=pc.field(column) == value).to_pylist()

    def drop_table(self, table: TableRef) -> None:
        """Delete the table's folder (log and data files), locally or in object storage."""
        from pyarrow import fs

        uri = self.uri(table)
        self._fresh.pop(uri, None)  # what the run knew of the table's rows goes with it
        self._holding.discard(uri)
        filesystem, path = fs.FileSystem.from_uri(_absolute(uri))
        if filesystem.get_file_info(path).type != fs.FileType.NotFound:
            filesystem.delete_dir(path)

    def close(self) -> None:
        """Nothing to release: delta-rs holds no connection."""


class WrittenKeys:
    """The keys a run wrote into a table that held no rows before it: the table's whole key set.

    Past LIMIT keys it stops keeping them (memory) and answers that every batch may repeat one, so the rest
    of the run MERGEs as it would into any table."""

    SEPARATOR = "\x1f"  # joins composite keys; not a character of QBO ids or realm ids
    LIMIT = 2_000_000

    def __init__(self, keys: Sequence[str]) -> None:
        self.keys = list(keys)
        self.chunks: list[pa.Array] = []
        self.count = 0

    def _joined(self, batch: pa.Table) -> pa.Array:
        columns = [pc.cast(batch.column(k), pa.string()).combine_chunks() for k in self.keys]
        if len(columns) == 1:
            return columns[0]
        return pc.binary_join_element_wise(*columns, self.SEPARATOR)  # a null part makes a null key

    def any_of(self, batch: pa.Table) -> bool:
        """Whether some key of `batch` was written before (null keys count as written: MERGE decides)."""
        if self.count >= self.LIMIT:
            return True
        joined = self._joined(batch)
        if joined.null_count or not self.chunks:
            return bool(joined.null_count)
        # The batch is hashed and the written keys probed: linear in what was written, no concatenation.
        written = pa.chunked_array(self.chunks, type=joined.type)
        return bool(pc.any(pc.is_in(written, value_set=joined)).as_py())

    def add(self, batch: pa.Table) -> None:
        self.count += batch.num_rows
        if self.count >= self.LIMIT:
            self.chunks.clear()
        else:
            self.chunks.append(self._joined(batch))


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
            ranges.append(sql.key_range(key, bounds["min"], bounds["max"], ansi_quote))
    return ranges
