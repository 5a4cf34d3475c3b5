"""tap-quickbooks-online: the QBO ledger as Singer streams (full, then CDC-incremental, deletes, webhooks)."""

from __future__ import annotations

import logging
import os
import signal
import sys
from functools import cached_property
from typing import Any, NoReturn

from singer_sdk import Stream

from . import discovery_cache
from .entities import ENTITIES, Entity
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


class TapQuickBooksOnline(LazyMapperTap):
    """Singer tap for QuickBooks Online."""

    name = "tap-quickbooks-online"
    config_jsonschema = CONFIG_SCHEMA
    message_writer_class = BufferedMsgSpecWriter
    _run: RunContext | None = None

    def __init__(self, **kwargs: Any) -> None:
        install_log_redaction()
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

    def run_discovery(self) -> str:
        """singer-sdk's discovery, its output kept for the next run (discovery_cache)."""
        catalog_text = super().run_discovery()
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
