"""Intuit's documented throttles, per realm: 500 requests/min, 10 concurrent, 40 batch requests/min.

Windows slide on the emulator clock, so tests step past a throttle with `clock.advance(60)`. A rejected
request does not count toward the window (Intuit does not say; counting it would lock out a retrying client
for good, which real QBO does not do).
"""

from __future__ import annotations

import threading
from collections import deque

from .clock import Clock


class Limiter:
    def __init__(self, clock: Clock, per_minute: int = 500, concurrent: int = 10, batch_per_minute: int = 40):
        self.clock = clock
        self.per_minute, self.concurrent, self.batch_per_minute = per_minute, concurrent, batch_per_minute
        self._lock = threading.Lock()
        self._all: deque[float] = deque()
        self._batch: deque[float] = deque()
        self._in_flight = 0

    def enter(self, kind: str, enforce: bool = True) -> bool:
        """Admit one request (False means answer 429). Every admitted request must `leave()`."""
        now = self.clock.timestamp()
        with self._lock:
            for window in (self._all, self._batch):
                while window and window[0] <= now - 60:
                    window.popleft()
            if enforce and (
                self._in_flight >= self.concurrent
                or len(self._all) >= self.per_minute
                or (kind == "batch" and len(self._batch) >= self.batch_per_minute)
            ):
                return False
            self._in_flight += 1
            self._all.append(now)
            if kind == "batch":
                self._batch.append(now)
            return True

    def leave(self) -> None:
        with self._lock:
            self._in_flight -= 1
