"""The one generic report stream class; each report is an instance configured by its row in reports.py.

A run reads its windows (report_windows.py) concurrently through the run's client, so every request
shares the run's rate limiter with the entity streams. Each window is a complete answer for its period:
its rows are written with the run's `synced_at`, and any row key the previous read of that window had and
this one lacks is written again as a delete (`_sdc_deleted_at`), so a vanished row never keeps its old
amount as a live row. A window QBO truncates is read again as two halves, down to single days, and the
run stops rather than write a cut window (docs/reports.md).
"""

from __future__ import annotations

import itertools
import logging
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from singer_sdk.helpers.conform import TypeConformanceLevel

from .client import QBOClient
from .errors import FatalError
from .report_parse import assign_keys, combine, decode, parse
from .report_windows import Window, due, kept_keys, plan
from .reports import PRIMARY_KEYS, REPLICATION_KEY, SCHEMA, Report
from .sdk_compat import SelfBookmarkedStream
from .settings import Settings

if TYPE_CHECKING:
    from singer_sdk.helpers.types import Context

    from .tap import TapQuickBooksOnline

LOGGER = logging.getLogger("tap_quickbooks_online.reports")
DEFAULT_HISTORY_MONTHS = 24  # without start_date, the first sync reads this many months back


def read_window(client: QBOClient, report: Report, window: Window) -> list[dict[str, Any]]:
    """Every row of one window, reading smaller windows while QBO truncates."""
    parts = _read(client, report, window.basis, window.start, window.end)
    rows = combine(report, parts)
    assign_keys(rows)
    return rows


def _read(
    client: QBOClient, report: Report, basis: str, start: date, end: date
) -> list[list[dict[str, Any]]]:
    params = dict(report.params)
    if report.window == "as_of":
        params["report_date"] = start.isoformat()
    else:
        params["start_date"], params["end_date"] = start.isoformat(), end.isoformat()
    if basis in ("Accrual", "Cash"):
        params["accounting_method"] = basis
    columns, rows = decode(client.call("report", "GET", f"reports/{report.name}", params=params), report)
    parsed = parse(report, columns, rows)
    if not parsed.truncated:
        return [parsed.rows]
    if report.split is None or start >= end:
        raise FatalError(
            f"QBO truncated {report.name} ({basis}) for {start}..{end} ('Unable to display more data') and "
            "no smaller request can hold it; nothing of this window was written. Narrow the report "
            "(fewer accounts or columns) or deselect the stream."
        )
    middle = start + (end - start) // 2
    LOGGER.info(
        "%s %s %s..%s was truncated by QBO; reading it in two halves.", report.name, basis, start, end
    )
    return _read(client, report, basis, start, middle) + _read(
        client, report, basis, middle + timedelta(days=1), end
    )


class ReportStream(SelfBookmarkedStream):
    """A QBO report as flat rows; behaviour comes from its Report row, never from a subclass."""

    primary_keys = PRIMARY_KEYS
    replication_key = REPLICATION_KEY
    is_sorted = False
    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE  # rows are built typed: str, Decimal, ISO dates

    def __init__(self, tap: TapQuickBooksOnline, report: Report) -> None:
        self.report = report
        super().__init__(tap, schema=SCHEMA, name=report.stream_name)
        self._qbo_tap = tap

    def get_records(self, context: Context | None) -> Iterable[dict[str, Any]]:
        if self._deselected_in_catalog():
            return
        run = self._qbo_tap.run_context()
        state, settings = self.stream_state, run.settings
        now = run.now
        if not due(state, now, settings.report_interval):
            self.logger.info("%s: read less than report_interval ago; nothing to do.", self.name)
            return
        today, lookback = now.date(), settings.report_lookback_months
        windows = plan(self.report, state, today, self._start_date(settings, today), lookback)
        self.logger.info("%s: reading %d report windows.", self.name, len(windows))
        old: dict[str, list[str]] = dict(state.get("windows") or {})
        seen: dict[str, list[str]] = {}
        for window, rows in self._fetch(run.client, windows, settings.max_concurrent_requests):
            yield from self._records(window, rows, old.get(window.key, []), now, settings.realm_id)
            seen[window.key] = [r["row_key"] for r in rows]
        state["windows"] = kept_keys(self.report, {**old, **seen}, today, lookback)
        state["synced_at"] = now.isoformat()
        if windows:
            state["read_through"] = max(w.start for w in windows).isoformat()

    def _deselected_in_catalog(self) -> bool:
        """singer-sdk's dry run forces every stream on; a report the input catalog deselects still costs
        no API call (and does not hold up the run)."""
        catalog = self._qbo_tap.input_catalog
        entry = catalog.get_stream(self.name) if catalog is not None else None
        return entry is not None and not entry.metadata.resolve_selection().get((), True)

    def _start_date(self, settings: Settings, today: date) -> date:
        if settings.start_date is not None:
            return settings.start_date.date()
        return date(today.year - DEFAULT_HISTORY_MONTHS // 12, today.month, 1)

    def _fetch(
        self, client: QBOClient, windows: list[Window], workers: int
    ) -> Iterator[tuple[Window, list[dict[str, Any]]]]:
        """Windows read concurrently (the client's limiter paces them), yielded in window order; at most
        two windows per worker are read ahead, so memory does not grow with the history."""
        if not windows:
            return
        workers = max(1, min(workers, len(windows)))
        pending: deque[tuple[Window, Future[list[dict[str, Any]]]]] = deque()
        todo = iter(windows)
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="qbo-report") as pool:
            try:
                for window in itertools.islice(todo, 2 * workers):
                    pending.append((window, pool.submit(read_window, client, self.report, window)))
                while pending:
                    window, future = pending.popleft()
                    following = next(todo, None)
                    if following is not None:
                        pending.append((following, pool.submit(read_window, client, self.report, following)))
                    yield window, future.result()
            finally:
                for _, future in pending:
                    future.cancel()

    def _records(
        self, window: Window, rows: list[dict[str, Any]], before: list[str], now: datetime, realm_id: str
    ) -> Iterator[dict[str, Any]]:
        stamp = now.astimezone(UTC).isoformat()
        common = {
            "realm_id": realm_id,
            "report": self.report.name,
            "basis": window.basis,
            "period_start": window.start.isoformat(),
            "period_end": window.end.isoformat(),
            REPLICATION_KEY: stamp,
        }
        for row in rows:
            yield {**row, **common, "_sdc_deleted_at": None}
        current = {r["row_key"] for r in rows}
        for key in before:
            if key not in current:
                yield {**common, "row_key": key, "_sdc_deleted_at": stamp}
