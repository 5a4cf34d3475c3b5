"""The detail reports GeneralLedger and ProfitAndLossDetail, and the detail cells every detail report uses.

Detail columns are chosen with `columns` (Intuit's column keys; each report's starred defaults when
absent) and carry their key in ColType, as Intuit's detail samples do. Sections carry no `group`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from .faults import invalid_param
from .reports_ledger import Posting
from .reports_summary import PL_SECTIONS
from .reports_views import Built, Ctx

ZERO = Decimal(0)
TXN_TYPES = {
    "Invoice": "Invoice",
    "Payment": "Payment",
    "CreditMemo": "Credit Memo",
    "SalesReceipt": "Sales Receipt",
    "RefundReceipt": "Refund",
    "Bill": "Bill",
    "BillPayment": "Bill Payment",
    "VendorCredit": "Vendor Credit",
    "Purchase": "Expense",
    "Deposit": "Deposit",
    "Transfer": "Transfer",
    "JournalEntry": "Journal Entry",
}


def fmt_detail(amount: Decimal) -> str:
    """Detail reports print 1+ decimals: 1750.0, 854.8, 12.34."""
    text = f"{(amount.quantize(Decimal('0.01')) + 0):f}"
    return text[:-1] if text.endswith("0") else text


def fmt_journal(amount: Decimal) -> str:
    text = f"{(amount.quantize(Decimal('0.01')) + 0):f}"
    return ".00" if text == "0.00" else text


class Line:
    """One posting and what its cells need: the account names, the transaction's other accounts, and the
    running balance of its account section."""

    def __init__(self, p: Posting, ctx: Ctx, split: str, balance: Decimal = ZERO) -> None:
        self.p, self.ctx, self.split, self.balance = p, ctx, split, balance


Cell = Callable[[Line], dict[str, str]]


def _account(line: Line, account_id: str) -> dict[str, str]:
    account = line.ctx.accounts.get(account_id, {})
    return {"value": account.get("Name", ""), "id": account_id} if account_id else {"value": "", "id": ""}


def _name_of(kind: str) -> Cell:
    return lambda ln: {"value": ln.p.name, "id": ln.p.name_id} if ln.p.name_type == kind else {"value": ""}


def _lookup(entity: str, attr: str) -> Cell:
    def cell(ln: Line) -> dict[str, str]:
        ref = getattr(ln.p, attr)
        return {"value": ln.ctx.names(entity).get(ref, ""), "id": ref} if ref else {"value": ""}

    return cell


CELLS: dict[str, tuple[str, Cell]] = {
    "tx_date": ("Date", lambda ln: {"value": ln.p.date}),
    "txn_type": (
        "Transaction Type",
        lambda ln: {"value": TXN_TYPES.get(ln.p.txn_type, ln.p.txn_type), "id": ln.p.txn_id},
    ),
    "doc_num": ("Num", lambda ln: {"value": ln.p.doc}),
    "is_adj": ("Adj", lambda ln: {"value": "No"}),
    "name": ("Name", lambda ln: {"value": ln.p.name, "id": ln.p.name_id} if ln.p.name_id else {"value": ""}),
    "cust_name": ("Customer", _name_of("Customer")),
    "vend_name": ("Vendor", _name_of("Vendor")),
    "emp_name": ("Employee", _name_of("Employee")),
    "memo": ("Memo/Description", lambda ln: {"value": ln.p.memo}),
    "account_name": ("Account", lambda ln: _account(ln, ln.p.account)),
    "split_acc": (
        "Split",
        lambda ln: _account(ln, ln.split) if ln.split != "-Split-" else {"value": "-Split-"},
    ),
    "klass_name": ("Class", _lookup("Class", "class_id")),
    "dept_name": ("Department", _lookup("Department", "dept_id")),
    "subt_nat_amount": ("Amount", lambda ln: {"value": fmt_detail(ln.p.amount)}),
    "rbal_nat_amount": ("Balance", lambda ln: {"value": fmt_detail(ln.balance)}),
    "debt_amt": ("Debit", lambda ln: {"value": fmt_detail(ln.p.amount) if ln.p.amount > 0 else ""}),
    "credit_amt": ("Credit", lambda ln: {"value": fmt_detail(-ln.p.amount) if ln.p.amount < 0 else ""}),
}
GL_DEFAULT = (
    "tx_date",
    "txn_type",
    "doc_num",
    "name",
    "memo",
    "split_acc",
    "subt_nat_amount",
    "rbal_nat_amount",
)
PLD_DEFAULT = GL_DEFAULT
JOURNAL_DEFAULT = ("tx_date", "txn_type", "doc_num", "name", "memo", "account_name", "debt_amt", "credit_amt")
TL_DEFAULT = (
    "tx_date",
    "txn_type",
    "doc_num",
    "name",
    "memo",
    "account_name",
    "split_acc",
    "subt_nat_amount",
)
SUMMED = ("subt_nat_amount", "debt_amt", "credit_amt")


def chosen(ctx: Ctx, default: tuple[str, ...], allowed: tuple[str, ...] = tuple(CELLS)) -> list[str]:
    text = ctx.req.params.get("columns")
    keys = [k.strip() for k in text.split(",") if k.strip()] if text else list(default)
    unknown = [k for k in keys if k not in allowed]
    if unknown:
        raise invalid_param(f"columns: unsupported column key(s) {', '.join(unknown)}", "columns")
    return keys


def detail_columns(keys: list[str]) -> list[dict[str, Any]]:
    return [{"ColTitle": CELLS[k][0], "ColType": k} for k in keys]


def split_accounts(postings: list[Posting]) -> dict[tuple[str, str, int], str]:
    """The Split account of each posting: the transaction's one other account, or -Split-."""
    out: dict[tuple[str, str, int], str] = {}
    by_txn: dict[tuple[str, str], list[Posting]] = defaultdict(list)
    for p in postings:
        by_txn[(p.txn_type, p.txn_id)].append(p)
    for lines in by_txn.values():
        for p in lines:
            others = {q.account for q in lines if q.account != p.account}
            out[(p.txn_type, p.txn_id, p.seq)] = others.pop() if len(others) == 1 else "-Split-"
    return out


def _summary_cells(
    keys: list[str], label: str, total: Decimal, debit: Decimal, credit: Decimal, end: Decimal | None
) -> list[dict[str, str]]:
    values = {
        "subt_nat_amount": fmt_detail(total),
        "debt_amt": fmt_detail(debit),
        "credit_amt": fmt_detail(credit),
        "rbal_nat_amount": fmt_detail(end) if end is not None else "",
    }
    return [{"value": label}] + [{"value": values.get(k, "")} for k in keys[1:]]


def _account_section(
    ctx: Ctx,
    account_id: str,
    lines: list[Posting],
    keys: list[str],
    splits: dict[Any, str],
    opening: Decimal | None,
) -> dict[str, Any]:
    account = ctx.accounts.get(account_id, {"Name": account_id})
    balance = opening or ZERO
    rows: list[dict[str, Any]] = []
    if opening is not None:
        rows.append(
            {
                "ColData": [{"value": "Beginning Balance"}]
                + [{"value": fmt_detail(opening) if k == "rbal_nat_amount" else ""} for k in keys[1:]],
                "type": "Data",
            }
        )
    for p in lines:
        balance += p.amount
        line = Line(p, ctx, splits.get((p.txn_type, p.txn_id, p.seq), ""), balance)
        rows.append({"ColData": [CELLS[k][1](line) for k in keys], "type": "Data"})
    total = sum((p.amount for p in lines), ZERO)
    debit = sum((p.amount for p in lines if p.amount > 0), ZERO)
    return {
        "Header": {
            "ColData": [{"value": account.get("Name", ""), "id": account_id}]
            + [{"value": ""} for _ in keys[1:]]
        },
        "Rows": {"Row": rows},
        "Summary": {
            "ColData": _summary_cells(
                keys, f"Total for {account.get('Name', '')}", total, debit, debit - total, balance
            )
        },
        "type": "Section",
    }


def _account_filter(ctx: Ctx) -> Callable[[str], bool]:
    ids = {i for i in ctx.req.params.get("source_account", "").split(",") if i}
    types = {
        t
        for t in (
            ctx.req.params.get("account_type") or ctx.req.params.get("source_account_type") or ""
        ).split(",")
        if t
    }
    return lambda a: (
        (not ids or a in ids)
        and (not types or ctx.accounts.get(a, {}).get("AccountType", "").replace(" ", "") in types)
    )


def _general_ledger(ctx: Ctx) -> Built:
    keys = chosen(ctx, GL_DEFAULT)
    period = ctx.between(ctx.req.start, ctx.req.end)
    splits = split_accounts(period)
    before: dict[str, Decimal] = defaultdict(Decimal)
    for p in ctx.postings:
        if p.date < ctx.req.start.isoformat():
            before[p.account] += p.amount
    wanted = _account_filter(ctx)
    by_account: dict[str, list[Posting]] = defaultdict(list)
    for p in period:
        by_account[p.account].append(p)
    rows = []
    for account_id in ctx.accounts:
        lines = by_account.get(account_id, [])
        if wanted(account_id) and (lines or before.get(account_id)):
            rows.append(_account_section(ctx, account_id, lines, keys, splits, before.get(account_id, ZERO)))
    return rows, detail_columns(keys)


def _pnl_detail(ctx: Ctx) -> Built:
    keys = chosen(ctx, PLD_DEFAULT)
    period = ctx.between(ctx.req.start, ctx.req.end)
    splits = split_accounts(period)
    by_account: dict[str, list[Posting]] = defaultdict(list)
    for p in period:
        by_account[p.account].append(p)
    rows = []
    for _group, title, types, _sign in PL_SECTIONS:
        inner = [
            _account_section(ctx, a["Id"], by_account[a["Id"]], keys, splits, None)
            for a in ctx.accounts.values()
            if a["AccountType"] in types and by_account.get(a["Id"])
        ]
        total = sum(
            (
                p.amount
                for a in ctx.accounts.values()
                if a["AccountType"] in types
                for p in by_account.get(a["Id"], [])
            ),
            ZERO,
        )
        section: dict[str, Any] = {
            "Header": {"ColData": [{"value": title}] + [{"value": ""} for _ in keys[1:]]},
            "type": "Section",
            "Summary": {"ColData": _summary_cells(keys, f"Total for {title}", total, ZERO, ZERO, None)},
        }
        if inner:
            section["Rows"] = {"Row": inner}
        rows.append(section)
    net = -sum(
        (
            p.amount
            for p in period
            if ctx.accounts.get(p.account, {}).get("Classification") in ("Revenue", "Expense")
        ),
        ZERO,
    )
    rows.append(
        {"type": "Section", "Summary": {"ColData": _summary_cells(keys, "Net Income", net, ZERO, ZERO, None)}}
    )
    return rows, detail_columns(keys)


GL_FILTERS = ("customer", "vendor", "class", "department", "account")
DETAIL_REPORTS: dict[str, dict[str, Any]] = {
    "GeneralLedger": {"build": _general_ledger, "basis": True, "filters": GL_FILTERS},
    "ProfitAndLossDetail": {"build": _pnl_detail, "basis": True, "filters": GL_FILTERS},
}
