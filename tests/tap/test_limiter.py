"""The shared limiter, driven by a fake clock (no sleeping)."""

from __future__ import annotations

import contextlib
import threading

from tap_quickbooks_online.limiter import RateLimiter


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept = 0.0

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds
        self.slept += seconds


def test_per_minute_window_blocks_the_next_request_until_the_oldest_expires() -> None:
    clock = FakeClock()
    limiter = RateLimiter(
        per_minute=5, concurrent=10, batch_per_minute=2, clock=clock.time, sleep=clock.sleep
    )
    starts = []
    for _ in range(7):
        with limiter.slot():
            starts.append(clock.now)
    assert starts[:5] == [0.0] * 5
    assert starts[5] >= 60.0
    assert starts[6] >= 60.0


def test_batch_limit_is_separate_and_also_counts_toward_requests() -> None:
    clock = FakeClock()
    limiter = RateLimiter(
        per_minute=100, concurrent=10, batch_per_minute=2, clock=clock.time, sleep=clock.sleep
    )
    starts = []
    for _ in range(3):
        with limiter.slot(batch=True):
            starts.append(clock.now)
    with limiter.slot():
        plain = clock.now
    assert starts[2] >= 60.0
    assert plain == starts[2]


def test_pause_holds_everyone() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock=clock.time, sleep=clock.sleep)
    limiter.pause(12.5)
    with limiter.slot():
        assert clock.now >= 12.5


def test_concurrency_is_capped() -> None:
    limiter = RateLimiter(per_minute=1000, concurrent=3)
    active, peak, lock = [0], [0], threading.Lock()
    gate = threading.Barrier(3, timeout=5)

    def work() -> None:
        with limiter.slot():
            with lock:
                active[0] += 1
                peak[0] = max(peak[0], active[0])
            with contextlib.suppress(threading.BrokenBarrierError):
                gate.wait()
            with lock:
                active[0] -= 1

    threads = [threading.Thread(target=work) for _ in range(9)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert peak[0] == 3


def test_throttles_halve_concurrency_and_successes_restore_it() -> None:
    limiter = RateLimiter(per_minute=1000, concurrent=8)
    limiter.throttled()
    limiter.throttled()
    assert limiter.allowed == 2
    for _ in range(2):
        limiter.succeeded()
    assert limiter.allowed == 3
    for _ in range(100):
        limiter.succeeded()
    assert limiter.allowed == 8
