"""The one table of QBO reports the tap syncs, and the one flat schema every report stream shares.

Adding a report costs a row here (docs/reports.md). Facts per report:
- shape: how its JSON flattens (report_parse.py): "summary" (one record per account row and money column:
  TrialBalance's Debit/Credit pair makes one record), "detail" (one record per transaction line),
  "aging" (one record per name and aging bucket).
- bases: the accounting methods read ("Default": the report takes no accounting_method).
- window: "month" (one request per calendar month) or "as_of" (one request as of the run date).
- split: how a window QBO truncated is read instead: "sum" (two half windows whose amounts add up),
  "concat" (two half windows whose rows follow each other), or None (no smaller request can hold it: the
  run stops with an error naming the report and window).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from singer_sdk import typing as th

Shape = Literal["summary", "detail", "aging"]
Split = Literal["sum", "concat"] | None
BOTH = ("Accrual", "Cash")
DEFAULT_BASIS = "Default"
GL_COLUMNS = ",".join(
    (
        *("tx_date", "txn_type", "doc_num", "name", "memo", "account_name", "split_acc", "klass_name"),
        *("dept_name", "debt_amt", "credit_amt", "subt_nat_amount"),
    )
)
BY_MONTH = (("summarize_column_by", "Month"),)


@dataclass(frozen=True)
class Report:
    stream_name: str
    name: str  # QBO's report name, verbatim (/reports/{name})
    shape: Shape
    bases: tuple[str, ...] = BOTH
    params: tuple[tuple[str, str], ...] = ()
    window: Literal["month", "as_of"] = "month"
    split: Split = "sum"


REPORTS: tuple[Report, ...] = (
    Report("trial_balance", "TrialBalance", "summary", split=None),
    Report("profit_and_loss", "ProfitAndLoss", "summary", params=BY_MONTH),
    Report("balance_sheet", "BalanceSheet", "summary", params=BY_MONTH, split=None),
    Report("cash_flow", "CashFlow", "summary", bases=(DEFAULT_BASIS,), params=BY_MONTH),
    Report(
        "general_ledger",
        "GeneralLedger",
        "detail",
        bases=("Accrual",),  # the transaction lines; the cash basis is in the summary reports
        params=(("columns", GL_COLUMNS),),
        split="concat",
    ),
    Report(
        "aged_receivables", "AgedReceivables", "aging", bases=(DEFAULT_BASIS,), window="as_of", split=None
    ),
    Report("aged_payables", "AgedPayables", "aging", bases=(DEFAULT_BASIS,), window="as_of", split=None),
)
BY_STREAM: dict[str, Report] = {r.stream_name: r for r in REPORTS}
PRIMARY_KEYS = ("realm_id", "basis", "period_start", "row_key")
REPLICATION_KEY = "synced_at"

S, D, DT = th.StringType, th.DateType, th.DateTimeType


def _money(name: str, description: str) -> th.Property[Any]:
    return th.Property(
        name,
        th.CustomType({"type": ["number", "null"], "x-sql-datatype": "decimal(38,9)"}),
        description=description,
    )


SCHEMA: dict[str, Any] = th.PropertiesList(
    th.Property("realm_id", S, required=True, description="QBO company id"),
    th.Property("report", S, description="QBO report name (TrialBalance, ProfitAndLoss, ...)"),
    th.Property("basis", S, required=True, description="Accrual, Cash, or Default (report takes no basis)"),
    th.Property(
        "period_start", D, required=True, description="First day of the window read (as-of date for aging)"
    ),
    th.Property("period_end", D, description="Last day of the window read"),
    th.Property("row_key", S, required=True, description="Stable id of the row within its window"),
    th.Property(
        "row_kind", S, description="data, or total (a QBO subtotal/total line: never sum it with data)"
    ),
    th.Property("row_path", th.ArrayType(S), description="Section names from the report's top to this row"),
    th.Property("row_group", S, description="QBO's `group` of the row or its nearest section"),
    th.Property("label", S, description="The row's first cell (account, name or total label)"),
    th.Property("account_id", S),
    th.Property("account_name", S),
    th.Property("column_key", S, description="The money column (period title, aging bucket)"),
    th.Property("column_start", D, description="The column's first day when QBO dates it"),
    th.Property("column_end", D, description="The column's last day when QBO dates it"),
    _money("amount", "The cell's amount (trial balance: debit minus credit; detail: signed line amount)"),
    _money("debit", "Debit (trial balance, general ledger)"),
    _money("credit", "Credit (trial balance, general ledger)"),
    _money("home_amount", "Amount in home currency when QBO sends it (multicurrency companies)"),
    th.Property("txn_date", D),
    th.Property("txn_type", S),
    th.Property("txn_id", S),
    th.Property("doc_number", S),
    th.Property("name_id", S, description="Customer, vendor or employee id"),
    th.Property("name", S),
    th.Property("memo", S),
    th.Property("split_account_id", S),
    th.Property("split_account_name", S),
    th.Property("class_id", S),
    th.Property("class_name", S),
    th.Property("department_id", S),
    th.Property("department_name", S),
    th.Property(REPLICATION_KEY, DT, required=True, description="When this run read the window"),
    th.Property("_sdc_deleted_at", DT, description="Set when the row vanished from a re-read window"),
).to_dict()
