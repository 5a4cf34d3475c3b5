"""A multicurrency company (QBOEmulator(multicurrency=True), `--multicurrency`): the home currency stays
USD; some customers pay in EUR or GBP and some vendors bill in CAD or EUR.

- Rates are a pure function of (currency, day), one per day of the history: the ExchangeRate rows and every
  foreign transaction's `ExchangeRate` come from the same function, so they always agree.
- A foreign transaction keeps its amounts in its own currency and carries CurrencyRef, ExchangeRate
  (home units per foreign unit) and, where Intuit's schema has them, HomeTotalAmt and HomeBalance.
- The ledger posts in the home currency (ledger.py calls `home_postings`): each posting is converted at the
  transaction's rate and rounded to the cent, the rounding rest going to the first line that is not A/R or
  A/P, so A/R and A/P equal the document's home amount. A payment clears A/R (A/P) at the rate of the
  document it pays and moves money at its own rate; the difference is the realised exchange gain or loss,
  posted to the "Exchange Gain or Loss" account that QBO adds when multicurrency is switched on.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from .gen_common import envelope, epoch_at, meta
from .gen_lists import ACCOUNTS, ACCT

HOME = "USD"
# code, name, USD per unit around which the rate moves
CURRENCIES: tuple[tuple[str, str, float], ...] = (
    ("EUR", "Euro", 1.08),
    ("GBP", "British Pound Sterling", 1.27),
    ("CAD", "Canadian Dollar", 0.73),
)
NAMES = {code: name for code, name, _ in CURRENCIES}
FX_ACCOUNT = "Exchange Gain or Loss"
FX_ACCOUNT_ID = str(len(ACCOUNTS) + 1)
EURO_BANK_ID = str(len(ACCOUNTS) + 2)
CENT = Decimal("0.01")
# Entities converted when their customer or vendor uses a foreign currency, and the Home* fields each has.
HOME_TOTAL = {"Invoice", "CreditMemo", "Estimate", "SalesReceipt", "RefundReceipt"}
CONVERTED = HOME_TOTAL | {"Payment", "Bill", "BillPayment", "VendorCredit", "PurchaseOrder"}
PAYMENTS = {"Payment": ("Invoice", str(ACCT["Accounts Receivable (A/R)"])), "BillPayment": ("Bill", "")}


def rate(code: str, day: date) -> Decimal:
    """Home units per unit of `code` on `day`: slow swings plus a weekly wobble, six decimals."""
    base = next(b for c, _, b in CURRENCIES if c == code)
    n, k = day.toordinal(), len(code) + ord(code[0])
    value = base * (1 + 0.04 * math.sin(n / 37 + k) + 0.008 * math.sin(n / 6.1 + 2 * k))
    return Decimal(f"{value:.6f}")


def home(amount: Any, fx: Decimal) -> Decimal:
    return (Decimal(str(amount)) * fx).quantize(CENT, ROUND_HALF_UP)


def party_currency(kind: str, party_id: str) -> str:
    """Every fifth customer (from the second) pays in EUR, every fifth (from the fourth) in GBP; every
    fourth vendor (from the third) bills in CAD, every fourth (from the fourth) in EUR."""
    n = int(party_id) - 1
    if kind == "Customer":
        return {1: "EUR", 3: "GBP"}.get(n % 5, HOME)
    return {2: "CAD", 3: "EUR"}.get(n % 4, HOME)


def currency_ref(code: str) -> dict[str, str]:
    return {"value": code, "name": NAMES.get(code, "United States Dollar")}


def parties(kind: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Customers or vendors with their currency set."""
    return [{**row, "CurrencyRef": currency_ref(party_currency(kind, row["Id"]))} for row in rows]


def extra_accounts(day0: date) -> list[dict[str, Any]]:
    """The accounts a multicurrency company has on top of the base chart."""
    stamp = epoch_at(day0 - timedelta(days=45), 9 * 3600)
    rows = [
        (FX_ACCOUNT_ID, FX_ACCOUNT, "Other Expense", "ExchangeGainOrLoss", "Expense", HOME),
        (EURO_BANK_ID, "Euro Account", "Bank", "Checking", "Asset", "EUR"),
    ]
    return [
        {
            **envelope(int(i), stamp, stamp, {}),
            "Name": name,
            "FullyQualifiedName": name,
            "AccountType": kind,
            "AccountSubType": sub,
            "Classification": cls,
            "Active": True,
            "SubAccount": False,
            "CurrentBalance": 0,
            "CurrentBalanceWithSubAccounts": 0,
            "CurrencyRef": currency_ref(code),
        }
        for i, name, kind, sub, cls, code in rows
    ]


def company_currencies(day0: date) -> list[dict[str, Any]]:
    stamp = epoch_at(day0 - timedelta(days=44), 9 * 3600)
    return [
        envelope(i + 1, stamp, stamp, {"Code": code, "Name": name, "Active": True})
        for i, (code, name, _) in enumerate(CURRENCIES)
    ]


class ExchangeRates:
    """One rate per foreign currency per day of the history, entered at 06:00 that day. Intuit's
    ExchangeRate has no Id: its key is (SourceCurrencyCode, TargetCurrencyCode, AsOfDate)."""

    def __init__(self, day0: date, days: int) -> None:
        self.day0, self.count = day0, len(CURRENCIES) * days

    def _at(self, i: int) -> tuple[str, date]:
        return CURRENCIES[i % len(CURRENCIES)][0], self.day0 + timedelta(days=i // len(CURRENCIES))

    def lut(self, i: int) -> float:
        return epoch_at(self._at(i)[1], 6 * 3600)

    def build(self, i: int) -> dict[str, Any]:
        code, day = self._at(i)
        stamp = self.lut(i)
        return {
            "SourceCurrencyCode": code,
            "TargetCurrencyCode": HOME,
            "Rate": rate(code, day),
            "AsOfDate": day.isoformat(),
            "domain": "QBO",
            "sparse": False,
            "SyncToken": "0",
            "MetaData": meta(stamp, stamp),
        }


def converter(entity: str, build: Callable[[int], dict[str, Any]]) -> Callable[[int], dict[str, Any]]:
    """`build` with foreign-currency transactions converted (others unchanged)."""
    if entity not in CONVERTED:
        return build
    return lambda i: convert(entity, build(i))


def convert(entity: str, record: dict[str, Any]) -> dict[str, Any]:
    kind, party = (
        ("Customer", record.get("CustomerRef"))
        if "CustomerRef" in record
        else ("Vendor", record.get("VendorRef"))
    )
    code = party_currency(kind, str(party["value"])) if party else HOME
    if code == HOME:
        return record
    fx = rate(code, date.fromisoformat(record["TxnDate"]))
    record["CurrencyRef"] = currency_ref(code)
    record["ExchangeRate"] = fx
    if entity in HOME_TOTAL:
        record["HomeTotalAmt"] = home(record.get("TotalAmt", 0), fx)
    if "Balance" in record:
        record["HomeBalance"] = home(record["Balance"], fx)
    return record


def home_postings(
    entity: str,
    record: dict[str, Any],
    postings: list[tuple[str, Decimal]],
    linked_rate: Callable[[str, str], Decimal | None],
) -> list[tuple[str, Decimal]]:
    """A foreign transaction's postings in the home currency, balanced to the cent."""
    fx = Decimal(str(record["ExchangeRate"]))
    paid = PAYMENTS.get(entity)
    settled = fx
    if paid is not None:
        links = [t for line in record.get("Line", []) for t in line.get("LinkedTxn", [])]
        doc = next((t["TxnId"] for t in links if t.get("TxnType") == paid[0]), None)
        settled = (linked_rate(paid[0], str(doc)) if doc else None) or fx
    ar_ap = {str(ACCT["Accounts Receivable (A/R)"]), str(ACCT["Accounts Payable (A/P)"])}
    out = [(acct, home(amount, settled if acct in ar_ap else fx)) for acct, amount in postings]
    rest = -sum((amount for _, amount in out), Decimal(0))
    if rest and paid is not None:
        out.append((FX_ACCOUNT_ID, rest))  # realised exchange gain (credit) or loss (debit)
    elif rest:
        k = next((n for n, (acct, _) in enumerate(out) if acct not in ar_ap), 0)
        out[k] = (out[k][0], out[k][1] + rest)
    return out
