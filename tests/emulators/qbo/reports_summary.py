"""The summary reports: ProfitAndLoss, BalanceSheet, TrialBalance and CashFlow, one money column per
requested column (period or list value), computed from the postings.

The fiscal year starts in January; balance-sheet style reports close earlier years' profit into Retained
Earnings and show this year's as Net Income.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from decimal import Decimal
from typing import Any

from .gen_lists import ACCT
from .reports_ledger import Posting
from .reports_params import Column, in_column

ZERO = Decimal(0)
RETAINED = str(ACCT["Retained Earnings"])
PL_SECTIONS = (
    ("Income", "Income", ("Income",), -1),
    ("COGS", "Cost of Goods Sold", ("Cost of Goods Sold",), 1),
    ("Expenses", "Expenses", ("Expense",), 1),
    ("OtherIncome", "Other Income", ("Other Income",), -1),
    ("OtherExpenses", "Other Expenses", ("Other Expense",), 1),
)
BS_SECTIONS = (
    ("TotalAssets", "ASSETS", "Asset", 1),
    ("Liabilities", "Liabilities", "Liability", -1),
    ("Equity", "Equity", "Equity", -1),
)
CF_SECTIONS = (
    ("InvestingActivities", "INVESTING ACTIVITIES", ("Fixed Asset", "Other Asset"), "investing"),
    ("FinancingActivities", "FINANCING ACTIVITIES", ("Long Term Liability", "Equity"), "financing"),
)
Vector = list[Decimal]
Accounts = dict[str, dict[str, Any]]


def fmt(amount: Decimal) -> str:
    """Two decimals, never "-0.00"."""
    return f"{(amount.quantize(Decimal('0.01')) + 0):f}"


def cells(values: Vector, blank_zero: bool = False) -> list[dict[str, str]]:
    return [{"value": "" if blank_zero and not v else fmt(v)} for v in values]


def data_row(account: dict[str, Any], values: Vector, group: str | None = None) -> dict[str, Any]:
    row: dict[str, Any] = {"ColData": [{"value": account["Name"], "id": account["Id"]}, *cells(values)]}
    row["type"] = "Data"
    if group:
        row["group"] = group
    return row


def section(
    group: str, title: str, rows: list[dict[str, Any]], total: Vector, label: str = ""
) -> dict[str, Any]:
    """A section with a Header, its rows, and a Summary ('' amounts when it has no rows, as Intuit does)."""
    out: dict[str, Any] = {
        "Header": {"ColData": [{"value": title}, *({"value": ""} for _ in total)]},
        "type": "Section",
        "group": group,
        "Summary": {"ColData": [{"value": label or f"Total {title}"}, *cells(total, blank_zero=not rows)]},
    }
    if rows:
        out["Rows"] = {"Row": rows}
    return out


def summary_only(group: str, title: str, values: Vector) -> dict[str, Any]:
    return {"type": "Section", "group": group, "Summary": {"ColData": [{"value": title}, *cells(values)]}}


def _add(a: Vector, b: Vector, sign: int = 1) -> Vector:
    return [x + sign * y for x, y in zip(a, b, strict=True)]


def _sum(vectors: list[Vector], width: int) -> Vector:
    total = [ZERO] * width
    for v in vectors:
        total = _add(total, v)
    return total


class Grid:
    """Postings spread over columns: activity per account and column, and balances at each column's end."""

    def __init__(self, postings: list[Posting], cols: list[Column], summarize: str) -> None:
        self.cols, self.summarize = cols, summarize
        self.by_dim = cols and cols[0].dim_value is not None
        self.starts = [c.start.isoformat() for c in cols]
        self.ends = [c.end.isoformat() for c in cols]
        self.dims = {c.dim_value: i for i, c in enumerate(cols)}
        self.postings = postings

    def _index(self, p: Posting) -> int | None:
        """The column a posting on or before the last column's end falls in (by date or by list value)."""
        if self.by_dim:
            for i, col in enumerate(self.cols):
                if in_column(p, col, self.summarize):
                    return i
            return None
        i = bisect.bisect_left(self.ends, p.date)
        return i if i < len(self.cols) else None

    def activity(self, with_total: bool) -> dict[str, Vector]:
        """Net debit per account in each column's dates (plus a Total column when asked)."""
        width = len(self.cols)
        out: dict[str, Vector] = defaultdict(lambda: [ZERO] * (width + with_total))
        for p in self.postings:
            i = self._index(p)
            if i is None or p.date < self.starts[i]:
                continue
            out[p.account][i] += p.amount
            if with_total:
                out[p.account][width] += p.amount
        return out

    def balances(self, accounts: Accounts) -> tuple[dict[str, Vector], Vector]:
        """Balance per account at each column's end (P&L accounts: fiscal year to date; earlier years'
        profit moved to Retained Earnings), and this year's net income per column."""
        width = len(self.cols)
        out: dict[str, Vector] = defaultdict(lambda: [ZERO] * width)
        net = [ZERO] * width
        for p in self.postings:
            first = self._index(p)
            if first is None:
                continue
            profit = accounts.get(p.account, {}).get("Classification") in ("Revenue", "Expense")
            for k in range(first, first + 1) if self.by_dim else range(first, width):
                if not profit:
                    out[p.account][k] += p.amount
                elif self.ends[k][:4] == p.date[:4]:
                    out[p.account][k] += p.amount
                    net[k] -= p.amount
                else:
                    out[RETAINED][k] += p.amount
        return out, net


def _picked(
    accounts: Accounts, values: dict[str, Vector], pred: Any, sign: int
) -> list[tuple[dict[str, Any], Vector]]:
    return [
        (a, [sign * v for v in values[a["Id"]]])
        for a in accounts.values()
        if pred(a) and any(values.get(a["Id"], []))
    ]


def profit_and_loss(grid: Grid, accounts: Accounts, with_total: bool) -> list[dict[str, Any]]:
    values = grid.activity(with_total)
    width = len(grid.cols) + with_total
    rows: list[dict[str, Any]] = []
    totals: dict[str, Vector] = {}
    for group, title, types, sign in PL_SECTIONS:
        picked = _picked(accounts, values, lambda a, t=types: a["AccountType"] in t, sign)
        totals[group] = _sum([v for _, v in picked], width)
        rows.append(section(group, title, [data_row(a, v) for a, v in picked], totals[group]))
        if group == "COGS":
            rows.append(
                summary_only("GrossProfit", "Gross Profit", _add(totals["Income"], totals["COGS"], -1))
            )
        if group == "Expenses":
            operating = _add(_add(totals["Income"], totals["COGS"], -1), totals["Expenses"], -1)
            rows.append(summary_only("NetOperatingIncome", "Net Operating Income", operating))
    other = _add(totals["OtherIncome"], totals["OtherExpenses"], -1)
    rows.append(summary_only("NetOtherIncome", "Net Other Income", other))
    rows.append(summary_only("NetIncome", "Net Income", _add(operating, other)))
    return rows


def balance_sheet(grid: Grid, accounts: Accounts) -> list[dict[str, Any]]:
    balances, net = grid.balances(accounts)
    width = len(grid.cols)
    built = []
    for group, title, classification, sign in BS_SECTIONS:
        picked = _picked(accounts, balances, lambda a, c=classification: a["Classification"] == c, sign)
        rows = [data_row(a, v) for a, v in picked]
        if classification == "Equity":
            rows.append(data_row({"Id": "", "Name": "Net Income"}, net, group="NetIncome"))
            rows[-1]["ColData"][0].pop("id")
        total = _sum([v for _, v in picked], width)
        built.append(section(group, title, rows, _add(total, net) if classification == "Equity" else total))
    both = section(
        "TotalLiabilitiesAndEquity",
        "LIABILITIES AND EQUITY",
        built[1:],
        _add(_summary_values(built[1]), _summary_values(built[2])),
        "Total Liabilities and Equity",
    )
    return [built[0], both]


def _summary_values(row: dict[str, Any]) -> Vector:
    return [Decimal(c["value"] or 0) for c in row["Summary"]["ColData"][1:]]


def trial_balance(grid: Grid, accounts: Accounts) -> list[dict[str, Any]]:
    """Debit and credit per column; summary data rows carry no `type`, the grand total is its own row."""
    balances, _ = grid.balances(accounts)
    width = len(grid.cols)
    debit, credit = [ZERO] * width, [ZERO] * width
    rows: list[dict[str, Any]] = []
    for account in accounts.values():
        values = balances.get(account["Id"])
        if not values or not any(values):
            continue
        pair = []
        for k, v in enumerate(values):
            debit[k] += max(v, ZERO)
            credit[k] += max(-v, ZERO)
            pair += [{"value": fmt(v) if v > 0 else ""}, {"value": fmt(-v) if v < 0 else ""}]
        rows.append({"ColData": [{"value": account["Name"], "id": account["Id"]}, *pair]})
    total = [c for k in range(width) for c in ({"value": fmt(debit[k])}, {"value": fmt(credit[k])})]
    return [
        *rows,
        {"group": "GrandTotal", "type": "Section", "Summary": {"ColData": [{"value": "TOTAL"}, *total]}},
    ]


def cash_flow(grid: Grid, accounts: Accounts, opening: Vector) -> list[dict[str, Any]]:
    """Indirect method: net income, then the change of every balance-sheet account that is not a bank
    account, by activity; the cash increase equals the change of the bank accounts (`opening` is the
    bank balance before each column's start)."""
    values = grid.activity(with_total=len(opening) > len(grid.cols))
    width = len(opening)
    net = [ZERO] * width
    for a in accounts.values():
        if a["Classification"] in ("Revenue", "Expense") and a["Id"] in values:
            net = _add(net, values[a["Id"]], -1)

    def changes(types: tuple[str, ...] | None) -> list[tuple[dict[str, Any], Vector]]:
        def pred(a: dict[str, Any]) -> bool:
            if a["Classification"] in ("Revenue", "Expense") or a["AccountType"] == "Bank":
                return False
            flow = next((t for _, _, t, _ in CF_SECTIONS if a["AccountType"] in t), None)
            return flow == types

        return _picked(accounts, values, pred, -1)

    adjust = changes(None)
    adjust_total = _sum([v for _, v in adjust], width)
    operating_rows = [
        data_row({"Id": "", "Name": "Net Income"}, net, group="NetIncome"),
        section(
            "OperatingAdjustments",
            "Adjustments to reconcile Net Income to Net Cash provided by operations:",
            [data_row(a, v) for a, v in adjust],
            adjust_total,
            "Total Adjustments to reconcile Net Income to Net Cash provided by operations:",
        ),
    ]
    operating_rows[0]["ColData"][0].pop("id")
    operating = _add(net, adjust_total)
    rows = [
        section(
            "OperatingActivities",
            "OPERATING ACTIVITIES",
            operating_rows,
            operating,
            "Net cash provided by operating activities",
        )
    ]
    increase = operating
    for group, title, types, label in CF_SECTIONS:
        picked = changes(types)
        if picked:
            total = _sum([v for _, v in picked], width)
            rows.append(
                section(
                    group,
                    title,
                    [data_row(a, v) for a, v in picked],
                    total,
                    f"Net cash provided by {label} activities",
                )
            )
            increase = _add(increase, total)
    rows.append(summary_only("CashIncrease", "Net cash increase for period", increase))
    rows.append(
        {
            "type": "Data",
            "group": "BeginningCash",
            "ColData": [{"value": "Cash at beginning of period"}, *cells(opening)],
        }
    )
    rows.append(summary_only("EndingCash", "Cash at end of period", _add(opening, increase)))
    return rows
