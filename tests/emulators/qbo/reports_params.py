"""Report request parameters: dates and date macros, basis, entity filters, and the report's columns
(`summarize_column_by`: periods or one column per class, department, customer or vendor)."""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from .faults import invalid_param
from .reports_ledger import Posting

PERIODS = ("Total", "Days", "Week", "Month", "Quarter", "Year")
DIMENSIONS = {
    "Classes": ("Class", "class_id"),
    "Departments": ("Department", "dept_id"),
    "Customers": ("Customer", "name_id"),
    "Vendors": ("Vendor", "name_id"),
}
FILTERS = {
    "customer": ("Customer", "name_id"),
    "vendor": ("Vendor", "name_id"),
    "class": ("Class", "class_id"),
    "department": ("Department", "dept_id"),
    "account": ("Account", "account"),
    "item": ("Item", "item_id"),
}
NOT_SPECIFIED = "Not Specified"


@dataclass(frozen=True)
class Column:
    """One money column: its title, the dates it covers and, when summarised by a list, the list value."""

    title: str
    start: date
    end: date
    key: str
    dim_value: str | None = None  # id of the class/department/customer/vendor ("" = not specified)


@dataclass
class Request:
    name: str
    params: dict[str, str]
    start: date
    end: date
    basis: str
    summarize: str
    macro: str | None = None
    filters: dict[str, set[str]] = field(default_factory=dict)

    def keep(self, p: Posting) -> bool:
        """The documented entity filters (customer=1,2 and so on) applied to one posting."""
        for param, ids in self.filters.items():
            kind, attr = FILTERS[param]
            if getattr(p, attr) not in ids or (kind in ("Customer", "Vendor") and p.name_type != kind):
                return False
        return True

    def header_filters(self) -> dict[str, str]:
        return {FILTERS[k][0]: self.params[k] for k in self.filters}


def parse_date(value: str | None, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise invalid_param(f"{name} must be YYYY-MM-DD", name) from exc


def _quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _month_end(day: date) -> date:
    return date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])


def _add_months(day: date, months: int) -> date:
    y, m = divmod(day.month - 1 + months, 12)
    return date(day.year + y, m + 1, 1)


def _macros(today: date) -> dict[str, tuple[date, date]]:
    week = today - timedelta(days=(today.weekday() + 1) % 7)  # weeks start on Sunday
    month, quarter, year = today.replace(day=1), _quarter_start(today), date(today.year, 1, 1)
    last_month, last_quarter = _add_months(month, -1), _add_months(quarter, -3)
    last_year = date(today.year - 1, 1, 1)
    return {
        "Today": (today, today),
        "Yesterday": (today - timedelta(days=1), today - timedelta(days=1)),
        "This Week": (week, week + timedelta(days=6)),
        "Last Week": (week - timedelta(days=7), week - timedelta(days=1)),
        "This Week-to-date": (week, today),
        "Last Week-to-date": (week - timedelta(days=7), today - timedelta(days=7)),
        "Next Week": (week + timedelta(days=7), week + timedelta(days=13)),
        "Next 4 Weeks": (week + timedelta(days=7), week + timedelta(days=34)),
        "This Month": (month, _month_end(today)),
        "Last Month": (last_month, month - timedelta(days=1)),
        "This Month-to-date": (month, today),
        "Last Month-to-date": (
            last_month,
            min(_month_end(last_month), _add_months(today, -1) + (today - month)),
        ),
        "Next Month": (_add_months(month, 1), _month_end(_add_months(month, 1))),
        "This Fiscal Quarter": (quarter, _add_months(quarter, 3) - timedelta(days=1)),
        "Last Fiscal Quarter": (last_quarter, quarter - timedelta(days=1)),
        "This Fiscal Quarter-to-date": (quarter, today),
        "Last Fiscal Quarter-to-date": (last_quarter, last_quarter + (today - quarter)),
        "Next Fiscal Quarter": (_add_months(quarter, 3), _add_months(quarter, 6) - timedelta(days=1)),
        "This Fiscal Year": (year, date(today.year, 12, 31)),
        "Last Fiscal Year": (last_year, year - timedelta(days=1)),
        "This Fiscal Year-to-date": (year, today),
        "Last Fiscal Year-to-date": (last_year, today.replace(year=today.year - 1)),
        "Next Fiscal Year": (date(today.year + 1, 1, 1), date(today.year + 1, 12, 31)),
    }


def resolve_dates(params: dict[str, str], today: date) -> tuple[date, date, str | None]:
    """start_date/end_date win; else date_macro; else This Fiscal Year-to-date (Intuit's default)."""
    macros = _macros(today)
    macro = params.get("date_macro")
    if macro is not None and macro not in macros:
        raise invalid_param(f"date_macro {macro!r} is not one of {', '.join(macros)}", "date_macro")
    default = macros[macro or "This Fiscal Year-to-date"]
    start = parse_date(params.get("start_date"), "start_date")
    end = parse_date(params.get("end_date"), "end_date")
    # One date given: the other comes from the macro, moved so the range stays valid (a lone end_date
    # before this year starts its own year).
    if start is None:
        start = default[0] if end is None else min(default[0], end.replace(month=1, day=1))
    if end is None:
        end = max(default[1], start)
    if start > end:
        raise invalid_param("start_date must be less than end_date", "start_date")
    return start, end, macro


def parse_filters(params: dict[str, str], allowed: tuple[str, ...]) -> dict[str, set[str]]:
    out = {}
    for name in allowed:
        if name in FILTERS and params.get(name):
            ids = {v.strip() for v in params[name].split(",") if v.strip()}
            if not all(i.isdigit() for i in ids):
                raise invalid_param(f"{name} must be a comma-separated list of Ids", name)
            out[name] = ids
    return out


def _period_starts(start: date, end: date, by: str) -> list[date]:
    step: Callable[[date], date]
    if by == "Days":
        first, step = start, lambda d: d + timedelta(days=1)
    elif by == "Week":
        first, step = start - timedelta(days=(start.weekday() + 1) % 7), lambda d: d + timedelta(days=7)
    elif by == "Month":
        first, step = start.replace(day=1), lambda d: _add_months(d, 1)
    elif by == "Quarter":
        first, step = _quarter_start(start), lambda d: _add_months(d, 3)
    else:
        first, step = date(start.year, 1, 1), lambda d: date(d.year + 1, 1, 1)
    out = [first]
    while step(out[-1]) <= end:
        out.append(step(out[-1]))
    return out


def _title(start: date, end: date, by: str) -> str:
    if by == "Days":
        return start.strftime("%b %-d, %Y")
    if by == "Week":
        return f"{start.strftime('%b %-d')} - {end.strftime('%b %-d, %Y')}"
    if by == "Month":
        return start.strftime("%b %Y")
    if by == "Quarter":
        return f"{start.strftime('%b')} - {end.strftime('%b %Y')}"
    return str(start.year)


def period_columns(start: date, end: date, by: str) -> list[Column]:
    """One column per period, clipped to the report's dates; keys "0", "1", … in order."""
    starts = _period_starts(start, end, by)
    cols = []
    for i, first in enumerate(starts):
        nxt = starts[i + 1] if i + 1 < len(starts) else end + timedelta(days=1)
        lo, hi = max(first, start), min(nxt - timedelta(days=1), end)
        cols.append(Column(_title(lo, hi, by), lo, hi, str(i)))
    return cols


def dimension_columns(req: Request, postings: list[Posting], names: dict[str, str]) -> list[Column]:
    """One column per list value with postings in the report (by name), then Not Specified."""
    kind, attr = DIMENSIONS[req.summarize]
    seen = {getattr(p, attr) for p in postings if kind not in ("Customer", "Vendor") or p.name_type == kind}
    ids = sorted((i for i in seen if i), key=lambda i: names.get(i, i))
    cols = [Column(names.get(i, i), req.start, req.end, str(n), i) for n, i in enumerate(ids)]
    if any(
        not getattr(p, attr) or (kind in ("Customer", "Vendor") and p.name_type != kind) for p in postings
    ):
        cols.append(Column(NOT_SPECIFIED, req.start, req.end, str(len(cols)), ""))
    return cols


def in_column(p: Posting, col: Column, summarize: str) -> bool:
    if col.dim_value is None:
        return True
    kind, attr = DIMENSIONS[summarize]
    value = getattr(p, attr) if kind not in ("Customer", "Vendor") or p.name_type == kind else ""
    return value == col.dim_value


def column_meta(col: Column, dated: bool) -> list[dict[str, Any]]:
    meta = [{"Name": "ColKey", "Value": col.key}]
    if dated:
        meta = [
            {"Name": "StartDate", "Value": col.start.isoformat()},
            {"Name": "EndDate", "Value": col.end.isoformat()},
            *meta,
        ]
    return meta
