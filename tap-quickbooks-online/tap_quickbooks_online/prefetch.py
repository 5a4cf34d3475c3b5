"""The run's first requests: the first PREFETCH_ROWS rows of every FULL or QUERY stream (and the row count of
each FULL stream), all in a few /batch requests of ~1000 rows each, sent in parallel.

Most streams (name lists, singletons, quiet incremental polls) fit in that page, so they cost no request of
their own; larger ones continue with a keyset walk (paging.py) or a concurrent backfill (backfills.py).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from . import query as q
from .batch import run_queries
from .client import QBOClient
from .entities import Entity
from .modes import Decision, Mode, low_bound
from .records import Row
from .regions import Regions

LOGGER = logging.getLogger("tap_quickbooks_online.prefetch")
PREFETCH_ROWS = 100  # rows per stream in the run's first /batch: small streams finish there


@dataclass(frozen=True)
class FirstPage:
    """A stream's prefetched first rows, read once, and the server's time of their answer."""

    rows: list[Row]
    time: str | None


class Prefetch:
    """The first pages of a run, read once (on a thread started early, or by the first stream asking)."""

    def __init__(self, decision: Decision, client: Callable[[], QBOClient], regions: Regions) -> None:
        self._client, self._regions = client, regions
        self._settings, self._modes, self._streams = decision.settings, decision.modes, decision.streams
        self._pages: dict[str, FirstPage] | None = None
        self._lock = threading.Lock()
        self.counts: dict[str, int] = {}  # FULL stream -> its rows, counted with the first page

    def first_page(self, entity: Entity) -> FirstPage:
        return self._read()[entity.name]

    def start(self) -> None:
        """Send the first /batch now, on a thread, while singer-sdk still prepares the streams. A failure
        is left for the first stream to meet again and report."""
        if any(m in (Mode.FULL, Mode.QUERY) for m in self._modes.values()):
            self._client()  # built here, on one thread, before two threads may want it
            threading.Thread(target=self._warm, name="qbo-prefetch", daemon=True).start()

    def _warm(self) -> None:
        try:
            self._read()
        except Exception:  # reported when a stream asks for its page
            LOGGER.debug("Early prefetch failed; the first stream will retry it.", exc_info=True)

    def _read(self) -> dict[str, FirstPage]:
        with self._lock:
            if self._pages is None:
                self._pages = self._fetch()
            return self._pages

    def _fetch(self) -> dict[str, FirstPage]:
        names = [
            n
            for n, m in self._modes.items()
            if m in (Mode.FULL, Mode.QUERY) and self._regions.skipped(self._streams[n][0]) is None
        ]
        statements = [s for n in names for s in self._statements(n)]
        if not statements:
            return {}
        per_batch = min(self._settings.batch_size, 2 * (q.MAX_PAGE // PREFETCH_ROWS))
        answers = iter(
            run_queries(self._client(), statements, per_batch, self._settings.max_concurrent_requests)
        )
        pages: dict[str, FirstPage] = {}
        for name in names:
            answer = next(answers)
            pages[name] = FirstPage(answer.rows(name), answer.time)
            if self._counted(name):
                self.counts[name] = next(answers).total_count()
        return pages

    def _counted(self, name: str) -> bool:
        return self._modes[name] is Mode.FULL and self._streams[name][0].kind != "singleton"

    def _statements(self, name: str) -> list[str]:
        entity, state = self._streams[name]
        if entity.kind == "singleton":
            return [q.select_singleton(entity)]
        window = q.Window(low_bound(entity, state, self._modes.get(name), self._settings.start_date))
        first = q.select_page(entity, window, PREFETCH_ROWS)
        return [first, q.count(entity, window)] if self._counted(name) else [first]
