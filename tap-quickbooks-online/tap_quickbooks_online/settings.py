"""The tap's settings: declared once in CONFIG_SCHEMA (bounds, defaults, secrets), read through `Settings`.

singer-sdk validates a config against CONFIG_SCHEMA and fills in its defaults; `Settings.from_config` turns
that config into one typed, frozen object, so no code repeats a setting's name, type or default.
`scripts/sync_settings.py` derives Meltano's settings list and the README table from the same schema.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from typing import Any

from singer_sdk import typing as th

from .errors import InvalidSettingError
from .query import parse_ts
from .token_store import KEY_ENV

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


PROPERTIES: dict[str, dict[str, Any]] = CONFIG_SCHEMA["properties"]


@dataclass(frozen=True)
class Settings:
    """The run's settings, typed; one field per CONFIG_SCHEMA property (its description says what it does).

    An optional text setting left empty ("" as Meltano may pass it) counts as unset: its default, or None.
    """

    realm_id: str
    client_id: str
    client_secret: str = field(repr=False)
    refresh_token: str | None = field(repr=False)
    token_store_path: str | None
    token_store_key: str | None = field(repr=False)
    start_date: datetime | None
    api_base_url: str
    oauth_token_url: str
    minor_version: int
    cdc_interval: int
    page_size: int
    batch_size: int
    max_requests_per_minute: int
    max_concurrent_requests: int
    max_batch_requests_per_minute: int
    settle_seconds: int
    request_timeout: int
    reconcile_interval_hours: int
    report_lookback_months: int
    report_interval: int
    user_agent: str
    webhook_inbox_path: str | None
    webhook_verifier_token: str | None = field(repr=False)
    webhook_host: str
    webhook_port: int
    webhook_max_body_bytes: int
    webhook_retention_days: int
    webhook_trigger_command: str | None
    webhook_trigger_debounce_seconds: int
    webhook_trigger_timeout_seconds: int

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Settings:
        """From a config singer-sdk validated (and filled with the schema's defaults)."""
        return cls(**{f.name: typed(f.name, config.get(f.name)) for f in fields(cls)})

    @property
    def settle(self) -> timedelta:
        return timedelta(seconds=self.settle_seconds)

    @property
    def reconcile_every(self) -> timedelta:
        return timedelta(hours=self.reconcile_interval_hours)


def typed(name: str, value: Any) -> Any:
    """A setting's value as its schema type; unset (None or "") means the schema's default, else None."""
    spec = PROPERTIES[name]
    if value is None or value == "":
        value = spec.get("default")
    if value is None:
        return None
    kinds = spec.get("type", "string")
    kind = next(k for k in ([kinds] if isinstance(kinds, str) else kinds) if k != "null")
    try:
        if spec.get("format") == "date-time":
            return parse_ts(str(value))
        if kind != "integer":
            return str(value)
        if isinstance(value, float) and not value.is_integer():
            raise ValueError(value)
        return int(value)
    except ValueError:  # the value itself stays out of the message: it may be a secret
        raise InvalidSettingError(f"{name} has an invalid value (not {spec.get('format') or kind})") from None


def check_bounds(name: str, value: Any) -> None:
    """A numeric setting against its schema bounds, for settings read without singer-sdk (the receiver)."""
    spec = PROPERTIES.get(name, {})
    low, high = spec.get("minimum"), spec.get("maximum")
    if isinstance(value, int | float) and (
        (low is not None and value < low) or (high is not None and value > high)
    ):
        raise ValueError(f"{name} is out of range: {value} (allowed {low} to {high})")


def secret_names() -> list[str]:
    return [name for name, spec in PROPERTIES.items() if spec.get("secret")]
