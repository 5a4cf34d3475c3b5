"""The run's backfill plan: every FULL stream whose first page was full continues with a concurrent keyset
backfill (paging.Backfill), all queued on one scheduler in the order streams are written out, so spare
requests read later streams ahead (scheduler.py) while memory stays flat (MAX_BUFFERED_PAGES).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import cached_property

from .client import QBOClient
from .entities import Entity
from .modes import Decision, Mode
from .paging import Backfill, updated_at
from .prefetch import PREFETCH_ROWS, Prefetch
from .records import Row
from .regions import Regions
from .scheduler import Scheduler

MAX_BUFFERED_PAGES = 16  # pages of later streams read ahead (~1 MB each): memory stays flat


class BackfillPlan:
    def __init__(
        self, decision: Decision, client: Callable[[], QBOClient], regions: Regions, prefetch: Prefetch
    ) -> None:
        self._client, self._regions, self._prefetch = client, regions, prefetch
        self._settings, self._modes, self._streams = decision.settings, decision.modes, decision.streams
        self._planned: dict[str, tuple[int, int]] | None = None  # name -> (turn, rows expected)

    def backfill(self, entity: Entity) -> tuple[int, Iterator[list[Row]]] | None:
        """About how many rows follow this FULL stream's first page, and their pages; None when that page
        held them all. The first call queues every FULL stream's backfill."""
        if self._planned is None:
            self._planned = {}
            for turn, (name, (other, _state)) in enumerate(self._streams.items()):
                full = self._modes[name] is Mode.FULL and self._regions.skipped(other) is None
                planned = self._plan(other) if full else None
                if planned is not None:
                    self.scheduler.add(turn, planned.plan(), urgent=True)
                    self._planned[name] = (turn, planned.total)
        found = self._planned.get(entity.name)
        return None if found is None else (found[1], self.scheduler.pages(found[0]))

    def _plan(self, entity: Entity) -> Backfill | None:
        rows = self._prefetch.first_page(entity).rows
        if entity.kind == "singleton" or len(rows) < PREFETCH_ROWS:
            return None
        # From the first page's last timestamp: rows stamped so are read again (a repeat, never a gap).
        total = max(1, self._prefetch.counts.get(entity.name, 0) - len(rows))
        s = self._settings
        workers, low = s.max_concurrent_requests, updated_at(rows[-1])
        return Backfill(self._client(), entity, low, s.page_size, workers, total, s.batch_size)

    @cached_property
    def scheduler(self) -> Scheduler:
        return Scheduler(self._settings.max_concurrent_requests, MAX_BUFFERED_PAGES)

    def close(self) -> None:
        """Stop the page fetchers (a run that ends early leaves queued work behind)."""
        if "scheduler" in self.__dict__:
            self.scheduler.close()
