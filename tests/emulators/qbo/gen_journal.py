"""Generated journal entries: the opening balances, semi-monthly payroll, payroll tax remittances,
monthly depreciation, and (scaled) prepaid-insurance amortisation. All balanced to the cent."""

from __future__ import annotations

import random
from typing import Any

from .gen_base import Ctx, TxnKind, acct
from .gen_common import money, ref
from .gen_lists import DEPARTMENTS

OPENING = (
    ("Checking", 300_000_000),
    ("Computer Equipment", 24_000_000),
    ("Prepaid Expenses", 12_000_000),
    ("Partner Capital", -200_000_000),
    ("Retained Earnings", -136_000_000),
)
DEPRECIATION_CENTS = 500_000


def je_line(n: int, cents: int, account: str, description: str, dept: int | None = None) -> dict[str, Any]:
    """cents > 0 is a debit, < 0 a credit."""
    detail: dict[str, Any] = {"PostingType": "Debit" if cents > 0 else "Credit", "AccountRef": acct(account)}
    if dept is not None:
        detail["DepartmentRef"] = ref(dept + 1, DEPARTMENTS[dept])
    return {
        "Id": str(n - 1),
        "LineNum": n,
        "Description": description,
        "Amount": money(abs(cents)),
        "DetailType": "JournalEntryLineDetail",
        "JournalEntryLineDetail": detail,
    }


class JournalEntries(TxnKind):
    entity, code = "JournalEntry", 301

    def __init__(self, ctx: Ctx, accruals: int) -> None:
        plan: list[tuple[int, str, int]] = [(0, "opening", 0)]
        for month in range(ctx.days // 30):
            plan += [
                (month * 30 + 14, "payroll", 2 * month),
                (month * 30 + 29, "payroll", 2 * month + 1),
                (month * 30 + 19, "remit", 2 * month - 1),
                (month * 30 + 29, "depreciation", month),
            ]
        plan += [(1 + (k * (ctx.days - 2)) // max(1, accruals), "accrual", k) for k in range(accruals)]
        self.plan = sorted((d, kind, n) for d, kind, n in plan if 0 <= d < ctx.days and n >= 0)
        super().__init__(ctx, len(self.plan))

    def day(self, i: int) -> int:
        return self.plan[i][0]

    def body(self, i: int, r: random.Random) -> dict[str, Any]:
        _, kind, n = self.plan[i]
        lines = getattr(self, f"_{kind}")(n)
        total = sum(
            round(line["Amount"] * 100)
            for line in lines
            if line["JournalEntryLineDetail"]["PostingType"] == "Debit"
        )
        return {
            "Adjustment": False,
            "DocNumber": f"JE{1001 + i}",
            "TxnDate": self.txn_date(i),
            "CurrencyRef": {"value": "USD", "name": "United States Dollar"},
            "PrivateNote": kind.title(),
            "Line": lines,
            "TotalAmt": money(total),
            "TxnTaxDetail": {},
        }

    def _opening(self, n: int) -> list[dict[str, Any]]:
        return [je_line(k + 1, c, a, "Opening balance") for k, (a, c) in enumerate(OPENING)]

    def _payroll_parts(self, n: int) -> tuple[list[int], int, int, int]:
        r = random.Random(self.hash(n, 7))
        gross = [r.randint(8_000_000, 14_000_000) for _ in DEPARTMENTS]
        total = sum(gross)
        return gross, total * 765 // 10_000, total * 6 // 100, total * 72 // 100

    def _payroll(self, n: int) -> list[dict[str, Any]]:
        gross, er_tax, benefits, net = self._payroll_parts(n)
        lines = [je_line(d + 1, g, "Salaries & Wages", "Gross wages", d) for d, g in enumerate(gross)]
        k = len(lines)
        liab = sum(gross) - net + er_tax + benefits
        lines += [
            je_line(k + 1, er_tax, "Payroll Taxes", "Employer taxes"),
            je_line(k + 2, benefits, "Employee Benefits", "Benefits"),
            je_line(k + 3, -net, "Checking", "Net pay"),
            je_line(k + 4, -liab, "Payroll Liabilities", "Withholding and employer taxes"),
        ]
        return lines

    def _remit(self, n: int) -> list[dict[str, Any]]:
        gross, er_tax, benefits, net = self._payroll_parts(n)
        liab = sum(gross) - net + er_tax + benefits
        return [
            je_line(1, liab, "Payroll Liabilities", "Tax remittance"),
            je_line(2, -liab, "Checking", "Tax remittance"),
        ]

    def _depreciation(self, n: int) -> list[dict[str, Any]]:
        return [
            je_line(1, DEPRECIATION_CENTS, "Depreciation Expense", "Monthly depreciation"),
            je_line(2, -DEPRECIATION_CENTS, "Accumulated Depreciation", "Monthly depreciation"),
        ]

    def _accrual(self, n: int) -> list[dict[str, Any]]:
        cents = random.Random(self.hash(n, 9)).randint(10_000, 80_000)
        return [
            je_line(1, cents, "Insurance", "Prepaid insurance amortisation"),
            je_line(2, -cents, "Prepaid Expenses", "Prepaid insurance amortisation"),
        ]
