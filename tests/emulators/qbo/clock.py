"""The emulator clock: wall time plus an offset that tests advance instead of sleeping.

Everything time-dependent in the emulator (MetaData times, token expiry, the CDC window, throttle windows,
webhook retries) reads this clock, so `advance()` makes those effects observable at once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

# QBO stamps entities in the company's local time with its offset; a US Pacific company shows -08:00 in
# winter and -07:00 in summer, which keeps clients honest about parsing offsets.
COMPANY_TZ: tzinfo = ZoneInfo("America/Los_Angeles")


class Clock:
    """Real time since construction, plus `start`, plus whatever `advance()` added."""

    def __init__(self, start: datetime | None = None) -> None:
        base = start if start is not None else datetime.now(UTC)
        if base.tzinfo is None:
            raise ValueError("Clock start must be timezone-aware")
        self._start = base
        self._mono0 = time.monotonic()
        self._offset = 0.0
        self._lock = threading.Lock()
        self._listeners: list[Callable[[], None]] = []

    def now(self) -> datetime:
        """The current emulator time, in the company's time zone."""
        with self._lock:
            elapsed = time.monotonic() - self._mono0 + self._offset
        return (self._start + timedelta(seconds=elapsed)).astimezone(COMPANY_TZ)

    def timestamp(self) -> float:
        return self.now().timestamp()

    def advance(self, seconds: float) -> None:
        """Jump forward; wakes anything scheduled on the clock (webhook retries)."""
        if seconds < 0:
            raise ValueError("the emulator clock only moves forward")
        with self._lock:
            self._offset += seconds
            listeners = list(self._listeners)
        for listener in listeners:
            listener()

    def on_advance(self, listener: Callable[[], None]) -> None:
        with self._lock:
            self._listeners.append(listener)
