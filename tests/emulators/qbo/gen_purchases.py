"""Generated purchase-side transactions: bills and their payments, expenses, deposits, transfers."""

from __future__ import annotations

import bisect
import random
from datetime import date, timedelta
from typing import Any

from .gen_base import Ctx, TxnKind, acct, currency, expense_line
from .gen_common import money, ref
from .gen_lists import DEPARTMENTS

# Expense accounts that vendor bills and card purchases land in, with typical amounts in dollars.
BILL_EXPENSES = (
    ("Rent", 6000, 14000),
    ("Utilities", 300, 2500),
    ("Professional Fees", 1500, 9000),
    ("Insurance", 900, 5000),
    ("Subcontractor Costs", 1500, 9000),
    ("Marketing", 500, 4000),
    ("Software & Subscriptions", 200, 3000),
)
CARD_EXPENSES = (
    ("Travel", 150, 2500),
    ("Meals", 30, 400),
    ("Office Supplies", 40, 600),
    ("Software & Subscriptions", 50, 1500),
    ("Training & Development", 200, 2000),
    ("Bank Charges", 15, 120),
    ("Marketing", 100, 2000),
)
BILL_PAID_AFTER_DAYS = 30


def expense_lines(
    r: random.Random, count: int, table: tuple[tuple[str, int, int], ...] = BILL_EXPENSES
) -> tuple[list[dict[str, Any]], int]:
    lines, total = [], 0
    for n in range(1, count + 1):
        account, low, high = table[r.randrange(len(table))]
        cents = r.randint(low * 100, high * 100)
        total += cents
        lines.append(expense_line(n, cents, account, account))
    return lines, total


class Bills(TxnKind):
    entity, code = "Bill", 201

    def __init__(self, ctx: Ctx, count: int) -> None:
        super().__init__(ctx, count)
        self.paid = bisect.bisect_right(range(self.count), ctx.days - BILL_PAID_AFTER_DAYS, key=self.day)

    def body(self, i: int, r: random.Random) -> dict[str, Any]:
        lines, total = expense_lines(r, 1 if r.random() < 0.7 else 2)
        day0 = date.fromisoformat(self.txn_date(i))
        paid = i < self.paid
        return {
            "DueDate": (day0 + timedelta(days=30)).isoformat(),
            "Balance": 0 if paid else money(total),
            "DocNumber": f"INV-{70000 + i * 7}",
            "TxnDate": day0.isoformat(),
            "CurrencyRef": currency(),
            "LinkedTxn": [{"TxnId": str(i + 1), "TxnType": "BillPayment"}] if paid else [],
            "Line": lines,
            "VendorRef": self.vendor(r),
            "APAccountRef": acct("Accounts Payable (A/P)"),
            "SalesTermRef": ref(3, "Net 30"),
            "TotalAmt": money(total),
        }


class BillPayments(TxnKind):
    """BillPayment i pays Bill i in full, by check or (one in ten) with the corporate card."""

    entity, code = "BillPayment", 202

    def __init__(self, ctx: Ctx, bills: Bills) -> None:
        super().__init__(ctx, bills.paid)
        self.bills = bills

    def day(self, i: int) -> int:
        return min(self.bills.day(i) + 10 + self.hash(i, 2) % 20, self.ctx.days - 1)

    def body(self, i: int, r: random.Random) -> dict[str, Any]:
        bill = self.bills.build(i)
        pay: dict[str, Any] = {
            "PayType": "Check",
            "CheckPayment": {"BankAccountRef": acct("Checking"), "PrintStatus": "NotSet"},
        }
        if i % 10 == 9:
            pay = {"PayType": "CreditCard", "CreditCardPayment": {"CCAccountRef": acct("Corporate Card")}}
        return {
            "VendorRef": bill["VendorRef"],
            **pay,
            "TotalAmt": bill["TotalAmt"],
            "DocNumber": str(5001 + i),
            "TxnDate": self.txn_date(i),
            "CurrencyRef": currency(),
            "Line": [{"Amount": bill["TotalAmt"], "LinkedTxn": [{"TxnId": bill["Id"], "TxnType": "Bill"}]}],
        }


class VendorCredits(TxnKind):
    entity, code = "VendorCredit", 203

    def body(self, i: int, r: random.Random) -> dict[str, Any]:
        lines, total = expense_lines(r, 1)
        return {
            "Balance": money(total),
            "DocNumber": f"VC{101 + i}",
            "TxnDate": self.txn_date(i),
            "CurrencyRef": currency(),
            "Line": lines,
            "VendorRef": self.vendor(r),
            "APAccountRef": acct("Accounts Payable (A/P)"),
            "TotalAmt": money(total),
        }


class PurchaseOrders(TxnKind):
    entity, code = "PurchaseOrder", 204

    def body(self, i: int, r: random.Random) -> dict[str, Any]:
        lines, total = expense_lines(r, r.randint(1, 2))
        return {
            "POStatus": "Closed" if r.random() < 0.7 else "Open",
            "DocNumber": f"PO{1001 + i}",
            "TxnDate": self.txn_date(i),
            "CurrencyRef": currency(),
            "Line": lines,
            "VendorRef": self.vendor(r),
            "APAccountRef": acct("Accounts Payable (A/P)"),
            "TotalAmt": money(total),
            "EmailStatus": "NotSet",
        }


class Purchases(TxnKind):
    entity, code = "Purchase", 205

    def body(self, i: int, r: random.Random) -> dict[str, Any]:
        lines, total = expense_lines(r, 1 if r.random() < 0.8 else 2, CARD_EXPENSES)
        kind = ("CreditCard", "CreditCard", "CreditCard", "Check", "Cash")[r.randrange(5)]
        account = acct("Corporate Card" if kind == "CreditCard" else "Checking")
        vendor = self.vendor(r)
        out: dict[str, Any] = {
            "AccountRef": account,
            "PaymentType": kind,
            "EntityRef": {**vendor, "type": "Vendor"},
            "Credit": False,
            "TotalAmt": money(total),
            "PurchaseEx": {"any": []},
            "TxnDate": self.txn_date(i),
            "CurrencyRef": currency(),
            "Line": lines,
            "DepartmentRef": ref(1 + i % len(DEPARTMENTS), DEPARTMENTS[i % len(DEPARTMENTS)]),
        }
        if kind == "Check":
            out["DocNumber"] = str(9001 + i)
            out["PrintStatus"] = "NotSet"
        return out


class Deposits(TxnKind):
    """Interest and sundry receipts deposited to Checking (customer payments deposit directly)."""

    entity, code = "Deposit", 206

    def body(self, i: int, r: random.Random) -> dict[str, Any]:
        cents = r.randint(500, 250000)
        line = {
            "Id": "1",
            "LineNum": 1,
            "Amount": money(cents),
            "DetailType": "DepositLineDetail",
            "DepositLineDetail": {"AccountRef": acct("Interest Income")},
        }
        return {
            "DepositToAccountRef": acct("Checking"),
            "TxnDate": self.txn_date(i),
            "CurrencyRef": currency(),
            "PrivateNote": "Interest",
            "Line": [line],
            "TotalAmt": money(cents),
        }


class Transfers(TxnKind):
    """Sweeps to Savings and card pay-downs, alternating."""

    entity, code = "Transfer", 207

    def body(self, i: int, r: random.Random) -> dict[str, Any]:
        to = "Savings" if i % 2 == 0 else "Corporate Card"
        cents = r.randint(2_000_000, 9_000_000) if to == "Savings" else r.randint(500_000, 6_000_000)
        return {
            "FromAccountRef": acct("Checking"),
            "ToAccountRef": acct(to),
            "Amount": money(cents),
            "TxnDate": self.txn_date(i),
            "CurrencyRef": currency(),
            "PrivateNote": f"Transfer to {to}",
        }
