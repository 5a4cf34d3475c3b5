"""One limiter shared by every request of a run, enforcing QBO's per-realm limits.

Intuit: 500 requests per minute (batch included), 10 concurrent, 40 /batch requests per minute. The
minute limits are sliding windows: a request may start once fewer than `limit` requests started in the
last 60 s. A 429 pauses every thread (not just the one that saw it), because the limit is per realm, and
halves the concurrency allowed; each run of successes gives one slot back (AIMD), so a realm whose budget
is shared with other apps settles at what it can take instead of retrying in a storm.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager

WINDOW_SECONDS = 60.0


class SlidingWindow:
    """At most `limit` starts in any `window` seconds."""

    def __init__(self, limit: int, window: float = WINDOW_SECONDS) -> None:
        if limit < 1:
            raise ValueError("a rate limit must be at least 1 per window")
        self.limit, self.window = limit, window
        self._starts: deque[float] = deque()

    def wait_time(self, now: float) -> float:
        """Seconds until a start is allowed (0 when allowed now). Caller holds the limiter lock."""
        while self._starts and now - self._starts[0] >= self.window:
            self._starts.popleft()
        if len(self._starts) < self.limit:
            return 0.0
        return self._starts[0] + self.window - now

    def record(self, now: float) -> None:
        self._starts.append(now)


class RateLimiter:
    """Blocks callers until a request may start; thread-safe."""

    def __init__(
        self,
        per_minute: int = 500,
        concurrent: int = 10,
        batch_per_minute: int = 40,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._requests = SlidingWindow(per_minute)
        self._batches = SlidingWindow(batch_per_minute)
        self._max_concurrent = self.allowed = concurrent
        self._active = self._successes = 0
        self._free = threading.Condition()
        self._lock = threading.Lock()
        self._paused_until = 0.0
        self._clock, self._sleep = clock, sleep
        self.waited_seconds = 0.0

    def pause(self, seconds: float) -> None:
        """Hold every request for `seconds` (after a 429: the realm's budget is spent for everyone)."""
        with self._lock:
            self._paused_until = max(self._paused_until, self._clock() + seconds)

    def _reserve(self, batch: bool) -> None:
        while True:
            with self._lock:
                now = self._clock()
                wait = max(self._paused_until - now, self._requests.wait_time(now))
                if batch:
                    wait = max(wait, self._batches.wait_time(now))
                if wait <= 0:
                    self._requests.record(now)
                    if batch:
                        self._batches.record(now)
                    return
                nap = min(wait, 1.0)
                self.waited_seconds += nap
            self._sleep(nap)

    def throttled(self) -> None:
        """A 429 arrived: allow half as many concurrent requests."""
        with self._free:
            self.allowed = max(1, self.allowed // 2)
            self._successes = 0

    def succeeded(self) -> None:
        """A request went through: after `allowed` successes in a row, allow one more (up to the max)."""
        with self._free:
            self._successes += 1
            if self._successes >= self.allowed and self.allowed < self._max_concurrent:
                self.allowed += 1
                self._successes = 0
                self._free.notify()

    @contextmanager
    def slot(self, batch: bool = False) -> Iterator[None]:
        """Hold one of the concurrent slots for the duration of a request."""
        with self._free:
            self._free.wait_for(lambda: self._active < self.allowed)
            self._active += 1
        try:
            self._reserve(batch)
            yield
        finally:
            with self._free:
                self._active -= 1
                self._free.notify()
