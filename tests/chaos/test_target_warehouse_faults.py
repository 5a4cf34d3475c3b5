"""Warehouse faults in the middle of one step (the emulator's `only_statement`), then a normal run.

A lost reply is the hard case: the statement ran, the client saw a reset connection and retries it. Every
write must therefore be safe to run twice: the version-guarded MERGE, the keyless append (an insert-only
MERGE on the target's `_sdc_sequence`), the audit row (keyed by run, batch and status), the PUT.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from target_databricks import errors

from tests.chaos.target_harness import (
    Truth,
    assert_tables_match,
    chunks,
    history,
    messages_from,
    run_in_process,
    warehouse,
)
from tests.target.conftest import DatabricksHarness, schema_message

INVOICES = "MERGE INTO `main`.`quickbooks`.`invoices`"
EVENTS = {
    "type": "object",
    "properties": {
        "Name": {"type": "string"},
        "Amount": {"type": "number", "x-sql-datatype": "decimal(18,2)"},
    },
}


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(errors.RETRY_SETTINGS, "base_seconds", 0.01)
    monkeypatch.setitem(errors.RETRY_SETTINGS, "max_seconds", 0.05)


@pytest.fixture
def wh(tmp_path: Path) -> Iterator[DatabricksHarness]:
    with warehouse(tmp_path, "databricks") as harness:
        assert isinstance(harness, DatabricksHarness)
        yield harness


def _events(start: int, count: int) -> list[dict[str, Any]]:
    return [
        {"type": "RECORD", "stream": "events", "record": {"Name": f"e{i}", "Amount": Decimal(f"{i}.01")}}
        for i in range(start, start + count)
    ]


def test_lost_replies_after_keyless_inserts_and_audit_rows_add_nothing_twice(wh: DatabricksHarness) -> None:
    schema = schema_message("events", EVENTS, keys=[])
    wh.dbx.faults.update({"drop_responses": 3, "only_statement": "MERGE INTO `main`.`quickbooks`.`events`"})
    outcome = run_in_process({**wh.config, "batch_size_rows": 25}, [schema, *_events(0, 100)])
    assert outcome.error is None, outcome.error
    assert wh.dbx.counters().get("faults.drop_responses") == 3  # the appends ran, their replies were lost
    wh.dbx.faults.update({"drop_responses": 2, "only_statement": "MERGE INTO `main`.`quickbooks`.`_audit`"})
    assert run_in_process(wh.config, [schema, *_events(100, 10)]).error is None
    assert wh.dbx.counters().get("faults.drop_responses") == 5
    wh.dbx.faults.reset()
    assert run_in_process(wh.config, [schema, *_events(110, 5)]).error is None  # the normal follow-up run
    rows = wh.rows("events", order="Name")
    assert sorted(r["Name"] for r in rows) == sorted(f"e{i}" for i in range(115))
    assert {r["Name"]: r["Amount"] for r in rows}["e42"] == Decimal("42.01")
    batches = Counter((a["run_id"], a["batch_id"], a["status"]) for a in wh.audit())
    assert len(batches) == 6
    assert set(batches.values()) == {1}
    assert sum(a["rows_in"] for a in wh.audit()) == 115


@pytest.mark.parametrize(
    "fault",
    [
        {"unavailable": 2, "only_statement": INVOICES},
        {"drop_connections": 1, "drop_responses": 1, "only_statement": INVOICES},
        {"unavailable": 1, "drop_connections": 1, "only_statement": "PUT "},
        {"drop_responses": 2, "only_statement": "PUT "},
    ],
    ids=["503-during-merge", "dropped-during-merge", "503-and-drop-during-put", "lost-reply-after-put"],
)
def test_warehouse_faults_mid_step_then_a_normal_run(wh: DatabricksHarness, fault: dict[str, Any]) -> None:
    records = history()
    parts = chunks(records, 20)
    wh.dbx.faults.update(fault)
    outcome = run_in_process({**wh.config, "batch_size_rows": 20}, messages_from(parts, None))
    assert outcome.error is None, outcome.error
    injected = {k for k in fault if k != "only_statement"}
    assert all(wh.dbx.counters().get(f"faults.{k}") == fault[k] for k in injected)
    wh.dbx.faults.reset()
    follow_up = run_in_process(wh.config, messages_from(parts, outcome.last_chunk))  # nothing left to send
    assert follow_up.error is None
    assert_tables_match(wh.rows(), Truth.of(records))


def test_an_outage_longer_than_the_retry_budget_stops_the_run_with_a_clear_message(
    wh: DatabricksHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    records = history(30)
    parts = chunks(records, 10)
    monkeypatch.setitem(errors.RETRY_SETTINGS, "max_tries", 3)
    wh.dbx.faults.update({"unavailable": 1000, "only_statement": INVOICES})
    failed = run_in_process({**wh.config, "batch_size_rows": 10}, messages_from(parts, None))
    assert failed.error is not None
    assert "still failing after retrying" in failed.error
    assert "then rerun" in failed.error
    assert failed.last_chunk is None
    wh.dbx.faults.reset()
    follow_up = run_in_process({**wh.config, "batch_size_rows": 10}, messages_from(parts, failed.last_chunk))
    assert follow_up.error is None
    assert_tables_match(wh.rows(), Truth.of(records))
