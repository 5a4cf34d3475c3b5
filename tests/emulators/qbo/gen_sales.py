"""Generated sales-side transactions: invoices and the payments that settle them, and the minor ones."""

from __future__ import annotations

import bisect
import random
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from .gen_base import Ctx, TxnKind, acct, currency, sub_total
from .gen_common import money, ref
from .gen_lists import CLASSES, DEPARTMENTS, ITEMS, PAYMENT_METHODS, TERMS

PAID_AFTER_DAYS = 40  # invoices older than this at the end of the history have been paid


def sales_lines(r: random.Random, count: int) -> tuple[list[dict[str, Any]], int]:
    lines, total = [], 0
    for n in range(1, count + 1):
        k = r.randrange(len(ITEMS))
        name, rate, _ = ITEMS[k]
        qty = Decimal(r.randint(1, 4)) if rate >= 80000 else Decimal(r.randint(2, 80)) / 2
        cents = round(rate * qty)
        total += cents
        lines.append(
            {
                "Id": str(n),
                "LineNum": n,
                "Description": f"{name}s",
                "Amount": money(cents),
                "DetailType": "SalesItemLineDetail",
                "SalesItemLineDetail": {
                    "ItemRef": ref(k + 1, name),
                    "UnitPrice": money(rate),
                    "Qty": qty,
                    "TaxCodeRef": {"value": "NON"},
                },
            }
        )
    lines.append(sub_total(total))
    return lines, total


class Invoices(TxnKind):
    entity, code = "Invoice", 101

    def __init__(self, ctx: Ctx, count: int) -> None:
        super().__init__(ctx, count)
        last_paid_day = ctx.days - PAID_AFTER_DAYS
        self.paid = bisect.bisect_right(range(self.count), last_paid_day, key=self.day)

    def body(self, i: int, r: random.Random) -> dict[str, Any]:
        lines, total = sales_lines(r, r.randint(1, 4))
        term = r.randrange(1, len(TERMS))
        day0 = date.fromisoformat(self.txn_date(i))
        paid = i < self.paid
        customer = self.customer(r)
        return {
            "AllowIPNPayment": False,
            "AllowOnlinePayment": False,
            "AllowOnlineCreditCardPayment": False,
            "AllowOnlineACHPayment": False,
            "CustomField": [],
            "DocNumber": str(1001 + i),
            "TxnDate": day0.isoformat(),
            "CurrencyRef": currency(),
            "LinkedTxn": [{"TxnId": str(i + 1), "TxnType": "Payment"}] if paid else [],
            "Line": lines,
            "TxnTaxDetail": {"TotalTax": 0},
            "CustomerRef": customer,
            "ClassRef": ref(1 + i % len(CLASSES), CLASSES[i % len(CLASSES)]),
            "DepartmentRef": ref(1 + i % 3, DEPARTMENTS[i % 3]),
            "SalesTermRef": ref(term + 1, TERMS[term][0]),
            "DueDate": (day0 + timedelta(days=TERMS[term][1])).isoformat(),
            "TotalAmt": money(total),
            "ApplyTaxAfterDiscount": False,
            "PrintStatus": "NotSet",
            "EmailStatus": "EmailSent",
            "Balance": 0 if paid else money(total),
            "Deposit": 0,
            "CustomerMemo": {"value": "Thank you for your business."},
            "BillEmail": {"Address": f"ap@customer{customer['value']}.example"},
        }

    def total_cents(self, i: int) -> int:
        r = random.Random(self.hash(i))
        return sales_lines(r, r.randint(1, 4))[1]


class Payments(TxnKind):
    """Payment i settles Invoice i in full; only invoices old enough to be paid have one."""

    entity, code = "Payment", 102

    def __init__(self, ctx: Ctx, invoices: Invoices) -> None:
        super().__init__(ctx, invoices.paid)
        self.invoices = invoices

    def day(self, i: int) -> int:
        return min(self.invoices.day(i) + 5 + self.hash(i, 2) % 35, self.ctx.days - 1)

    def body(self, i: int, r: random.Random) -> dict[str, Any]:
        invoice = self.invoices.build(i)
        total = invoice["TotalAmt"]
        method = r.randrange(len(PAYMENT_METHODS))
        return {
            "CustomerRef": invoice["CustomerRef"],
            "DepositToAccountRef": acct("Checking"),
            "PaymentMethodRef": ref(method + 1, PAYMENT_METHODS[method][0]),
            "PaymentRefNum": str(40000 + i),
            "TotalAmt": total,
            "UnappliedAmt": 0,
            "ProcessPayment": False,
            "TxnDate": self.txn_date(i),
            "CurrencyRef": currency(),
            "Line": [
                {
                    "Amount": total,
                    "LinkedTxn": [{"TxnId": invoice["Id"], "TxnType": "Invoice"}],
                    "LineEx": {"any": []},
                }
            ],
        }


class CreditMemos(TxnKind):
    entity, code = "CreditMemo", 103

    def body(self, i: int, r: random.Random) -> dict[str, Any]:
        lines, total = sales_lines(r, 1)
        return {
            "RemainingCredit": money(total),
            "CustomField": [],
            "DocNumber": f"CM{1001 + i}",
            "TxnDate": self.txn_date(i),
            "CurrencyRef": currency(),
            "Line": lines,
            "TxnTaxDetail": {"TotalTax": 0},
            "CustomerRef": self.customer(r),
            "TotalAmt": money(total),
            "ApplyTaxAfterDiscount": False,
            "PrintStatus": "NotSet",
            "EmailStatus": "NotSet",
            "Balance": money(total),
        }


class Estimates(TxnKind):
    entity, code = "Estimate", 104

    def body(self, i: int, r: random.Random) -> dict[str, Any]:
        lines, total = sales_lines(r, r.randint(1, 3))
        day0 = date.fromisoformat(self.txn_date(i))
        return {
            "DocNumber": f"E{1001 + i}",
            "TxnDate": day0.isoformat(),
            "CurrencyRef": currency(),
            "TxnStatus": ("Accepted", "Pending", "Closed", "Rejected")[r.randrange(4)],
            "Line": lines,
            "TxnTaxDetail": {"TotalTax": 0},
            "CustomerRef": self.customer(r),
            "TotalAmt": money(total),
            "ExpirationDate": (day0 + timedelta(days=30)).isoformat(),
            "ApplyTaxAfterDiscount": False,
            "PrintStatus": "NotSet",
            "EmailStatus": "EmailSent",
            "LinkedTxn": [],
        }


class SalesReceipts(TxnKind):
    entity, code = "SalesReceipt", 105

    def body(self, i: int, r: random.Random) -> dict[str, Any]:
        lines, total = sales_lines(r, 1)
        method = r.randrange(len(PAYMENT_METHODS))
        return {
            "DocNumber": f"S{1001 + i}",
            "TxnDate": self.txn_date(i),
            "CurrencyRef": currency(),
            "Line": lines,
            "TxnTaxDetail": {"TotalTax": 0},
            "CustomerRef": self.customer(r),
            "TotalAmt": money(total),
            "ApplyTaxAfterDiscount": False,
            "PrintStatus": "NotSet",
            "EmailStatus": "NotSet",
            "Balance": 0,
            "PaymentRefNum": str(70000 + i),
            "PaymentMethodRef": ref(method + 1, PAYMENT_METHODS[method][0]),
            "DepositToAccountRef": acct("Checking"),
        }


class RefundReceipts(TxnKind):
    entity, code = "RefundReceipt", 106

    def body(self, i: int, r: random.Random) -> dict[str, Any]:
        lines, total = sales_lines(r, 1)
        return {
            "DocNumber": f"R{1001 + i}",
            "TxnDate": self.txn_date(i),
            "CurrencyRef": currency(),
            "Line": lines,
            "TxnTaxDetail": {"TotalTax": 0},
            "CustomerRef": self.customer(r),
            "TotalAmt": money(total),
            "ApplyTaxAfterDiscount": False,
            "PrintStatus": "NotSet",
            "Balance": 0,
            "PaymentRefNum": "To Print",
            "DepositToAccountRef": acct("Checking"),
        }


class TimeActivities(TxnKind):
    entity, code = "TimeActivity", 107

    def body(self, i: int, r: random.Random) -> dict[str, Any]:
        e = r.randrange(len(self.ctx.employees))
        k = r.randrange(len(ITEMS) - 2)
        return {
            "TxnDate": self.txn_date(i),
            "NameOf": "Employee",
            "EmployeeRef": ref(e + 1, self.ctx.employees[e]),
            "CustomerRef": self.customer(r),
            "ItemRef": ref(k + 1, ITEMS[k][0]),
            "BillableStatus": "Billable",
            "Taxable": False,
            "HourlyRate": money(ITEMS[k][1]),
            "Hours": r.randint(1, 9),
            "Minutes": r.choice((0, 15, 30, 45)),
            "Description": f"{ITEMS[k][0]}s for client work",
        }
