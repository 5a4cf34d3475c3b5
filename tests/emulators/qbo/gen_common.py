"""Small helpers shared by the generators: deterministic hashing, money, refs, timestamps."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from .clock import COMPANY_TZ
from .timefmt import entity_ts

_MASK = (1 << 64) - 1
USD = {"value": "USD", "name": "United States Dollar"}


def mix(*parts: int) -> int:
    """A 64-bit hash of integers (splitmix64 finaliser): cheap, stable across processes, unlike hash()."""
    h = 0x9E3779B97F4A7C15
    for part in parts:
        h = (h ^ (part & _MASK)) * 0xBF58476D1CE4E5B9 & _MASK
        h ^= h >> 31
    h = (h ^ (h >> 30)) * 0xBF58476D1CE4E5B9 & _MASK
    h = (h ^ (h >> 27)) * 0x94D049BB133111EB & _MASK
    return h ^ (h >> 31)


def rng(*parts: int) -> random.Random:
    return random.Random(mix(*parts))


def money(cents: int) -> Decimal:
    """Integer cents inside the generator, exact Decimals in records, plain JSON numbers on the wire."""
    return Decimal(cents).scaleb(-2)


def ref(value: str | int, name: str | None = None) -> dict[str, str]:
    out = {"value": str(value)}
    if name is not None:
        out["name"] = name
    return out


def epoch_at(day: date, seconds: int) -> float:
    """Epoch seconds of a company-local day plus seconds since midnight."""
    return (
        datetime(day.year, day.month, day.day, tzinfo=COMPANY_TZ) + timedelta(seconds=seconds)
    ).timestamp()


def meta(create: float, updated: float) -> dict[str, str]:
    return {
        "CreateTime": entity_ts(datetime.fromtimestamp(create, COMPANY_TZ)),
        "LastUpdatedTime": entity_ts(datetime.fromtimestamp(updated, COMPANY_TZ)),
    }


def envelope(record_id: int, create: float, updated: float, body: dict[str, Any]) -> dict[str, Any]:
    """The fields every QBO entity carries, in Intuit's usual order after the body."""
    sync = "1" if updated > create else "0"
    return {
        **body,
        "domain": "QBO",
        "sparse": False,
        "Id": str(record_id),
        "SyncToken": sync,
        "MetaData": meta(create, updated),
    }
