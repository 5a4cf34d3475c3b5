"""JournalReport, TransactionList and AccountList: transactions and accounts listed line by line."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from itertools import groupby
from typing import Any

from .reports_detail import (
    CELLS,
    JOURNAL_DEFAULT,
    TL_DEFAULT,
    ZERO,
    Line,
    chosen,
    detail_columns,
    fmt_journal,
    split_accounts,
)
from .reports_ledger import Posting
from .reports_views import Built, Ctx


def _journal(ctx: Ctx) -> Built:
    """Each transaction: its first line, continuation lines dated 0-00-00, a debit/credit summary, a blank
    separator row; then the TOTAL."""
    keys = chosen(ctx, JOURNAL_DEFAULT)
    period = sorted(
        ctx.between(ctx.req.start, ctx.req.end), key=lambda p: (p.date, p.txn_type, int(p.txn_id or 0), p.seq)
    )
    rows: list[dict[str, Any]] = []
    all_debit = all_credit = ZERO
    for _, group in groupby(period, key=lambda p: (p.txn_type, p.txn_id)):
        lines = list(group)
        for n, p in enumerate(lines):
            cells = [_journal_cell(k, Line(p, ctx, ""), n) for k in keys]
            rows.append({"ColData": cells, "type": "Data"})
        debit = sum((p.amount for p in lines if p.amount > 0), ZERO)
        credit = -sum((p.amount for p in lines if p.amount < 0), ZERO)
        all_debit, all_credit = all_debit + debit, all_credit + credit
        rows.append({"Summary": {"ColData": _journal_totals(keys, "", debit, credit)}, "type": "Section"})
        rows.append({"ColData": [{"value": ""} for _ in keys], "type": "Data"})
    rows.append(
        {"Summary": {"ColData": _journal_totals(keys, "TOTAL", all_debit, all_credit)}, "type": "Section"}
    )
    return rows, detail_columns(keys)


def _journal_cell(key: str, line: Line, n: int) -> dict[str, str]:
    if key == "tx_date" and n:
        return {"value": "0-00-00"}
    if key in ("debt_amt", "credit_amt"):
        amount = line.p.amount if key == "debt_amt" else -line.p.amount
        return {"value": fmt_journal(max(amount, ZERO))}
    return CELLS[key][1](line)


def _journal_totals(keys: list[str], label: str, debit: Decimal, credit: Decimal) -> list[dict[str, str]]:
    values = {"debt_amt": fmt_journal(debit), "credit_amt": fmt_journal(credit)}
    return [{"value": label if i == 0 else values.get(k, "")} for i, k in enumerate(keys)]


def _transaction_list(ctx: Ctx) -> Built:
    """One row per transaction: its first posting's account, the other side (or -Split-), its size."""
    keys = chosen(ctx, TL_DEFAULT)
    period = ctx.between(ctx.req.start, ctx.req.end)
    splits = split_accounts(period)
    rows = []
    for _, group in groupby(
        sorted(period, key=lambda p: (p.date, p.txn_type, int(p.txn_id or 0), p.seq)),
        key=lambda p: (p.txn_type, p.txn_id),
    ):
        lines = list(group)
        size = sum((p.amount for p in lines if p.amount > 0), ZERO)
        head = lines[0]
        line = Line(
            Posting(**{**{f: getattr(head, f) for f in head.__slots__}, "amount": size}),
            ctx,
            splits.get((head.txn_type, head.txn_id, head.seq), ""),
        )
        rows.append({"ColData": [CELLS[k][1](line) for k in keys], "type": "Data"})
    return rows, detail_columns(keys)


ACCOUNT_CELLS: dict[str, tuple[str, Callable[[dict[str, Any], Decimal], dict[str, str]]]] = {
    "account_name": ("Account", lambda a, b: {"value": a["Name"], "id": a["Id"]}),
    "account_type": ("Type", lambda a, b: {"value": a["AccountType"]}),
    "detail_acc_type": ("Detail type", lambda a, b: {"value": a.get("AccountSubType", "")}),
    "account_desc": ("Description", lambda a, b: {"value": a.get("Description", "")}),
    "account_bal": (
        "Balance",
        lambda a, b: {"value": f"{b:.2f}" if a["Classification"] in ("Asset", "Liability", "Equity") else ""},
    ),
}


def _account_list(ctx: Ctx) -> Built:
    keys = chosen(ctx, tuple(ACCOUNT_CELLS), tuple(ACCOUNT_CELLS))
    balances: dict[str, Decimal] = defaultdict(Decimal)
    for p in ctx.postings:
        balances[p.account] += p.amount
    types = {t for t in ctx.req.params.get("account_type", "").split(",") if t}
    rows = []
    for a in sorted(ctx.accounts.values(), key=lambda a: a["Name"]):
        if types and a["AccountType"].replace(" ", "") not in types:
            continue
        sign = 1 if a["Classification"] == "Asset" else -1
        rows.append(
            {"ColData": [ACCOUNT_CELLS[k][1](a, sign * balances[a["Id"]]) for k in keys], "type": "Data"}
        )
    return rows, [{"ColTitle": ACCOUNT_CELLS[k][0], "ColType": k} for k in keys]


LIST_REPORTS: dict[str, dict[str, Any]] = {
    "JournalReport": {"build": _journal},
    "TransactionList": {"build": _transaction_list, "filters": ("customer", "vendor", "department")},
    "AccountList": {"build": _account_list, "dated": False},
}
