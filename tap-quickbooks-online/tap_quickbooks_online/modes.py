"""What one run does for each stream (its mode), decided once at the start from the stream's Singer state.

Modes (docs/architecture.md, "What one run does"):
- FULL: no bookmark (first run, `meltano state clear`, `--full-refresh`), or a reconciliation is due: the
  stream is read whole, by a concurrent keyset backfill.
- CDC: bookmark within CDC's window and `cdc_interval` elapsed since the last poll: rows of the ONE CDC
  call made for all such streams.
- QUERY: the entity has no CDC, or its bookmark is older than the window: a LastUpdatedTime query.
  The first page of every such stream travels in one /batch request.
- IDLE: polled less than `cdc_interval` ago: only the webhook inbox is drained (often zero API calls).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from . import query as q
from .cdc import within_window
from .entities import Entity
from .settings import Settings

RECONCILE_DUE = "reconcile_due"  # stream state: why the next run must re-read the stream whole
RECONCILED_AT = "reconciled_at"  # stream state: when the last whole read (a FULL sync) finished

# Selected streams of a run: entity name -> (entity, its stream state).
Streams = dict[str, tuple[Entity, dict[str, Any]]]


class Mode(enum.Enum):
    FULL = "full"
    CDC = "cdc"
    QUERY = "query"
    IDLE = "idle"


def bookmark_of(state: Mapping[str, Any]) -> datetime | None:
    value = state.get("replication_key_value")
    return q.parse_ts(value) if isinstance(value, str) and value else None


@dataclass(frozen=True)
class Decision:
    """The mode of each selected stream of a run, with what it was decided from."""

    settings: Settings
    now: datetime
    streams: Streams
    modes: dict[str, Mode]

    @classmethod
    def made(cls, settings: Settings, streams: Streams) -> Decision:
        now = datetime.now(UTC)
        every = settings.reconcile_every
        modes = {n: decide(e, st, now, settings.cdc_interval, every) for n, (e, st) in streams.items()}
        return cls(settings, now, streams, modes)


def decide(
    entity: Entity, state: Mapping[str, Any], now: datetime, cdc_interval: float, reconcile_every: timedelta
) -> Mode:
    bookmark = bookmark_of(state)
    if bookmark is None:
        return Mode.FULL
    polled = state.get("cdc_polled_at")
    if polled and (now - q.parse_ts(polled)).total_seconds() < cdc_interval:
        return Mode.IDLE
    if reconcile_reason(entity, state, bookmark, now, reconcile_every):
        return Mode.FULL
    return Mode.CDC if entity.cdc and within_window(bookmark, now) else Mode.QUERY


def reconcile_reason(
    entity: Entity, state: Mapping[str, Any], bookmark: datetime, now: datetime, every: timedelta
) -> str | None:
    """Why this incremental stream must be read whole again (a versioned FULL sync, so the target flags
    every row not re-sent: docs/deletes.md), or None. Deletes are otherwise seen only through CDC."""
    if entity.kind == "singleton":
        return None
    if state.get(RECONCILE_DUE):
        return str(state[RECONCILE_DUE])
    if entity.cdc and not within_window(bookmark, now):
        return "the last sync is older than CDC's 30-day window, so deletes and merges since are unseen"
    last = state.get(RECONCILED_AT)
    if not entity.cdc and (not isinstance(last, str) or now - q.parse_ts(last) >= every):
        return f"{entity.name} has no CDC; deletes are found by a reconciliation every {every}"
    return None


def low_bound(
    entity: Entity, state: Mapping[str, Any], mode: Mode | None, start_date: datetime | None
) -> datetime | None:
    """Where a read starts: the bookmark, unless the stream is read whole (FULL); then start_date for
    transactions, else everything."""
    bookmark = None if mode is Mode.FULL else bookmark_of(state)
    if bookmark is not None or entity.kind != "transaction":
        return bookmark
    return start_date
