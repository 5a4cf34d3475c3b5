"""The generated ledger balances, and the reports equal sums computed here from the raw records."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from tests.emulators.qbo import QBOEmulator

from .conftest import START, Api, sample

SALES = ("Invoice", "CreditMemo", "SalesReceipt", "RefundReceipt")


def _d(value: Any) -> Decimal:
    return Decimal(str(value))


def _income_and_expense(emu: QBOEmulator, start: str, end: str) -> tuple[Decimal, Decimal]:
    """An independent reading of the records: income from sales lines, expenses from expense/JE lines."""
    accounts = {a["Id"]: a for a in emu.store.all("Account")}
    item_income = {i["Id"]: i["IncomeAccountRef"]["value"] for i in emu.store.all("Item")}
    by_type: dict[str, Decimal] = defaultdict(Decimal)

    def book(account_id: str, debit: Decimal) -> None:
        by_type[accounts[account_id]["Classification"]] += debit

    for entity in (
        "Invoice",
        "CreditMemo",
        "SalesReceipt",
        "RefundReceipt",
        "Bill",
        "VendorCredit",
        "Purchase",
        "Deposit",
        "JournalEntry",
    ):
        sign = -1 if entity in ("CreditMemo", "RefundReceipt", "VendorCredit") else 1
        for record in emu.store.all(entity):
            if not start <= record["TxnDate"] <= end:
                continue
            for line in record["Line"]:
                amount = _d(line["Amount"])
                if line["DetailType"] == "SalesItemLineDetail":
                    book(item_income[line["SalesItemLineDetail"]["ItemRef"]["value"]], -sign * amount)
                elif line["DetailType"] == "AccountBasedExpenseLineDetail":
                    book(line["AccountBasedExpenseLineDetail"]["AccountRef"]["value"], sign * amount)
                elif line["DetailType"] == "DepositLineDetail":
                    book(line["DepositLineDetail"]["AccountRef"]["value"], -amount)
                elif line["DetailType"] == "JournalEntryLineDetail":
                    detail = line["JournalEntryLineDetail"]
                    posted = amount if detail["PostingType"] == "Debit" else -amount
                    if accounts[detail["AccountRef"]["value"]]["Classification"] in ("Revenue", "Expense"):
                        book(detail["AccountRef"]["value"], posted)
    return -by_type["Revenue"], by_type["Expense"]


def _row(report: dict[str, Any], group: str) -> str:
    """The summary value of the section with this group, at any depth."""
    pending = list(report["Rows"]["Row"])
    while pending:
        row = pending.pop(0)
        if row.get("group") == group:
            return str(row["Summary"]["ColData"][1]["value"])
        pending += row.get("Rows", {}).get("Row", [])
    raise AssertionError(f"no {group} section")


def test_every_journal_entry_and_the_whole_ledger_balance(emu: QBOEmulator) -> None:
    for je in emu.store.all("JournalEntry"):
        debits = sum(
            _d(ln["Amount"]) for ln in je["Line"] if ln["JournalEntryLineDetail"]["PostingType"] == "Debit"
        )
        credits = sum(
            _d(ln["Amount"]) for ln in je["Line"] if ln["JournalEntryLineDetail"]["PostingType"] == "Credit"
        )
        assert debits == credits == _d(je["TotalAmt"])
    for entity in (*SALES, "Bill", "Purchase", "Deposit"):
        for record in emu.store.all(entity):
            lines = [ln for ln in record["Line"] if ln["DetailType"] != "SubTotalLineDetail"]
            assert sum(_d(ln["Amount"]) for ln in lines) == _d(record["TotalAmt"])
    report = Api(emu).get("reports/TrialBalance", end_date="2030-12-31").json()
    total = report["Rows"]["Row"][-1]["Summary"]["ColData"]
    assert total[1]["value"] == total[2]["value"]
    assert Decimal(total[1]["value"]) > 0


def test_profit_and_loss_equals_the_sum_of_the_records(emu: QBOEmulator) -> None:
    for start, end in (("2025-01-01", "2026-12-31"), ("2025-07-01", "2025-09-30")):
        report = Api(emu).get("reports/ProfitAndLoss", start_date=start, end_date=end).json()
        income, expense = _income_and_expense(emu, start, end)
        assert Decimal(_row(report, "NetIncome")) == income - expense
        assert Decimal(_row(report, "Income")) + Decimal(_row(report, "OtherIncome")) == income
        assert income > expense > 0


def test_report_shape_matches_intuit_sample(api: Api) -> None:
    report = api.get("reports/ProfitAndLoss", start_date="2025-06-01", end_date="2025-06-30").json()
    real = sample("report-profitandloss.intuit-apiref.json")
    assert set(report) == set(real)
    assert set(report["Header"]) == set(real["Header"]) - {"Customer"}
    assert report["Columns"] == real["Columns"]
    assert [r["group"] for r in report["Rows"]["Row"]][:3] == ["Income", "COGS", "GrossProfit"]
    assert report["Rows"]["Row"][-1]["group"] == real["Rows"]["Row"][-1]["group"] == "NetIncome"
    data = report["Rows"]["Row"][0]["Rows"]["Row"][0]
    assert set(data) == {"ColData", "type"}
    assert set(data["ColData"][0]) == {"id", "value"}


def test_balance_sheet_balances_and_follows_mutations(emu: QBOEmulator) -> None:
    api = Api(emu)

    def sheet() -> tuple[Decimal, Decimal, Decimal]:
        report = api.get("reports/BalanceSheet", end_date="2030-12-31").json()
        assert Decimal(_row(report, "TotalLiabilitiesAndEquity")) == Decimal(_row(report, "TotalAssets"))
        return tuple(Decimal(_row(report, g)) for g in ("TotalAssets", "Liabilities", "Equity"))  # type: ignore[return-value]

    assets, liabilities, equity = sheet()
    assert assets == liabilities + equity
    invoice = emu.store.all("Invoice")[-1]
    assert invoice["Balance"] > 0, "the newest invoice is still open"
    emu.mutate.void("Invoice", invoice["Id"])
    after = sheet()
    assert after[0] == assets - _d(invoice["TotalAmt"])
    assert after[0] == after[1] + after[2]
    emu.mutate.create(
        "JournalEntry",
        {
            "Line": [
                {
                    "Amount": 1000,
                    "DetailType": "JournalEntryLineDetail",
                    "JournalEntryLineDetail": {"PostingType": "Debit", "AccountRef": {"value": "2"}},
                },
                {
                    "Amount": 1000,
                    "DetailType": "JournalEntryLineDetail",
                    "JournalEntryLineDetail": {"PostingType": "Credit", "AccountRef": {"value": "1"}},
                },
            ]
        },
    )
    assert sheet() == after


def test_unbalanced_journal_entry_is_refused(emu: QBOEmulator) -> None:
    lines = [
        {
            "Amount": 10,
            "DetailType": "JournalEntryLineDetail",
            "JournalEntryLineDetail": {"PostingType": "Debit", "AccountRef": {"value": "2"}},
        }
    ]
    response = Api(emu).post("journalentry", json={"Line": lines})
    assert response.status_code == 400
    assert response.json()["Fault"]["Error"][0]["code"] == "6000"


def test_bad_basis_and_bad_dates_are_refused(api: Api) -> None:
    assert api.get("reports/ProfitAndLoss", accounting_method="Modified").status_code == 400
    assert api.get("reports/ProfitAndLoss", start_date="2025-13-01").status_code == 400
    assert api.get("reports/GeneralLedgerFancy").status_code == 400


def test_other_seed_other_company_same_rules() -> None:
    with QBOEmulator(seed=99, start=START) as emu:
        report = Api(emu).get("reports/TrialBalance", end_date="2030-12-31").json()
        total = report["Rows"]["Row"][-1]["Summary"]["ColData"]
        assert total[1]["value"] == total[2]["value"]
