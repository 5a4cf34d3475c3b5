"""`meltano run tap-quickbooks-online target-databricks` end to end: the QBO emulator into local Delta."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest

from tests.e2e.conftest import MeltanoProject
from tests.e2e.helpers import read_table, rows_by_id, tap_env
from tests.emulators.qbo import QBOEmulator

STREAMS = {
    "Account": "accounts", "Customer": "customers", "Vendor": "vendors", "Department": "departments",
    "Invoice": "invoices", "Bill": "bills", "Payment": "payments", "BillPayment": "bill_payments",
    "Purchase": "purchases", "JournalEntry": "journal_entries", "Employee": "employees",
}


@pytest.fixture
def emu() -> Iterator[QBOEmulator]:
    with QBOEmulator(seed=11) as emulator:
        yield emulator


def run_job(meltano: MeltanoProject, *, reports: bool = False) -> None:
    """The entities (the everyday run); with `reports`, QuickBooks' reports too, as the project's job does."""
    pairs = ["tap-quickbooks-online", "target-databricks"]
    meltano.run("run", *pairs, *(["tap-quickbooks-online--reports", "target-databricks"] if reports else []))


def assert_tables_equal_emulator(meltano: MeltanoProject, emu: QBOEmulator) -> None:
    for entity, stream in STREAMS.items():
        source = {r["Id"]: r for r in emu.store.all(entity)}
        landed = rows_by_id(meltano.delta_schema_dir, stream)
        live = {i for i, r in landed.items() if r.get("_sdc_deleted_at") is None}
        assert live == set(source), f"{stream}: landed ids differ from the emulator's"
        for record_id, record in source.items():
            assert landed[record_id]["SyncToken"] == record["SyncToken"], f"{stream} {record_id} is stale"


def assert_report_tables_balance(meltano: MeltanoProject) -> None:
    """The report streams landed too; each month's trial balance (data rows) nets to zero."""
    for stream in ("profit_and_loss", "balance_sheet", "cash_flow", "general_ledger", "aged_receivables"):
        assert read_table(meltano.delta_schema_dir, stream).num_rows > 0, stream
    net: dict[tuple[str, str], Decimal] = {}
    for row in read_table(meltano.delta_schema_dir, "trial_balance").to_pylist():
        if row["row_kind"] == "data" and row["_sdc_deleted_at"] is None:
            key = (row["basis"], str(row["period_start"]))
            net[key] = net.get(key, Decimal(0)) + row["amount"]
    assert net
    assert set(net.values()) == {Decimal(0)}


@pytest.mark.timeout(900)  # three Meltano runs; full syncs include report backfills and retire versions
def test_full_then_incremental_then_state_reset_converges(meltano: MeltanoProject, emu: QBOEmulator) -> None:
    meltano.env.update(tap_env(emu))
    run_job(meltano, reports=True)
    assert_tables_equal_emulator(meltano, emu)
    invoices = read_table(meltano.delta_schema_dir, "invoices")
    assert str(invoices.schema.field("TotalAmt").type).startswith("decimal")
    expected_total = sum(Decimal(str(r["TotalAmt"])) for r in emu.store.all("Invoice"))
    assert sum(invoices.column("TotalAmt").to_pylist()) == expected_total
    assert_report_tables_balance(meltano)

    invoice, bill = emu.store.all("Invoice")[0], emu.store.all("Bill")[0]
    created = emu.mutate.create("Invoice", {
        "CustomerRef": invoice["CustomerRef"], "Line": invoice["Line"], "TxnDate": invoice["TxnDate"]})
    emu.mutate.void("Invoice", invoice["Id"])
    emu.mutate.delete("Bill", bill["Id"])
    emu.clock.advance(60)
    meltano.env["TAP_QUICKBOOKS_ONLINE_CDC_INTERVAL"] = "0"
    calls_before = sum(emu.counters().values())
    reports_before = emu.counters().get("report", 0)
    run_job(meltano)
    assert sum(emu.counters().values()) - calls_before <= 5, emu.counters()
    assert emu.counters().get("report", 0) == reports_before  # the everyday run leaves reports alone
    landed_invoices = rows_by_id(meltano.delta_schema_dir, "invoices")
    assert created["Id"] in landed_invoices
    assert landed_invoices[invoice["Id"]]["TotalAmt"] == 0
    assert rows_by_id(meltano.delta_schema_dir, "bills")[bill["Id"]]["_sdc_deleted_at"] is not None
    assert_tables_equal_emulator(meltano, emu)

    before = {s: rows_by_id(meltano.delta_schema_dir, s) for s in STREAMS.values()}
    meltano.run("state", "clear", "--force", "dev:tap-quickbooks-online-to-target-databricks")
    run_job(meltano)
    after = {s: rows_by_id(meltano.delta_schema_dir, s) for s in STREAMS.values()}
    assert_tables_equal_emulator(meltano, emu)
    for stream in STREAMS.values():
        assert set(after[stream]) == set(before[stream]), stream
        for record_id, row in before[stream].items():
            assert after[stream][record_id]["SyncToken"] == row["SyncToken"], (stream, record_id)
