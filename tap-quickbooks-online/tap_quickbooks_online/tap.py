"""tap-quickbooks-online: the QBO ledger as Singer streams (full, then CDC-incremental, deletes, webhooks)."""

from __future__ import annotations

import logging
import os
import signal
import sys
from functools import cached_property
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any, NoReturn

import msgspec
from singer_sdk import Stream

from . import discovery_cache
from .entities import BY_STREAM, ENTITIES, Entity, catalog_schema, inline_references
from .errors import QBOError, install_log_redaction, register_secret
from .interpreter import tune_interpreter
from .report_stream import ReportStream
from .reports import REPORTS
from .run import RunContext
from .sdk_compat import LazyMapperTap
from .settings import CONFIG_SCHEMA, Settings, secret_names
from .streams import QBOStream
from .token_store import KEY_ENV
from .writer import BufferedMsgSpecWriter

if TYPE_CHECKING:
    from singer_sdk.singerlib import CatalogEntry


class TapQuickBooksOnline(LazyMapperTap):
    """Singer tap for QuickBooks Online."""

    name = "tap-quickbooks-online"
    config_jsonschema = CONFIG_SCHEMA
    message_writer_class = BufferedMsgSpecWriter
    _run: RunContext | None = None

    def __init__(self, **kwargs: Any) -> None:
        install_log_redaction()
        catalog = kwargs.get("catalog")
        if isinstance(catalog, str | PurePath):  # read once here: its raw schemas keep their $refs
            catalog = kwargs["catalog"] = msgspec.json.decode(Path(catalog).read_bytes())
        self._raw_schemas: dict[str, dict[str, Any]] = {}
        if isinstance(catalog, dict):
            streams = catalog.get("streams") or []
            self._raw_schemas = {s["tap_stream_id"]: s["schema"] for s in streams if "schema" in s}
        super().__init__(**kwargs)
        for name in secret_names():
            register_secret(self.config.get(name))
        register_secret(os.environ.get(KEY_ENV))

    @cached_property
    def settings(self) -> Settings:
        """The validated config, typed (built on first use: discovery needs none of it)."""
        return Settings.from_config(self.config)

    def on_termination(self, signum: int) -> None:
        """SIGTERM/SIGINT end the run at once with a failure code (singer-sdk's handler exits 0, after
        worker threads finish their retries). Nothing is lost: no STATE follows records not yet sent,
        so the next run starts from the last committed state."""
        name = signal.Signals(signum).name
        os.write(
            2,
            f"tap-quickbooks-online stopped by {name}; the next run resumes from the last state.\n".encode(),
        )
        os._exit(128 + signum)

    def discover_streams(self) -> list[Stream]:
        """Static and offline: schemas come from files (entities) and reports.py, never from the API."""
        return [*(QBOStream(self, entity) for entity in ENTITIES), *(ReportStream(self, r) for r in REPORTS)]

    @property
    def catalog_dict(self) -> dict[str, Any]:
        """singer-sdk's catalog, with each entity's deeper QBO types as $refs (entities.catalog_schema)."""
        catalog: dict[str, Any] = super().catalog_dict
        for entry in catalog["streams"]:
            if (entity := BY_STREAM.get(entry["tap_stream_id"])) is not None:
                entry["schema"] = catalog_schema(entity)
        return catalog

    def catalog_schema(self, entry: CatalogEntry) -> dict[str, Any]:
        """The input catalog's schema with its $refs inlined; streams it does not carry (no catalog given)
        start from their own schema."""
        raw = self._raw_schemas.get(entry.tap_stream_id)
        if raw is not None:
            return inline_references(raw)
        stream = self.streams.get(entry.tap_stream_id)
        return stream.schema if stream is not None else entry.schema.to_dict()

    def run_discovery(self) -> str:
        """The catalog, one stream per line, printed and kept for the next run (discovery_cache).

        Meltano reads discovery output a line at a time (asyncio, 64 KiB per line at most): singer-sdk's
        indented catalog is ~50k lines, one per stream is 48; a stream too wide for one line is indented.
        """
        catalog = self.catalog_dict
        lines = [msgspec.json.encode(entry).decode() for entry in catalog["streams"]]
        if set(catalog) == {"streams"} and all(len(line) < DISCOVERY_LINE_LIMIT for line in lines):
            catalog_text = '{"streams": [\n' + ",\n".join(lines) + "\n]}"
        else:
            catalog_text = self.catalog_json_text
        print(catalog_text)
        discovery_cache.store(catalog_text)
        return catalog_text

    def run_context(self) -> RunContext:
        """Built from the catalog and state at the start of the sync (see _early_run), else when the first
        stream syncs, from the streams singer-sdk built."""
        if self._run is None:
            selected = {
                s.entity.name: (s.entity, s.stream_state)
                for s in self.streams.values()
                if isinstance(s, QBOStream) and s.selected
            }
            self._run = RunContext(self.settings, selected)
        return self._run

    def _early_run(self) -> RunContext | None:
        """The run's context from the input catalog and state alone, so its first requests (token, first
        /batch) go out while singer-sdk builds the streams and stream maps (~0.8 s). None when the
        catalog does not name every stream: then singer-sdk's defaults decide, once streams exist."""
        catalog = self.input_catalog
        if catalog is None:
            return None
        selected: dict[str, tuple[Entity, dict[str, Any]]] = {}
        for entity in sorted(ENTITIES, key=lambda e: e.stream_name):  # singer-sdk's sync order: by name
            entry = catalog.get_stream(entity.stream_name)
            if entry is None:
                return None
            if entry.metadata.resolve_selection().get((), True):
                selected[entity.name] = (entity, self._stream_state_of(entity.stream_name))
        return RunContext(self.settings, selected)

    def _stream_state_of(self, stream_name: str) -> dict[str, Any]:
        """The stream's state dict when it has one (the same object its stream will update); a blank one
        otherwise, without adding it to the tap state (singer-sdk would emit it as an empty bookmark)."""
        found = (self.state.get("bookmarks") or {}).get(stream_name)
        return found if isinstance(found, dict) else {}

    def before_sync(self) -> None:
        self._run = self._early_run()
        if self._run is not None:
            self._run.start_prefetch()

    def after_sync(self) -> None:
        self._end_run()

    def after_sync_error(self) -> None:
        """Clean up after a failure without letting a cleanup error replace the failure being raised."""
        try:
            self._end_run()
        except Exception as exc:
            self.logger.warning("Cleanup after the failure also failed: %s", exc)

    def _end_run(self) -> None:
        """Stop the run's page fetchers, write out what is buffered, and report the API calls."""
        if isinstance(self.message_writer, BufferedMsgSpecWriter):
            self.message_writer.flush()
        if self._run is not None:
            self._run.close()
            self.logger.info(self._run.summary())


DISCOVERY_LINE_LIMIT = 60_000  # below asyncio's default StreamReader limit (64 KiB), which Meltano uses
CHECK_INPUTS = "Check the --config, --state and --catalog files."


def cli() -> None:
    """The console entry point: the interpreter tuned for a sync (interpreter.py), singer-sdk's CLI, then an
    exit that skips the interpreter's teardown.

    A sync leaves ~150 MB of schema objects (the catalog, singer-sdk's copies of every schema); freeing them
    one by one at exit took 0.3 s of an 8 s backfill, for nothing. Output and logs are flushed first, and
    a crash still raises (with its traceback) through the normal exit.
    """
    tune_interpreter()
    try:
        TapQuickBooksOnline.cli()
        code: object = 0
    except SystemExit as exc:
        code = exc.code
    except QBOError as exc:  # the message names the fix; a traceback would only bury it
        code = f"tap-quickbooks-online: error: {exc}"
    except FileNotFoundError as exc:
        code = f"tap-quickbooks-online: error: {exc} {CHECK_INPUTS}"
    except ValueError as exc:
        if type(exc).__name__ != "JSONDecodeError":  # json's or simplejson's (singer-sdk reads with it)
            raise
        code = f"tap-quickbooks-online: error: an input file is not JSON ({exc}). {CHECK_INPUTS}"
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
