"""The generated company: deterministic, complete, internally consistent, shaped like real QBO records."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.emulators.qbo import QBOEmulator
from tests.emulators.qbo.company import Company
from tests.emulators.qbo.entities import SPECS
from tests.emulators.qbo.gen_lists import ACCT
from tests.emulators.qbo.gen_more import unwrapped
from tests.emulators.qbo.ledger import postings
from tests.emulators.qbo.timefmt import parse_ts

from .conftest import SAMPLES, START, record, sample

ROOT = Path(__file__).resolve().parents[2]
END = date(2026, 3, 10)


def test_same_seed_same_company_other_seed_other_company() -> None:
    a, b, c = Company(7, 1.0, END), Company(7, 1.0, END), Company(8, 1.0, END)
    for entity in ("Invoice", "Payment", "JournalEntry", "Customer", "BillPayment"):
        assert [a.tables[entity].build(i) for i in range(0, a.tables[entity].count, 97)] == [
            b.tables[entity].build(i) for i in range(0, b.tables[entity].count, 97)
        ]
    assert a.tables["Invoice"].build(5) != c.tables["Invoice"].build(5)


def test_a_150_person_firm_with_every_entity(emu: QBOEmulator) -> None:
    assert len(emu.store.all("Employee")) == 150
    for spec in SPECS:
        exists = not spec.multicurrency and (not spec.regions or "US" in spec.regions)
        assert bool(emu.store.all(spec.name)) == exists, f"{spec.name}: generated {not exists}"
    payroll = [je for je in emu.store.all("JournalEntry") if je["PrivateNote"] == "Payroll"]
    assert len(payroll) == 24
    assert 9000 < emu.store.company.transaction_count() < 11000
    assert Company(7, 2.0, END).transaction_count() > 1.9 * emu.store.company.transaction_count()


def test_common_fields_and_timestamps(emu: QBOEmulator) -> None:
    now = emu.clock.now()
    for spec in SPECS:
        for row in map(unwrapped, emu.store.all(spec.name)[:200]):
            assert {"Id", "SyncToken", "MetaData", "domain", "sparse"} <= set(row)
            assert row["Id"].isdigit()
            assert row["SyncToken"].isdigit()
            created, updated = (parse_ts(row["MetaData"][k]) for k in ("CreateTime", "LastUpdatedTime"))
            assert created <= updated <= now
            assert row["MetaData"]["LastUpdatedTime"][-6:] in ("-08:00", "-07:00")
            assert (row["SyncToken"] == "0") == (created == updated)


def test_payments_settle_their_invoices(emu: QBOEmulator) -> None:
    invoices = {i["Id"]: i for i in emu.store.all("Invoice")}
    payments = emu.store.all("Payment")
    assert payments
    for payment in payments:
        invoice = invoices[payment["Line"][0]["LinkedTxn"][0]["TxnId"]]
        assert (invoice["TotalAmt"], invoice["CustomerRef"], invoice["Balance"]) == (
            payment["TotalAmt"],
            payment["CustomerRef"],
            0,
        )
        assert invoice["LinkedTxn"] == [{"TxnId": payment["Id"], "TxnType": "Payment"}]
        assert payment["TxnDate"] >= invoice["TxnDate"]
    open_invoices = [i for i in invoices.values() if i["Balance"]]
    assert open_invoices
    assert all(i["Balance"] == i["TotalAmt"] and i["LinkedTxn"] == [] for i in open_invoices)


def test_record_keys_cover_real_sandbox_records(emu: QBOEmulator) -> None:
    streams = {
        "accounts": "Account",
        "credit_memos": "CreditMemo",
        "bills": "Bill",
        "bill_payments": "BillPayment",
    }
    optional = {"BillAddr", "ShipAddr", "CustomerMemo", "BillEmail"}  # address blocks on a few entities
    for line in (SAMPLES / "airbyte-expected-records.subset.jsonl").read_text().splitlines():
        row = json.loads(line)
        real, entity = row["data"], streams[row["stream"]]
        keys = set().union(*(set(r) for r in emu.store.all(entity)))
        assert set(real) - {"airbyte_cursor"} - optional <= keys, entity


def test_cli_prints_one_json_line_and_serves() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.emulators.qbo", "--port", "0", "--seed", "3"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        info = json.loads(process.stdout.readline())
        assert {
            "base_url",
            "token_url",
            "revoke_url",
            "realm_id",
            "client_id",
            "client_secret",
            "refresh_token",
            "admin_url",
        } <= set(info)
        token = requests.post(
            info["token_url"],
            data={"grant_type": "refresh_token", "refresh_token": info["refresh_token"]},
            auth=(info["client_id"], info["client_secret"]),
            timeout=10,
        ).json()["access_token"]
        url = f"{info['base_url']}/v3/company/{info['realm_id']}/query"
        body = requests.get(
            url,
            params={"query": "select count(*) from Employee where Active in (true,false)"},
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            timeout=10,
        ).json()
        assert body["QueryResponse"]["totalCount"] == 150
        assert requests.get(f"{info['admin_url']}/counters", timeout=10).json()["query"] == 1
    finally:
        process.terminate()
        assert process.wait(timeout=10) == 0


def test_emulators_do_not_share_changes() -> None:
    with QBOEmulator(start=START) as one, QBOEmulator(start=START) as two:
        one.mutate.update("Customer", "1", {"CompanyName": "Only here"})
        assert record(one, "Customer", "1")["CompanyName"] == "Only here"
        assert record(two, "Customer", "1")["CompanyName"] != "Only here"
        assert one.store.company is two.store.company


def _entity_sample(name: str) -> dict[str, Any]:
    body = sample(f"entities/{name}.json")
    if name == "RecurringTransaction":  # Intuit's sample object is a QueryResponse of wrapped elements
        found: dict[str, Any] = body["QueryResponse"]["RecurringTransaction"][0]
        return found
    return next(iter(v for k, v in body.items() if k != "time"))


@pytest.mark.parametrize(
    "entity", ["CreditCardPayment", "CustomerType", "Attachable", "ReimburseCharge", "RecurringTransaction"]
)
def test_new_entities_have_the_shape_of_intuits_samples(emu: QBOEmulator, entity: str) -> None:
    """The generated rows carry the top-level fields of Intuit's sample object (and only known ones)."""
    real = _entity_sample(entity)
    rows = emu.store.all(entity)
    assert rows
    ours = set().union(*(set(r) for r in rows))
    assert set(real) - ours == set()
    if entity == "RecurringTransaction":  # wrapped: compare the transaction inside, and its RecurringInfo
        inner, mine = real["Bill"], next(r["Bill"] for r in rows if "Bill" in r)
        assert set(inner) - set(mine) == set()
        assert set(inner["RecurringInfo"]) == set(mine["RecurringInfo"])
        assert set(inner["RecurringInfo"]["ScheduleInfo"]) == set(mine["RecurringInfo"]["ScheduleInfo"])
    assert all(unwrapped(r)["MetaData"]["LastUpdatedTime"] for r in rows)


def test_attachables_point_at_bills_and_card_payments_post_balanced(emu: QBOEmulator) -> None:
    bills = {b["Id"]: b for b in emu.store.all("Bill")}
    notes = emu.store.all("Attachable")
    assert len(notes) == len(bills) // 10
    for note in notes:
        target = note["AttachableRef"][0]["EntityRef"]
        assert target["type"] == "Bill"
        assert target["value"] in bills
        assert note["MetaData"]["CreateTime"][:10] == bills[target["value"]]["MetaData"]["CreateTime"][:10]
    card = str(ACCT["Corporate Card"])
    for payment in emu.store.all("CreditCardPayment"):
        posted = postings("CreditCardPayment", payment, {})
        assert sum(amount for _, amount in posted) == 0
        assert (card, payment["Amount"]) in posted
