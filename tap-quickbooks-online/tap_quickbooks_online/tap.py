"""tap-quickbooks-online: the QBO ledger as Singer streams (full, then CDC-incremental, deletes, webhooks)."""

from __future__ import annotations

import logging
import os
import signal
import sys
from collections.abc import Iterable
from types import FrameType
from typing import Any, NoReturn

from singer_sdk import Stream, Tap
from singer_sdk import typing as th
from singer_sdk.mapper import PluginMapper

from . import discovery_cache
from .entities import ENTITIES, Entity
from .errors import QBOError, install_log_redaction, register_secret
from .report_stream import ReportStream
from .reports import REPORTS
from .run import RunContext
from .streams import QBOStream
from .token_store import KEY_ENV
from .writer import BufferedMsgSpecWriter

S = th.StringType


def INT(minimum: int, maximum: int) -> th.IntegerType:
    """An integer setting with bounds: a bad value fails config validation, naming the setting."""
    return th.IntegerType(minimum=minimum, maximum=maximum)


def _p(name: str, kind: Any, description: str, title: str, **kw: Any) -> th.Property[Any]:
    return th.Property(name, kind, description=description, title=title, **kw)


CONFIG_SCHEMA = th.PropertiesList(
    _p("realm_id", S, "QBO company id (realmId from the OAuth redirect).", "Realm ID", required=True),
    _p("client_id", S, "Intuit app OAuth client id.", "Client ID", required=True),
    _p("client_secret", S, "Intuit app OAuth client secret.", "Client Secret", required=True, secret=True),
    _p(
        "refresh_token",
        S,
        "Refresh token from the OAuth authorisation. Only seeds the token store; a "
        "different value later reseeds it.",
        "Refresh Token",
        secret=True,
    ),
    _p(
        "token_store_path",
        S,
        "Encrypted token store file (default .secrets/qbo-<realm_id>.tokens).",
        "Token Store Path",
    ),
    _p(
        "token_store_key",
        S,
        f"Fernet key or passphrase encrypting the token store (or env {KEY_ENV}).",
        "Token Store Key",
        secret=True,
    ),
    _p(
        "start_date",
        th.DateTimeType,
        "Earliest LastUpdatedTime of transactions to backfill; name lists are always read in full.",
        "Start Date",
    ),
    _p(
        "api_base_url",
        S,
        "QBO API host (sandbox: https://sandbox-quickbooks.api.intuit.com).",
        "API Base URL",
        default="https://quickbooks.api.intuit.com",
    ),
    _p(
        "oauth_token_url",
        S,
        "Intuit OAuth 2.0 token endpoint.",
        "OAuth Token URL",
        default="https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer",
    ),
    _p("minor_version", INT(1, 999), "QBO API minorversion parameter.", "Minor Version", default=75),
    _p(
        "cdc_interval",
        INT(0, 2_592_000),
        "Seconds between CDC polls; runs in between only drain the webhook inbox.",
        "CDC Interval",
        default=10800,
    ),
    _p("page_size", INT(1, 1000), "Rows per query page (QBO maximum 1000).", "Page Size", default=1000),
    _p("batch_size", INT(1, 30), "Items per /batch request (QBO maximum 30).", "Batch Size", default=30),
    _p(
        "max_requests_per_minute",
        INT(1, 1_000_000),
        "Request limit per realm per minute.",
        "Max Requests/Minute",
        default=500,
    ),
    _p(
        "max_concurrent_requests",
        INT(1, 10),
        "Concurrent requests per realm.",
        "Max Concurrent Requests",
        default=10,
    ),
    _p(
        "max_batch_requests_per_minute",
        INT(1, 1_000_000),
        "/batch request limit per minute.",
        "Max Batch Requests/Minute",
        default=40,
    ),
    _p(
        "settle_seconds",
        INT(0, 3600),
        "Bookmarks stay this far behind QBO's clock, so rows committed late in the "
        "same second are re-read rather than missed.",
        "Settle Seconds",
        default=30,
    ),
    _p(
        "request_timeout",
        INT(5, 600),
        "HTTP read timeout in seconds (connecting times out after at most 10 s).",
        "Request Timeout",
        default=120,
    ),
    _p(
        "reconcile_interval_hours",
        INT(1, 8760),
        "Hours between reconciliations of entities without CDC (TimeActivity, TaxAgency, TaxCode, "
        "TaxRate): the stream is read whole and the target flags every row QBO no longer has. Streams "
        "with CDC are reconciled only after a gap CDC cannot cover.",
        "Reconcile Interval Hours",
        default=168,
    ),
    _p(
        "report_lookback_months",
        INT(0, 36),
        "Closed months each report sync reads again (month-end close back-dates entries), besides the "
        "current month. See docs/reports.md.",
        "Report Lookback Months",
        default=3,
    ),
    _p(
        "report_interval",
        INT(0, 2678400),
        "Seconds between report syncs; runs in between skip the report streams (default: daily).",
        "Report Interval",
        default=86400,
    ),
    _p("user_agent", S, "User-Agent header sent to Intuit.", "User Agent", default="tap-quickbooks-online"),
    _p(
        "webhook_inbox_path",
        S,
        "SQLite inbox of webhook events the tap drains each run.",
        "Webhook Inbox Path",
    ),
    _p(
        "webhook_verifier_token",
        S,
        "Intuit webhook verifier token (checks intuit-signature).",
        "Webhook Verifier Token",
        secret=True,
    ),
    _p("webhook_host", S, "Webhook receiver bind address.", "Webhook Host", default="127.0.0.1"),
    _p("webhook_port", INT(0, 65535), "Webhook receiver port.", "Webhook Port", default=8080),
    _p(
        "webhook_max_body_bytes",
        INT(1, 104857600),
        "Largest webhook body accepted.",
        "Webhook Max Body Bytes",
        default=1048576,
    ),
    _p(
        "webhook_retention_days",
        INT(0, 3650),
        "Days an inbox event is kept after it was received, consumed or not (0 keeps events forever).",
        "Webhook Retention Days",
        default=30,
    ),
    _p(
        "webhook_trigger_command",
        S,
        "Command the receiver runs (debounced) after storing events, for "
        "example `meltano run tap-quickbooks-online target-databricks`.",
        "Webhook Trigger Command",
    ),
    _p(
        "webhook_trigger_debounce_seconds",
        INT(0, 3600),  # integer seconds: Meltano passes environment values as strings for other kinds
        "Seconds after the first new event before the trigger command runs; later events coalesce into it.",
        "Webhook Trigger Debounce Seconds",
        default=5,
    ),
    _p(
        "webhook_trigger_timeout_seconds",
        INT(60, 86400),
        "Longest run of the trigger command; past it the command is terminated, then killed.",
        "Webhook Trigger Timeout Seconds",
        default=3600,
    ),
).to_dict()


class TapQuickBooksOnline(Tap):
    """Singer tap for QuickBooks Online."""

    name = "tap-quickbooks-online"
    config_jsonschema = CONFIG_SCHEMA
    message_writer_class = BufferedMsgSpecWriter
    _run: RunContext | None = None

    def __init__(self, *, setup_mapper: bool = True, **kwargs: Any) -> None:
        # singer-sdk sets up stream maps here (three copies of every schema: 0.4 s). They are set up on
        # first use instead, so a sync sends its first requests before paying for them (sync_all).
        self._mapper_wanted = setup_mapper
        install_log_redaction()
        super().__init__(setup_mapper=False, **kwargs)
        for name, spec in CONFIG_SCHEMA["properties"].items():
            if spec.get("secret"):
                register_secret(self.config.get(name))
        register_secret(os.environ.get(KEY_ENV))

    def _handle_termination(self, signum: int, frame: FrameType | None) -> None:
        """SIGTERM/SIGINT end the run at once with a failure code (singer-sdk's handler exits 0, after
        worker threads finish their retries). Nothing is lost: no STATE follows records not yet sent,
        so the next run starts from the last committed state."""
        name = signal.Signals(signum).name
        os.write(
            2,
            f"tap-quickbooks-online stopped by {name}; the next run resumes from the last state.\n".encode(),
        )
        os._exit(128 + signum)

    @property
    def mapper(self) -> PluginMapper:
        if self._mapper is None and self._mapper_wanted:
            self.setup_mapper()
        return super().mapper

    @mapper.setter
    def mapper(self, mapper: PluginMapper) -> None:
        self._mapper = mapper

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
            self._run = RunContext(self.config, selected)
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
        return RunContext(self.config, selected)

    def _stream_state_of(self, stream_name: str) -> dict[str, Any]:
        """The stream's state dict when it has one (the same object its stream will update); a blank one
        otherwise, without adding it to the tap state (singer-sdk would emit it as an empty bookmark)."""
        found = (self.state.get("bookmarks") or {}).get(stream_name)
        return found if isinstance(found, dict) else {}

    def sync_all(self) -> None:  # type: ignore[misc]  # final in singer-sdk; only wrapped
        try:
            self._run = self._early_run()
            if self._run is not None:
                self._run.start_prefetch()
            super().sync_all()
        except BaseException:
            self._end_run_after_error()
            raise
        self._end_run()

    def run_sync_dry_run(  # type: ignore[misc]  # final in singer-sdk; only wrapped
        self, dry_run_record_limit: int | None = 1, streams: Iterable[Stream] | None = None
    ) -> bool:
        try:
            done = super().run_sync_dry_run(dry_run_record_limit, streams)
        except BaseException:
            self._end_run_after_error()
            raise
        self._end_run()
        return done

    def _end_run_after_error(self) -> None:
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
    """The console entry point: singer-sdk's CLI, then an exit that skips the interpreter's teardown.

    A sync leaves ~150 MB of schema objects (the catalog, singer-sdk's copies of every schema); freeing them
    one by one at exit took 0.3 s of an 8 s backfill, for nothing. Output and logs are flushed first, and
    a crash still raises (with its traceback) through the normal exit.
    """
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
