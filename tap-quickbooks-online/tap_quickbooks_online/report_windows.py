"""Which report windows a run reads (docs/reports.md), as pure functions of the stream state and the date.

- First sync: every calendar month from `start_date`'s month to the current one.
- Later syncs, at most every `report_interval` seconds: the last `report_lookback_months` closed months
  (month-end close back-dates entries) plus the current month, and any month after the last one read.
- "as_of" reports: one window, today.
Stream state: `synced_at` (the last run that read the stream), `read_through` (the start of the latest
month read) and `windows` ({basis|period_start: [row_key, ...]} for the windows the next run re-reads,
so rows that vanish from them can be flagged deleted).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from .reports import Report


@dataclass(frozen=True)
class Window:
    basis: str
    start: date
    end: date

    @property
    def key(self) -> str:
        return f"{self.basis}|{self.start.isoformat()}"


def add_months(day: date, months: int) -> date:
    years, month = divmod(day.month - 1 + months, 12)
    return date(day.year + years, month + 1, 1)


def month_windows(basis: str, first: date, last: date) -> list[Window]:
    """Calendar months from first's month to last's month, each ending on its last day."""
    out, start = [], first.replace(day=1)
    while start <= last:
        nxt = add_months(start, 1)
        out.append(Window(basis, start, nxt - timedelta(days=1)))
        start = nxt
    return out


def due(state: Mapping[str, Any], now: datetime, interval_seconds: float) -> bool:
    last = state.get("synced_at")
    return not last or (now - datetime.fromisoformat(str(last))).total_seconds() >= interval_seconds


def reread_from(today: date, lookback: int) -> date:
    return add_months(today.replace(day=1), -lookback)


def plan(
    report: Report, state: Mapping[str, Any], today: date, start_date: date, lookback: int
) -> list[Window]:
    """The windows of this run, oldest first, every basis of a month together."""
    if report.window == "as_of":
        return [Window(basis, today, today) for basis in report.bases]
    first = start_date
    read_through = state.get("read_through")
    if read_through:
        after_last = add_months(date.fromisoformat(str(read_through)), 1)
        first = max(start_date, min(after_last, reread_from(today, lookback)))
    months = month_windows("", first, today)
    return [Window(basis, m.start, m.end) for m in months for basis in report.bases]


def kept_keys(
    report: Report, windows: dict[str, list[str]], today: date, lookback: int
) -> dict[str, list[str]]:
    """The row keys worth keeping in state: those of windows the next run reads again."""
    if report.window == "as_of":
        return {k: v for k, v in windows.items() if k.endswith(today.isoformat())}
    oldest = reread_from(today, lookback).isoformat()
    return {k: v for k, v in windows.items() if k.split("|", 1)[1] >= oldest}
