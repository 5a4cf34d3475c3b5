"""target-databricks: exact, idempotent, version-guarded loads into Delta tables."""

from __future__ import annotations

import gc
import logging
import os
import sys
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cached_property
from typing import IO, Any, NoReturn

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
from target_databricks.sdk_compat import SeamTarget
from target_databricks.settings import CONFIG, SETTINGS_GROUPS, Settings
from target_databricks.sinks import DatabricksSink

__all__ = ["CONFIG", "SETTINGS_GROUPS", "TargetDatabricks", "cli"]


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


class TargetDatabricks(SeamTarget):
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
        self.settings = Settings.from_config(self.config)
        self.run_id = uuid.uuid4().hex
        self.bookmarks: dict[str, list[str]] = {}
        self.current_bookmarks: list[str] = []  # of the SCHEMA message being processed (for mapped aliases)
        self._replayed = False
        self.set_max_record_age(self.settings.max_flush_seconds)

    @cached_property
    def loader(self) -> Loader:
        settings = self.settings
        errors.RETRY_SETTINGS["max_total_seconds"] = float(settings.retry_seconds)
        engine = make_engine(settings)
        return Loader(
            engine,
            Quarantine(engine, TableRef(settings.catalog, settings.schema, settings.quarantine_table)),
            load_mapping(settings.table_mapping),
            evolve=settings.evolve,
            audit_table=TableRef(settings.catalog, settings.schema, settings.audit_table),
            run_id=self.run_id,
            secrets=settings.secrets,
        )

    def _replay_once(self) -> None:
        if not self._replayed:
            self._replayed = True
            self.loader.replay_quarantine()

    def before_schema_message(self, message: dict) -> None:
        self._replay_once()
        bookmarks = list(message.get("bookmark_properties") or [])
        self.bookmarks[message["stream"]] = self.current_bookmarks = bookmarks

    def process_endofpipe(self) -> None:
        self._replay_once()
        try:
            super().process_endofpipe()
            self._drop_connection_test_table()
        except BaseException:
            self._close(quietly=True)  # a cleanup error must never replace the error that stopped the run
            raise
        self._close(quietly=False)

    def schema_for_sdk(self, schema: dict) -> dict:
        return JSONSchema(schema)  # singer-sdk deep-copies each schema: at msgspec speed

    def before_state_message(self, state: dict) -> None:
        self.loader.flush_audit()  # the audit rows of the batches this state covers land first

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
        sink = self.get_sink(MELTANO_TEST_STREAM) if self.sink_exists(MELTANO_TEST_STREAM) else None
        if isinstance(sink, DatabricksSink):
            self.loader.engine.drop_table(sink.table)
            self.logger.info("Dropped the connection-test table %s", sink.table)


def cli() -> None:
    """The console entry point: singer-sdk's CLI, then an exit that skips the interpreter's teardown.

    Tearing down pyarrow's and delta-rs's runtimes and every schema object took ~0.6 s after the last
    STATE of each run, time Meltano waits for. Output and logs are flushed first; a crash still raises
    (with its traceback) through the normal exit.
    """
    try:
        TargetDatabricks.cli()
        code: object = 0
    except SystemExit as exc:
        code = exc.code
    hard_exit(code)


def hard_exit(code: object) -> NoReturn:
    """sys.exit's meaning of `code` (None: 0, int: itself, else print it and 1), without the teardown."""
    if code is not None and not isinstance(code, int):
        print(code, file=sys.stderr)
        code = 1
    logging.shutdown()
    try:
        sys.stdout.flush()
    except OSError:  # the reader went away before taking everything: that run did not deliver
        code = code or 1
    sys.stderr.flush()
    os._exit(code or 0)
