"""Name lists and singletons of the generated company, built eagerly (they stay small at any scale)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from . import gen_names
from .gen_common import USD, envelope, epoch_at, mix, money, ref

# (Name, AccountType, AccountSubType, Classification). Ids follow this order from 1.
ACCOUNTS: tuple[tuple[str, str, str, str], ...] = (
    ("Checking", "Bank", "Checking", "Asset"),
    ("Savings", "Bank", "Savings", "Asset"),
    ("Accounts Receivable (A/R)", "Accounts Receivable", "AccountsReceivable", "Asset"),
    ("Prepaid Expenses", "Other Current Asset", "PrepaidExpenses", "Asset"),
    ("Computer Equipment", "Fixed Asset", "MachineryAndEquipment", "Asset"),
    ("Accumulated Depreciation", "Fixed Asset", "AccumulatedDepreciation", "Asset"),
    ("Accounts Payable (A/P)", "Accounts Payable", "AccountsPayable", "Liability"),
    ("Corporate Card", "Credit Card", "CreditCard", "Liability"),
    ("Payroll Liabilities", "Other Current Liability", "PayrollTaxPayable", "Liability"),
    ("Partner Capital", "Equity", "PartnersEquity", "Equity"),
    ("Retained Earnings", "Equity", "RetainedEarnings", "Equity"),
    ("Advisory Revenue", "Income", "ServiceFeeIncome", "Revenue"),
    ("Consulting Revenue", "Income", "ServiceFeeIncome", "Revenue"),
    ("Implementation Revenue", "Income", "ServiceFeeIncome", "Revenue"),
    ("Training Revenue", "Income", "ServiceFeeIncome", "Revenue"),
    ("Interest Income", "Other Income", "InterestEarned", "Revenue"),
    ("Subcontractor Costs", "Cost of Goods Sold", "CostOfLaborCos", "Expense"),
    ("Salaries & Wages", "Expense", "PayrollExpenses", "Expense"),
    ("Payroll Taxes", "Expense", "PayrollExpenses", "Expense"),
    ("Employee Benefits", "Expense", "PayrollExpenses", "Expense"),
    ("Rent", "Expense", "RentOrLeaseOfBuildings", "Expense"),
    ("Utilities", "Expense", "Utilities", "Expense"),
    ("Software & Subscriptions", "Expense", "OfficeGeneralAdministrativeExpenses", "Expense"),
    ("Travel", "Expense", "Travel", "Expense"),
    ("Meals", "Expense", "EntertainmentMeals", "Expense"),
    ("Professional Fees", "Expense", "LegalProfessionalFees", "Expense"),
    ("Insurance", "Expense", "Insurance", "Expense"),
    ("Office Supplies", "Expense", "SuppliesMaterials", "Expense"),
    ("Marketing", "Expense", "AdvertisingPromotional", "Expense"),
    ("Training & Development", "Expense", "OtherMiscellaneousServiceCost", "Expense"),
    ("Bank Charges", "Expense", "BankCharges", "Expense"),
    ("Depreciation Expense", "Other Expense", "Depreciation", "Expense"),
    ("Interest Expense", "Other Expense", "OtherMiscellaneousExpense", "Expense"),
)
ACCT: dict[str, int] = {row[0]: i + 1 for i, row in enumerate(ACCOUNTS)}
DEPARTMENTS = ("Advisory", "Technology Consulting", "Implementation", "Finance & Admin", "Sales & Marketing")
CLASSES = ("Strategy", "Operations", "Technology", "Internal")
TERMS = (("Due on receipt", 0), ("Net 15", 15), ("Net 30", 30), ("Net 45", 45))
# (Name, hourly rate in cents, income account)
ITEMS = (
    ("Partner Hour", 45000, "Advisory Revenue"),
    ("Principal Hour", 32500, "Advisory Revenue"),
    ("Senior Consultant Hour", 24000, "Consulting Revenue"),
    ("Consultant Hour", 18750, "Consulting Revenue"),
    ("Analyst Hour", 13500, "Consulting Revenue"),
    ("Solution Architect Hour", 27500, "Implementation Revenue"),
    ("Engineer Hour", 19500, "Implementation Revenue"),
    ("Project Manager Hour", 17000, "Implementation Revenue"),
    ("Workshop Day", 360000, "Training Revenue"),
    ("Training Seat", 89500, "Training Revenue"),
)
PAYMENT_METHODS = (
    ("Cash", "NON_CREDIT_CARD"),
    ("Check", "NON_CREDIT_CARD"),
    ("ACH", "NON_CREDIT_CARD"),
    ("Visa", "CREDIT_CARD"),
    ("MasterCard", "CREDIT_CARD"),
    ("American Express", "CREDIT_CARD"),
)
EMPLOYEES = 150


def _stamp(seed: int, code: int, i: int, day0: date) -> tuple[float, float]:
    """Lists are set up in the month before the history starts; about one in eight is edited later."""
    h = mix(seed, code, i)
    create = epoch_at(day0 - timedelta(days=30 - i % 25), 8 * 3600 + h % 36000)
    updated = create + (h >> 20) % (200 * 86400) if h % 8 == 0 else create
    return create, updated


def _make(seed: int, code: int, day0: date, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for i, body in enumerate(rows):
        create, updated = _stamp(seed, code, i, day0)
        out.append(envelope(i + 1, create, updated, body))
    return out


def accounts(seed: int, day0: date) -> list[dict[str, Any]]:
    rows = [
        {
            "Name": n,
            "SubAccount": False,
            "FullyQualifiedName": n,
            "Active": True,
            "Classification": c,
            "AccountType": t,
            "AccountSubType": st,
            "CurrentBalance": 0,
            "CurrentBalanceWithSubAccounts": 0,
            "CurrencyRef": dict(USD),
        }
        for n, t, st, c in ACCOUNTS
    ]
    return _make(seed, 1, day0, rows)


def simple_named(seed: int, code: int, day0: date, names: tuple[str, ...]) -> list[dict[str, Any]]:
    rows = [{"Name": n, "SubClass": False, "FullyQualifiedName": n, "Active": True} for n in names]
    if code == 3:  # Department uses SubDepartment
        rows = [{"Name": n, "SubDepartment": False, "FullyQualifiedName": n, "Active": True} for n in names]
    return _make(seed, code, day0, rows)


def terms(seed: int, day0: date) -> list[dict[str, Any]]:
    rows = [
        {"Name": n, "Active": True, "Type": "STANDARD", "DueDays": d, "DiscountDays": 0} for n, d in TERMS
    ]
    return _make(seed, 4, day0, rows)


def items(seed: int, day0: date) -> list[dict[str, Any]]:
    rows = [
        {
            "Name": n,
            "Description": n,
            "Active": True,
            "FullyQualifiedName": n,
            "Taxable": False,
            "UnitPrice": money(rate),
            "Type": "Service",
            "IncomeAccountRef": ref(ACCT[acct], acct),
            "PurchaseCost": 0,
            "TrackQtyOnHand": False,
        }
        for n, rate, acct in ITEMS
    ]
    return _make(seed, 5, day0, rows)


def employees(seed: int, day0: date) -> list[dict[str, Any]]:
    rows = []
    for i in range(EMPLOYEES):
        given, family = gen_names.person(i)
        rows.append(
            {
                "BillableTime": i % 5 != 4,
                "HiredDate": (day0 - timedelta(days=90 + 17 * i)).isoformat(),
                "GivenName": given,
                "FamilyName": family,
                "DisplayName": f"{given} {family}",
                "PrintOnCheckName": f"{given} {family}",
                "Active": i % 19 != 7,
                "PrimaryEmailAddr": {"Address": f"{given}.{family}@hollisgrant.example".lower()},
                "EmployeeNumber": f"E{1000 + i}",
                "BillRate": money([24000, 18750, 13500][i % 3]),
            }
        )
    return _make(seed, 6, day0, rows)


def customers(seed: int, day0: date, count: int) -> list[dict[str, Any]]:
    rows = []
    for i in range(count):
        name = gen_names.company(i)
        rows.append(
            {
                "Taxable": False,
                "Job": False,
                "BillWithParent": False,
                "Balance": 0,
                "BalanceWithJobs": 0,
                "CurrencyRef": dict(USD),
                "PreferredDeliveryMethod": "Email",
                "IsProject": False,
                "DisplayName": name,
                "CompanyName": name,
                "PrintOnCheckName": name,
                "Active": i % 23 != 11,
                "SalesTermRef": ref(1 + (i % 3) + 1),
                "PrimaryEmailAddr": {"Address": f"ap@customer{i + 1}.example"},
                "BillAddr": {
                    "Id": str(1000 + i),
                    "Line1": f"{100 + i} Market St",
                    "City": "San Francisco",
                    "CountrySubDivisionCode": "CA",
                    "PostalCode": "94105",
                },
            }
        )
    return _make(seed, 7, day0, rows)


def vendors(seed: int, day0: date, count: int) -> list[dict[str, Any]]:
    rows = []
    for i in range(count):
        name = gen_names.vendor(i)
        rows.append(
            {
                "Balance": 0,
                "Vendor1099": i % 7 == 3,
                "CurrencyRef": dict(USD),
                "DisplayName": name,
                "CompanyName": name,
                "PrintOnCheckName": name,
                "Active": i % 29 != 13,
                "TermRef": ref(3),
                "BillAddr": {
                    "Id": str(5000 + i),
                    "Line1": f"{200 + i} Main St",
                    "City": "Oakland",
                    "CountrySubDivisionCode": "CA",
                },
            }
        )
    return _make(seed, 8, day0, rows)


def payment_methods(seed: int, day0: date) -> list[dict[str, Any]]:
    return _make(seed, 9, day0, [{"Name": n, "Active": True, "Type": t} for n, t in PAYMENT_METHODS])


# Sales tax set-up: one agency, two rates, one combined code (the firm sells services, mostly untaxed).
_TAX_AGENCY = [
    {
        "DisplayName": "California Department of Tax and Fee Administration",
        "TaxTrackedOnSales": True,
        "TaxTrackedOnPurchases": False,
    }
]
_TAX_RATES = [
    {
        "Name": "California",
        "Description": "Sales Tax",
        "Active": True,
        "RateValue": Decimal("7.25"),
        "AgencyRef": ref(1),
        "SpecialTaxType": "NONE",
        "DisplayType": "ReadOnly",
    },
    {
        "Name": "San Francisco",
        "Description": "Sales Tax",
        "Active": True,
        "RateValue": Decimal("1.375"),
        "AgencyRef": ref(1),
        "SpecialTaxType": "NONE",
        "DisplayType": "ReadOnly",
    },
]
_TAX_CODES = [
    {
        "Name": "San Francisco",
        "Description": "San Francisco sales tax",
        "Active": True,
        "Taxable": True,
        "TaxGroup": True,
        "SalesTaxRateList": {
            "TaxRateDetail": [
                {"TaxRateRef": ref(1, "California"), "TaxTypeApplicable": "TaxOnAmount", "TaxOrder": 0},
                {
                    "TaxRateRef": ref(2, "San Francisco"),
                    "TaxTypeApplicable": "TaxOnAmount",
                    "TaxOrder": 0,
                },
            ]
        },
        "PurchaseTaxRateList": {"TaxRateDetail": []},
    }
]


def tax_lists(seed: int, day0: date) -> dict[str, list[dict[str, Any]]]:
    return {
        "TaxAgency": _make(seed, 10, day0, _TAX_AGENCY),
        "TaxRate": _make(seed, 11, day0, _TAX_RATES),
        "TaxCode": _make(seed, 12, day0, _TAX_CODES),
    }
