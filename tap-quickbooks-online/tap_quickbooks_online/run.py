"""What one run does for each stream, decided once from Singer state, and the resources streams share.

Modes per stream (docs/architecture.md, "What one run does"):
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
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any

from . import query as q
from .auth import OAuthClient
from .batch import run_queries
from .cdc import ChangeFeed, within_window
from .client import QBOClient
from .drain import InboxDrain
from .entities import BY_NAME, Entity
from .limiter import RateLimiter
from .paging import Backfill, updated_at
from .records import Row
from .scheduler import Scheduler
from .token_store import DEFAULT_STORE_PATH, TokenStore

LOGGER = logging.getLogger("tap_quickbooks_online.run")
PREFETCH_ROWS = 100  # rows per stream in the run's first /batch: small streams finish there
MAX_BUFFERED_PAGES = 16  # pages of later streams read ahead (~1 MB each): memory stays flat
COMPANY_INFO = BY_NAME["CompanyInfo"]
DEFAULT_RECONCILE_EVERY = timedelta(hours=168)
RECONCILE_DUE = "reconcile_due"  # stream state: why the next run must re-read the stream whole
RECONCILED_AT = "reconciled_at"  # stream state: when the last whole read (a FULL sync) finished


class Mode(enum.Enum):
    FULL = "full"
    CDC = "cdc"
    QUERY = "query"
    IDLE = "idle"


def bookmark_of(state: Mapping[str, Any]) -> datetime | None:
    value = state.get("replication_key_value")
    return q.parse_ts(value) if isinstance(value, str) and value else None


def decide(
    entity: Entity,
    state: Mapping[str, Any],
    now: datetime,
    cdc_interval: float,
    reconcile_every: timedelta = DEFAULT_RECONCILE_EVERY,
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


@dataclass(frozen=True)
class FirstPage:
    """A stream's prefetched first rows, read once, and the server's time of their answer."""

    rows: list[Row]
    time: str | None


class RunContext:
    """Per-run shared state; `streams` maps entity name -> (entity, state) of every selected stream."""

    def __init__(self, config: Mapping[str, Any], streams: dict[str, tuple[Entity, dict[str, Any]]]) -> None:
        self.config = config
        self.now = datetime.now(UTC)
        every = timedelta(hours=float(config.get("reconcile_interval_hours", 168)))
        self.modes = {
            name: decide(e, st, self.now, float(config.get("cdc_interval", 10800)), every)
            for name, (e, st) in streams.items()
        }
        self.reconcile_every = every
        self._streams = streams
        self._first_pages: dict[str, FirstPage] | None = None
        self._prefetch_lock = threading.Lock()
        self._counts: dict[str, int] = {}
        self._backfills: dict[str, tuple[int, int]] | None = None  # name -> (turn, rows expected)
        self._region_lock = threading.Lock()
        self._country: str | None = None  # CompanyInfo.Country, when a region-only stream needed it

    @cached_property
    def client(self) -> QBOClient:
        cfg = self.config
        store = TokenStore(
            cfg.get("token_store_path") or DEFAULT_STORE_PATH.format(realm_id=cfg["realm_id"]),
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
            if self.modes[name] is Mode.CDC and bookmark is not None and self.skipped(_entity) is None:
                since[name] = bookmark
        return ChangeFeed(self.client, since, self.now)

    @cached_property
    def inbox(self) -> InboxDrain | None:
        path = self.config.get("webhook_inbox_path")
        return InboxDrain(path, str(self.config["realm_id"])) if path else None

    def first_page(self, entity: Entity) -> FirstPage:
        """The first PREFETCH_ROWS rows of this FULL or QUERY stream, fetched for all of them in /batch
        (with the row count of each FULL stream), a few /batch requests of ~1000 rows each in parallel.

        Most streams (name lists, singletons, quiet incremental polls) fit in that page, so they cost no
        request of their own; larger ones continue with a keyset walk or a concurrent backfill.
        """
        return self._prefetched()[entity.name]

    def _prefetched(self) -> dict[str, FirstPage]:
        with self._prefetch_lock:
            if self._first_pages is None:
                self._first_pages = self._prefetch()
            return self._first_pages

    def start_prefetch(self) -> None:
        """Send the first /batch now, on a thread, while singer-sdk still prepares the streams. A failure
        is left for the first stream to meet again and report."""
        if any(m in (Mode.FULL, Mode.QUERY) for m in self.modes.values()):
            self.client  # noqa: B018 - built here, on one thread, before two threads may want it
            threading.Thread(target=self._warm, name="qbo-prefetch", daemon=True).start()

    def _warm(self) -> None:
        try:
            self._prefetched()
        except Exception:  # reported when a stream asks for its page
            LOGGER.debug("Early prefetch failed; the first stream will retry it.", exc_info=True)

    def skipped(self, entity: Entity) -> str | None:
        """The company's country when this region-only entity does not exist there, else None.

        The country (CompanyInfo.Country) is read once per realm and kept in the stream's state, so later
        runs decide without a request."""
        if not entity.regions or entity.name not in self._streams:
            return None
        state = self._streams[entity.name][1]
        with self._region_lock:
            if "company_country" not in state:
                if self._country is None:
                    info = self.client.query(q.select_singleton(COMPANY_INFO)).rows(COMPANY_INFO.name)
                    self._country = str(info[0].record("").get("Country", "")) if info else ""
                state["company_country"] = self._country
        country = str(state["company_country"])
        return None if country in entity.regions else country

    def _prefetch(self) -> dict[str, FirstPage]:
        names = [
            n
            for n, m in self.modes.items()
            if m in (Mode.FULL, Mode.QUERY) and self.skipped(self._streams[n][0]) is None
        ]
        statements = [s for n in names for s in self._first_statements(*self._streams[n])]
        if not statements:
            return {}
        per_batch = min(self.batch_size, 2 * (q.MAX_PAGE // PREFETCH_ROWS))
        answers = iter(run_queries(self.client, statements, per_batch, self.workers))
        pages: dict[str, FirstPage] = {}
        for name in names:
            answer = next(answers)
            pages[name] = FirstPage(answer.rows(name), answer.time)
            if self._counted(self._streams[name][0], name):
                self._counts[name] = next(answers).total_count()
        return pages

    def _counted(self, entity: Entity, name: str) -> bool:
        return self.modes[name] is Mode.FULL and entity.kind != "singleton"

    def _first_statements(self, entity: Entity, state: Mapping[str, Any]) -> list[str]:
        if entity.kind == "singleton":
            return [q.select_singleton(entity)]
        window = q.Window(self.low_bound(entity, state))
        first = q.select_page(entity, window, PREFETCH_ROWS)
        return [first, q.count(entity, window)] if self._counted(entity, entity.name) else [first]

    def backfill(self, entity: Entity) -> tuple[int, Iterator[list[Row]]] | None:
        """About how many rows follow this FULL stream's first page, and their pages; None when that page
        held them all. The first call queues every FULL stream's backfill, in the order streams are
        written out, so spare requests read later streams ahead (scheduler.py)."""
        if self._backfills is None:
            self._backfills = {}
            for turn, (name, (other, _state)) in enumerate(self._streams.items()):
                full = self.modes[name] is Mode.FULL and self.skipped(other) is None
                planned = self._plan(other) if full else None
                if planned is not None:
                    self.scheduler.add(turn, planned.plan(), urgent=True)
                    self._backfills[name] = (turn, planned.total)
        found = self._backfills.get(entity.name)
        return None if found is None else (found[1], self.scheduler.pages(found[0]))

    def _plan(self, entity: Entity) -> Backfill | None:
        rows = self.first_page(entity).rows
        if entity.kind == "singleton" or len(rows) < PREFETCH_ROWS:
            return None
        # From the first page's last timestamp: rows stamped so are read again (a repeat, never a gap).
        total = max(1, self._counts.get(entity.name, 0) - len(rows))
        low = updated_at(rows[-1])
        return Backfill(self.client, entity, low, self.page_size, self.workers, total, self.batch_size)

    @cached_property
    def scheduler(self) -> Scheduler:
        return Scheduler(self.workers, MAX_BUFFERED_PAGES)

    def close(self) -> None:
        """Stop the page fetchers (a run that ends early leaves queued work behind)."""
        if "scheduler" in self.__dict__:
            self.scheduler.close()

    def low_bound(self, entity: Entity, state: Mapping[str, Any]) -> datetime | None:
        """Where a read starts: the bookmark, unless the stream is read whole (FULL); then start_date for
        transactions, else everything."""
        bookmark = None if self.modes.get(entity.name) is Mode.FULL else bookmark_of(state)
        if bookmark is not None or entity.kind != "transaction":
            return bookmark
        start = self.config.get("start_date")
        return q.parse_ts(start) if start else None

    @property
    def page_size(self) -> int:
        return min(int(self.config.get("page_size", 1000)), q.MAX_PAGE)

    @property
    def workers(self) -> int:
        return int(self.config.get("max_concurrent_requests", 10))

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
