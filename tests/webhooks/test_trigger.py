"""The sync trigger: debounced, coalescing, never two runs at once, a real subprocess without a shell."""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

import pytest
from tap_quickbooks_online.trigger import Trigger

from tests.waiting import wait_until


class BlockingRunner:
    """Counts runs and concurrency; each run waits until the test releases it."""

    def __init__(self) -> None:
        self.started = threading.Semaphore(0)
        self.release = threading.Semaphore(0)
        self.active = self.max_active = self.runs = 0
        self.started_at: list[float] = []
        self._lock = threading.Lock()

    def __call__(self) -> int:
        with self._lock:
            self.active += 1
            self.runs += 1
            self.started_at.append(time.monotonic())
            self.max_active = max(self.max_active, self.active)
        self.started.release()
        acquired = self.release.acquire(timeout=10)
        with self._lock:
            self.active -= 1
        return 0 if acquired else 1


def test_burst_of_notifications_becomes_one_run() -> None:
    runner = BlockingRunner()
    trigger = Trigger(None, debounce_seconds=0.2, runner=runner)
    trigger.start()
    first = time.monotonic()
    for _ in range(50):
        trigger.notify()
    assert runner.started.acquire(timeout=10)
    runner.release.release()
    wait_until(lambda: runner.active == 0, 10, "the runs to end")
    trigger.stop()
    assert runner.runs == 1
    assert runner.started_at[0] - first >= 0.2


def test_notifications_during_a_run_coalesce_into_exactly_one_more_run() -> None:
    runner = BlockingRunner()
    trigger = Trigger(None, debounce_seconds=0.01, runner=runner)
    trigger.start()
    trigger.notify()
    assert runner.started.acquire(timeout=10)
    for _ in range(20):
        trigger.notify()
    runner.release.release()
    assert runner.started.acquire(timeout=10)
    assert runner.runs == 2
    runner.release.release()
    wait_until(lambda: runner.active == 0, 10, "the runs to end")
    assert not runner.started.acquire(timeout=0.1)
    trigger.stop()
    assert (runner.runs, runner.max_active) == (2, 1)


def test_no_notification_no_run_and_stop_is_prompt() -> None:
    runner = BlockingRunner()
    trigger = Trigger(None, debounce_seconds=0.0, runner=runner)
    trigger.start()
    started = time.monotonic()
    trigger.stop()
    assert time.monotonic() - started < 2
    assert runner.runs == 0


def test_pending_run_inside_debounce_window_is_dropped_at_stop() -> None:
    runner = BlockingRunner()
    trigger = Trigger(None, debounce_seconds=60, runner=runner)
    trigger.start()
    trigger.notify()
    trigger.stop()
    assert runner.runs == 0


def test_real_command_runs_without_shell_and_failures_are_counted(tmp_path: Path) -> None:
    marker = tmp_path / "ran; echo injected"
    script = "import sys; open(sys.argv[1], 'a').write('x')"
    trigger = Trigger([sys.executable, "-c", script, str(marker)], debounce_seconds=0.0)
    trigger.start()
    trigger.notify()
    wait_until(lambda: trigger.runs == 1 and marker.exists(), 10, "one run writing the marker")
    trigger.stop()
    assert marker.read_text() == "x"
    assert trigger.failures == 0
    failing = Trigger(f"{sys.executable} -c 'raise SystemExit(3)'", debounce_seconds=0.0)
    failing.start()
    failing.notify()
    wait_until(lambda: failing.failures == 1, 10, "the failing command's failure")
    failing.stop()
    missing = Trigger(str(tmp_path / "no-such-program"), debounce_seconds=0.0)
    missing.start()
    missing.notify()
    wait_until(lambda: missing.failures == 1, 10, "the missing command's failure")
    missing.stop()


def test_overlong_command_is_terminated(tmp_path: Path) -> None:
    trigger = Trigger(
        [sys.executable, "-c", "import time; time.sleep(60)"], debounce_seconds=0, run_timeout_seconds=0.5
    )
    trigger.start()
    trigger.notify()
    wait_until(lambda: trigger.failures == 1, 10, "the overlong run to be counted as failed")
    trigger.stop()


def test_invalid_configuration_is_refused() -> None:
    with pytest.raises(ValueError, match="empty"):
        Trigger("  ", debounce_seconds=1)
    with pytest.raises(ValueError, match="negative"):
        Trigger("meltano run x y", debounce_seconds=-1)
