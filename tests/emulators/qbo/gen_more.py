"""The entities beyond the core ledger: customer types, card pay-downs, pending reimbursable charges and
receipt attachments. Same rules as the other generators: record i is a pure function of (seed, kind, i).

Only CreditCardPayment posts (ledger.py: the card liability goes down, the bank goes down). A
ReimburseCharge is a billable expense not yet invoiced, which posts nothing until it is; an Attachable is
metadata about a file and never posts.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from .gen_base import Ctx, TxnKind, acct, currency
from .gen_common import envelope, epoch_at, money

CUSTOMER_TYPES = ("Retainer", "Project", "Advisory Board")


def customer_types(seed: int, day0: date) -> list[dict[str, Any]]:
    """CustomerType is read-only in the API (made in QBO's UI): a short list set up with the books."""
    stamp = epoch_at(day0 - timedelta(days=40), 10 * 3600)
    return [
        envelope(i + 1, stamp, stamp, {"Name": name, "Active": True}) for i, name in enumerate(CUSTOMER_TYPES)
    ]


class CreditCardPayments(TxnKind):
    """The month's corporate card statement paid from Checking (Intuit: home currency only)."""

    entity, code = "CreditCardPayment", 208

    def body(self, i: int, r: random.Random) -> dict[str, Any]:
        return {
            "TxnDate": self.txn_date(i),
            "Amount": money(r.randint(400_000, 5_000_000)),
            "CreditCardAccountRef": acct("Corporate Card"),
            "BankAccountRef": acct("Checking"),
            "CurrencyRef": currency(),
            "Memo": "Corporate card statement",
            "PrintStatus": "NotSet",
        }


class ReimburseCharges(TxnKind):
    """Billable travel waiting to be put on a client's invoice; one in four already has been."""

    entity, code = "ReimburseCharge", 209

    def body(self, i: int, r: random.Random) -> dict[str, Any]:
        cents = r.randint(4_000, 180_000)
        invoiced = i % 4 == 0
        linked = [{"TxnId": str(1 + i * 7), "TxnType": "Invoice"}] if invoiced else []
        line = {
            "Id": "1",
            "LineNum": 1,
            "Amount": money(cents),
            "Description": "Client travel, billable at cost",
            "DetailType": "ReimburseLineDetail",
            "ReimburseLineDetail": {
                "ItemAccountRef": acct("Travel"),
                "Qty": 1,
                "UnitPrice": money(cents),
                "TaxCodeRef": {"value": "NON"},
                "MarkupInfo": {"Percent": 0},
            },
            **({"LinkedTxn": linked} if invoiced else {}),
        }
        return {
            "TxnDate": self.txn_date(i),
            "CustomerRef": self.customer(r),
            "HasBeenInvoiced": invoiced,
            "Amount": money(cents),
            "CurrencyRef": currency(),
            "Line": [line],
            **({"LinkedTxn": linked} if invoiced else {}),
        }


class Attachables(TxnKind):
    """A scanned receipt on every tenth bill (metadata only: the file bytes are not served)."""

    entity, code = "Attachable", 210
    EVERY = 10

    def __init__(self, ctx: Ctx, bills: TxnKind) -> None:
        super().__init__(ctx, bills.count // self.EVERY)
        self.bills = bills

    def day(self, i: int) -> int:
        return self.bills.day(i * self.EVERY)  # attached the day the bill was entered

    def body(self, i: int, r: random.Random) -> dict[str, Any]:
        bill = i * self.EVERY + 1
        return {
            "FileName": f"receipt-bill-{bill}.pdf",
            "ContentType": "application/pdf",
            "Size": r.randint(40_000, 900_000),
            "Category": "Receipt",
            "Note": "Vendor invoice as received",
            "AttachableRef": [{"EntityRef": {"type": "Bill", "value": str(bill)}, "IncludeOnSend": False}],
        }


# (name, wrapped type, RecurType, IntervalType, day of month) of the company's recurring templates.
RECURRING = (
    ("Office rent", "Bill", "Automated", "Monthly", 1),
    ("Advisory retainer", "Invoice", "Reminded", "Monthly", 15),
    ("Insurance premium", "Bill", "UnScheduled", "Monthly", 20),
)


def recurring_transactions(
    day0: date, history_days: int, vendors: tuple[str, ...], customers: tuple[str, ...]
) -> list[dict[str, Any]]:
    """Templates, not transactions (they never post): Intuit wraps each in its transaction type, the
    `Id` and `MetaData` inside (`{"Bill": {..., "RecurringInfo": {...}}}`)."""
    stamp = epoch_at(day0 - timedelta(days=30), 11 * 3600)
    today = day0 + timedelta(days=history_days)
    rows = []
    for i, (name, kind, recur, interval, dom) in enumerate(RECURRING):
        nxt = date(today.year + (today.month == 12), today.month % 12 + 1, dom)
        prev = date(today.year - (today.month == 1), (today.month - 2) % 12 + 1, dom)
        cents = (420_000, 1_500_000, 95_000)[i]
        line = {
            "Id": "1",
            "LineNum": 1,
            "Amount": money(cents),
            "Description": name,
        }
        if kind == "Bill":
            line |= {
                "DetailType": "AccountBasedExpenseLineDetail",
                "AccountBasedExpenseLineDetail": {"AccountRef": acct("Rent" if i == 0 else "Insurance")},
            }
            party = {
                "VendorRef": {"value": str(i + 1), "name": vendors[i]},
                "APAccountRef": acct("Accounts Payable (A/P)"),
                "SalesTermRef": {"value": "3"},
                "Balance": money(cents),
            }
        else:
            line |= {"DetailType": "SalesItemLineDetail", "SalesItemLineDetail": {"ItemRef": {"value": "1"}}}
            party = {"CustomerRef": {"value": str(i + 1), "name": customers[i]}}
        body = {
            "RecurringInfo": {
                "Name": name,
                "RecurType": recur,
                "Active": True,
                "ScheduleInfo": {
                    "IntervalType": interval,
                    "NumInterval": 1,
                    "DayOfMonth": dom,
                    "NextDate": nxt.isoformat(),
                    "PreviousDate": prev.isoformat(),
                },
            },
            "RecurDataRef": {"value": str(i + 1)},
            "CurrencyRef": currency(),
            "TotalAmt": money(cents),
            "Line": [line],
            **party,
        }
        rows.append({kind: envelope(i + 1, stamp, stamp, body)})
    return rows


def unwrapped(record: dict[str, Any]) -> dict[str, Any]:
    """The transaction inside a RecurringTransaction element (a delete stub is not wrapped)."""
    if "Id" in record or len(record) != 1:
        return record
    inner = next(iter(record.values()))
    return inner if isinstance(inner, dict) else record
