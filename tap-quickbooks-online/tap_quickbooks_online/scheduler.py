"""One pool of page fetchers for the whole run: the earliest stream's work first, a bounded page buffer.

Streams are written out one after another, but a backfill's speed is set by QBO's limits (10 requests in
flight), not by the writing. So every FULL stream's slice walks are queued here at the start of the run,
ordered by their stream's turn: a worker always takes the earliest stream's next page, and spare workers
read later streams ahead. Pages of later streams wait in memory, at most `max_buffered` of them (about
1 MB each), so memory does not grow with the company. The stream being written out is never held back
by that cap (its pages leave at once), so the run cannot stall.

A task is a generator advanced one step at a time by whichever worker takes it: each step yields a page,
or a `Spawn` of more generators (a backfill's plan yields its slice walks once it has probed them). Plans
are urgent: they cost one small request each and tell the workers what every later stream needs, so they
all run first, whatever their stream's turn.
"""

from __future__ import annotations

import heapq
import itertools
import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .records import Row


@dataclass
class Spawn:
    """Yielded by a task: queue these generators for the same stream."""

    tasks: list[Iterator[Any]]


@dataclass
class _Channel:
    pages: deque[list[Row]] = field(default_factory=deque)
    open_tasks: int = 0
    error: BaseException | None = None
    cancelled: bool = False  # its reader stopped early (an error, a record limit): drop the rest


class Scheduler:
    def __init__(self, workers: int, max_buffered: int) -> None:
        self.max_buffered = max_buffered
        self._cond = threading.Condition()
        self._heap: list[tuple[int, int, int, Iterator[Any]]] = []  # (priority, seq, turn, task)
        self._seq = itertools.count()
        self._channels: dict[int, _Channel] = {}
        self._buffered = 0
        self._current = -1  # the turn being written out: never held back by the buffer cap
        self._closed = False
        self._threads = [
            threading.Thread(target=self._work, name=f"qbo-page-{n}", daemon=True) for n in range(workers)
        ]
        for thread in self._threads:
            thread.start()

    def add(self, turn: int, task: Iterator[Any], *, urgent: bool = False) -> None:
        """Queue a stream's task; `turn` is the stream's place in the order streams are written out."""
        with self._cond:
            self._channels.setdefault(turn, _Channel()).open_tasks += 1
            heapq.heappush(self._heap, (-1 if urgent else turn, next(self._seq), turn, task))
            self._cond.notify()

    def pages(self, turn: int) -> Iterator[list[Row]]:
        """The pages of one stream's tasks, as they arrive; re-raises the first error of a task. A reader
        that stops early cancels the stream's remaining work."""
        with self._cond:
            self._current = turn
            channel = self._channels.setdefault(turn, _Channel())
            self._cond.notify_all()
        try:
            while (page := self._next_page(channel)) is not None:
                yield page
        finally:
            self._cancel(turn)

    def _next_page(self, channel: _Channel) -> list[Row] | None:
        with self._cond:
            while not channel.pages and channel.error is None and channel.open_tasks:
                self._cond.wait()
            if channel.error is not None:
                raise channel.error
            if not channel.pages:
                return None
            self._buffered -= 1
            self._cond.notify_all()
            return channel.pages.popleft()

    def _cancel(self, turn: int) -> None:
        with self._cond:
            channel = self._channels[turn]
            if not channel.open_tasks and not channel.pages:
                return  # read to the end
            channel.cancelled = True
            self._buffered -= len(channel.pages)
            channel.pages.clear()
            self._heap = [job for job in self._heap if job[2] != turn]
            heapq.heapify(self._heap)
            self._cond.notify_all()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._heap.clear()
            self._cond.notify_all()

    def _take(self) -> tuple[int, int, int, Iterator[Any]] | None:
        with self._cond:
            while not self._closed:
                if self._heap and (self._heap[0][0] <= self._current or self._buffered < self.max_buffered):
                    return heapq.heappop(self._heap)
                self._cond.wait()
            return None

    def _work(self) -> None:
        while (job := self._take()) is not None:
            priority, seq, turn, task = job
            try:
                item = next(task)
            except StopIteration:
                self._finish(turn, None)
                continue
            except BaseException as exc:  # handed to the stream's reader, which re-raises it
                self._finish(turn, exc)
                continue
            with self._cond:
                channel = self._channels[turn]
                if channel.cancelled:
                    continue
                if isinstance(item, Spawn):
                    channel.open_tasks += len(item.tasks)
                    for child in item.tasks:
                        heapq.heappush(self._heap, (turn, next(self._seq), turn, child))
                elif item:
                    channel.pages.append(item)
                    self._buffered += 1
                heapq.heappush(self._heap, (priority, seq, turn, task))
                self._cond.notify_all()

    def _finish(self, turn: int, error: BaseException | None) -> None:
        with self._cond:
            channel = self._channels[turn]
            channel.open_tasks -= 1
            if error is not None and channel.error is None:
                channel.error = error
            self._cond.notify_all()
