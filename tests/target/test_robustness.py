"""Failures inside the target: cleanup never hides the real error; a stuck quarantined batch is loud."""

from __future__ import annotations

import logging

import pyarrow as pa
import pytest
from target_databricks.engines.delta import DeltaEngine
from target_databricks.load import LoadFailed

from tests.target.conftest import Harness, invoice, schema_message


def _strict_drift(harness: Harness) -> list[dict]:
    schema = schema_message()
    schema["schema"] = {
        **schema["schema"],
        "properties": {**schema["schema"]["properties"], "PrivateNote": {"type": ["string", "null"]}},
    }
    return [schema, invoice("2", PrivateNote="kept")]


def test_a_cleanup_error_never_replaces_the_error_that_stopped_the_run(
    tmp_path: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    harness = Harness(tmp_path)  # type: ignore[arg-type]

    def broken_write(*_: object) -> None:
        raise KeyError("the real problem")

    def broken_close(_: object) -> None:
        raise OSError("cleanup failed too")

    monkeypatch.setattr(DeltaEngine, "write", broken_write)
    monkeypatch.setattr(DeltaEngine, "close", broken_close)
    with pytest.raises(LoadFailed, match="the real problem"):
        harness.run([schema_message(), invoice("1")])
    monkeypatch.undo()
    monkeypatch.setattr(DeltaEngine, "close", broken_close)
    with pytest.raises(OSError, match="cleanup failed too"):  # alone, a cleanup error is still reported
        harness.run([schema_message(), invoice("1")])


def test_a_stuck_quarantined_batch_is_reported_loudly_every_run(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    harness.run([schema_message(), invoice("1")], schema_evolution="strict")
    harness.run(_strict_drift(harness), schema_evolution="strict")
    for attempt in (2, 3):
        caplog.clear()
        with caplog.at_level(logging.WARNING):
            harness.run([schema_message(), invoice("3")], schema_evolution="strict")
        errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
        assert any(f"attempt {attempt}" in m and "PrivateNote" in m for m in errors), errors
    [entry] = harness.rows("_quarantine", order="batch_id")
    assert (entry["status"], entry["attempts"]) == ("pending", 2)
    assert [a["status"] for a in harness.audit()].count("quarantined") == 3
    harness.add_column("invoices", "PrivateNote", pa.string())
    harness.run([schema_message(), invoice("4")], schema_evolution="strict")
    assert [r["Id"] for r in harness.rows()] == ["1", "2", "3", "4"]


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (KeyError("a bug"), "terminal"),
        (PermissionError("[Errno 13] Permission denied: '/data/delta'"), "terminal"),
        (RuntimeError("[CAST_INVALID_INPUT] The value 'x' cannot be cast"), "rejected"),
        (RuntimeError("[NUMERIC_VALUE_OUT_OF_RANGE] 1e40 cannot be represented"), "rejected"),
        (
            RuntimeError("Error during request to server. invalid_client: Client authentication failed"),
            "auth",
        ),
        (RuntimeError("[TEMPORARILY_UNAVAILABLE] try again"), "transient"),
        (ConnectionResetError("reset by peer"), "transient"),
        (OSError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed"), "terminal"),
    ],
)
def test_only_data_the_table_refuses_is_quarantinable(error: Exception, kind: str) -> None:
    from target_databricks.errors import classify

    assert classify(error).value == kind
