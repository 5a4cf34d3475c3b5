"""The Reports API: every report against Intuit's sample shapes and against the emulator's own ledger."""

from __future__ import annotations

import json
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.emulators.qbo import QBOEmulator
from tests.emulators.qbo.ledger import ledger

from .conftest import SAMPLES, Api

REPORT_SAMPLES = Path(SAMPLES) / "reports"
D = Decimal


def real(name: str) -> dict[str, Any]:
    return dict(json.loads((REPORT_SAMPLES / f"{name}.json").read_text()))


def get(api: Api, name: str, **params: Any) -> dict[str, Any]:
    response = api.get(f"reports/{name}", **params)
    assert response.status_code == 200, response.text
    return dict(response.json())


def walk(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for row in rows:
        out.append(row)
        out += walk(row.get("Rows", {}).get("Row", []))
    return out


def summary(report: dict[str, Any], group: str) -> list[Decimal]:
    row = next(r for r in walk(report["Rows"]["Row"]) if r.get("group") == group)
    cells = (row.get("Summary") or row)["ColData"][1:]
    return [D(c["value"] or 0) for c in cells]


def account_values(report: dict[str, Any]) -> dict[str, list[Decimal]]:
    return {
        r["ColData"][0]["id"]: [D(c["value"] or 0) for c in r["ColData"][1:]]
        for r in walk(report["Rows"]["Row"])
        if "ColData" in r and r["ColData"][0].get("id")
    }


def ledger_sum(emu: QBOEmulator, accounts: set[str], start: str, end: str) -> Decimal:
    return sum(
        (v for (a, day), v in ledger(emu.store).items() if a in accounts and start <= day <= end), D(0)
    )


def of_class(emu: QBOEmulator, *classes: str) -> set[str]:
    return {a["Id"] for a in emu.store.all("Account") if a["Classification"] in classes}


def test_by_month_pnl_has_a_column_per_month_plus_total_and_ties_to_the_ledger(
    emu: QBOEmulator, api: Api
) -> None:
    report = get(
        api, "ProfitAndLoss", start_date="2025-04-15", end_date="2025-07-31", summarize_column_by="Month"
    )
    cols = report["Columns"]["Column"]
    assert [c["ColTitle"] for c in cols] == ["", "Apr 2025", "May 2025", "Jun 2025", "Jul 2025", "Total"]
    assert cols[1]["MetaData"][:2] == [
        {"Name": "StartDate", "Value": "2025-04-15"},
        {"Name": "EndDate", "Value": "2025-04-30"},
    ]
    assert report["Header"]["SummarizeColumnsBy"] == "Month"
    for values in account_values(report).values():
        assert sum(values[:-1], D(0)) == values[-1]
    net = summary(report, "NetIncome")
    months = [
        ("2025-04-15", "2025-04-30"),
        ("2025-05-01", "2025-05-31"),
        ("2025-06-01", "2025-06-30"),
        ("2025-07-01", "2025-07-31"),
    ]
    profit = of_class(emu, "Revenue", "Expense")
    assert net[:-1] == [-ledger_sum(emu, profit, s, e) for s, e in months]
    assert net[-1] == -ledger_sum(emu, profit, "2025-04-15", "2025-07-31") != 0


@pytest.mark.parametrize(
    ("by", "titles"),
    [
        ("Quarter", ["Jan - Mar 2025", "Apr - Jun 2025", "Total"]),
        ("Year", ["2024", "2025", "Total"]),
        ("Week", ["Jun 1 - Jun 7, 2025", "Jun 8 - Jun 10, 2025", "Total"]),
        ("Days", ["Jun 1, 2025", "Jun 2, 2025", "Total"]),
    ],
)
def test_period_columns(api: Api, by: str, titles: list[str]) -> None:
    dates = {
        "Quarter": ("2025-01-01", "2025-06-30"),
        "Year": ("2024-12-01", "2025-02-28"),
        "Week": ("2025-06-01", "2025-06-10"),
        "Days": ("2025-06-01", "2025-06-02"),
    }[by]
    report = get(api, "ProfitAndLoss", start_date=dates[0], end_date=dates[1], summarize_column_by=by)
    assert [c["ColTitle"] for c in report["Columns"]["Column"][1:]] == titles


def test_by_department_columns_add_up_to_the_total(api: Api) -> None:
    report = get(
        api,
        "ProfitAndLoss",
        start_date="2025-06-01",
        end_date="2025-06-30",
        summarize_column_by="Departments",
    )
    titles = [c["ColTitle"] for c in report["Columns"]["Column"][1:]]
    assert "Advisory" in titles
    assert titles[-2:] == ["Not Specified", "Total"]
    totals = {r["ColData"][0]["id"]: r["ColData"] for r in walk(report["Rows"]["Row"]) if "ColData" in r}
    for cells in totals.values():
        assert sum((D(c["value"] or 0) for c in cells[1:-1]), D(0)) == D(cells[-1]["value"] or 0)
    plain = get(api, "ProfitAndLoss", start_date="2025-06-01", end_date="2025-06-30")
    assert summary(report, "NetIncome")[-1] == summary(plain, "NetIncome")[0]


def test_trial_balance_nets_to_zero_on_both_bases_and_by_month(api: Api) -> None:
    for basis in ("Accrual", "Cash"):
        report = get(api, "TrialBalance", end_date="2026-02-28", accounting_method=basis)
        assert report["Header"]["ReportBasis"] == basis
        total = summary(report, "GrandTotal")
        assert total[0] == total[1] > 0
        sample = real("TrialBalance")
        assert [c["ColTitle"] for c in report["Columns"]["Column"]] == [
            c["ColTitle"] for c in sample["Columns"]["Column"]
        ]
        assert set(report["Rows"]["Row"][0]) == set(sample["Rows"]["Row"][0]) == {"ColData"}
    monthly = get(
        api, "TrialBalance", start_date="2025-10-01", end_date="2025-12-31", summarize_column_by="Month"
    )
    cols = monthly["Columns"]["Column"]
    assert [c["ColTitle"] for c in cols[1:]] == ["Oct 2025", "Nov 2025", "Dec 2025"]
    assert [s["ColTitle"] for s in cols[1]["Columns"]["Column"]] == ["Debit", "Credit"]
    grand = summary(monthly, "GrandTotal")
    assert grand[0::2] == grand[1::2]
    december = get(api, "TrialBalance", start_date="2025-12-01", end_date="2025-12-31")
    assert summary(december, "GrandTotal") == grand[4:6]


def test_balance_sheet_balances_by_month_and_matches_the_ledger(emu: QBOEmulator, api: Api) -> None:
    for basis in ("Accrual", "Cash"):
        report = get(
            api,
            "BalanceSheet",
            start_date="2025-10-01",
            end_date="2025-12-31",
            summarize_column_by="Month",
            accounting_method=basis,
        )
        assert summary(report, "TotalAssets") == summary(report, "TotalLiabilitiesAndEquity")
    accrual = account_values(
        report
        if basis == "Accrual"
        else get(
            api, "BalanceSheet", start_date="2025-10-01", end_date="2025-12-31", summarize_column_by="Month"
        )
    )
    checking = {"1"}
    assert accrual["1"][1] == ledger_sum(emu, checking, "", "2025-11-30")
    sample = real("BalanceSheet")
    assert set(report["Header"]) >= set(sample["Header"]) - {"DateMacro"}
    assert [r["group"] for r in report["Rows"]["Row"]] == [r["group"] for r in sample["Rows"]["Row"]]


def _invoice(emu: QBOEmulator, day: str, amount: int) -> dict[str, Any]:
    line = {
        "Amount": amount,
        "DetailType": "SalesItemLineDetail",
        "SalesItemLineDetail": {"ItemRef": {"value": "1"}, "Qty": 1, "UnitPrice": amount},
    }
    return emu.mutate.create("Invoice", {"CustomerRef": {"value": "1"}, "TxnDate": day, "Line": [line]})


def test_cash_and_accrual_differ_exactly_where_they_should(emu: QBOEmulator, api: Api) -> None:
    def income(basis: str, start: str, end: str) -> Decimal:
        return summary(
            get(api, "ProfitAndLoss", start_date=start, end_date=end, accounting_method=basis), "Income"
        )[0]

    june, august = ("2025-06-01", "2025-06-30"), ("2025-08-01", "2025-08-31")
    before = {(b, m): income(b, *m) for b in ("Accrual", "Cash") for m in (june, august)}
    invoice = _invoice(emu, "2025-06-15", 1000)
    assert income("Accrual", *june) == before[("Accrual", june)] + 1000
    assert income("Cash", *june) == before[("Cash", june)]
    emu.mutate.create(
        "Payment",
        {
            "CustomerRef": {"value": "1"},
            "TotalAmt": 400,
            "TxnDate": "2025-08-10",
            "DepositToAccountRef": {"value": "1"},
            "Line": [{"Amount": 400, "LinkedTxn": [{"TxnId": invoice["Id"], "TxnType": "Invoice"}]}],
        },
    )
    assert income("Cash", *august) == before[("Cash", august)] + 400
    assert income("Accrual", *august) == before[("Accrual", august)]
    cash_tb = account_values(get(api, "TrialBalance", end_date="2026-02-28", accounting_method="Cash"))
    accrual_tb = account_values(get(api, "TrialBalance", end_date="2026-02-28"))
    assert "3" not in cash_tb, "on the cash basis nothing sits in A/R"
    assert "7" not in cash_tb, "nor in A/P"
    assert accrual_tb["3"][0] > 0


def test_cash_basis_expenses_post_when_bills_are_paid(api: Api) -> None:
    def expenses(basis: str) -> Decimal:
        report = get(
            api, "ProfitAndLoss", start_date="2025-01-01", end_date="2026-03-09", accounting_method=basis
        )
        return summary(report, "Expenses")[0] + summary(report, "COGS")[0]

    def open_bills() -> Decimal:
        return summary(get(api, "AgedPayables", report_date="2026-03-09"), "GrandTotal")[-1]

    # Bills are paid in full or not at all and vendor credits stay open: both count only on accrual.
    assert expenses("Accrual") - expenses("Cash") == open_bills() != 0


def test_cash_flow_explains_the_change_in_cash(emu: QBOEmulator, api: Api) -> None:
    report = get(api, "CashFlow", start_date="2025-09-01", end_date="2025-11-30", summarize_column_by="Month")
    assert "ReportBasis" not in report["Header"]
    assert report["Header"]["SummarizeColumnsBy"] == "Month"
    increase, begin, end = (
        summary(report, "CashIncrease"),
        summary(report, "BeginningCash"),
        summary(report, "EndingCash"),
    )
    banks = {"1", "2"}
    months = [("2025-09-01", "2025-09-30"), ("2025-10-01", "2025-10-31"), ("2025-11-01", "2025-11-30")]
    assert increase[:3] == [ledger_sum(emu, banks, s, e) for s, e in months]
    assert increase[3] == sum(increase[:3], D(0))
    assert begin[0] == ledger_sum(emu, banks, "", "2025-08-31")
    assert begin[3] == begin[0]
    assert end == [b + i for b, i in zip(begin, increase, strict=True)]
    groups = [r.get("group") for r in report["Rows"]["Row"]]
    assert groups[0] == "OperatingActivities"
    assert groups[-3:] == [
        "CashIncrease",
        "BeginningCash",
        "EndingCash",
    ]


def test_general_ledger_sections_tie_to_postings_and_columns_are_selectable(
    emu: QBOEmulator, api: Api
) -> None:
    report = get(
        api,
        "GeneralLedger",
        start_date="2025-06-01",
        end_date="2025-06-30",
        columns="tx_date,txn_type,doc_num,name,memo,account_name,split_acc,klass_name,dept_name,debt_amt,credit_amt,subt_nat_amount",
    )
    keys = [c["ColType"] for c in report["Columns"]["Column"]]
    assert keys[:3] == ["tx_date", "txn_type", "doc_num"]
    assert report["Header"]["ReportBasis"] == "Accrual"
    for section in report["Rows"]["Row"]:
        account = section["Header"]["ColData"][0]["id"]
        data = [r["ColData"] for r in section["Rows"]["Row"] if r["ColData"][1].get("id")]
        amounts = sum((D(c[keys.index("subt_nat_amount")]["value"]) for c in data), D(0))
        assert amounts == ledger_sum(emu, {account}, "2025-06-01", "2025-06-30")
        for cells in data:
            debit, credit = (D(cells[keys.index(k)]["value"] or 0) for k in ("debt_amt", "credit_amt"))
            assert debit - credit == D(cells[keys.index("subt_nat_amount")]["value"])
    assert api.get("reports/GeneralLedger", columns="tx_date,bogus").status_code == 400


def test_detail_reports_balance(api: Api) -> None:
    journal = get(api, "JournalReport", start_date="2025-06-01", end_date="2025-06-07")
    total = journal["Rows"]["Row"][-1]["Summary"]["ColData"]
    assert total[0]["value"] == "TOTAL"
    assert total[-1]["value"] == total[-2]["value"] != ".00"
    assert any(r.get("ColData", [{}])[0].get("value") == "0-00-00" for r in journal["Rows"]["Row"])
    pnl = get(api, "ProfitAndLoss", start_date="2025-06-01", end_date="2025-06-30")
    detail = get(api, "ProfitAndLossDetail", start_date="2025-06-01", end_date="2025-06-30")
    net = detail["Rows"]["Row"][-1]["Summary"]["ColData"]
    assert D(net[6]["value"]) == summary(pnl, "NetIncome")[0]
    assert all("group" not in r for r in walk(detail["Rows"]["Row"]))
    listing = get(api, "TransactionList", start_date="2025-06-01", end_date="2025-06-07")
    assert len(listing["Rows"]["Row"]) == len(
        {(r["ColData"][1]["value"], r["ColData"][1]["id"]) for r in listing["Rows"]["Row"]}
    )
    accounts = get(api, "AccountList")
    sample = real("AccountList")
    assert set(accounts["Header"]) == set(sample["Header"])
    assert len(accounts["Rows"]["Row"]) == 33


def test_aging_ties_to_the_control_accounts_and_follows_intuits_shape(emu: QBOEmulator, api: Api) -> None:
    for name, control in (("AgedReceivables", "3"), ("AgedPayables", "7")):
        report = get(api, name, report_date="2026-01-31")
        sample = real(name)
        assert [c["ColTitle"] for c in report["Columns"]["Column"]] == [
            c["ColTitle"] for c in sample["Columns"]["Column"]
        ]
        assert set(report["Rows"]["Row"][0]) == {"ColData"}
        assert report["Header"]["Option"][0] == {"Name": "report_date", "Value": "2026-01-31"}
        total = summary(report, "GrandTotal")
        sign = 1 if control == "3" else -1
        assert total[-1] == sign * ledger_sum(emu, {control}, "", "2026-01-31") != 0
        assert sum(total[:-1], D(0)) == total[-1]
    detail = get(api, "AgedReceivableDetail", report_date="2026-01-31", aging_period="15", num_periods="3")
    heads = [r["Header"]["ColData"][0]["value"] for r in detail["Rows"]["Row"]]
    assert heads[-2:] == ["Current", "Total for Current"]
    assert set(heads) <= {
        "Current",
        "1 - 15 days past due",
        "16 - 30 days past due",
        "31 or more days past due",
    } | {
        f"Total for {h}"
        for h in ("Current", "1 - 15 days past due", "16 - 30 days past due", "31 or more days past due")
    }
    sample = real("AgedReceivableDetail")
    assert set(detail["Header"]) == set(sample["Header"])
    assert detail["Header"]["EndPeriod"] == "2026-01-31"
    assert detail["Rows"]["Row"][1]["Rows"] == {}
    assert "Summary" not in detail["Rows"]["Row"][1]
    balances = get(api, "CustomerBalance", report_date="2026-01-31")
    assert (
        summary(balances, "GrandTotal")[-1]
        == summary(get(api, "AgedReceivables", report_date="2026-01-31"), "GrandTotal")[-1]
    )


def test_parameters_filters_and_macros(emu: QBOEmulator, api: Api) -> None:
    report = get(api, "ProfitAndLoss", date_macro="Last Month")
    assert (report["Header"]["StartPeriod"], report["Header"]["EndPeriod"]) == ("2026-02-01", "2026-02-28")
    assert report["Header"]["DateMacro"] == "last month"
    customer = get(api, "ProfitAndLoss", start_date="2025-01-01", end_date="2025-12-31", customer="1")
    assert customer["Header"]["Customer"] == "1"
    mine = [
        i
        for i in emu.store.all("Invoice") + emu.store.all("SalesReceipt")
        if i["CustomerRef"]["value"] == "1" and "2025-01-01" <= i["TxnDate"] <= "2025-12-31"
    ]
    credits = [
        c
        for c in emu.store.all("CreditMemo") + emu.store.all("RefundReceipt")
        if c["CustomerRef"]["value"] == "1" and "2025-01-01" <= c["TxnDate"] <= "2025-12-31"
    ]
    expected = sum((D(str(i["TotalAmt"])) for i in mine), D(0)) - sum(
        (D(str(c["TotalAmt"])) for c in credits), D(0)
    )
    assert summary(customer, "Income")[0] == expected
    for bad in (
        {"summarize_column_by": "Fortnight"},
        {"accounting_method": "Modified"},
        {"date_macro": "Soon"},
        {"start_date": "2025-05-01", "end_date": "2025-04-01"},
        {"customer": "x"},
    ):
        assert api.get("reports/ProfitAndLoss", **bad).status_code == 400, bad
    assert api.get("reports/NoSuchReport").status_code == 400


def test_too_large_a_report_is_cut_with_intuits_message(emu: QBOEmulator, api: Api) -> None:
    emu.api.reports.max_cells = 2000
    report = get(api, "GeneralLedger", start_date="2025-01-01", end_date="2025-12-31")
    last = walk(report["Rows"]["Row"])[-1]
    assert last["ColData"][0]["value"] == "Unable to display more data. Please reduce the date range."
    emu.api.reports.max_cells = None
    whole = get(api, "GeneralLedger", start_date="2025-01-01", end_date="2025-12-31")
    assert len(walk(whole["Rows"]["Row"])) > len(walk(report["Rows"]["Row"]))


def test_reports_are_throttled_and_faulted_like_queries(emu: QBOEmulator, api: Api) -> None:
    emu.faults.fail_next("report", status=503)
    assert api.get("reports/TrialBalance").status_code == 503
    assert api.get("reports/TrialBalance").status_code == 200
    assert emu.counters()["report"] == 2


def test_report_totals_follow_the_overlay(emu: QBOEmulator, api: Api) -> None:
    before = get(api, "GeneralLedger", start_date="2025-06-01", end_date="2025-06-30", account="3")
    invoice = _invoice(emu, "2025-06-20", 250)
    after = get(api, "GeneralLedger", start_date="2025-06-01", end_date="2025-06-30", account="3")
    txns = defaultdict(set)
    for report, key in ((before, "before"), (after, "after")):
        for row in walk(report["Rows"]["Row"]):
            if "ColData" in row and row["ColData"][1].get("id"):
                txns[key].add((row["ColData"][1]["value"], row["ColData"][1]["id"]))
    assert txns["after"] - txns["before"] == {("Invoice", invoice["Id"])}


def test_payable_detail_and_balance_reports_follow_intuits_shape(api: Api) -> None:
    detail = get(api, "AgedPayableDetail", report_date="2026-01-31", columns="vend_name,due_date")
    sample = real("AgedPayableDetail")
    assert detail["Columns"] == sample["Columns"]
    assert set(detail["Header"]) == set(sample["Header"])
    for row, like in zip(detail["Rows"]["Row"][:2], sample["Rows"]["Row"][:2], strict=True):
        assert set(row) == set(like)
        assert row["Header"]["ColData"][0]["value"].endswith("days past due")
    first_bucket = detail["Rows"]["Row"][0]["Rows"]["Row"]
    assert set(first_bucket[0]["ColData"][0]) == {"id", "value"}
    for name in ("CustomerBalance", "VendorBalance"):
        report = get(api, name, report_date="2026-01-31")
        assert [c["ColTitle"] for c in report["Columns"]["Column"]] == ["", "Total"]
        assert report["Rows"]["Row"][-1]["group"] == "GrandTotal"
        rows = report["Rows"]["Row"][:-1]
        assert sum((D(r["ColData"][1]["value"]) for r in rows), D(0)) == summary(report, "GrandTotal")[0]
    balances = get(api, "CustomerBalance", customer="1", date_macro="Today")
    assert set(balances["Header"]) == set(real("CustomerBalance")["Header"])
    aged = get(api, "AgedPayables", date_macro="Today")
    assert set(aged["Header"]) == set(real("AgedPayables")["Header"])


def test_balance_sheet_by_class_adds_a_total_that_matches_the_plain_sheet(api: Api) -> None:
    by_class = get(api, "BalanceSheet", end_date="2026-02-28", summarize_column_by="Classes")
    titles = [c["ColTitle"] for c in by_class["Columns"]["Column"][1:]]
    assert titles[-1] == "Total"
    assert "Strategy" in titles
    plain = get(api, "BalanceSheet", end_date="2026-02-28")
    assert summary(by_class, "TotalAssets")[-1] == summary(plain, "TotalAssets")[0]
    assert summary(by_class, "TotalAssets")[:-1] == summary(by_class, "TotalLiabilitiesAndEquity")[:-1]
    customers = get(
        api, "ProfitAndLoss", start_date="2025-06-01", end_date="2025-06-30", summarize_column_by="Customers"
    )
    assert (
        summary(customers, "Income")[-1]
        == summary(get(api, "ProfitAndLoss", start_date="2025-06-01", end_date="2025-06-30"), "Income")[0]
    )


def test_item_filter_keeps_that_items_income(emu: QBOEmulator, api: Api) -> None:
    item = emu.store.get("Item", "1")
    assert item is not None
    report = get(api, "ProfitAndLoss", start_date="2025-06-01", end_date="2025-06-30", item="1")
    assert report["Header"]["Item"] == "1"
    income = account_values(report)
    assert set(income) == {item["IncomeAccountRef"]["value"]}
    lines = [
        D(str(line["Amount"]))
        for entity in ("Invoice", "SalesReceipt")
        for record in emu.store.all(entity)
        if "2025-06-01" <= record["TxnDate"] <= "2025-06-30"
        for line in record["Line"]
        if line.get("SalesItemLineDetail", {}).get("ItemRef", {}).get("value") == "1"
    ]
    credits = [
        D(str(line["Amount"]))
        for entity in ("CreditMemo", "RefundReceipt")
        for record in emu.store.all(entity)
        if "2025-06-01" <= record["TxnDate"] <= "2025-06-30"
        for line in record["Line"]
        if line.get("SalesItemLineDetail", {}).get("ItemRef", {}).get("value") == "1"
    ]
    assert summary(report, "Income")[0] == sum(lines, D(0)) - sum(credits, D(0)) > 0
