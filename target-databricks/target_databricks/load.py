"""Landing one typed, deduplicated batch: validate → write through the engine → audit, or quarantine.

Shared by the sink (fresh batches) and by the start-of-run replay of quarantined batches. The rule: only a
batch the table genuinely refuses (mapping, validation, schema: `ErrorKind.REJECTED`) is quarantined; any
other error stops the run (LoadFailed) before Singer state moves past the batch.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass

import pyarrow as pa

from target_databricks import audit
from target_databricks.engines import Engine, TableRef, WritePlan
from target_databricks.errors import BatchRejected, ErrorKind, classify, describe
from target_databricks.mapping import StreamMapping, check_batch
from target_databricks.quarantine import Quarantine, QuarantinedBatch
from target_databricks.types import databricks_type

__all__ = ["Batch", "BatchRejected", "LoadFailed", "Loader"]


class LoadFailed(RuntimeError):
    """Anything but a rejected batch (credentials, outage past the retry budget, an error nobody
    classified): the run must stop with no new state."""


@dataclass
class Batch:
    batch_id: str
    stream: str
    table: TableRef
    data: pa.Table
    plan: WritePlan
    rows_in: int


class Loader:
    def __init__(
        self,
        engine: Engine,
        quarantine: Quarantine,
        mappings: Mapping[str, StreamMapping],
        *,
        evolve: bool,
        audit_table: TableRef,
        run_id: str,
        secrets: tuple[str, ...] = (),
    ) -> None:
        self.engine, self.quarantine, self.mappings = engine, quarantine, mappings
        self.evolve, self.audit_table, self.run_id, self.secrets = evolve, audit_table, run_id, secrets
        self.logger = logging.getLogger("target_databricks.load")
        self._columns: dict[TableRef, dict[str, str] | None] = {}
        self._overwritten: set[TableRef] = set()
        self._tables: dict[tuple[str, str], set[str]] = {}  # (catalog, schema) → its tables, listed once
        self._audit_rows: list[audit.AuditRow] = []  # written by flush_audit, before each STATE
        self._audit_lock = threading.Lock()  # sinks may drain in parallel threads

    def mapping_for(self, stream: str, default_table: str) -> StreamMapping:
        return self.mappings.get(stream) or StreamMapping(table=default_table)

    def first_overwrite(self, table: TableRef) -> bool:
        """True once per run and table: only the first flush of an `overwrite` run replaces the table."""
        first = table not in self._overwritten
        self._overwritten.add(table)
        return first

    def load(self, batch: Batch, *, replay: QuarantinedBatch | None = None) -> audit.AuditRow:
        """Land the batch; a rejected batch is quarantined, never dropped; any other error stops the run."""
        started = time.monotonic()
        try:
            self._prepare(batch)
            counts = self.engine.write(batch.table, batch.data, batch.plan)
        except Exception as exc:
            return self._reject(batch, exc, started, replay)
        if replay is not None:
            self.quarantine.resolve(replay)
        row = self._row(batch, started, status=audit.STATUS_REPLAYED if replay else audit.STATUS_LOADED)
        row.inserted, row.updated, row.deleted = counts.inserted, counts.updated, counts.deleted
        self._audit(row)
        return row

    def _prepare(self, batch: Batch) -> None:
        """Check the batch against the table and mapping; create the table or add columns as allowed."""
        mapping = self.mapping_for(batch.stream, batch.table.name)
        existing = None if batch.plan.method == "overwrite" else self.columns(batch.table)
        verdict = check_batch(mapping, existing, batch.data.schema, evolve=self.evolve)
        if verdict.problems:
            raise BatchRejected("; ".join(verdict.problems))
        if batch.plan.method == "overwrite":
            self._columns.pop(batch.table, None)
        elif existing is None:
            if not self.engine.writes_create_tables:
                self.engine.create_table(batch.table, batch.data.schema)
            self._columns[batch.table] = _described(batch.data.schema)
        elif verdict.add:
            self.engine.add_columns(batch.table, verdict.add)
            self._columns[batch.table] = {**existing, **_described(pa.schema(verdict.add))}

    def ensure_table(self, stream: str, table: TableRef, schema: pa.Schema) -> None:
        """Create the stream's table, empty and typed from its SCHEMA, unless it exists: a stream that sent
        no records (a company without credit-card payments) still gets a table models can select from.
        Most streams of an incremental run send no records and their tables exist, so existence comes
        from one listing of the schema per run, not one statement per stream."""
        if self._columns.get(table) is not None or table.name.lower() in self._listed(table):
            return  # known this run (written, or created by another stream mapped to it), or listed
        verdict = check_batch(self.mapping_for(stream, table.name), None, schema, evolve=self.evolve)
        if verdict.problems:
            self.logger.warning(
                "Stream %r sent no records and its SCHEMA does not fit the table mapping, so its table %s "
                "is not created: %s",
                stream,
                table,
                "; ".join(verdict.problems),
            )
            return
        try:
            self.engine.create_table(table, schema)
        except Exception as exc:
            raise LoadFailed(
                f"{stream}: creating its table {table} (the stream sent no records) failed: "
                f"{describe(exc, self.secrets)}; no state was emitted, so rerun once fixed"
            ) from exc
        self._listed(table).add(table.name.lower())

    def _listed(self, table: TableRef) -> set[str]:
        """The tables of `table`'s schema, listed once per run."""
        where = (table.catalog, table.schema)
        if where not in self._tables:
            try:
                self._tables[where] = self.engine.table_names(*where)
            except Exception as exc:
                raise LoadFailed(
                    f"listing the tables of {table.catalog}.{table.schema} failed: "
                    f"{describe(exc, self.secrets)}; no state was emitted, so rerun once fixed"
                ) from exc
        return self._tables[where]

    def columns(self, table: TableRef) -> dict[str, str] | None:
        if self._columns.get(table) is None:
            self._columns[table] = self.engine.columns(table)
        return self._columns[table]

    def forget(self, table: TableRef) -> None:
        """Drop cached table columns (the table may have been changed by someone else)."""
        self._columns.pop(table, None)

    def _reject(
        self, batch: Batch, exc: Exception, started: float, replay: QuarantinedBatch | None
    ) -> audit.AuditRow:
        kind = classify(exc)
        reason = describe(exc, self.secrets)
        self.forget(batch.table)
        if kind is not ErrorKind.REJECTED:
            raise LoadFailed(
                f"{batch.stream}: writing {batch.table} failed ({kind.value}): {reason}; "
                "nothing was quarantined and no state was emitted past this batch, so rerun once fixed"
            ) from exc
        try:
            if replay is None:
                replay = self.quarantine.put(
                    batch.batch_id, batch.stream, batch.table, batch.plan, batch.data, reason
                )
            else:
                self.quarantine.still_failing(replay, reason)
        except Exception as failure:
            raise LoadFailed(
                f"{batch.stream}: batch refused by {batch.table} ({reason}) and could not be quarantined "
                f"in {self.quarantine.table}: {describe(failure, self.secrets)}"
            ) from failure
        self.logger.error(
            "Quarantined %d rows of stream %r for table %s in %s (batch %s, attempt %d): %s. Fix the "
            "table or the table mapping; the batch is replayed at the start of every run until it lands.",
            batch.data.num_rows,
            batch.stream,
            batch.table,
            replay.where,
            batch.batch_id,
            replay.attempts + 1,
            reason,
        )
        row = self._row(batch, started, status=audit.STATUS_QUARANTINED)
        row.rejected, row.error = batch.data.num_rows, reason
        self._audit(row)
        return row

    def replay_quarantine(self) -> list[audit.AuditRow]:
        """Retry quarantined batches, oldest first, before any new data is written."""
        rows = []
        try:
            pending = self.quarantine.pending()
        except Exception as exc:
            raise LoadFailed(
                f"reading the quarantine table {self.quarantine.table} failed: {describe(exc, self.secrets)}"
            ) from exc
        for entry in pending:
            self.logger.warning(
                "Replaying quarantined batch %s of stream %r (%d rows, quarantined %s, %d attempts) into %s",
                entry.batch_id,
                entry.stream,
                entry.rows,
                entry.created_at,
                entry.attempts,
                entry.table,
            )
            batch = Batch(
                entry.batch_id,
                entry.stream,
                entry.table,
                self.quarantine.load(entry),
                _replayable(entry.plan),
                entry.rows,
            )
            rows.append(self.load(batch, replay=entry))
        return rows

    def _row(self, batch: Batch, started: float, status: str) -> audit.AuditRow:
        return audit.AuditRow(
            run_id=self.run_id,
            stream=batch.stream,
            table_name=str(batch.table),
            rows_in=batch.rows_in,
            duration_seconds=round(time.monotonic() - started, 6),
            status=status,
            batch_id=batch.batch_id,
            engine=self.engine.name,
        )

    def _audit(self, row: audit.AuditRow) -> None:
        with self._audit_lock:
            self._audit_rows.append(row)

    def flush_audit(self) -> None:
        """Write the audit rows of the batches landed since the last flush, in one write: the target calls
        it before each STATE it emits (so a bookmark never moves past unaudited batches) and at the end.
        One commit per run instead of one per batch: ~50 ms each on the delta engine (46 in a full sync).
        A run that dies in between loses only rows of batches its state never covered: they are sent
        again, landed (idempotently) and audited by the next run."""
        with self._audit_lock:
            rows, self._audit_rows = self._audit_rows, []
        if not rows:
            return
        try:  # keyed by run, batch and status: a retry after a lost reply adds no second row
            self.engine.insert_once(self.audit_table, audit.to_table(rows), audit.KEY_COLUMNS)
        except Exception as exc:
            raise LoadFailed(
                f"writing {len(rows)} audit rows to {self.audit_table} failed: {describe(exc, self.secrets)}"
            ) from exc


def _replayable(plan: WritePlan) -> WritePlan:
    """A late batch must never replace a table that has moved on: an `overwrite` batch is merged instead."""
    if plan.method != "overwrite":
        return plan
    return WritePlan("upsert" if plan.merge.keys else "append-only", plan.merge)


def _described(schema: pa.Schema) -> dict[str, str]:
    return {f.name: databricks_type(f.type).lower() for f in schema}
