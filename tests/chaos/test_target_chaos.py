"""Target chaos: faults injected mid-run, then a normal follow-up run, then the tables against the truth.

Each scenario feeds a known invoice history (creates, updates, deletes, some at the stored row's own
LastUpdatedTime), breaks something, re-sends what a tap would re-send after the last STATE the target
emitted, and compares the table with the newest version of every invoice: live rows with their SyncToken,
money equal as Decimal, deleted ids flagged, no id twice.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from target_databricks import errors

from tests.chaos.target_harness import (
    Outcome,
    TargetProcess,
    Truth,
    assert_tables_match,
    chunks,
    history,
    invoice,
    messages_from,
    run_in_process,
    warehouse,
)
from tests.target.conftest import Harness, schema_message

ENGINES = ["delta", "databricks"]
BATCH = 20  # rows per flush: the history makes several batches


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(errors.RETRY_SETTINGS, "base_seconds", 0.01)
    monkeypatch.setitem(errors.RETRY_SETTINGS, "max_seconds", 0.05)


@pytest.fixture(params=ENGINES)
def place(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Harness]:
    with warehouse(tmp_path, request.param) as harness:
        yield harness


def _follow_up(place: Harness, parts: list[list[dict]], failed: Outcome, **config: Any) -> None:
    """The normal next run: the tap re-sends everything after the last STATE the target emitted."""
    outcome = run_in_process(
        {**place.config, "batch_size_rows": BATCH, **config}, messages_from(parts, failed.last_chunk)
    )
    assert outcome.error is None, outcome.error
    assert outcome.last_chunk == len(parts) - 1


def _process_run(place: Harness, tmp_path: Path, parts: list[list[dict]], hook: str) -> TargetProcess:
    config = {**place.config, "batch_size_rows": BATCH}
    return TargetProcess(tmp_path / "process", config, messages_from(parts, None), hook)


@pytest.mark.parametrize(
    "hook", ["pause_before_write:2", "pause_after_write:2"], ids=["mid-flush", "mid-commit"]
)
def test_kill9_of_the_target_then_a_normal_run(place: Harness, tmp_path: Path, hook: str) -> None:
    records = history()
    parts = chunks(records, BATCH)
    process = _process_run(place, tmp_path, parts, hook)
    process.wait_paused()
    killed = process.kill9()
    assert killed.returncode == -9
    # STATE never names a chunk whose records were not all written before the kill.
    assert killed.last_chunk is None or killed.last_chunk < 1
    _follow_up(place, parts, killed)
    assert_tables_match(place.rows(), Truth.of(records))


def test_kill9_after_states_were_confirmed_resumes_from_the_last_one(place: Harness, tmp_path: Path) -> None:
    """Flushes on time (max_flush_seconds) confirm chunks one by one; the kill comes during a later commit.
    Every chunk the target confirmed is in the table, and re-sending from there converges exactly."""
    records = history()
    parts = chunks(records, BATCH)
    config = {**place.config, "batch_size_rows": 1000, "max_flush_seconds": 1}
    process = TargetProcess(tmp_path / "process", config, [], "pause_after_write:3", gaps=(parts, 1.5))
    process.wait_paused()
    killed = process.kill9()
    assert killed.last_chunk is not None, killed.log[-2000:]  # some chunks were confirmed before the kill
    assert killed.last_chunk < len(parts) - 1
    confirmed = [m for part in parts[: killed.last_chunk + 1] for m in part if m["type"] == "RECORD"]
    landed = {r["Id"] for r in place.rows()}
    assert {m["record"]["Id"] for m in confirmed} <= landed  # STATE never ran ahead of the table
    _follow_up(place, parts, killed)
    assert_tables_match(place.rows(), Truth.of(records))


def test_unknown_error_stops_the_run_without_state(place: Harness, tmp_path: Path) -> None:
    records = history()
    parts = chunks(records, BATCH)
    failed = _process_run(place, tmp_path, parts, "fail_write:2").finish()
    assert failed.returncode != 0
    assert failed.error is not None
    assert "chaos: an error the target does not know" in failed.error
    assert "(terminal)" in failed.error
    assert "nothing was quarantined" in failed.error
    assert failed.last_chunk is None or failed.last_chunk < 1
    assert _pending_quarantine(place) == []  # an error nobody classified is not the batch's fault
    _follow_up(place, parts, failed)
    assert_tables_match(place.rows(), Truth.of(records))


def test_schema_drift_batch_is_quarantined_then_replayed(place: Harness) -> None:
    first = [invoice(i, 0, 1, f"{i}.5") for i in range(1, 11)]
    outcome = run_in_process({**place.config, "schema_evolution": "strict"}, [schema_message(), *first])
    assert outcome.error is None
    drifted = schema_message()
    drifted["schema"] = {
        **drifted["schema"],
        "properties": {**drifted["schema"]["properties"], "PrivateNote": {"type": ["string", "null"]}},
    }
    noted = [invoice(i, 1, 2, f"{i}.25") for i in range(5, 15)]
    for message in noted:
        message["record"]["PrivateNote"] = f"note {message['record']['Id']}"
    state = {"type": "STATE", "value": {"bookmarks": {"invoices": {"chunk": 1}}}}
    outcome = run_in_process({**place.config, "schema_evolution": "strict"}, [drifted, *noted, state])
    assert outcome.error is None
    assert outcome.last_chunk == 1
    [entry] = _pending_quarantine(place)
    assert (entry["rows"], entry["stream"]) == (10, "invoices")
    assert "PrivateNote" in entry["reason"]
    assert place.audit()[-1]["status"] == "quarantined"

    place.add_column("invoices", "PrivateNote", __import__("pyarrow").string())  # the operator's fix
    later = [invoice(20, 0, 3, "20.000000001")]
    outcome = run_in_process({**place.config, "schema_evolution": "strict"}, [drifted, *later])
    assert outcome.error is None
    assert _pending_quarantine(place) == []
    assert_tables_match(place.rows(), Truth.of(first + noted + later))
    notes = {r["Id"]: r["PrivateNote"] for r in place.rows()}
    assert notes["14"] == "note 14"
    assert notes["1"] is None
    assert [a["status"] for a in place.audit()][-2:] == ["replayed", "loaded"]


def test_value_that_does_not_fit_stops_the_run_then_lands_once_fixed(place: Harness) -> None:
    records = history(30)
    bad = invoice(31, 0, 2, "0.0000000001")  # ten decimals into decimal(38,9): never rounded
    parts = [
        *chunks(records[:20], 10),
        [bad, {"type": "STATE", "value": {"bookmarks": {"invoices": {"chunk": 2}}}}],
    ]
    failed = run_in_process({**place.config, "batch_size_rows": 10}, messages_from(parts, None))
    assert failed.error is not None
    assert "TotalAmt" in failed.error
    assert failed.last_chunk is None or failed.last_chunk < 2
    # Fixed at the source: QBO now holds a newer version with a value that fits.
    fixed = invoice(31, 1, 3, "0.000000001")
    parts[2] = [fixed, parts[2][1]]
    _follow_up(place, parts, failed, batch_size_rows=10)
    assert_tables_match(place.rows(), Truth.of([*records[:20], fixed]))


def test_delete_with_the_rows_own_timestamp_wins(place: Harness) -> None:
    stored = [invoice(1, 4, 5, "10.10"), invoice(2, 4, 5, "20.20")]
    run_in_process(place.config, [schema_message(), *stored])
    stub = invoice(1, 0, 5, "0", deleted=True)  # CDC: same LastUpdatedTime, no SyncToken
    older = invoice(2, 0, 4, "0", deleted=True)  # a stale delete must not win
    outcome = run_in_process(place.config, [schema_message(), stub, older])
    assert outcome.error is None
    assert_tables_match(place.rows(), Truth.of([*stored, stub, older]))
    assert {r["Id"]: r["SyncToken"] for r in place.rows()} == {"1": "4", "2": "4"}  # the row keeps its data


def test_delete_with_the_rows_own_timestamp_wins_hard(place: Harness) -> None:
    stored = [invoice(1, 4, 5, "10.10"), invoice(2, 4, 5, "20.20")]
    run_in_process({**place.config, "hard_delete": True}, [schema_message(), *stored])
    outcome = run_in_process(
        {**place.config, "hard_delete": True}, [schema_message(), invoice(1, 0, 5, "0", deleted=True)]
    )
    assert outcome.error is None
    assert [(r["Id"], r["TotalAmt"]) for r in place.rows()] == [("2", Decimal("20.200000000"))]


def _pending_quarantine(place: Harness) -> list[dict[str, Any]]:
    try:
        rows = place.rows("_quarantine", order="batch_id")
    except Exception:  # no quarantine table: nothing was ever quarantined
        return []
    return [r for r in rows if r["status"] == "pending"]


def test_lost_reply_after_a_delta_commit_adds_nothing_twice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Object storage can lose the answer to a commit that happened: the retried write must be a no-op."""
    from deltalake.table import TableMerger

    commit = TableMerger.execute
    lost = {"left": 3}

    def execute_then_lose_the_reply(self: TableMerger) -> dict[str, Any]:
        metrics = commit(self)
        if lost["left"]:
            lost["left"] -= 1
            raise ConnectionResetError("connection reset by peer after the commit")
        return metrics

    monkeypatch.setattr(TableMerger, "execute", execute_then_lose_the_reply)
    with warehouse(tmp_path, "delta") as place:
        schema = schema_message(
            "events", {"type": "object", "properties": {"Name": {"type": "string"}}}, keys=[]
        )
        events = [{"type": "RECORD", "stream": "events", "record": {"Name": f"e{i}"}} for i in range(100)]
        assert run_in_process({**place.config, "batch_size_rows": 25}, [schema, *events]).error is None
        assert lost["left"] == 0
        monkeypatch.undo()
        assert run_in_process(place.config, [schema, *events[:0]]).error is None  # the normal next run
        assert sorted(r["Name"] for r in place.rows("events", order="Name")) == sorted(
            f"e{i}" for i in range(100)
        )
        audit = [(a["batch_id"], a["status"]) for a in place.audit()]
        assert len(audit) == len(set(audit)) == 4
