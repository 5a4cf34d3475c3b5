"""Every report stream of the tap lands in both engines: exact amounts, one row per key, vanished rows
flagged deleted with their last values kept."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from tap_quickbooks_online.report_windows import add_months
from tap_quickbooks_online.reports import REPORTS

from tests.emulators.qbo import QBOEmulator
from tests.tap.harness import RunResult, run_tap, tap_config

from .conftest import Harness

STREAMS = [r.stream_name for r in REPORTS]
FIRST = add_months(datetime.now(UTC).date().replace(day=1), -1)


@pytest.fixture
def qbo() -> Iterator[QBOEmulator]:
    with QBOEmulator(seed=7, scale=0.05, port=0) as emulator:
        yield emulator


def _sync(qbo: QBOEmulator, tmp_path: Path, state: dict[str, Any] | None = None) -> RunResult:
    config = tap_config(qbo, tmp_path, start_date=f"{FIRST.isoformat()}T00:00:00Z", report_interval=0)
    return run_tap(config, state=state, streams=STREAMS)


def _key(row: dict[str, Any]) -> tuple[str, str, str, str]:
    return (row["realm_id"], row["basis"], str(row["period_start"]), row["row_key"])


def test_every_report_stream_lands_and_vanished_rows_are_flagged(
    harness: Harness, qbo: QBOEmulator, tmp_path: Path
) -> None:
    day = FIRST.replace(day=12).isoformat()
    lines = [
        {
            "Amount": 321.45,
            "DetailType": "JournalEntryLineDetail",
            "JournalEntryLineDetail": {"PostingType": side, "AccountRef": {"value": account}},
        }
        for side, account in (("Debit", "33"), ("Credit", "1"))
    ]
    entry = qbo.mutate.create("JournalEntry", {"TxnDate": day, "Line": lines})
    first = _sync(qbo, tmp_path)
    harness.run(first.messages)
    for stream in STREAMS:
        landed = harness.rows(stream, order="row_key")
        sent = {_key(r): r for r in first.records[stream]}
        assert {_key(r) for r in landed} == set(sent), stream
        for row in landed:
            if row["amount"] is not None:
                assert row["amount"] == sent[_key(row)]["amount"], stream
    gl = harness.rows("general_ledger", order="row_key")
    mine = [r for r in gl if r["txn_id"] == entry["Id"] and r["txn_type"] == "Journal Entry"]
    assert sorted(r["amount"] for r in mine if r["basis"] == "Accrual") == [
        Decimal("-321.45"),
        Decimal("321.45"),
    ]
    assert all(r["row_path"] for r in gl)

    qbo.mutate.delete("JournalEntry", entry["Id"])
    second = _sync(qbo, tmp_path, first.state)
    harness.run(second.messages)
    gl = {_key(r): r for r in harness.rows("general_ledger", order="row_key")}
    gone = [r for k, r in gl.items() if r["txn_id"] == entry["Id"]]
    assert gone
    assert all(r["_sdc_deleted_at"] is not None for r in gone)
    assert {r["amount"] for r in gone if r["basis"] == "Accrual"} == {Decimal("-321.45"), Decimal("321.45")}
    live = {k for k, r in gl.items() if r["_sdc_deleted_at"] is None}
    assert live == {_key(r) for r in second.records["general_ledger"] if r["_sdc_deleted_at"] is None}
    pnl = harness.rows("profit_and_loss", order="row_key")
    interest = [r for r in pnl if r["account_id"] == "33" and str(r["period_start"]) == FIRST.isoformat()]
    assert interest
    assert all(r["_sdc_deleted_at"] is not None for r in interest)
