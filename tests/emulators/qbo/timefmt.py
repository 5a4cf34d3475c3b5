"""Timestamp formats of the different QBO surfaces, and one lenient parser for incoming values."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from .clock import COMPANY_TZ

_OFFSET_NO_COLON = re.compile(r"([+-]\d{2})(\d{2})$")


def entity_ts(moment: datetime) -> str:
    """MetaData times: company-local, whole seconds, offset with a colon (2026-01-31T10:15:00-08:00)."""
    return moment.astimezone(COMPANY_TZ).replace(microsecond=0).isoformat()


def response_time(moment: datetime) -> str:
    """The `time` of a response envelope: milliseconds and offset (2015-12-23T12:56:06.196-08:00)."""
    return moment.astimezone(COMPANY_TZ).isoformat(timespec="milliseconds")


def legacy_webhook_ts(moment: datetime) -> str:
    """Legacy webhook `lastUpdated` and `intuit-created-time`: offset without a colon (…-0700)."""
    return moment.astimezone(COMPANY_TZ).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%S%z")


def cloudevents_ts(moment: datetime) -> str:
    """CloudEvents `time`: UTC with a `Z` and fractional seconds."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def parse_ts(text: str) -> datetime:
    """Parse an ISO 8601 timestamp as QBO clients send it; a value without an offset is company-local.

    Raises ValueError on anything else. Accepts `Z`, `+hh:mm` and `+hhmm` offsets, and a bare date.
    """
    value = text.strip()
    if value.endswith("Z"):
        value = value[:-1] + "+00:00"
    value = _OFFSET_NO_COLON.sub(r"\1:\2", value)
    if len(value) == 10:
        day = date.fromisoformat(value)
        return datetime(day.year, day.month, day.day, tzinfo=COMPANY_TZ)
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=COMPANY_TZ)


def local_midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=COMPANY_TZ)


def add_seconds(moment: datetime, seconds: float) -> datetime:
    return moment + timedelta(seconds=seconds)
