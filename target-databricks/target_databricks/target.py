"""target-databricks: exact, idempotent, version-guarded loads into Delta tables."""

from __future__ import annotations

import gc
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cached_property
from typing import IO, Any

from singer_sdk import typing as th
from singer_sdk.contrib.msgspec import MsgSpecReader
from singer_sdk.helpers.capabilities import PluginCapabilities, TargetCapabilities
from singer_sdk.target_base import Target

from target_databricks import errors
from target_databricks.engines import TableRef, make_engine
from target_databricks.errors import describe
from target_databricks.load import Loader
from target_databricks.mapping import load_mapping
from target_databricks.quarantine import Quarantine
from target_databricks.schema_copy import JSONSchema
from target_databricks.sinks import DatabricksSink


def _setting(name: str, kind: Any, title: str, description: str, **extra: Any) -> th.Property:
    return th.Property(name, kind, title=title, description=description, **extra)


CONFIG = th.PropertiesList(
    _setting(
        "engine",
        th.StringType,
        "Engine",
        "Where tables live: `delta` (local path or object-store URI via "
        "delta-rs) or `databricks` (a SQL warehouse). Default: `databricks` when server_hostname is set, "
        "else `delta`.",
        allowed_values=["delta", "databricks"],
    ),
    _setting(
        "delta_root",
        th.StringType,
        "Delta root",
        "Root of the delta engine's tables, laid out as "
        "<root>/<catalog>/<schema>/<table>; a local path or an object-store URI.",
        default="output/delta",
    ),
    _setting("catalog", th.StringType, "Catalog", "Unity Catalog catalog of the tables.", default="main"),
    _setting(
        "schema",
        th.StringType,
        "Schema",
        "Schema of the tables (and of the audit table).",
        default="quickbooks",
    ),
    _setting(
        "server_hostname",
        th.StringType,
        "Server hostname",
        "Databricks workspace host name, e.g. adb-123.4.azuredatabricks.net.",
    ),
    _setting(
        "http_path", th.StringType, "HTTP path", "SQL warehouse HTTP path, e.g. /sql/1.0/warehouses/abc."
    ),
    _setting(
        "access_token",
        th.StringType,
        "Access token",
        "Personal access token (or use client_id and client_secret for OAuth M2M).",
        secret=True,
    ),
    _setting("client_id", th.StringType, "Client ID", "Service principal application id for OAuth M2M."),
    _setting(
        "client_secret",
        th.StringType,
        "Client secret",
        "Service principal OAuth secret for OAuth M2M.",
        secret=True,
    ),
    _setting(
        "volume",
        th.StringType,
        "Staging volume",
        "Unity Catalog Volume (in catalog.schema) where batches are staged as Parquet before the MERGE.",
        default="staging",
    ),
    _setting(
        "connection_options",
        th.ObjectType(additional_properties=True),
        "Connection options",
        "Extra keyword arguments passed verbatim to databricks.sql.connect (e.g. _connection_uri, "
        "_tls_trusted_ca_file, enable_telemetry); meant for tests and private options.",
    ),
    _setting(
        "table_mapping",
        th.CustomType({"type": ["string", "object"]}),
        "Table mapping",
        "Path to a YAML/JSON file, or an inline object: stream → {table, required_columns}.",
    ),
    _setting(
        "schema_evolution",
        th.StringType,
        "Schema evolution",
        "`evolve` adds new columns; `strict` quarantines batches with columns the table lacks.",
        default="evolve",
        allowed_values=["evolve", "strict"],
    ),
    _setting(
        "version_columns",
        th.ObjectType(additional_properties=True),
        "Version columns",
        "Stream → ordered list of columns deciding which version of a row is newer. Default: the "
        "replication key, then SyncToken (as an integer) when present; _sdc_sequence when no "
        "replication key.",
    ),
    _setting(
        "quarantine_table",
        th.StringType,
        "Quarantine table",
        "Table in the target schema holding batches the table refused (schema, mapping, types), with "
        "their data, until a later run lands them: under delta_root or in the warehouse, never a local "
        "folder. Pending batches are replayed first on every run.",
        default="_quarantine",
    ),
    _setting(
        "audit_table",
        th.StringType,
        "Audit table",
        "Table in the target schema receiving one row per flush.",
        default="_audit",
    ),
    _setting(
        "max_flush_seconds",
        th.IntegerType,
        "Max flush seconds",
        "Flush every stream (then emit STATE) once buffered records are this many seconds old; "
        "rows per flush are bounded by batch_size_rows (default 10000).",
        minimum=1,
        maximum=86_400,
    ),
    _setting(
        "batch_size_rows",
        th.IntegerType,
        "Batch size rows",
        "Maximum number of rows in each batch (default 10000).",
        minimum=1,
        maximum=1_000_000,
    ),
    _setting(
        "retry_seconds",
        th.IntegerType,
        "Retry seconds",
        "How long one write may keep retrying transient warehouse or storage errors (503, dropped "
        "connections, throttling) before the run stops with an error and no new state.",
        default=180,
        minimum=1,
        maximum=3_600,
    ),
    _setting(
        "connect_timeout_seconds",
        th.IntegerType,
        "Connect timeout seconds",
        "How long to keep trying to open a connection to the warehouse before the run stops with an "
        "error naming the address (databricks engine).",
        default=30,
        minimum=1,
        maximum=600,
    ),
    _setting(
        "flattening_max_depth",
        th.IntegerType,
        "Flattening max depth",
        "The max depth to flatten schemas.",
        minimum=1,
        maximum=100,
    ),
    _setting(
        "flattening_max_key_length",
        th.IntegerType,
        "Flattening max key length",
        "The maximum length of a flattened key.",
        minimum=1,
        maximum=255,
    ),
    _setting(
        "load_method",
        th.StringType,
        "Load method",
        "`upsert` (version-guarded MERGE), `append-only`, "
        "or `overwrite` (atomic replace on the first flush of a run). Streams without keys append.",
        default="upsert",
        allowed_values=["upsert", "append-only", "overwrite"],
    ),
    _setting(
        "hard_delete",
        th.BooleanType,
        "Hard delete",
        "Delete rows whose _sdc_deleted_at is set (default: keep them with the flag set).",
        default=False,
    ),
).to_dict()


# The settings that together are enough to run (one group suffices): the delta engine needs nothing more;
# a warehouse takes a personal access token or a service principal's OAuth M2M secret (connection.py).
SETTINGS_GROUPS = (
    ("delta_root",),
    ("server_hostname", "http_path", "access_token"),
    ("server_hostname", "http_path", "client_id", "client_secret"),
)
MELTANO_TEST_STREAM = "meltano_test_stream"  # the stream `meltano config test` sends to a loader

# Allocations between young-generation collections. A batch holds ~10k records of ~30 containers each;
# at CPython's default (700) the collector ran every few records and re-scanned the whole buffered batch
# on every older-generation pass: measured as ~80% of JSON-decoding time. The target makes few cycles,
# and a flushed batch is freed by reference counting, so young collections become rare (2 per 200k rows).
GC_YOUNG_THRESHOLD = 200_000


@contextmanager
def batch_friendly_gc() -> Iterator[None]:
    """Freeze what exists at start (modules, schemas) out of collections and collect young objects rarely."""
    before = gc.get_threshold()
    ours = gc.get_freeze_count() == 0  # never thaw what an embedding application froze
    if ours:
        gc.freeze()
    gc.set_threshold(max(before[0], GC_YOUNG_THRESHOLD), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)
        if ours:
            gc.unfreeze()


class Reader(MsgSpecReader):
    """singer-sdk's msgspec reader (exact Decimals), reading with batch-friendly garbage collection."""

    def process_lines(
        self, file_input: IO[str] | None, callbacks: dict[str, Callable[[dict], None]]
    ) -> Counter[str]:
        with batch_friendly_gc():
            return super().process_lines(file_input, callbacks)


class TargetDatabricks(Target):
    """Singer target landing streams in Delta tables, locally (delta-rs) or on a Databricks SQL warehouse."""

    name = "target-databricks"
    config_jsonschema = CONFIG
    default_sink_class = DatabricksSink
    message_reader_class = Reader
    capabilities = [
        *Target.capabilities,
        PluginCapabilities.ACTIVATE_VERSION,
        TargetCapabilities.SOFT_DELETE,
        TargetCapabilities.HARD_DELETE,
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.run_id = uuid.uuid4().hex
        self.bookmarks: dict[str, list[str]] = {}
        self.current_bookmarks: list[str] = []  # of the SCHEMA message being processed (for mapped aliases)
        self._replayed = False
        if self.config.get("max_flush_seconds"):
            # The SDK drains every sink (and then emits STATE) once buffered records reach this age.
            self._MAX_RECORD_AGE_IN_MINUTES = float(self.config["max_flush_seconds"]) / 60

    @cached_property
    def loader(self) -> Loader:
        config = self.config
        errors.RETRY_SETTINGS["max_total_seconds"] = float(config["retry_seconds"])
        engine = make_engine(config)
        return Loader(
            engine,
            Quarantine(engine, TableRef(config["catalog"], config["schema"], config["quarantine_table"])),
            load_mapping(config.get("table_mapping")),
            evolve=config.get("schema_evolution", "evolve") != "strict",
            audit_table=TableRef(config["catalog"], config["schema"], config["audit_table"]),
            run_id=self.run_id,
            secrets=tuple(str(config[k]) for k in ("access_token", "client_secret") if config.get(k)),
        )

    def _replay_once(self) -> None:
        if not self._replayed:
            self._replayed = True
            self.loader.replay_quarantine()

    def _process_schema_message(self, message_dict: dict) -> None:
        self._replay_once()
        bookmarks = list(message_dict.get("bookmark_properties") or [])
        self.bookmarks[message_dict["stream"]] = self.current_bookmarks = bookmarks
        super()._process_schema_message({**message_dict, "schema": JSONSchema(message_dict["schema"])})

    def process_endofpipe(self) -> None:
        self._replay_once()
        try:
            super().process_endofpipe()
            self._drop_connection_test_table()
        except BaseException:
            self._close(quietly=True)  # a cleanup error must never replace the error that stopped the run
            raise
        self._close(quietly=False)

    def _write_state_message(self, state: dict) -> None:
        self.loader.flush_audit()  # the audit rows of the batches this state covers land first
        super()._write_state_message(state)

    def _close(self, *, quietly: bool) -> None:
        try:
            try:
                self.loader.flush_audit()
            finally:
                self.loader.engine.close()
        except Exception as exc:
            if not quietly:
                raise
            self.logger.warning(
                "Cleanup after the failure also failed: %s", describe(exc, self.loader.secrets)
            )

    def _drop_connection_test_table(self) -> None:
        """`meltano config test` writes one record to MELTANO_TEST_STREAM: once it has landed (proving the
        credentials, grants and staging work), its table is dropped; its audit row stays as the record."""
        sink = self._sinks_active.get(MELTANO_TEST_STREAM)
        if isinstance(sink, DatabricksSink):
            self.loader.engine.drop_table(sink.table)
            self.logger.info("Dropped the connection-test table %s", sink.table)


cli = TargetDatabricks.cli
