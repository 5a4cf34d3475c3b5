"""Reading one entity by MetaData.LastUpdatedTime without losing rows while the company changes.

Keyset paging (QBO-API.md): rows come in LastUpdatedTime order and the next page starts AT the last
timestamp seen (inclusive), skipping the ids already read at exactly that timestamp. A delete cannot
shift a later page (no offsets), and a row updated mid-walk moves past the start-of-walk bookmark, so the
next incremental run brings it. Only a tie group larger than a page is read by position, in Id order.

A backfill splits the range at quantiles (one probe per slice) and walks the slices concurrently, so the
shared limiter, not latency, bounds the speed. Pages flow through a bounded queue: memory stays flat.
`Ahead` runs the backfills of the next streams while the current one is written out, so a stream's
serial round trips (count, probes, last short pages) overlap other work instead of adding up.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from . import query as q
from .client import QBOClient
from .drain import run_batch_queries
from .entities import Entity

LOGGER = logging.getLogger("tap_quickbooks_online.paging")
Row = dict[str, Any]
_DONE = object()


def rows_of(envelope: dict[str, Any], entity: str) -> list[Row]:
    """The entity rows of a QueryResponse (an empty result has no entity key at all)."""
    response = envelope.get("QueryResponse") or {}
    rows: list[Row] = response.get(entity) or []
    return rows


def updated_at(row: Row) -> datetime:
    return q.parse_ts(row["MetaData"]["LastUpdatedTime"])


@dataclass
class Walk:
    """Keyset walk over one window of one entity."""

    client: QBOClient
    entity: Entity
    window: q.Window
    page_size: int
    stop: threading.Event | None = None
    started: datetime | None = None  # server time of the first page: a safe bookmark for this walk

    def pages(self, first: list[Row] | None = None, first_limit: int = 0) -> Iterator[list[Row]]:
        """Yield pages of new rows; `first` is an already fetched first page of at most `first_limit`."""
        window, seen = self.window, set[str]()
        while not (self.stop and self.stop.is_set()):
            limit = first_limit if first is not None else self.page_size
            rows = first if first is not None else self._fetch(window)
            first = None
            fresh = [r for r in rows if r["Id"] not in seen or updated_at(r) != window.low]
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
            seen = {r["Id"] for r in rows if updated_at(r) == last}
            window = q.Window(last, window.high)

    def _fetch(self, window: q.Window) -> list[Row]:
        envelope = self.client.query(q.select_page(self.entity, window, self.page_size))
        if self.started is None and isinstance(envelope.get("time"), str):
            self.started = q.parse_ts(envelope["time"])
        return rows_of(envelope, self.entity.name)

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
            rows = rows_of(self.client.query(statement), self.entity.name)
            fresh = [r for r in rows if r["Id"] not in seen]
            seen.update(r["Id"] for r in rows)
            if fresh:
                yield fresh
            if len(rows) < self.page_size:
                return
            start += len(rows)


@dataclass
class Backfill:
    """Read everything in [low, open end) concurrently; `started` is the server time of the first call."""

    client: QBOClient
    entity: Entity
    low: datetime | None
    page_size: int
    workers: int
    batch_size: int = 30
    total: int = 0
    started: datetime | None = None

    def count(self) -> int:
        envelope = self.client.query(q.count(self.entity, q.Window(self.low)))
        self.started = q.parse_ts(envelope["time"]) if envelope.get("time") else None
        self.total = int((envelope.get("QueryResponse") or {}).get("totalCount", 0))
        return self.total

    def pages(self) -> Iterator[list[Row]]:
        """Count first (progress total and start time), then walk quantile slices concurrently."""
        self.count()
        slices = self._slices()
        if len(slices) == 1:
            yield from Walk(self.client, self.entity, slices[0], self.page_size).pages()
            return
        yield from fan_in([self._walker(w) for w in slices], self.workers)

    def _walker(self, window: q.Window) -> Callable[[threading.Event], Iterator[list[Row]]]:
        return lambda stop: Walk(self.client, self.entity, window, self.page_size, stop).pages()

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
        answers = run_batch_queries(self.client, statements, self.batch_size)
        found = [rows_of(answer, self.entity.name) for answer in answers]
        return [updated_at(rows[0]) if rows else None for rows in found]


def fan_in(
    producers: list[Callable[[threading.Event], Iterator[list[Row]]]], workers: int
) -> Iterator[list[Row]]:
    """Run page producers on a thread pool and yield their pages as they arrive (bounded buffer)."""
    # Small on purpose: the consumer is the bottleneck, and each waiting page is ~1000 records of memory.
    out: queue.Queue[Any] = queue.Queue(maxsize=2)
    stop = threading.Event()

    def put(item: Any) -> None:
        while not stop.is_set():
            try:
                out.put(item, timeout=0.5)
                return
            except queue.Full:
                continue

    def run(producer: Callable[[threading.Event], Iterator[list[Row]]]) -> None:
        try:
            for page in producer(stop):
                put(page)
        except BaseException as exc:  # handed to the consumer, which re-raises it
            put(exc)
            return
        put(_DONE)

    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="qbo-page")
    for producer in producers:
        pool.submit(run, producer)
    remaining = len(producers)
    try:
        while remaining:
            item = out.get()
            if item is _DONE:
                remaining -= 1
            elif isinstance(item, BaseException):
                raise item
            else:
                yield item
    finally:
        stop.set()
        pool.shutdown(wait=True, cancel_futures=True)


class Ahead:
    """A page iterator run ahead on its own thread into a small queue (consumed once, in order)."""

    def __init__(self, pages: Iterator[list[Row]], depth: int = 2) -> None:
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        thread = threading.Thread(target=self._run, args=(pages,), name="qbo-ahead", daemon=True)
        thread.start()

    def _run(self, pages: Iterator[list[Row]]) -> None:
        try:
            for page in pages:
                if not self._put(page):
                    return
            self._put(_DONE)
        except BaseException as exc:  # handed to the consumer, which re-raises it
            self._put(exc)
        finally:
            close = getattr(pages, "close", None)
            if close is not None:
                close()  # a generator stopped early shuts its own workers down, on this thread

    def _put(self, item: Any) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.5)
                return True
            except queue.Full:
                continue
        return False

    def __iter__(self) -> Iterator[list[Row]]:
        try:
            while True:
                item = self._queue.get()
                if item is _DONE:
                    return
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            self.close()

    def close(self) -> None:
        self._stop.set()
