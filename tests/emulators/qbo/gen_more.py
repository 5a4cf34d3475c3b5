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
