"""The tests' one way to wait for something another thread or process does: poll until it holds."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class WaitTimedOut(AssertionError):
    """What a test waited for did not happen in time (or the process it waited on ended first)."""


def _text(what: str | Callable[[], str]) -> str:
    return what() if callable(what) else what


def wait_until(
    predicate: Callable[[], T],
    timeout: float,
    what: str | Callable[[], str],
    *,
    interval: float = 0.01,
    alive: Callable[[], bool] | None = None,
) -> T:
    """Call `predicate` every `interval` s until it returns something truthy, and return that.

    Fails with WaitTimedOut naming `what` (text, or a callable giving it at failure time, such as a log's
    tail) once `timeout` s pass, or as soon as `alive` says the thing being waited on has stopped.
    """
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if alive is not None and not alive():
            raise WaitTimedOut(f"stopped before {_text(what)}")
        if time.monotonic() >= deadline:
            raise WaitTimedOut(f"timed out after {timeout:g} s waiting for {_text(what)}")
        time.sleep(interval)
