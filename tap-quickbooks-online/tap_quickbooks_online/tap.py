"""tap-quickbooks-online: the QBO ledger as Singer streams (full, then CDC-incremental, deletes, webhooks)."""

from __future__ import annotations

from typing import Any

from singer_sdk import Tap
from singer_sdk import typing as th

from .entities import ENTITIES
from .run import RunContext
from .streams import QBOStream
from .token_store import KEY_ENV
from .writer import BufferedMsgSpecWriter

S, INT = th.StringType, th.IntegerType


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
    _p("minor_version", INT, "QBO API minorversion parameter.", "Minor Version", default=75),
    _p(
        "cdc_interval",
        INT,
        "Seconds between CDC polls; runs in between only drain the webhook inbox.",
        "CDC Interval",
        default=10800,
    ),
    _p("page_size", INT, "Rows per query page (QBO maximum 1000).", "Page Size", default=1000),
    _p("batch_size", INT, "Items per /batch request (QBO maximum 30).", "Batch Size", default=30),
    _p(
        "max_requests_per_minute",
        INT,
        "Request limit per realm per minute.",
        "Max Requests/Minute",
        default=500,
    ),
    _p(
        "max_concurrent_requests",
        INT,
        "Concurrent requests per realm.",
        "Max Concurrent Requests",
        default=10,
    ),
    _p(
        "max_batch_requests_per_minute",
        INT,
        "/batch request limit per minute.",
        "Max Batch Requests/Minute",
        default=40,
    ),
    _p(
        "settle_seconds",
        INT,
        "Bookmarks stay this far behind QBO's clock, so rows committed late in the "
        "same second are re-read rather than missed.",
        "Settle Seconds",
        default=30,
    ),
    _p("request_timeout", INT, "HTTP timeout in seconds.", "Request Timeout", default=120),
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
    _p("webhook_port", INT, "Webhook receiver port.", "Webhook Port", default=8080),
    _p(
        "webhook_max_body_bytes",
        INT,
        "Largest webhook body accepted.",
        "Webhook Max Body Bytes",
        default=1048576,
    ),
    _p(
        "webhook_retention_days",
        INT,
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
        INT,
        "Seconds after the first new event before the trigger command runs; later events coalesce into it.",
        "Webhook Trigger Debounce Seconds",
        default=5,
    ),
).to_dict()


class TapQuickBooksOnline(Tap):
    """Singer tap for QuickBooks Online."""

    name = "tap-quickbooks-online"
    config_jsonschema = CONFIG_SCHEMA
    message_writer_class = BufferedMsgSpecWriter
    _run: RunContext | None = None

    def discover_streams(self) -> list[QBOStream]:
        """Static and offline: schemas come from files, never from the API."""
        return [QBOStream(self, entity) for entity in ENTITIES]

    def run_context(self) -> RunContext:
        """Built when the first stream syncs, after the catalog selection and the state are known."""
        if self._run is None:
            selected = {
                s.entity.name: (s.entity, s.stream_state)
                for s in self.streams.values()
                if isinstance(s, QBOStream) and s.selected
            }
            self._run = RunContext(self.config, selected)
        return self._run

    def sync_all(self) -> None:  # type: ignore[misc]  # final in singer-sdk; only wrapped, to report
        try:
            super().sync_all()
        finally:
            if self._run is not None:
                self._run.close()
                self.logger.info(self._run.summary())


cli = TapQuickBooksOnline.cli
