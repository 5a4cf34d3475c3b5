"""Double-entry postings derived from transaction records, aggregated per account and day.

Every report is computed from these postings. Debits are positive, credits negative; each transaction's
postings sum to zero. Estimates, purchase orders and time activities do not post.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from .company import Company
from .gen_fx import HOME, home_postings
from .gen_lists import ACCT
from .store import Store

Posting = tuple[str, Decimal]
AR, AP = str(ACCT["Accounts Receivable (A/R)"]), str(ACCT["Accounts Payable (A/P)"])


def _d(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _acct(ref: dict[str, Any] | None, default: str = "") -> str:
    return str(ref["value"]) if ref and "value" in ref else default


def _lines(record: dict[str, Any], detail: str) -> Iterable[tuple[dict[str, Any], Decimal]]:
    for line in record.get("Line", []):
        if line.get("DetailType") == detail:
            yield line.get(detail, {}), _d(line.get("Amount", 0))


def _sales(record: dict[str, Any], items: dict[str, str]) -> list[Posting]:
    """Income side of a sales form: a credit to each line's item income account."""
    return [
        (items.get(_acct(d.get("ItemRef")), ""), -amt) for d, amt in _lines(record, "SalesItemLineDetail")
    ]


def _expenses(record: dict[str, Any]) -> list[Posting]:
    return [(_acct(d.get("AccountRef")), amt) for d, amt in _lines(record, "AccountBasedExpenseLineDetail")]


def _flip(postings: list[Posting]) -> list[Posting]:
    return [(a, -amt) for a, amt in postings]


def _total(record: dict[str, Any]) -> Decimal:
    return _d(record.get("TotalAmt", 0))


def _bill_payment(record: dict[str, Any], items: dict[str, str]) -> list[Posting]:
    check, card = record.get("CheckPayment", {}), record.get("CreditCardPayment", {})
    bank = check.get("BankAccountRef") or card.get("CCAccountRef")
    return [(AP, _total(record)), (_acct(bank), -_total(record))]


def _purchase(record: dict[str, Any], items: dict[str, str]) -> list[Posting]:
    sign = -1 if record.get("Credit") else 1  # a card credit reverses the purchase
    both = [*_expenses(record), (_acct(record.get("AccountRef")), -_total(record))]
    return [(a, sign * amt) for a, amt in both]


def _deposit(record: dict[str, Any], items: dict[str, str]) -> list[Posting]:
    lines = [(_acct(d.get("AccountRef")), -amt) for d, amt in _lines(record, "DepositLineDetail")]
    return [(_acct(record.get("DepositToAccountRef")), _total(record)), *lines]


def _transfer(record: dict[str, Any], items: dict[str, str]) -> list[Posting]:
    amount = _d(record.get("Amount", 0))
    return [(_acct(record.get("ToAccountRef")), amount), (_acct(record.get("FromAccountRef")), -amount)]


def _journal(record: dict[str, Any], items: dict[str, str]) -> list[Posting]:
    return [
        (_acct(d.get("AccountRef")), amt if d.get("PostingType") == "Debit" else -amt)
        for d, amt in _lines(record, "JournalEntryLineDetail")
    ]


def _deposit_to(record: dict[str, Any]) -> str:
    return _acct(record.get("DepositToAccountRef"))


def _ap(record: dict[str, Any]) -> str:
    return _acct(record.get("APAccountRef"), AP)


# How each posting entity hits the ledger (debit positive). Estimates, purchase orders and time do not post.
RULES: dict[str, Callable[[dict[str, Any], dict[str, str]], list[Posting]]] = {
    "Invoice": lambda r, items: [(AR, _total(r)), *_sales(r, items)],
    "CreditMemo": lambda r, items: [(AR, -_total(r)), *_flip(_sales(r, items))],
    "SalesReceipt": lambda r, items: [(_deposit_to(r), _total(r)), *_sales(r, items)],
    "RefundReceipt": lambda r, items: [(_deposit_to(r), -_total(r)), *_flip(_sales(r, items))],
    "Payment": lambda r, items: [(_acct(r.get("DepositToAccountRef"), AR), _total(r)), (AR, -_total(r))],
    "Bill": lambda r, items: [*_expenses(r), (_ap(r), -_total(r))],
    "VendorCredit": lambda r, items: [*_flip(_expenses(r)), (_ap(r), _total(r))],
    "BillPayment": _bill_payment,
    "Purchase": _purchase,
    "Deposit": _deposit,
    "Transfer": _transfer,
    "JournalEntry": _journal,
    "CreditCardPayment": lambda r, items: [
        (_acct(r.get("CreditCardAccountRef")), _d(r.get("Amount", 0))),
        (_acct(r.get("BankAccountRef")), -_d(r.get("Amount", 0))),
    ],
}
POSTING_ENTITIES = tuple(RULES)


RateOf = Callable[[str, str], Decimal | None]  # (entity, id) -> that document's ExchangeRate


def _no_rate(entity: str, record_id: str) -> Decimal | None:
    return None


def postings(
    entity: str, record: dict[str, Any], items: dict[str, str], rate_of: RateOf = _no_rate
) -> list[Posting]:
    """In the home currency: a foreign-currency transaction is converted (gen_fx.home_postings)."""
    rule = RULES.get(entity)
    found = rule(record, items) if rule else []
    if (
        found
        and record.get("ExchangeRate") is not None
        and record.get("CurrencyRef", {}).get("value") != HOME
    ):
        return home_postings(entity, record, found, rate_of)
    return found


def item_accounts(rows: Iterable[dict[str, Any]]) -> dict[str, str]:
    return {r["Id"]: _acct(r.get("IncomeAccountRef")) for r in rows}


Daily = dict[tuple[str, str], Decimal]  # (account id, TxnDate) -> net debit


def _add(
    agg: Daily,
    entity: str,
    record: dict[str, Any],
    items: dict[str, str],
    sign: int,
    rate_of: RateOf = _no_rate,
) -> None:
    day = str(record.get("TxnDate", ""))
    for account, amount in postings(entity, record, items, rate_of):
        agg[(account, day)] += sign * amount


def _rate(record: dict[str, Any] | None) -> Decimal | None:
    value = record.get("ExchangeRate") if record else None
    return None if value is None else _d(value)


@functools.lru_cache(maxsize=8)
def base_ledger(company: Company) -> Daily:
    """The generated company's postings, computed once per company (a full pass over the generator)."""
    items = item_accounts(company.tables["Item"].build(i) for i in range(company.tables["Item"].count))
    agg: Daily = defaultdict(Decimal)

    def rate_of(entity: str, record_id: str) -> Decimal | None:
        table = company.tables[entity]
        return _rate(table.build(int(record_id) - 1)) if 0 < int(record_id) <= table.count else None

    for entity in POSTING_ENTITIES:
        table = company.tables[entity]
        for i in range(table.count):
            _add(agg, entity, table.build(i), items, 1, rate_of)
    return dict(agg)


def ledger(store: Store) -> Daily:
    """Current postings: the base ledger with every overlay change swapped in."""
    company = store.company
    agg: Daily = defaultdict(Decimal, base_ledger(company))
    base_items = item_accounts(company.tables["Item"].build(i) for i in range(company.tables["Item"].count))
    items = item_accounts(store.all("Item"))

    def base_rate(entity: str, record_id: str) -> Decimal | None:
        table = company.tables[entity]
        return _rate(table.build(int(record_id) - 1)) if 0 < int(record_id) <= table.count else None

    def rate_of(entity: str, record_id: str) -> Decimal | None:
        return _rate(store.get(entity, record_id))

    for entity in POSTING_ENTITIES:
        table = company.tables[entity]
        for record_id, entry in store.overlay_items(entity).items():
            if int(record_id) <= table.count:
                _add(agg, entity, table.build(int(record_id) - 1), base_items, -1, base_rate)
            if entry.record is not None:
                _add(agg, entity, entry.record, items, 1, rate_of)
    return agg
