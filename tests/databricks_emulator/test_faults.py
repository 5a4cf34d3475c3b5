"""Each fault switch, seen from the unmodified connector."""

from __future__ import annotations

import time
import types

import pytest
from databricks.sql.auth import retry
from databricks.sql.exc import ServerOperationError
from urllib3.exceptions import MaxRetryError

from tests.emulators.databricks import DatabricksEmulator

from .conftest import Connect


@pytest.fixture
def retry_sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record the connector's 503 back-off instead of sleeping it (4.9.0 waits at least `_retry_delay_max`,
    whose floor is 5 s, before every retry)."""
    slept: list[float] = []
    # Only the retry module's view of `time` changes: the emulator's threads keep the real time.sleep.
    clock = types.SimpleNamespace(time=time.time, sleep=slept.append)
    monkeypatch.setattr(retry, "time", clock)
    return slept


def test_503_temporarily_unavailable_is_retried(
    dbx: DatabricksEmulator, connect: Connect, retry_sleeps: list[float]
) -> None:
    cur = connect(dbx).cursor()
    dbx.faults.unavailable, dbx.faults.only_rpc = 1, "ExecuteStatement"
    cur.execute("SELECT 1 AS x")
    assert cur.fetchone().x == 1  # type: ignore[union-attr]
    counts = dbx.counters()
    assert counts["faults.unavailable"] == 1
    assert counts["rpc.ExecuteStatement"] == 1
    assert dbx.statements.count("SELECT 1 AS x") == 1  # the 503 reply came before execution
    assert retry_sleeps == [5]


def test_persistent_503_exhausts_the_retry_budget(
    dbx: DatabricksEmulator, connect: Connect, retry_sleeps: list[float]
) -> None:
    cur = connect(dbx, _retry_stop_after_attempts_count=2).cursor()
    dbx.faults.unavailable = 10
    with pytest.raises(MaxRetryError, match="too many 503 error responses"):
        cur.execute("SELECT 1 AS x")
    assert dbx.counters()["faults.unavailable"] == 3  # the first try and two retries
    assert "rpc.ExecuteStatement" not in dbx.counters()


def test_quota_error_fails_the_statement_only(dbx: DatabricksEmulator, connect: Connect) -> None:
    cur = connect(dbx).cursor()
    dbx.faults.quota_errors = 1
    with pytest.raises(ServerOperationError, match=r"^\[RESOURCE_EXHAUSTED\]"):
        cur.execute("SELECT 1 AS x")
    cur.execute("SELECT 2 AS x")  # the session survives; the next statement runs
    assert cur.fetchone().x == 2  # type: ignore[union-attr]
    assert dbx.counters()["faults.quota_errors"] == 1
    assert dbx.counters()["statements_failed"] == 1


def test_slow_statement_is_polled_to_completion(dbx: DatabricksEmulator, connect: Connect) -> None:
    cur = connect(dbx).cursor()
    dbx.faults.slow_statement_s, dbx.faults.direct_results_wait_s = 0.5, 0.1  # outlasts the inline wait
    cur.execute("SELECT 7 AS x")
    assert cur.fetchone().x == 7  # type: ignore[union-attr]
    counts = dbx.counters()
    assert counts["rpc.GetOperationStatus"] >= 1
    assert counts["rpc.FetchResults"] == 1


def test_dropped_connection_before_execution_is_retried_transparently(
    dbx: DatabricksEmulator, connect: Connect
) -> None:
    cur = connect(dbx).cursor()
    dbx.faults.drop_connections, dbx.faults.only_rpc = 1, "ExecuteStatement"
    cur.execute("SELECT 8 AS x")
    assert cur.fetchone().x == 8  # type: ignore[union-attr]
    assert dbx.counters()["faults.drop_connections"] == 1
    assert dbx.statements.count("SELECT 8 AS x") == 1


def test_dropped_reply_after_execution_runs_the_statement_twice(
    dbx: DatabricksEmulator, connect: Connect
) -> None:
    """The hazard a client must make harmless: a lost reply, a transparent retry, a second execution."""
    cur = connect(dbx).cursor()
    cur.execute("CREATE TABLE main.default.events (id INT)")
    dbx.faults.drop_responses, dbx.faults.only_rpc = 1, "ExecuteStatement"
    cur.execute("INSERT INTO main.default.events VALUES (1)")
    assert dbx.query("SELECT COUNT(*) FROM main.default.events") == [(2,)]
    assert dbx.counters()["faults.drop_responses"] == 1


def test_dropped_status_poll_is_retried(dbx: DatabricksEmulator, connect: Connect) -> None:
    cur = connect(dbx).cursor()
    dbx.faults.slow_statement_s, dbx.faults.direct_results_wait_s = 0.5, 0.1
    dbx.faults.drop_connections, dbx.faults.only_rpc = 1, "GetOperationStatus"
    cur.execute("SELECT 9 AS x")
    assert cur.fetchone().x == 9  # type: ignore[union-attr]
    assert dbx.counters()["faults.drop_connections"] == 1


def test_counters_url_reports_json(dbx: DatabricksEmulator, connect: Connect) -> None:
    import requests

    connect(dbx).cursor().execute("SELECT 1")
    counts = requests.get(dbx.counters_url, timeout=5).json()
    assert counts["statements"] == 1
    assert counts["rpc.OpenSession"] == 1
