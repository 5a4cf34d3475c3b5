"""Posting lines with the facts the reports print (date, transaction, name, memo, class, department),
on the accrual basis and on the cash basis.

Amounts and accounts come from ledger.py's rules, so every report agrees with `ledger()`. Debits are
positive. The cash basis (docs/reports.md): invoices, credit memos, bills and vendor credits do not post
on their own date; a payment (bill payment) posts the income (expense) lines of the documents it settles,
in proportion to the amount applied, on the payment's date, and only an unapplied remainder stays on
A/R (A/P).
"""

from __future__ import annotations

import functools
import threading
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from .company import Company
from .ledger import AP, AR, POSTING_ENTITIES, item_accounts, postings
from .store import Store

CENT = Decimal("0.01")
DETAIL_TYPES = (
    "SalesItemLineDetail",
    "AccountBasedExpenseLineDetail",
    "DepositLineDetail",
    "JournalEntryLineDetail",
)
HEAD_FIRST = ("Invoice", "CreditMemo", "SalesReceipt", "RefundReceipt", "Deposit")
HEAD_LAST = ("Bill", "VendorCredit", "Purchase")
NAME_REFS = (("CustomerRef", "Customer"), ("VendorRef", "Vendor"), ("EmployeeRef", "Employee"))
NON_CASH = ("Invoice", "CreditMemo", "Bill", "VendorCredit")
SETTLES = {"Payment": ("Invoice", AR), "BillPayment": ("Bill", AP)}
TxnKey = tuple[str, str]  # (entity, Id)


@dataclass(frozen=True, slots=True)
class Posting:
    date: str
    txn_type: str
    txn_id: str
    doc: str
    seq: int
    account: str
    amount: Decimal
    name_type: str = ""
    name_id: str = ""
    name: str = ""
    memo: str = ""
    class_id: str = ""
    dept_id: str = ""
    item_id: str = ""


def _ref(obj: dict[str, Any], key: str) -> dict[str, Any]:
    found = obj.get(key)
    return found if isinstance(found, dict) else {}


def _name(record: dict[str, Any]) -> tuple[str, str, str]:
    entity = _ref(record, "EntityRef")
    if entity:
        return str(entity.get("type", "")), str(entity.get("value", "")), str(entity.get("name", ""))
    for key, kind in NAME_REFS:
        ref = _ref(record, key)
        if ref:
            return kind, str(ref.get("value", "")), str(ref.get("name", ""))
    return "", "", ""


def _line_meta(entity: str, record: dict[str, Any], count: int) -> list[dict[str, Any]]:
    """One dict of line facts per posting, aligned with ledger.postings' order (header first or last)."""
    lines = [ln for ln in record.get("Line", []) if ln.get("DetailType") in DETAIL_TYPES]
    metas = [{**ln.get(ln["DetailType"], {}), "Description": ln.get("Description", "")} for ln in lines]
    if entity in HEAD_FIRST:
        metas = [{}, *metas]
    elif entity in HEAD_LAST:
        metas = [*metas, {}]
    return metas if len(metas) == count else [{}] * count


def txn_postings(
    entity: str, record: dict[str, Any], items: dict[str, str], lookup: Lookup | None = None
) -> tuple[Posting, ...]:
    """The accrual postings of one transaction. With `lookup`, a foreign payment clears A/R (A/P) at the
    rate of the document it pays and books the realised exchange gain or loss, as ledger.py does."""
    raw = postings(entity, record, items, _rate_of(lookup)) if lookup else postings(entity, record, items)
    kind, name_id, name = _name(record)
    head_class = str(_ref(record, "ClassRef").get("value", ""))
    head_dept = str(_ref(record, "DepartmentRef").get("value", ""))
    out = []
    for seq, ((account, amount), meta) in enumerate(
        zip(raw, _line_meta(entity, record, len(raw)), strict=True)
    ):
        line_entity = _ref(meta, "Entity")
        line_ref = _ref(line_entity, "EntityRef") if line_entity else {}
        out.append(
            Posting(
                date=str(record.get("TxnDate", "")),
                txn_type=entity,
                txn_id=str(record.get("Id", "")),
                doc=str(record.get("DocNumber", "")),
                seq=seq,
                account=account,
                amount=amount,
                name_type=str(line_entity.get("Type", "")) if line_ref else kind,
                name_id=str(line_ref.get("value", "")) if line_ref else name_id,
                name=str(line_ref.get("name", "")) if line_ref else name,
                memo=str(meta.get("Description") or record.get("PrivateNote", "")),
                class_id=str(_ref(meta, "ClassRef").get("value", "")) or head_class,
                dept_id=str(_ref(meta, "DepartmentRef").get("value", "")) or head_dept,
                item_id=str(_ref(meta, "ItemRef").get("value", "")),
            )
        )
    return tuple(out)



Lookup = Callable[[str, str], dict[str, Any] | None]


def _rate_of(lookup: Lookup) -> Callable[[str, str], Decimal | None]:
    def rate_of(entity: str, record_id: str) -> Decimal | None:
        record = lookup(entity, record_id)
        rate = record.get("ExchangeRate") if record else None
        return None if rate is None else Decimal(str(rate))

    return rate_of


def cash_postings(
    entity: str, record: dict[str, Any], accrual: tuple[Posting, ...], lookup: Lookup, items: dict[str, str]
) -> tuple[Posting, ...]:
    """One transaction's cash-basis postings (see the module docstring)."""
    if entity in NON_CASH:
        return ()
    if entity not in SETTLES:
        return accrual
    doc_type, control = SETTLES[entity]
    sign = -1 if entity == "Payment" else 1  # the side that clears A/R (a credit) or A/P (a debit)

    def clears(p: Posting) -> bool:
        return p.account == control and p.amount * sign > 0

    kept = [p for p in accrual if not clears(p)]
    remainder = sum((p.amount for p in accrual if clears(p)), Decimal(0))
    for line in record.get("Line", []):
        for link in line.get("LinkedTxn", []):
            doc = lookup(doc_type, str(link.get("TxnId"))) if link.get("TxnType") == doc_type else None
            applied = Decimal(str(line.get("Amount", 0)))
            if doc is None or not applied:
                continue
            source = [p for p in txn_postings(doc_type, doc, items) if p.account != control]
            kept += _scaled(source, applied / Decimal(str(doc.get("TotalAmt") or 1)), accrual[0])
            remainder -= sign * applied
    if remainder:
        kept.append(replace(accrual[0], account=control, amount=remainder))
    return tuple(replace(p, seq=i) for i, p in enumerate(kept))


def _scaled(source: list[Posting], fraction: Decimal, head: Posting) -> list[Posting]:
    """`source` lines times `fraction`, re-dated and re-owned by the paying transaction, to the cent; the
    rounding difference goes to the largest line so the payment still balances."""
    if not source:
        return []
    exact = sum((p.amount for p in source), Decimal(0)) * fraction
    amounts = [(p.amount * fraction).quantize(CENT) for p in source]
    biggest = max(range(len(source)), key=lambda i: abs(amounts[i]))
    amounts[biggest] += exact.quantize(CENT) - sum(amounts, Decimal(0))
    return [
        replace(
            head,
            account=p.account,
            amount=amt,
            memo=p.memo,
            class_id=p.class_id or head.class_id,
            dept_id=p.dept_id or head.dept_id,
            item_id=p.item_id,
        )
        for p, amt in zip(source, amounts, strict=True)
    ]


def _items(company: Company) -> dict[str, str]:
    table = company.tables["Item"]
    return item_accounts(table.build(i) for i in range(table.count))


@functools.lru_cache(maxsize=4)
def _base(company: Company) -> tuple[dict[TxnKey, tuple[Posting, ...]], dict[TxnKey, tuple[Posting, ...]]]:
    """Accrual and cash postings of every generated transaction (one pass over the generator)."""
    items = _items(company)

    def lookup(entity: str, record_id: str) -> dict[str, Any] | None:
        table = company.tables[entity]
        return table.build(int(record_id) - 1) if 0 < int(record_id) <= table.count else None

    accrual: dict[TxnKey, tuple[Posting, ...]] = {}
    cash: dict[TxnKey, tuple[Posting, ...]] = {}
    for entity in POSTING_ENTITIES:
        table = company.tables[entity]
        for i in range(table.count):
            record = table.build(i)
            key = (entity, str(record["Id"]))
            accrual[key] = txn_postings(entity, record, items, lookup)
            cash[key] = cash_postings(entity, record, accrual[key], lookup, items)
    return accrual, cash


def current(store: Store, basis: str) -> Iterator[Posting]:
    """Every posting of the company as it is now (base with the overlay swapped in), on `basis`."""
    accrual, cash = _base(store.company)
    base = cash if basis == "Cash" else accrual
    items = item_accounts(store.all("Item"))
    changed: dict[TxnKey, tuple[Posting, ...]] = {}
    for entity in POSTING_ENTITIES:
        for record_id, entry in store.overlay_items(entity).items():
            changed[(entity, record_id)] = _now(store, entity, entry.record, basis, items)
    if basis == "Cash":  # a changed invoice or bill changes the payments that settle it
        for key in _settling(store, list(changed)):
            record = store.get(*key)
            changed.setdefault(key, _now(store, key[0], record, basis, items))
    for key, lines in base.items():
        if key not in changed:
            yield from lines
    for lines in changed.values():
        yield from lines


def _now(
    store: Store, entity: str, record: dict[str, Any] | None, basis: str, items: dict[str, str]
) -> tuple[Posting, ...]:
    if record is None:
        return ()
    accrual = txn_postings(entity, record, items, store.get)
    return cash_postings(entity, record, accrual, store.get, items) if basis == "Cash" else accrual


def _settling(store: Store, keys: list[TxnKey]) -> set[TxnKey]:
    """Payments and bill payments linked from these invoices and bills (before or after the change)."""
    payer = {doc: pay for pay, (doc, _) in SETTLES.items()}
    out: set[TxnKey] = set()
    for entity, record_id in keys:
        if entity not in payer:
            continue
        table = store.company.tables[entity]
        versions = [store.get(entity, record_id)]
        if int(record_id) <= table.count:
            versions.append(table.build(int(record_id) - 1))
        for record in filter(None, versions):
            out.update((payer[entity], str(k["TxnId"])) for k in record.get("LinkedTxn", []))
    return out


_SORTED: weakref.WeakKeyDictionary[Store, dict[str, tuple[int, list[Posting], list[str]]]] = (
    weakref.WeakKeyDictionary()
)


_BUILDING = threading.Lock()


def dated(store: Store, basis: str) -> tuple[list[Posting], list[str]]:
    """`current` in date order with its dates (for bisecting), computed once per store version: a
    month's report then costs its own postings, not a pass over the whole company. One thread builds it
    while concurrent requests wait, rather than all of them building it at once."""
    with _BUILDING:
        version = store.version
        cached = _SORTED.setdefault(store, {}).get(basis)
        if cached is None or cached[0] != version:
            ordered = sorted(current(store, basis), key=lambda p: p.date)
            cached = (version, ordered, [p.date for p in ordered])
            _SORTED[store][basis] = cached
        return cached[1], cached[2]
