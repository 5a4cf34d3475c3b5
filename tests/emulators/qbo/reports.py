"""The Reports API (`GET /reports/{Name}`) in Intuit's report JSON, computed from the ledger's postings.

Each report is a row of REPORTS: which parameters it takes and the function that builds its rows and
columns. Both bases are computed (reports_ledger.py). A report larger than `max_cells` cells is cut and
ends with Intuit's "Unable to display more data" row (docs/reports.md: that answer and its 400,000-cell
limit come from third-party clients, not from Intuit's reference).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from .clock import Clock
from .faults import invalid_param
from .reports_aging import AGING_REPORTS
from .reports_detail import DETAIL_REPORTS
from .reports_lists import LIST_REPORTS
from .reports_params import DIMENSIONS, PERIODS, Request, parse_date, parse_filters, resolve_dates
from .reports_views import SUMMARY_REPORTS, Ctx
from .store import Store
from .timefmt import COMPANY_TZ, entity_ts

TRUNCATED = "Unable to display more data. Please reduce the date range."
DEFAULT_MAX_CELLS = 400_000


@dataclass(frozen=True)
class ReportSpec:
    build: Callable[[Ctx], tuple[list[dict[str, Any]], list[dict[str, Any]]]]
    basis: bool = False  # takes accounting_method (and prints ReportBasis)
    summarize: bool = False  # takes summarize_column_by (and prints SummarizeColumnsBy)
    filters: tuple[str, ...] = ()
    dated: bool = True  # prints StartPeriod/EndPeriod
    standard: bool = False  # prints the AccountingStandard option
    # a report as of `report_date` (the report_date option): "end" prints EndPeriod, "macro" prints the
    # date macro's StartPeriod and EndPeriod when one was asked for, "plain" neither; "" = not as of a date
    as_of: str = ""


REPORTS: dict[str, ReportSpec] = {
    **{name: ReportSpec(**kw) for name, kw in SUMMARY_REPORTS.items()},
    **{name: ReportSpec(**kw) for name, kw in DETAIL_REPORTS.items()},
    **{name: ReportSpec(**kw) for name, kw in LIST_REPORTS.items()},
    **{name: ReportSpec(**kw) for name, kw in AGING_REPORTS.items()},
}


class Reports:
    def __init__(self, store: Store, clock: Clock) -> None:
        self.store, self.clock = store, clock
        self.max_cells: int | None = DEFAULT_MAX_CELLS

    def today(self) -> date:
        return self.clock.now().astimezone(COMPANY_TZ).date()

    def run(self, name: str, params: dict[str, str]) -> dict[str, Any]:
        spec = REPORTS.get(name)
        if spec is None:
            raise invalid_param(f"Report {name} is not available", "report")
        req = self._request(name, spec, params)
        rows, columns = spec.build(Ctx(self.store, req, self.today()))
        has_data = _has_data(rows)
        rows, _cut = _truncate(rows, self.max_cells, len(columns))
        return {
            "Header": self._header(req, spec, has_data),
            "Columns": {"Column": columns},
            "Rows": {"Row": rows} if has_data else {},
        }

    def _request(self, name: str, spec: ReportSpec, params: dict[str, str]) -> Request:
        start, end, macro = resolve_dates(params, self.today())
        basis = params.get("accounting_method", "Accrual") if spec.basis else "Accrual"
        if basis not in ("Accrual", "Cash"):
            raise invalid_param("accounting_method must be Cash or Accrual", "accounting_method")
        summarize = params.get("summarize_column_by", "Total") if spec.summarize else "Total"
        if summarize not in PERIODS and summarize not in DIMENSIONS:
            allowed = ", ".join((*PERIODS, *DIMENSIONS))
            raise invalid_param(f"summarize_column_by must be one of {allowed}", "summarize_column_by")
        filters = parse_filters(params, spec.filters)
        return Request(name, params, start, end, basis, summarize, macro, filters)

    def _header(self, req: Request, spec: ReportSpec, has_rows: bool) -> dict[str, Any]:
        header: dict[str, Any] = {"Time": entity_ts(self.clock.now()), "ReportName": req.name}
        if req.macro:
            header["DateMacro"] = req.macro.lower()
        if spec.basis:
            header["ReportBasis"] = req.basis
        if spec.dated:
            header["StartPeriod"], header["EndPeriod"] = req.start.isoformat(), req.end.isoformat()
        report_date = _report_date(req, self.today()).isoformat()
        if spec.as_of == "end" or (spec.as_of == "macro" and req.macro):
            # Intuit's samples: aging detail prints EndPeriod; the summaries print the macro's dates.
            header["StartPeriod"] = req.start.isoformat() if spec.as_of == "macro" else None
            header["EndPeriod"] = report_date
            header = {k: v for k, v in header.items() if v is not None}
        if spec.summarize:
            header["SummarizeColumnsBy"] = req.summarize
        header["Currency"] = "USD"
        header.update(req.header_filters())
        options = [{"Name": "AccountingStandard", "Value": "GAAP"}] if spec.standard else []
        if spec.as_of:
            options.append({"Name": "report_date", "Value": report_date})
        options.append({"Name": "NoReportData", "Value": "false" if has_rows else "true"})
        header["Option"] = options
        return header


def _report_date(req: Request, today: date) -> date:
    if req.params.get("aging_method") == "Current":
        return today
    return parse_date(req.params.get("report_date"), "report_date") or today


def _has_data(rows: list[dict[str, Any]]) -> bool:
    return any("ColData" in r or _has_data(r.get("Rows", {}).get("Row", [])) for r in rows)


def _truncate(
    rows: list[dict[str, Any]], max_cells: int | None, width: int
) -> tuple[list[dict[str, Any]], bool]:
    """The rows that fit in `max_cells` cells (depth first), then the message row if any were cut."""
    if max_cells is None:
        return rows, False
    budget = [max_cells]

    def fit(level: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], bool]:
        kept: list[dict[str, Any]] = []
        for row in level:
            own = sum(len(row.get(k, {}).get("ColData", [])) for k in ("Header", "Summary")) + len(
                row.get("ColData", [])
            )
            if own > budget[0]:
                return kept, True
            budget[0] -= own
            children = row.get("Rows", {}).get("Row")
            if children:
                inner, cut = fit(children)
                kept.append({**row, "Rows": {"Row": inner}})
                if cut:
                    return kept, True
            else:
                kept.append(row)
        return kept, False

    kept, cut = fit(rows)
    if cut:
        blanks = [{"value": ""} for _ in range(max(width - 1, 0))]
        kept.append({"type": "Data", "ColData": [{"value": TRUNCATED}, *blanks]})
    return kept, cut
