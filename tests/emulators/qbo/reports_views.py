"""What a report builder is given (Ctx: the request, the accounts, the postings on the asked basis) and the
summary reports' rows of REPORTS: their columns and the parameters they take."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cached_property
from typing import Any

from .reports_ledger import Posting, dated
from .reports_params import (
    DIMENSIONS,
    Column,
    Request,
    column_meta,
    dimension_columns,
    in_column,
    period_columns,
)
from .reports_summary import Grid, balance_sheet, cash_flow, profit_and_loss, trial_balance
from .store import Store

Built = tuple[list[dict[str, Any]], list[dict[str, Any]]]
SUMMARY_FILTERS = ("customer", "vendor", "class", "department", "item")
DIM_ENTITIES = {"Class": "Class", "Department": "Department", "Customer": "Customer", "Vendor": "Vendor"}


@dataclass
class Ctx:
    store: Store
    req: Request
    today: date
    _names: dict[str, dict[str, str]] = field(default_factory=dict)

    @cached_property
    def accounts(self) -> dict[str, dict[str, Any]]:
        return {a["Id"]: a for a in self.store.all("Account")}

    @cached_property
    def postings(self) -> list[Posting]:
        """Every posting on the asked basis that passes the request's filters, in date order."""
        return self.between(None, self.req.end)

    def between(self, start: date | None, end: date) -> list[Posting]:
        ordered, dates = dated(self.store, self.req.basis)
        lo = bisect.bisect_left(dates, start.isoformat()) if start else 0
        hi = bisect.bisect_right(dates, end.isoformat())
        picked = ordered[lo:hi]
        return [p for p in picked if self.req.keep(p)] if self.req.filters else picked

    def names(self, entity: str) -> dict[str, str]:
        """Id -> name of a name list, read once per request (detail cells ask for it per line)."""
        if entity not in self._names:
            key = "Name" if entity in ("Class", "Department") else "DisplayName"
            self._names[entity] = {r["Id"]: r.get(key) or r.get("Name", "") for r in self.store.all(entity)}
        return self._names[entity]

    def columns(self, postings: list[Posting]) -> list[Column]:
        req = self.req
        if req.summarize in DIMENSIONS:
            return dimension_columns(req, postings, self.names(DIMENSIONS[req.summarize][0]))
        if req.summarize == "Total":
            return [Column("Total", req.start, req.end, "total")]
        return period_columns(req.start, req.end, req.summarize)


def account_col() -> dict[str, Any]:
    return {"ColTitle": "", "ColType": "Account", "MetaData": [{"Name": "ColKey", "Value": "account"}]}


def money_cols(cols: list[Column], with_total: bool, dated: bool) -> list[dict[str, Any]]:
    out = [{"ColTitle": c.title, "ColType": "Money", "MetaData": column_meta(c, dated)} for c in cols]
    if with_total:
        out.append(
            {"ColTitle": "Total", "ColType": "Money", "MetaData": [{"Name": "ColKey", "Value": "total"}]}
        )
    return out


def _dated(ctx: Ctx) -> bool:
    return ctx.req.summarize not in ("Total", *DIMENSIONS)


def _pnl(ctx: Ctx) -> Built:
    postings = ctx.between(ctx.req.start, ctx.req.end)
    cols = ctx.columns(postings)
    with_total = ctx.req.summarize != "Total"
    rows = profit_and_loss(Grid(postings, cols, ctx.req.summarize), ctx.accounts, with_total)
    return rows, [account_col(), *money_cols(cols, with_total, _dated(ctx))]


def _balance_sheet(ctx: Ctx) -> Built:
    postings = ctx.between(None, ctx.req.end)
    cols = ctx.columns(postings)
    with_total = ctx.req.summarize in DIMENSIONS
    rows = balance_sheet(Grid(postings, _as_of(cols), ctx.req.summarize), ctx.accounts)
    if with_total:
        rows = _with_total(rows)
    return rows, [account_col(), *money_cols(cols, with_total, _dated(ctx))]


def _as_of(cols: list[Column]) -> list[Column]:
    """Balance columns count every posting up to their end, whatever the report's start."""
    return [Column(c.title, date.min, c.end, c.key, c.dim_value) for c in cols]


def _with_total(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A Total cell appended to every row of a by-list report: the sum of its list columns."""

    def add(cells: list[dict[str, Any]]) -> list[dict[str, Any]]:
        values = [c["value"] for c in cells[1:]]
        if all(v == "" for v in values):
            return [*cells, {"value": ""}]
        total = sum((Decimal(v) for v in values if v), Decimal(0))
        return [*cells, {"value": f"{total.quantize(Decimal('0.01')):f}"}]

    out = []
    for row in rows:
        row = dict(row)
        for part in ("Header", "Summary"):
            if part in row:
                row[part] = {"ColData": add(row[part]["ColData"])}
        if "ColData" in row:
            row["ColData"] = add(row["ColData"])
        if "Rows" in row:
            row["Rows"] = {"Row": _with_total(row["Rows"]["Row"])}
        out.append(row)
    return out


def _trial_balance(ctx: Ctx) -> Built:
    postings = ctx.between(None, ctx.req.end)
    cols = ctx.columns(postings)
    rows = trial_balance(Grid(postings, _as_of(cols), ctx.req.summarize), ctx.accounts)
    pair = [
        {"ColTitle": "Debit", "ColType": "Money", "MetaData": [{"Name": "ColKey", "Value": "debit"}]},
        {"ColTitle": "Credit", "ColType": "Money", "MetaData": [{"Name": "ColKey", "Value": "credit"}]},
    ]
    if ctx.req.summarize == "Total":
        return rows, [account_col(), *pair]
    nested = [{**c, "Columns": {"Column": pair}} for c in money_cols(cols, False, _dated(ctx))]
    return rows, [account_col(), *nested]


def _cash_flow(ctx: Ctx) -> Built:
    postings = ctx.between(ctx.req.start, ctx.req.end)
    cols = ctx.columns(postings)
    with_total = ctx.req.summarize != "Total"
    summarize = ctx.req.summarize
    banks = {a["Id"] for a in ctx.accounts.values() if a["AccountType"] == "Bank"}
    opening = []
    for col in [*cols, *([Column("Total", ctx.req.start, ctx.req.end, "total")] if with_total else [])]:
        before = [p for p in ctx.postings if p.date < col.start.isoformat() and p.account in banks]
        opening.append(sum((p.amount for p in before if in_column(p, col, summarize)), Decimal(0)))
    rows = cash_flow(Grid(postings, cols, summarize), ctx.accounts, opening)
    return rows, [account_col(), *money_cols(cols, with_total, _dated(ctx))]


SUMMARY_REPORTS: dict[str, dict[str, Any]] = {
    "ProfitAndLoss": {
        "build": _pnl,
        "basis": True,
        "summarize": True,
        "filters": SUMMARY_FILTERS,
        "standard": True,
    },
    "BalanceSheet": {
        "build": _balance_sheet,
        "basis": True,
        "summarize": True,
        "filters": SUMMARY_FILTERS,
        "standard": True,
    },
    "TrialBalance": {"build": _trial_balance, "basis": True, "summarize": True},
    "CashFlow": {"build": _cash_flow, "summarize": True, "filters": SUMMARY_FILTERS},
}
