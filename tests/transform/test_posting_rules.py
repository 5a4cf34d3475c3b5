"""The posting rules the emulator's company does not exercise, on a hand-made company landed through the real
target: discounts and sales tax on an invoice, a payment to Undeposited Funds then deposited with cash back,
a card refund (Purchase with Credit), a vendor credit, a journal entry to A/R naming a customer, a
soft-deleted invoice. target-databricks creates a table only for a stream with records, so every other stream
gets one soft-deleted row: its table exists and the models must leave that row out."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from tap_quickbooks_online.entities import ENTITIES, load_schema

from tests.transform.dbt import ROOT, dbt_env, warehouse

pytestmark = pytest.mark.slow
REALM = "4620816365000000001"
BIN = Path(sys.executable).parent


def ref(value: str) -> dict[str, str]:
    return {"value": value}


ACCOUNTS = [  # Id, Name, AccountType, AccountSubType, Classification
    ("1", "Checking", "Bank", "Checking", "Asset"),
    ("2", "Undeposited Funds", "Other Current Asset", "UndepositedFunds", "Asset"),
    ("3", "Accounts Receivable", "Accounts Receivable", "AccountsReceivable", "Asset"),
    ("4", "Accounts Payable", "Accounts Payable", "AccountsPayable", "Liability"),
    ("5", "Sales Tax Payable", "Other Current Liability", "SalesTaxPayable", "Liability"),
    ("6", "Services", "Income", "ServiceFeeIncome", "Revenue"),
    ("7", "Discounts Given", "Income", "DiscountsRefundsGiven", "Revenue"),
    ("8", "Supplies", "Expense", "SuppliesMaterials", "Expense"),
    ("9", "Card", "Credit Card", "CreditCard", "Liability"),
    ("10", "Retained Earnings", "Equity", "RetainedEarnings", "Equity"),
    ("11", "Bank Charges", "Expense", "BankCharges", "Expense"),
]


def line(n: int, amount: str, detail: str, body: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"Id": str(n), "LineNum": n, "Amount": amount, "DetailType": detail, detail: body, **extra}


def expense(n: int, amount: str, account: str) -> dict[str, Any]:
    return line(n, amount, "AccountBasedExpenseLineDetail", {"AccountRef": ref(account)})


INVOICE = {
    "Id": "1", "TxnDate": "2026-01-10", "CustomerRef": ref("1"), "TotalAmt": "97.20",
    "TxnTaxDetail": {"TotalTax": "7.20"}, "DueDate": "2026-02-09",
    "Line": [
        line(1, "100.00", "SalesItemLineDetail", {"ItemRef": ref("1"), "Qty": "1", "UnitPrice": "100"}),
        line(2, "10.00", "DiscountLineDetail", {"DiscountAccountRef": ref("7"), "PercentBased": False}),
    ],
}
RECORDS: dict[str, list[dict[str, Any]]] = {
    "accounts": [
        {"Id": i, "Name": n, "AccountType": t, "AccountSubType": st, "Classification": c, "Active": True}
        for i, n, t, st, c in ACCOUNTS
    ],
    "items": [{"Id": "1", "Name": "Consulting", "Type": "Service", "IncomeAccountRef": ref("6")}],
    "customers": [{"Id": "1", "DisplayName": "Acme"}],
    "vendors": [{"Id": "1", "DisplayName": "Paper Co"}],
    "company_info": [{"Id": "1", "CompanyName": "Test Co", "FiscalYearStartMonth": "January"}],
    "preferences": [{"Id": "1", "CurrencyPrefs": {"HomeCurrency": ref("USD")}}],
    "invoices": [INVOICE, {**INVOICE, "Id": "2", "_sdc_deleted_at": "2026-01-15T00:00:00Z"}],
    "payments": [{
        "Id": "1", "TxnDate": "2026-01-20", "CustomerRef": ref("1"), "TotalAmt": "97.20", "UnappliedAmt": "0",
        "Line": [{"Amount": "97.20", "LinkedTxn": [{"TxnId": "1", "TxnType": "Invoice"}]}],
    }],
    "deposits": [{
        "Id": "1", "TxnDate": "2026-01-21", "DepositToAccountRef": ref("1"), "TotalAmt": "95.20",
        "CashBack": {"AccountRef": ref("11"), "Amount": "2.00"},
        "Line": [{"Id": "1", "Amount": "97.20", "LinkedTxn": [{"TxnId": "1", "TxnType": "Payment"}]}],
    }],
    "purchases": [
        {"Id": "1", "TxnDate": "2026-01-05", "AccountRef": ref("9"), "PaymentType": "CreditCard",
         "EntityRef": {"value": "1", "type": "Vendor"}, "Credit": False, "TotalAmt": "50.00",
         "Line": [expense(1, "50.00", "8")]},
        {"Id": "2", "TxnDate": "2026-01-06", "AccountRef": ref("9"), "PaymentType": "CreditCard",
         "Credit": True, "TotalAmt": "30.00", "Line": [expense(1, "30.00", "8")]},
    ],
    "bills": [{"Id": "1", "TxnDate": "2026-01-07", "VendorRef": ref("1"), "TotalAmt": "40.00",
               "DueDate": "2026-02-06", "Line": [expense(1, "40.00", "8")]}],
    "vendor_credits": [{"Id": "1", "TxnDate": "2026-01-08", "VendorRef": ref("1"), "TotalAmt": "15.00",
                        "Line": [expense(1, "15.00", "8")]}],
    "journal_entries": [{
        "Id": "1", "TxnDate": "2026-01-31", "TotalAmt": "25.00",
        "Line": [
            line(1, "25.00", "JournalEntryLineDetail", {
                "PostingType": "Debit", "AccountRef": ref("3"),
                "Entity": {"Type": "Customer", "EntityRef": ref("1")}}),
            line(2, "25.00", "JournalEntryLineDetail", {"PostingType": "Credit", "AccountRef": ref("6")}),
        ],
    }],
}
EXPECTED_LEGS = {  # (txn_type, txn_id) -> {account: debit-positive amount}
    ("Invoice", "1"): {"3": "97.20", "6": "-100.00", "7": "10.00", "5": "-7.20"},
    ("Payment", "1"): {"2": "97.20", "3": "-97.20"},
    ("Deposit", "1"): {"1": "95.20", "11": "2.00", "2": "-97.20"},
    ("Purchase", "1"): {"8": "50.00", "9": "-50.00"},
    ("Purchase", "2"): {"8": "-30.00", "9": "30.00"},
    ("Bill", "1"): {"8": "40.00", "4": "-40.00"},
    ("VendorCredit", "1"): {"8": "-15.00", "4": "15.00"},
    ("JournalEntry", "1"): {"3": "25.00", "6": "-25.00"},
}


MONEY = {"Amount", "TotalAmt", "TotalTax", "UnappliedAmt", "Qty", "UnitPrice"}


def numbers(node: Any) -> Any:
    """Money written as JSON numbers (the amounts above are exact in their shortest float form)."""
    if isinstance(node, dict):
        return {k: float(v) if k in MONEY else numbers(v) for k, v in node.items()}
    if isinstance(node, list):
        return [numbers(item) for item in node]
    return node


def singer_messages() -> str:
    out = []
    for entity in ENTITIES:
        out.append({"type": "SCHEMA", "stream": entity.stream_name, "schema": load_schema(entity),
                    "key_properties": ["realm_id", "Id"], "bookmark_properties": ["LastUpdatedTime"]})
        placeholder = {"Id": "999", "_sdc_deleted_at": "2026-01-31T00:00:00Z"}
        for record in RECORDS.get(entity.stream_name, [placeholder]):
            body = {"realm_id": REALM, "SyncToken": "0", "LastUpdatedTime": "2026-02-01T00:00:00Z", **record}
            out.append({"type": "RECORD", "stream": entity.stream_name, "record": numbers(body)})
    return "\n".join(json.dumps(m) for m in out) + "\n"


def test_posting_rules_on_a_hand_made_company(tmp_path: Path) -> None:
    config = {"engine": "delta", "delta_root": str(tmp_path / "delta"), "catalog": "main",
              "schema": "quickbooks", "quarantine_path": str(tmp_path / "quarantine")}
    (tmp_path / "target.json").write_text(json.dumps(config))
    landed = subprocess.run(
        [str(BIN / "target-databricks"), "--config", str(tmp_path / "target.json")],
        input=singer_messages(), capture_output=True, text=True, timeout=300, check=False,
    )
    assert landed.returncode == 0, landed.stderr[-3000:]
    env = dbt_env(tmp_path / "delta", tmp_path, DBT_AS_OF_DATE="2026-01-31")
    built = subprocess.run([str(BIN / "dbt"), "build"], cwd=ROOT, env=env, capture_output=True, text=True,
                           timeout=600, check=False)
    assert built.returncode == 0, built.stdout[-6000:]

    with warehouse(tmp_path) as con:
        legs = con.execute(
            "select txn_type, txn_id, account_id, sum(amount_home), max(customer_id) from general_ledger "
            "group by all"
        ).fetchall()
        tb = dict(con.execute(
            "select account_id, balance from trial_balance where period_end = date '2026-01-31'").fetchall())
        aging = con.execute(
            "select txn_type, txn_id, open_amount, aging_bucket from open_payables").fetchall()
    got: dict[tuple[str, str], dict[str, Decimal]] = {}
    for txn_type, txn_id, account, amount, _ in legs:
        got.setdefault((txn_type, txn_id), {})[account] = amount
    assert got == {k: {a: Decimal(v) for a, v in accounts.items()} for k, accounts in EXPECTED_LEGS.items()}
    assert ("JournalEntry", "1", "3", Decimal("25.00"), "1") in legs  # the A/R line keeps its customer
    assert "2" not in tb  # the deposit empties Undeposited Funds (zero balances are left out)
    assert tb["3"] == Decimal("25.00")
    assert sorted(aging) == [("Bill", "1", Decimal("40.00"), "Current"),
                             ("VendorCredit", "1", Decimal("-15.00"), "1-30")]
