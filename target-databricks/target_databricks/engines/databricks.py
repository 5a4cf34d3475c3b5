"""A Databricks SQL warehouse through databricks-sql-connector (Thrift).

A flush after the first is three statements: PUT the batch's Parquet to the Volume (OVERWRITE, one staging
file per table), one version-guarded MERGE reading it with read_files, and the audit INSERT. Staged files
are REMOVEd when the run ends.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from target_databricks import sql
from target_databricks.engines import TableRef, WriteCounts, WritePlan, append_keys, soft_deletes
from target_databricks.engines.connection import Connection
from target_databricks.errors import ErrorKind, classify
from target_databricks.settings import Settings
from target_databricks.types import databricks_type


class DatabricksEngine:
    name = "databricks"
    writes_create_tables = False

    def __init__(self, settings: Settings) -> None:
        self.connection = Connection(settings)
        self.volume = settings.volume
        # Created on the first PUT only, so that a run that never stages leaves nothing behind.
        self.local_dir = Path(tempfile.gettempdir()) / f"target-databricks-{uuid.uuid4().hex}"
        self.connection.staging_dir = str(self.local_dir)
        self.stage_prefix = f"_target_databricks/{uuid.uuid4().hex}"
        self._staged: set[str] = set()
        self._ready: set[TableRef | tuple[str, str]] = set()
        self._lock = threading.Lock()

    def _run(self, statement: str) -> list[dict[str, Any]]:
        return self.connection.execute(statement)

    def columns(self, table: TableRef) -> dict[str, str] | None:
        try:
            rows = self._run(sql.describe(_name(table)))
        except Exception as exc:
            if _missing(exc):
                return None
            raise
        columns: dict[str, str] = {}
        for row in rows:
            name = str(row.get("col_name") or "")
            if not name or name.startswith("#"):
                break  # partitioning and detail sections follow the columns
            columns[name] = str(row.get("data_type")).lower()
        return columns

    def table_names(self, catalog: str, schema: str) -> set[str]:
        try:
            rows = self._run(sql.show_tables(catalog, schema))
        except Exception as exc:
            if _missing(exc):
                return set()
            raise
        return {str(row.get("tableName")).lower() for row in rows if not row.get("isTemporary")}

    def create_table(self, table: TableRef, schema: pa.Schema) -> None:
        self._ensure_schema(table.catalog, table.schema)
        self._run(sql.create_table(_name(table), _columns(schema)))

    def _ensure_schema(self, catalog: str, schema: str) -> None:
        if (catalog, schema) not in self._ready:
            self._run(sql.create_schema(catalog, schema))
            self._ready.add((catalog, schema))

    def add_columns(self, table: TableRef, fields: list[pa.Field]) -> None:
        try:
            self._run(sql.add_columns(_name(table), _columns(pa.schema(fields))))
        except Exception:
            # A retry after a lost reply finds the columns added by the first attempt: that is success.
            have = {name.lower() for name in self.columns(table) or {}}
            if not all(f.name.lower() in have for f in fields):
                raise

    def write(self, table: TableRef, batch: pa.Table, plan: WritePlan) -> WriteCounts:
        path = self._stage(table, batch)
        columns = batch.column_names
        if plan.method == "overwrite":
            self._run(sql.replace_with_staged(_name(table), path, columns))
            return WriteCounts(inserted=batch.num_rows)
        if plan.method == "append-only" or not plan.merge.keys:
            keys = append_keys(batch)
            if not keys:
                rows = self._run(sql.insert_staged(_name(table), path, columns))
            else:  # a MERGE that inserts only missing rows: a retry after a lost reply adds nothing
                rows = self._run(sql.insert_missing(_name(table), path, columns, keys))
            return WriteCounts(inserted=_count(rows, "num_inserted_rows", batch.num_rows))
        if not soft_deletes(batch, plan.merge):
            return _counts(self._run(sql.merge(_name(table), path, columns, plan.merge)))
        # Delta counts a soft delete as an update: the delete records merge on their own to be counted.
        kept = _counts(self._run(sql.merge(_name(table), path, columns, plan.merge, deletes=False)))
        flagged = _counts(self._run(sql.merge(_name(table), path, columns, plan.merge, deletes=True)))
        return kept.plus_soft_deletes(flagged)

    def _stage(self, table: TableRef, batch: pa.Table) -> str:
        """Write the batch as Parquet and PUT it to the Volume; the same path is reused by every flush."""
        folder = f"/Volumes/{table.catalog}/{table.schema}/{self.volume}/{self.stage_prefix}"
        volume_path = f"{folder}/{table.name}.parquet"
        self.local_dir.mkdir(mode=0o700, exist_ok=True)
        local = self.local_dir / f"{table.name}-{uuid.uuid4().hex}.parquet"
        pq.write_table(batch, local)
        try:
            try:
                self._run(sql.put(str(local), volume_path))
            except Exception as exc:
                if "UC_VOLUME_NOT_FOUND" not in str(exc):
                    raise
                # First use of the Volume: create it (and the schema) once, then stage again.
                self._ensure_schema(table.catalog, table.schema)
                self._run(sql.create_volume(table.catalog, table.schema, self.volume))
                self._run(sql.put(str(local), volume_path))
        finally:
            local.unlink(missing_ok=True)
        with self._lock:
            self._staged.add(volume_path)
        return volume_path

    def retire_versions(self, table: TableRef, version: int, hard_delete: bool) -> None:
        existing = self.columns(table)
        if existing is None or sql.TABLE_VERSION not in existing:
            return
        self._run(sql.retire_versions(_name(table), version, hard_delete))

    def insert_once(self, table: TableRef, rows: pa.Table, keys: Sequence[str]) -> None:
        values = [[row[name] for name in rows.column_names] for row in rows.to_pylist()]
        statement = sql.insert_missing_rows(_name(table), rows.column_names, values, keys)
        try:
            self._run(statement)
        except Exception as exc:
            if not _missing(exc):
                raise
            self.create_table(table, rows.schema)  # first row ever in this table
            self._run(statement)

    def select(self, table: TableRef, column: str, value: str) -> list[dict[str, Any]] | None:
        try:
            return self._run(sql.select_where(_name(table), column, value))
        except Exception as exc:
            if _missing(exc):
                return None
            raise

    def drop_table(self, table: TableRef) -> None:
        self._run(sql.drop_table(_name(table)))

    def close(self) -> None:
        """REMOVE the staged files, then close the session and the local scratch folder."""
        try:
            for path in sorted(self._staged):
                try:
                    self._run(sql.remove(path))
                except Exception as exc:
                    # A retried REMOVE whose first attempt ran finds nothing to remove: that is success.
                    if classify(exc) is not ErrorKind.TERMINAL or "NOT_FOUND" not in str(exc).upper():
                        raise
            self._staged.clear()
        finally:
            self.connection.close()
            shutil.rmtree(self.local_dir, ignore_errors=True)


def _missing(exc: Exception) -> bool:
    return "TABLE_OR_VIEW_NOT_FOUND" in str(exc) or "SCHEMA_NOT_FOUND" in str(exc)


def _name(table: TableRef) -> str:
    return sql.qualified(table.catalog, table.schema, table.name)


def _columns(schema: pa.Schema) -> list[tuple[str, str]]:
    return [(f.name, databricks_type(f.type)) for f in schema]


def _counts(rows: list[dict[str, Any]]) -> WriteCounts:
    return WriteCounts(
        inserted=_count(rows, "num_inserted_rows"),
        updated=_count(rows, "num_updated_rows"),
        deleted=_count(rows, "num_deleted_rows"),
    )


def _count(rows: list[dict[str, Any]], name: str, default: int = 0) -> int:
    if not rows or rows[0].get(name) is None:
        return default
    return int(rows[0][name])
