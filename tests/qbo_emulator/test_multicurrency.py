"""A multicurrency company: foreign customers and vendors, daily exchange rates, home amounts that agree with
the rates, and a ledger that balances in the home currency with realised exchange gains and losses."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest

from tests.emulators.qbo import QBOEmulator
from tests.emulators.qbo.gen_fx import FX_ACCOUNT_ID
from tests.emulators.qbo.ledger import ledger

from .conftest import START, Api

CENT = Decimal("0.01")


@pytest.fixture(scope="module")
def mc() -> Iterator[QBOEmulator]:
    with QBOEmulator(seed=7, scale=0.2, port=0, start=START, multicurrency=True) as emulator:
        yield emulator


def test_preferences_currencies_and_rates(mc: QBOEmulator) -> None:
    api = Api(mc)
    prefs = api.get("preferences").json()["Preferences"]["CurrencyPrefs"]
    assert prefs == {"MultiCurrencyEnabled": True, "HomeCurrency": {"value": "USD"}}
    codes = {c["Code"] for c in api.rows("select * from companycurrency")}
    assert codes == {"EUR", "GBP", "CAD"}
    day = "2026-01-15"
    rates = api.rows(
        f"select * from exchangerate where sourcecurrencycode in ('EUR', 'GBP') and asofdate = '{day}'"
    )
    assert sorted(r["SourceCurrencyCode"] for r in rates) == ["EUR", "GBP"]
    assert all(r["TargetCurrencyCode"] == "USD" and "Id" not in r for r in rates)
    answer = api.get("exchangerate", sourcecurrencycode="EUR", asofdate=day)
    read = json.loads(answer.text, parse_float=Decimal)["ExchangeRate"]
    assert read == next(r for r in rates if r["SourceCurrencyCode"] == "EUR")
    assert api.get("exchangerate").status_code == 400  # sourcecurrencycode is required
    accounts = {a["Name"]: a for a in api.rows("select * from Account maxresults 1000")}
    assert accounts["Euro Account"]["CurrencyRef"]["value"] == "EUR"
    assert "Exchange Gain or Loss" in accounts


def test_foreign_documents_carry_rate_and_home_amounts(mc: QBOEmulator) -> None:
    rates = {(r["SourceCurrencyCode"], r["AsOfDate"]): r["Rate"] for r in mc.store.all("ExchangeRate")}
    customers = {c["Id"]: c["CurrencyRef"]["value"] for c in mc.store.all("Customer")}
    foreign = [i for i in mc.store.all("Invoice") if i["CurrencyRef"]["value"] != "USD"]
    assert {i["CurrencyRef"]["value"] for i in foreign} == {"EUR", "GBP"}
    for invoice in foreign:
        code = invoice["CurrencyRef"]["value"]
        assert customers[invoice["CustomerRef"]["value"]] == code
        assert invoice["ExchangeRate"] == rates[(code, invoice["TxnDate"])]
        assert invoice["HomeTotalAmt"] == (invoice["TotalAmt"] * invoice["ExchangeRate"]).quantize(
            CENT, ROUND_HALF_UP
        )
    bills = [b for b in mc.store.all("Bill") if b["CurrencyRef"]["value"] != "USD"]
    assert {b["CurrencyRef"]["value"] for b in bills} == {"CAD", "EUR"}


def test_ledger_balances_in_home_currency_with_realised_fx(mc: QBOEmulator) -> None:
    postings = ledger(mc.store)
    assert sum(postings.values()) == 0
    by_day: dict[str, Decimal] = defaultdict(Decimal)
    for (_, day), amount in postings.items():
        by_day[day] += amount
    assert all(total == 0 for total in by_day.values()), "every day balances"
    fx = [amount for (account, _), amount in postings.items() if account == FX_ACCOUNT_ID and amount]
    assert len(fx) > 10, "paid foreign invoices and bills realise gains and losses"
    # A mutation keeps it balanced: delete a foreign payment, its gain or loss goes with it.
    payment = next(p for p in mc.store.all("Payment") if p["CurrencyRef"]["value"] != "USD")
    mc.mutate.delete("Payment", payment["Id"])
    assert sum(ledger(mc.store).values()) == 0
    assert date.fromisoformat(payment["TxnDate"])


def test_reports_book_the_realised_fx_the_ledger_books(mc: QBOEmulator) -> None:
    """The reports are computed from the same postings: the P&L's Exchange Gain or Loss (an Other Expense
    account) over the whole history is the ledger's, not zero (a payment clears A/R at its invoice's rate)."""
    postings = ledger(mc.store)
    days = sorted(day for _, day in postings)
    expected = sum((v for (account, _), v in postings.items() if account == FX_ACCOUNT_ID), Decimal(0))
    report = Api(mc).get("reports/ProfitAndLoss", start_date=days[0], end_date=days[-1]).json()
    fx_row = next(cols for cols in _data_rows(report["Rows"]["Row"]) if cols[0].get("id") == FX_ACCOUNT_ID)
    assert expected != 0
    assert Decimal(fx_row[1]["value"]) == expected


def _data_rows(rows: list[dict]) -> Iterator[list[dict]]:
    for row in rows:
        if "ColData" in row:
            yield row["ColData"]
        yield from _data_rows(row.get("Rows", {}).get("Row", []))
