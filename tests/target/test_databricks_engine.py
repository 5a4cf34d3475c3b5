"""Warehouse-specific behaviour against the Databricks emulator: statements, retries, auth."""

from __future__ import annotations

import re
from typing import Any

import pytest
from target_databricks.load import LoadFailed

from tests.target.conftest import DatabricksHarness, invoice, schema_message


@pytest.fixture
def wh(tmp_path: Any, dbx: Any) -> DatabricksHarness:
    return DatabricksHarness(tmp_path, dbx)


def _statements_of(wh: DatabricksHarness, start: int) -> list[str]:
    return [s for s in wh.dbx.statements[start:] if not s.lstrip().upper().startswith(("SELECT 1",))]


def test_three_statements_per_flush_once_the_table_exists(wh: DatabricksHarness) -> None:
    wh.run([schema_message(), invoice("1")])
    before = len(wh.dbx.statements)
    messages = [schema_message()] + [invoice(str(i), DocNumber=f"D{i}") for i in range(30)]
    wh.run(messages, batch_size_rows=10)  # three flushes
    run = wh.dbx.statements[before:]
    kinds = [s.split()[0].upper() for s in run]
    flushes = [s for s in run if s.startswith("MERGE INTO `main`.`quickbooks`.`invoices`")]
    assert len(flushes) == 3
    once_per_run = ("DESCRIBE", "REMOVE", "SELECT")  # table columns, staged file, pending quarantine
    per_flush = (len(run) - sum(kinds.count(k) for k in once_per_run)) / len(flushes)
    assert per_flush <= 3, run  # PUT, MERGE, audit MERGE
    assert [kinds.count(k) for k in once_per_run] == [1, 1, 1]
    assert len(wh.rows()) == 30


def test_every_generated_statement_parses_as_databricks_sql(wh: DatabricksHarness) -> None:
    import sqlglot

    wh.run([schema_message(), invoice("1", _sdc_deleted_at="2024-03-01T00:00:00Z"), invoice("2")])
    for statement in wh.dbx.statements:
        if re.match(r"\s*(PUT|REMOVE|GET)\b", statement, re.IGNORECASE):
            continue
        sqlglot.parse_one(statement, read="databricks")


def test_transient_errors_are_retried_to_success(wh: DatabricksHarness) -> None:
    wh.run([schema_message(), invoice("1")])
    wh.dbx.faults.quota_errors = 2  # statement-level failures the connector does not retry itself
    wh.dbx.faults.unavailable = 1
    wh.dbx.faults.only_rpc = "ExecuteStatement"
    wh.run([schema_message(), invoice("2")])
    assert [r["Id"] for r in wh.rows()] == ["1", "2"]
    counters = wh.dbx.counters()
    assert counters.get("faults.quota_errors") == 2
    assert counters.get("faults.unavailable") == 1


def test_dropped_connections_are_retried(wh: DatabricksHarness) -> None:
    wh.run([schema_message(), invoice("1")])
    wh.dbx.faults.drop_connections = 1
    wh.dbx.faults.only_rpc = "ExecuteStatement"
    wh.run([schema_message(), invoice("2")])
    assert [r["Id"] for r in wh.rows()] == ["1", "2"]


def test_bad_token_fails_clearly_without_leaking_it(wh: DatabricksHarness) -> None:
    secret = "dapi-not-a-real-token-0123456789"
    with pytest.raises(LoadFailed) as failure:
        wh.run([schema_message(), invoice("1")], access_token=secret)
    message = str(failure.value)
    assert "401" in message or "403" in message
    assert "access_token" in message
    assert secret not in message
    tables = "SELECT COUNT(*) FROM information_schema.tables WHERE table_name = '_quarantine'"
    assert wh.dbx.query(tables) == [(0,)]  # credentials are not the batch's fault: nothing quarantined


def test_m2m_token_is_refreshed_mid_run(wh: DatabricksHarness, monkeypatch: pytest.MonkeyPatch) -> None:
    config = {k: v for k, v in wh.config.items() if k != "access_token"}
    config.update(client_id=wh.dbx.client_id, client_secret=wh.dbx.client_secret, batch_size_rows=5)
    wh.config = config

    import target_databricks.sinks as sinks

    original = sinks.DatabricksSink.process_batch
    flushes = {"n": 0}

    def expire_between_flushes(self: Any, context: dict) -> None:
        flushes["n"] += 1
        if flushes["n"] == 2:
            wh.dbx.clock.advance(3700)  # the warehouse now sees the first token as expired
        original(self, context)

    monkeypatch.setattr(sinks.DatabricksSink, "process_batch", expire_between_flushes)
    wh.run([schema_message()] + [invoice(str(i)) for i in range(10)])
    assert flushes["n"] == 2
    assert len(wh.rows()) == 10
    counters = wh.dbx.counters()
    assert counters.get("oauth.tokens_issued", 0) >= 2
    assert counters.get("auth.expired_token", 0) >= 1
