"""Reading one entity by MetaData.LastUpdatedTime without losing rows while the company changes.

Keyset paging (docs/qbo-api.md): rows come in LastUpdatedTime order and the next page starts AT the last
timestamp seen (inclusive), skipping the ids already read at exactly that timestamp. A delete cannot
shift a later page (no offsets), and a row updated mid-walk moves past the start-of-walk bookmark, so the
next incremental run brings it. Only a tie group larger than a page is read by position, in Id order.

A backfill splits the range at quantiles (one probe per slice) and walks the slices concurrently on the
run's Scheduler, so the shared limiter, not latency, bounds the speed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from . import query as q
from .batch import run_queries
from .client import QBOClient
from .entities import Entity
from .errors import FatalError
from .records import Row
from .scheduler import Spawn

LOGGER = logging.getLogger("tap_quickbooks_online.paging")


def updated_at(row: Row) -> datetime:
    if row.updated is None:
        raise FatalError(f"QBO sent Id {row.id} without MetaData.LastUpdatedTime; cannot page past it")
    return q.parse_ts(row.updated)


@dataclass
class Walk:
    """Keyset walk over one window of one entity."""

    client: QBOClient
    entity: Entity
    window: q.Window
    page_size: int
    started: datetime | None = None  # server time of the first page: a safe bookmark for this walk

    def pages(self, first: list[Row] | None = None, first_limit: int = 0) -> Iterator[list[Row]]:
        """Yield pages of new rows; `first` is an already fetched first page of at most `first_limit`."""
        window, seen = self.window, set[str]()
        while True:
            limit = first_limit if first is not None else self.page_size
            rows = first if first is not None else self._fetch(window)
            first = None
            fresh = [r for r in rows if r.id not in seen or updated_at(r) != window.low]
            if fresh:
                yield fresh
            if len(rows) < limit:
                return
            last = updated_at(rows[-1])
            if last == window.low:  # the whole page shares one timestamp: read that tie group by position
                yield from self._tie_group(last, seen)
                window = q.Window(last, window.high, low_exclusive=True)
                seen = set()
                continue
            seen = {r.id for r in rows if updated_at(r) == last}
            window = q.Window(last, window.high)

    def _fetch(self, window: q.Window) -> list[Row]:
        envelope = self.client.query(q.select_page(self.entity, window, self.page_size))
        if self.started is None and envelope.time:
            self.started = q.parse_ts(envelope.time)
        return envelope.rows(self.entity.name)

    def _tie_group(self, moment: datetime, seen: set[str]) -> Iterator[list[Row]]:
        LOGGER.info(
            "%s: more than %d rows share LastUpdatedTime %s; reading them by position.",
            self.entity.name,
            self.page_size,
            moment.isoformat(),
        )
        start = 1
        while True:
            statement = q.select_at(self.entity, moment, self.page_size, start)
            rows = self.client.query(statement).rows(self.entity.name)
            fresh = [r for r in rows if r.id not in seen]
            seen.update(r.id for r in rows)
            if fresh:
                yield fresh
            if len(rows) < self.page_size:
                return
            start += len(rows)


@dataclass
class Backfill:
    """Read about `total` rows in [low, open end): probe slice bounds, then walk every slice concurrently."""

    client: QBOClient
    entity: Entity
    low: datetime | None
    page_size: int
    workers: int
    total: int
    batch_size: int = 30

    def plan(self) -> Iterator[Spawn]:
        """A Scheduler task: its one step probes the slices and hands out one keyset walk per slice."""
        yield Spawn([Walk(self.client, self.entity, w, self.page_size).pages() for w in self._slices()])

    def _slices(self) -> list[q.Window]:
        """Boundaries at quantiles, so slices hold similar row counts (about two slices per worker).

        Each page after a slice's first re-reads the row(s) at its start timestamp, so k pages hold about
        `k * (page_size - 1)` new rows. A slice spans `k * (page_size - 2)` rows: its k-th page comes back
        short (even with a two-row tie at each page boundary) and ends the walk
        without an extra empty query.
        """
        pages = -(-self.total // self.page_size)
        if pages < 4:
            return [q.Window(self.low)]
        per_slice = max(2, -(-pages // (self.workers * 2)))
        span = per_slice * max(1, self.page_size - 2)
        positions = list(range(span + 1, self.total + 1, span))
        bounds = self._probe(positions)
        edges = [
            self.low,
            *sorted({b for b in bounds if b is not None and (self.low is None or b > self.low)}),
        ]
        return [q.Window(lo, hi) for lo, hi in zip(edges, [*edges[1:], None], strict=True)]

    def _probe(self, positions: list[int]) -> list[datetime | None]:
        """The timestamp at each position: one-row queries, sent together in /batch (one round trip and one
        request of the per-minute budget for up to `batch_size` of them)."""
        window = q.Window(self.low)
        statements = [q.select_page(self.entity, window, 1, start=p) for p in positions]
        answers = run_queries(self.client, statements, self.batch_size)
        found = [answer.rows(self.entity.name) for answer in answers]
        return [updated_at(rows[0]) if rows else None for rows in found]
