"""ProfitAndLoss, BalanceSheet and TrialBalance in Intuit's report JSON, computed from the ledger.

Accrual basis only: a Cash-basis request gets a 400 rather than an accrual report labelled Cash. The fiscal
year starts in January; balance-sheet style reports close earlier years' profit into Retained Earnings.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

from .clock import Clock
from .faults import invalid_param
from .gen_lists import ACCT
from .ledger import Daily, ledger
from .store import Store
from .timefmt import entity_ts

PL_SECTIONS = (
    ("Income", "Income", ("Income",), -1),
    ("COGS", "Cost of Goods Sold", ("Cost of Goods Sold",), 1),
    ("Expenses", "Expenses", ("Expense",), 1),
    ("OtherIncome", "Other Income", ("Other Income",), -1),
    ("OtherExpenses", "Other Expenses", ("Other Expense",), 1),
)
BS_CLASSES = (
    ("TotalAssets", "ASSETS", "Asset", 1),
    ("Liabilities", "Liabilities", "Liability", -1),
    ("Equity", "Equity", "Equity", -1),
)
RETAINED = str(ACCT["Retained Earnings"])


def fmt(amount: Decimal) -> str:
    return f"{amount.quantize(Decimal('0.01')):f}"


def _sum(daily: Daily, start: str | None, end: str) -> dict[str, Decimal]:
    out: dict[str, Decimal] = defaultdict(Decimal)
    for (account, day), amount in daily.items():
        if (start is None or day >= start) and day <= end:
            out[account] += amount
    return out


class Reports:
    def __init__(self, store: Store, clock: Clock) -> None:
        self.store, self.clock = store, clock

    def run(self, name: str, params: dict[str, str]) -> dict[str, Any]:
        if params.get("accounting_method", "Accrual") != "Accrual":
            raise invalid_param("The emulator computes Accrual-basis reports only", "accounting_method")
        builders = {
            "ProfitAndLoss": self._pnl,
            "BalanceSheet": self._balance_sheet,
            "TrialBalance": self._trial,
        }
        if name not in builders:
            raise invalid_param(f"Report {name} is not available", "report")
        today = self.clock.now().date()
        start = _date(params.get("start_date"), date(today.year, 1, 1), "start_date")
        end = _date(params.get("end_date"), today, "end_date")
        if start > end:
            raise invalid_param("start_date is after end_date", "start_date")
        accounts = {a["Id"]: a for a in self.store.all("Account")}
        rows, columns = builders[name](ledger(self.store), accounts, start.isoformat(), end.isoformat())
        return {
            "Header": self._header(name, start, end, bool(rows)),
            "Columns": {"Column": columns},
            "Rows": {"Row": rows},
        }

    def _header(self, name: str, start: date, end: date, has_rows: bool) -> dict[str, Any]:
        return {
            "Time": entity_ts(self.clock.now()),
            "ReportName": name,
            "ReportBasis": "Accrual",
            "StartPeriod": start.isoformat(),
            "EndPeriod": end.isoformat(),
            "SummarizeColumnsBy": "Total",
            "Currency": "USD",
            "Option": [
                {"Name": "AccountingStandard", "Value": "GAAP"},
                {"Name": "NoReportData", "Value": "false" if has_rows else "true"},
            ],
        }

    def _pnl(
        self, daily: Daily, accounts: dict[str, dict[str, Any]], start: str, end: str
    ) -> tuple[list, list]:
        sums = _sum(daily, start, end)
        rows, totals = [], {}
        for group, title, types, sign in PL_SECTIONS:
            picked = [
                (a, sign * sums.get(a["Id"], Decimal(0)))
                for a in accounts.values()
                if a["AccountType"] in types and sums.get(a["Id"])
            ]
            totals[group] = sum((v for _, v in picked), Decimal(0))
            rows.append(_section(group, title, picked, totals[group]))
            if group == "COGS":
                rows.append(_summary("GrossProfit", "Gross Profit", totals["Income"] - totals["COGS"]))
            if group == "Expenses":
                operating = totals["Income"] - totals["COGS"] - totals["Expenses"]
                rows.append(_summary("NetOperatingIncome", "Net Operating Income", operating))
        other = totals["OtherIncome"] - totals["OtherExpenses"]
        rows.append(_summary("NetOtherIncome", "Net Other Income", other))
        rows.append(_summary("NetIncome", "Net Income", operating + other))
        return rows, _columns()

    def _balances(self, daily: Daily, accounts: dict[str, dict[str, Any]], end: str) -> dict[str, Decimal]:
        """Balance-sheet balances at `end`, with this fiscal year's profit under a 'Net Income' key."""
        fy_start = f"{end[:4]}-01-01"
        to_date, this_year = _sum(daily, None, end), _sum(daily, fy_start, end)
        out: dict[str, Decimal] = {}
        for account_id, account in accounts.items():
            if account["Classification"] in ("Revenue", "Expense"):
                out[account_id] = this_year.get(account_id, Decimal(0))
                out[RETAINED] = (
                    out.get(RETAINED, Decimal(0)) + to_date.get(account_id, Decimal(0)) - out[account_id]
                )
            else:
                out[account_id] = out.get(account_id, Decimal(0)) + to_date.get(account_id, Decimal(0))
        return out

    def _balance_sheet(
        self, daily: Daily, accounts: dict[str, dict[str, Any]], start: str, end: str
    ) -> tuple:
        balances = self._balances(daily, accounts, end)
        net_income = -sum(
            (v for k, v in balances.items() if accounts[k]["Classification"] in ("Revenue", "Expense")),
            Decimal(0),
        )
        rows = []
        for group, title, classification, sign in BS_CLASSES:
            picked = [
                (a, sign * balances[a["Id"]])
                for a in accounts.values()
                if a["Classification"] == classification and balances.get(a["Id"])
            ]
            if classification == "Equity":
                picked.append(({"Id": "", "Name": "Net Income"}, net_income))
            rows.append(_section(group, title, picked, sum((v for _, v in picked), Decimal(0))))
        # As in QBO, liabilities and equity sit inside one "LIABILITIES AND EQUITY" section.
        both = _section("TotalLiabilitiesAndEquity", "LIABILITIES AND EQUITY", [], Decimal(0))
        both["Rows"] = {"Row": rows[1:]}
        total = sum((Decimal(r["Summary"]["ColData"][1]["value"] or 0) for r in rows[1:]), Decimal(0))
        both["Summary"]["ColData"] = [{"value": "Total Liabilities and Equity"}, {"value": fmt(total)}]
        return [rows[0], both], _columns()

    def _trial(self, daily: Daily, accounts: dict[str, dict[str, Any]], start: str, end: str) -> tuple:
        balances = self._balances(daily, accounts, end)
        data, debit, credit = [], Decimal(0), Decimal(0)
        for account in accounts.values():
            value = balances.get(account["Id"], Decimal(0))
            if not value:
                continue
            debit += max(value, Decimal(0))
            credit += max(-value, Decimal(0))
            data.append(
                {
                    "type": "Data",
                    "ColData": [
                        {"value": account["Name"], "id": account["Id"]},
                        {"value": fmt(value) if value > 0 else ""},
                        {"value": fmt(-value) if value < 0 else ""},
                    ],
                }
            )
        summary = {"ColData": [{"value": "TOTAL"}, {"value": fmt(debit)}, {"value": fmt(credit)}]}
        columns = [*_columns()[:1], _money_col("Debit", "debit"), _money_col("Credit", "credit")]
        return [*data, {"type": "Section", "group": "GrandTotal", "Summary": summary}], columns


def _date(value: str | None, default: date, name: str) -> date:
    if not value:
        return default
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise invalid_param(f"{name} must be YYYY-MM-DD", name) from exc


def _money_col(title: str, key: str) -> dict[str, Any]:
    return {"ColTitle": title, "ColType": "Money", "MetaData": [{"Name": "ColKey", "Value": key}]}


def _columns() -> list[dict[str, Any]]:
    return [
        {"ColTitle": "", "ColType": "Account", "MetaData": [{"Name": "ColKey", "Value": "account"}]},
        _money_col("Total", "total"),
    ]


def _section(
    group: str, title: str, picked: list[tuple[dict[str, Any], Decimal]], total: Decimal
) -> dict[str, Any]:
    section: dict[str, Any] = {
        "Header": {"ColData": [{"value": title}, {"value": ""}]},
        "type": "Section",
        "group": group,
        "Summary": {"ColData": [{"value": f"Total {title}"}, {"value": fmt(total) if picked else ""}]},
    }
    if picked:
        section["Rows"] = {
            "Row": [
                {"ColData": [{"value": a["Name"], "id": a["Id"]}, {"value": fmt(v)}], "type": "Data"}
                for a, v in picked
            ]
        }
    return section


def _summary(group: str, title: str, amount: Decimal) -> dict[str, Any]:
    return {
        "type": "Section",
        "group": group,
        "Summary": {"ColData": [{"value": title}, {"value": fmt(amount)}]},
    }
