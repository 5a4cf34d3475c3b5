"""What one run does for each stream, decided once from Singer state, and the resources streams share.

Modes per stream (DESIGN.md, "one job, one state"):
- FULL: no bookmark (first run, `meltano state clear`, `--full-refresh`): a concurrent keyset backfill.
- CDC: bookmark within CDC's window and `cdc_interval` elapsed since the last poll: rows of the ONE CDC
  call made for all such streams.
- QUERY: the entity has no CDC, or its bookmark is older than the window: a LastUpdatedTime query.
  The first page of every such stream travels in one /batch request.
- IDLE: polled less than `cdc_interval` ago: only the webhook inbox is drained (often zero API calls).
The API client, token and limiter are built on first use, so an IDLE run with an empty inbox makes no
call at all, not even to the token endpoint.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any

from . import query as q
from .auth import OAuthClient
from .cdc import ChangeFeed, within_window
from .client import QBOClient
from .drain import InboxDrain, run_batch_queries
from .entities import Entity
from .limiter import RateLimiter
from .token_store import TokenStore

LOGGER = logging.getLogger("tap_quickbooks_online.run")
PREFETCH_ROWS = 100  # rows per stream in the run's first /batch: small streams finish there


class Mode(enum.Enum):
    FULL = "full"
    CDC = "cdc"
    QUERY = "query"
    IDLE = "idle"


def bookmark_of(state: Mapping[str, Any]) -> datetime | None:
    value = state.get("replication_key_value")
    return q.parse_ts(value) if isinstance(value, str) and value else None


def decide(entity: Entity, state: Mapping[str, Any], now: datetime, cdc_interval: float) -> Mode:
    bookmark = bookmark_of(state)
    if bookmark is None:
        return Mode.FULL
    polled = state.get("cdc_polled_at")
    if polled and (now - q.parse_ts(polled)).total_seconds() < cdc_interval:
        return Mode.IDLE
    return Mode.CDC if entity.cdc and within_window(bookmark, now) else Mode.QUERY


class RunContext:
    """Per-run shared state; `streams` maps entity name -> (entity, state) of every selected stream."""

    def __init__(self, config: Mapping[str, Any], streams: dict[str, tuple[Entity, dict[str, Any]]]) -> None:
        self.config = config
        self.now = datetime.now(UTC)
        self.modes = {
            name: decide(e, st, self.now, float(config.get("cdc_interval", 10800)))
            for name, (e, st) in streams.items()
        }
        self._streams = streams
        self._first_pages: dict[str, dict[str, Any]] | None = None

    @cached_property
    def client(self) -> QBOClient:
        cfg = self.config
        store = TokenStore(
            cfg.get("token_store_path") or f".secrets/qbo-{cfg['realm_id']}.tokens",
            cfg.get("token_store_key"),
        )
        oauth = OAuthClient(
            token_url=cfg["oauth_token_url"],
            client_id=cfg["client_id"],
            client_secret=cfg["client_secret"],
            seed_refresh_token=cfg.get("refresh_token"),
            store=store,
            timeout=float(cfg.get("request_timeout", 120)),
            user_agent=cfg.get("user_agent") or "tap-quickbooks-online",
        )
        limiter = RateLimiter(
            int(cfg.get("max_requests_per_minute", 500)),
            int(cfg.get("max_concurrent_requests", 10)),
            int(cfg.get("max_batch_requests_per_minute", 40)),
        )
        return QBOClient(cfg, oauth, limiter)

    @cached_property
    def feed(self) -> ChangeFeed:
        since: dict[str, datetime] = {}
        for name, (_entity, state) in self._streams.items():
            bookmark = bookmark_of(state)
            if self.modes[name] is Mode.CDC and bookmark is not None:
                since[name] = bookmark
        return ChangeFeed(self.client, since, self.now)

    @cached_property
    def inbox(self) -> InboxDrain | None:
        path = self.config.get("webhook_inbox_path")
        return InboxDrain(path, str(self.config["realm_id"])) if path else None

    def first_page(self, entity: Entity) -> dict[str, Any]:
        """The first PREFETCH_ROWS rows of this FULL or QUERY stream, fetched for all of them in /batch.

        Most streams (name lists, singletons, quiet incremental polls) fit in that page, so they cost no
        request of their own; larger ones continue with a keyset walk or a concurrent backfill.
        """
        if self._first_pages is None:
            names = [n for n, m in self.modes.items() if m in (Mode.FULL, Mode.QUERY)]
            statements = [self._first_statement(*self._streams[n]) for n in names]
            answers = run_batch_queries(self.client, statements, self.batch_size) if statements else []
            self._first_pages = dict(zip(names, answers, strict=True))
        return self._first_pages[entity.name]

    def _first_statement(self, entity: Entity, state: Mapping[str, Any]) -> str:
        if entity.kind == "singleton":
            return q.select_singleton(entity)
        return q.select_page(entity, q.Window(self.low_bound(entity, state)), PREFETCH_ROWS)

    def low_bound(self, entity: Entity, state: Mapping[str, Any]) -> datetime | None:
        """Where a read starts: the bookmark; without one, start_date for transactions, else everything."""
        bookmark = bookmark_of(state)
        if bookmark is not None or entity.kind != "transaction":
            return bookmark
        start = self.config.get("start_date")
        return q.parse_ts(start) if start else None

    @property
    def page_size(self) -> int:
        return min(int(self.config.get("page_size", 1000)), q.MAX_PAGE)

    @property
    def batch_size(self) -> int:
        return int(self.config.get("batch_size", 30))

    @property
    def settle(self) -> timedelta:
        return timedelta(seconds=float(self.config.get("settle_seconds", 30)))

    def summary(self) -> str:
        if "client" not in self.__dict__:
            return "QBO API calls this run: 0 (nothing was due)."
        client = self.client
        kinds = ", ".join(f"{k}={v}" for k, v in sorted(client.calls.items()))
        return (
            f"QBO API calls this run: {client.total_calls()} ({kinds or 'none'}; "
            f"token={client.oauth.refresh_calls}); retries={client.retries}; "
            f"limiter waits={client.limiter.waited_seconds:.1f}s."
        )
