"""`meltano config test target-databricks`: Meltano pipes one record of `meltano_test_stream` into the loader
and fails the test on any output line containing "error" or "exception". The target lands it (proving the
credentials, grants and staging), then drops the test table; the audit row stays."""

from __future__ import annotations

import logging

import pytest

from tests.target.conftest import Harness

# The messages Meltano 4.4's LoaderTestService sends (ACTIVATE_VERSION: the target declares that capability).
MELTANO_TEST_MESSAGES = [
    {
        "type": "SCHEMA",
        "stream": "meltano_test_stream",
        "schema": {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "name": {"type": "string"},
                "created_at": {"type": "string", "format": "date-time"},
            },
        },
        "key_properties": ["id"],
    },
    {
        "type": "RECORD",
        "stream": "meltano_test_stream",
        "record": {"id": 1, "name": "Meltano Test Record", "created_at": "2025-09-29T00:00:00Z"},
    },
    {"type": "STATE", "value": {"bookmarks": {"meltano_test_stream": {"last_record": 1}}}},
    {"type": "ACTIVATE_VERSION", "stream": "meltano_test_stream", "version": 1},
]


def test_meltano_connection_test_lands_then_drops_its_table(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):  # the target's default level, what Meltano reads
        output = harness.run(MELTANO_TEST_MESSAGES)
    assert '"last_record"' in output
    (audit,) = [row for row in harness.audit() if row["stream"] == "meltano_test_stream"]
    assert (audit["status"], audit["inserted"]) == ("loaded", 1)
    with pytest.raises(Exception, match=r"(?i)does not exist|TABLE_OR_VIEW_NOT_FOUND"):
        harness.rows("meltano_test_stream")
    assert any(m.startswith("Dropped the connection-test table") for m in caplog.messages)
    # Only what the target shows at INFO (another test in this process may have set a library to DEBUG).
    shown = [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO]
    flagged = [m for m in shown if "error" in m.lower() or "exception" in m.lower()]
    assert flagged == []
