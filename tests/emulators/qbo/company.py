"""The generated company: eager name lists and singletons, lazy transaction tables, one per entity.

A Company is immutable and shared: it is cached per (seed, scale, history end) within the process, and each
emulator layers its own copy-on-write overlay (store.py) on top, so creating an emulator costs nothing.
"""

from __future__ import annotations

import functools
import threading
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from . import gen_fx as fx
from . import gen_lists as gl
from . import gen_more as gm
from . import gen_purchases as gp
from . import gen_sales as gs
from .gen_base import Ctx, TxnKind
from .gen_common import USD, envelope, epoch_at, money, ref
from .gen_journal import JournalEntries
from .jsonutil import dumps
from .timefmt import parse_ts

HISTORY_DAYS = 365
COMPANY_NAME = "Hollis & Grant Advisory LLP"
# Transactions per year at scale 1; scale multiplies them (payroll stays that of a 150-person firm).
VOLUMES = {
    "Invoice": 2400,
    "CreditMemo": 40,
    "Estimate": 120,
    "SalesReceipt": 60,
    "RefundReceipt": 10,
    "TimeActivity": 600,
    "Bill": 1200,
    "VendorCredit": 20,
    "PurchaseOrder": 40,
    "Purchase": 1800,
    "Deposit": 120,
    "Transfer": 24,
    "JournalEntry": 24,
    "CreditCardPayment": 12,
    "ReimburseCharge": 40,
}
COUNTRY = "US"  # CompanyInfo.Country: decides which region-only entities exist (entities.py `regions`)


@dataclass
class Table:
    """One entity's generated rows: `build(i)` makes row i (Id i+1), `lut(i)` its LastUpdatedTime epoch."""

    entity: str
    count: int
    build: Callable[[int], dict[str, Any]]
    lut: Callable[[int], float]
    fresh: bool = False  # build() returns a new dict each call (lazy tables), so callers may keep it
    _index: tuple[array, array] | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    # Each row's JSON, made on first read: rows never change (mutations go to an emulator's overlay), so a
    # re-read or another emulator on the same company skips generating and serialising the row again.
    _json: list[bytes | None] | None = field(default=None, repr=False)

    def encoded(self, i: int) -> bytes:
        """Row i as the exact JSON bytes a response carries."""
        cache = self._json
        if cache is None:
            with self._lock:
                cache = self._json = self._json or [None] * self.count
        data = cache[i]
        if data is None:
            data = cache[i] = dumps(self.build(i))
        return data

    def warm(self) -> None:
        """Serialise every row now (benchmarks: a real server has its data at rest, not made per read)."""
        for i in range(self.count):
            self.encoded(i)

    def index(self) -> tuple[array, array]:
        """(sorted LastUpdatedTime epochs, row numbers in that order): 16 bytes a row, built once."""
        with self._lock:
            if self._index is None:
                luts = array("d", map(self.lut, range(self.count)))
                # A stable sort of ascending row numbers breaks timestamp ties by Id.
                order = array("q", sorted(range(self.count), key=luts.__getitem__))
                self._index = (array("d", (luts[i] for i in order)), order)
            return self._index


def _eager(
    entity: str, rows: list[dict[str, Any]], inner: Callable[[dict[str, Any]], dict[str, Any]] = lambda r: r
) -> Table:
    stamps = [parse_ts(inner(r)["MetaData"]["LastUpdatedTime"]).timestamp() for r in rows]
    return Table(entity, len(rows), rows.__getitem__, stamps.__getitem__)


def _lazy(kind: TxnKind, multicurrency: bool = False) -> Table:
    build = fx.converter(kind.entity, kind.build) if multicurrency else kind.build
    return Table(kind.entity, kind.count, build, lambda i: kind.stamp(i)[1], fresh=True)


class Company:
    def __init__(self, seed: int, scale: float, history_end: date, multicurrency: bool = False) -> None:
        if scale <= 0:
            raise ValueError("scale must be positive")
        self.seed, self.scale, self.multicurrency = seed, scale, multicurrency
        self.country = COUNTRY
        self.home_currency = fx.HOME
        self.day0 = history_end - timedelta(days=HISTORY_DAYS)
        grow = max(1.0, scale) ** 0.5
        lists = self._lists(seed, round(180 * grow), round(60 * grow))
        ctx = Ctx(
            seed,
            self.day0,
            HISTORY_DAYS,
            _names(lists["Customer"]),
            _names(lists["Vendor"]),
            _names(lists["Employee"]),
        )
        self.tables: dict[str, Table] = {name: _eager(name, rows) for name, rows in lists.items()}
        templates = gm.recurring_transactions(self.day0, HISTORY_DAYS, ctx.vendors, ctx.customers)
        self.tables["RecurringTransaction"] = _eager("RecurringTransaction", templates, gm.unwrapped)
        kinds = self._kinds(ctx, scale)
        self.transaction_entities = tuple(k.entity for k in kinds)
        for kind in kinds:
            self.tables[kind.entity] = _lazy(kind, multicurrency)
        if multicurrency:
            rates = fx.ExchangeRates(self.day0, HISTORY_DAYS)
            self.tables["ExchangeRate"] = Table(
                "ExchangeRate", rates.count, rates.build, rates.lut, fresh=True
            )

    def _lists(self, seed: int, customers: int, vendors: int) -> dict[str, list[dict[str, Any]]]:
        d0 = self.day0
        out = {
            "Account": gl.accounts(seed, d0),
            "Class": gl.simple_named(seed, 2, d0, gl.CLASSES),
            "Department": gl.simple_named(seed, 3, d0, gl.DEPARTMENTS),
            "Term": gl.terms(seed, d0),
            "Item": gl.items(seed, d0),
            "Employee": gl.employees(seed, d0),
            "Customer": gl.customers(seed, d0, customers),
            "Vendor": gl.vendors(seed, d0, vendors),
            "PaymentMethod": gl.payment_methods(seed, d0),
            "CustomerType": gm.customer_types(seed, d0),
            **gl.tax_lists(seed, d0),
        }
        out["Budget"] = [_budget(self.day0)]
        out["CompanyInfo"] = [_company_info(self.day0)]
        out["Preferences"] = [_preferences(self.day0, self.multicurrency)]
        if self.multicurrency:
            out["Account"] = [*out["Account"], *fx.extra_accounts(d0)]
            out["Customer"] = fx.parties("Customer", out["Customer"])
            out["Vendor"] = fx.parties("Vendor", out["Vendor"])
            out["CompanyCurrency"] = fx.company_currencies(d0)
        return out

    @staticmethod
    def _kinds(ctx: Ctx, scale: float) -> list[TxnKind]:
        def n(entity: str) -> int:
            return round(VOLUMES[entity] * scale)

        invoices, bills = gs.Invoices(ctx, n("Invoice")), gp.Bills(ctx, n("Bill"))
        return [
            invoices,
            gs.Payments(ctx, invoices),
            gs.CreditMemos(ctx, n("CreditMemo")),
            gs.Estimates(ctx, n("Estimate")),
            gs.SalesReceipts(ctx, n("SalesReceipt")),
            gs.RefundReceipts(ctx, n("RefundReceipt")),
            gs.TimeActivities(ctx, n("TimeActivity")),
            bills,
            gp.BillPayments(ctx, bills),
            gp.VendorCredits(ctx, n("VendorCredit")),
            gp.PurchaseOrders(ctx, n("PurchaseOrder")),
            gp.Purchases(ctx, n("Purchase")),
            gp.Deposits(ctx, n("Deposit")),
            gp.Transfers(ctx, n("Transfer")),
            JournalEntries(ctx, n("JournalEntry")),
            gm.CreditCardPayments(ctx, n("CreditCardPayment")),
            gm.ReimburseCharges(ctx, n("ReimburseCharge")),
            gm.Attachables(ctx, bills),
        ]

    def warm(self) -> None:
        for table in self.tables.values():
            table.warm()

    def transaction_count(self) -> int:
        return sum(self.tables[e].count for e in self.transaction_entities)


@functools.lru_cache(maxsize=8)
def company(seed: int, scale: float, history_end: date, multicurrency: bool = False) -> Company:
    return Company(seed, scale, history_end, multicurrency)


def _names(rows: list[dict[str, Any]]) -> tuple[str, ...]:
    return tuple(r["DisplayName"] for r in rows)


def _setup_stamp(day0: date) -> float:
    return epoch_at(day0 - timedelta(days=45), 9 * 3600)


def _company_info(day0: date) -> dict[str, Any]:
    addr = {
        "Id": "1",
        "Line1": "88 Kearny St, Suite 1200",
        "City": "San Francisco",
        "CountrySubDivisionCode": "CA",
        "PostalCode": "94108",
    }
    body = {
        "CompanyName": COMPANY_NAME,
        "LegalName": COMPANY_NAME,
        "CompanyAddr": addr,
        "CustomerCommunicationAddr": addr,
        "LegalAddr": addr,
        "PrimaryPhone": {"FreeFormNumber": "(415) 555-0142"},
        "CompanyStartDate": (day0 - timedelta(days=45)).isoformat(),
        "FiscalYearStartMonth": "January",
        "Country": "US",
        "Email": {"Address": "finance@hollisgrant.example"},
        "WebAddr": {"URI": "https://hollisgrant.example"},
        "SupportedLanguages": "en",
        "NameValue": [
            {"Name": "NeoEnabled", "Value": "true"},
            {"Name": "IndustryType", "Value": "Management Consulting"},
        ],
    }
    stamp = _setup_stamp(day0)
    return envelope(1, stamp, stamp, body)


def _preferences(day0: date, multicurrency: bool = False) -> dict[str, Any]:
    body = {
        "AccountingInfoPrefs": {
            "TrackDepartments": True,
            "DepartmentTerminology": "Department",
            "ClassTrackingPerTxn": True,
            "CustomerTerminology": "Clients",
        },
        "SalesFormsPrefs": {
            "AllowDeposit": False,
            "AllowDiscount": False,
            "DefaultTerms": ref(3),
            "CustomTxnNumbers": True,
        },
        "CurrencyPrefs": {"MultiCurrencyEnabled": multicurrency, "HomeCurrency": {"value": USD["value"]}},
        "TimeTrackingPrefs": {"UseServices": True, "BillCustomers": True, "WorkWeekStartDate": "Monday"},
        "TaxPrefs": {"UsingSalesTax": True, "PartnerTaxEnabled": False},
    }
    stamp = _setup_stamp(day0)
    return envelope(1, stamp, stamp, body)


def _budget(day0: date) -> dict[str, Any]:
    details = []
    for month in range(12):
        when = (day0 + timedelta(days=30 * month)).isoformat()
        for name, cents in (("Rent", 3_600_000), ("Travel", 1_200_000), ("Marketing", 900_000)):
            details.append(
                {"BudgetDate": when, "Amount": money(cents), "AccountRef": ref(gl.ACCT[name], name)}
            )
    body = {
        "Name": f"FY{day0.year + 1} Operating Budget",
        "StartDate": day0.isoformat(),
        "EndDate": (day0 + timedelta(days=HISTORY_DAYS - 1)).isoformat(),
        "BudgetType": "ProfitAndLoss",
        "BudgetEntryType": "Monthly",
        "Active": True,
        "BudgetDetail": details,
    }
    stamp = _setup_stamp(day0)
    return envelope(1, stamp, stamp, body)
