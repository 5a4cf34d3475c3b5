"""The receiver's background tasks survive their own errors; the trigger's command cannot run forever."""

from __future__ import annotations

import asyncio
import sys
import threading
from pathlib import Path

import pytest
from tap_quickbooks_online import trigger as trigger_module
from tap_quickbooks_online import webhooks
from tap_quickbooks_online.inbox import Inbox
from tap_quickbooks_online.trigger import Trigger
from tap_quickbooks_online.webhooks import Receiver

from tests.webhooks.helpers import make_settings


class FailingInbox(Inbox):
    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.purges = 0

    def purge_older_than(self, days: int) -> int:
        self.purges += 1
        raise OSError("disk I/O error")


def test_the_purge_task_logs_and_keeps_going_after_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(webhooks, "_PURGE_INTERVAL_SECONDS", 0.01)
    inbox = FailingInbox(tmp_path / "inbox.sqlite")
    receiver = Receiver(make_settings(tmp_path / "inbox.sqlite"), inbox, None)

    async def run_a_while() -> bool:
        task = asyncio.create_task(receiver.purge_periodically())
        while inbox.purges < 3 and not task.done():
            await asyncio.sleep(0.01)
        alive = not task.done()
        task.cancel()
        return alive

    assert asyncio.run(run_a_while())
    assert receiver.counters["purge_errors"] >= 2
    assert "Purging old webhook events failed" in caplog.text


def test_a_command_past_its_timeout_is_terminated_then_killed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(trigger_module, "KILL_GRACE_SECONDS", 0.5)
    stubborn = [sys.executable, "-c", "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
                "print('up', flush=True); time.sleep(600)"]  # fmt: skip
    trigger = Trigger(stubborn, 0, run_timeout_seconds=1)
    finished = threading.Event()
    original = trigger._run_once

    def run_once() -> None:
        original()
        finished.set()

    trigger._run_once = run_once  # type: ignore[method-assign]
    trigger.start()
    trigger.notify()
    assert finished.wait(60), "the stubborn command was never killed"
    trigger.stop(5)
    assert (trigger.runs, trigger.failures) == (1, 1)


def test_a_runner_that_raises_does_not_end_the_trigger() -> None:
    calls: list[int] = []
    done = threading.Event()

    def runner() -> int:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("boom")
        done.set()
        return 0

    trigger = Trigger(None, 0, runner=runner)
    trigger.start()
    trigger.notify()
    while not calls:
        threading.Event().wait(0.01)
    trigger.notify()
    assert done.wait(30)
    trigger.stop(5)
    assert trigger.failures == 1
