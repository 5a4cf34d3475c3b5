"""Bad input catalogue for target-databricks: wrong settings and malformed Singer input, each fed to the
target's command line (in-process through click's runner; the warehouse cases and one config case through
the real `target-databricks` process). Every case ends promptly (a hang fails the timeout), exits non-zero,
says what to fix in one line, and stores nothing."""

from __future__ import annotations

import io
import json
import logging
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.chaos.target_harness import ROOT

TARGET = str(ROOT / ".venv" / "bin" / "target-databricks")
SCHEMA = {
    "type": "SCHEMA",
    "stream": "invoices",
    "schema": {
        "type": "object",
        "properties": {
            "Id": {"type": "string"},
            "TotalAmt": {"type": ["number", "null"], "x-sql-datatype": "decimal(38,9)"},
        },
    },
    "key_properties": ["Id"],
}
RECORD = {"type": "RECORD", "stream": "invoices", "record": {"Id": "1", "TotalAmt": 1.5}}
GOOD = [json.dumps(SCHEMA), json.dumps(RECORD)]


def _line(**changes: Any) -> str:
    return json.dumps({**RECORD, **changes})


# name → (config changes, input lines, text the error must contain)
CONFIG_CASES: dict[str, tuple[dict[str, Any], list[str], str]] = {
    "batch_size_rows zero": ({"batch_size_rows": 0}, GOOD, "minimum of 1 in config['batch_size_rows']"),
    "max_flush_seconds negative": (
        {"max_flush_seconds": -5},
        GOOD,
        "minimum of 1 in config['max_flush_seconds']",
    ),
    "retry_seconds huge": ({"retry_seconds": 10**7}, GOOD, "maximum of 3600 in config['retry_seconds']"),
    "catalog escaping delta_root": (
        {"catalog": "../../escape"},
        GOOD,
        "catalog name '../../escape' is not allowed",
    ),
    "schema with a slash": ({"schema": "a/b"}, GOOD, "schema name 'a/b' is not allowed"),
    "audit table escaping": ({"audit_table": "../x"}, GOOD, "table name '../x' is not allowed"),
    "unknown engine": ({"engine": "snowflake"}, GOOD, "'snowflake' is not one of ['delta', 'databricks']"),
    "strict spelled wrong": (
        {"schema_evolution": "loose"},
        GOOD,
        "'loose' is not one of ['evolve', 'strict']",
    ),
    "warehouse without host": ({"engine": "databricks"}, GOOD, "needs server_hostname and http_path"),
    "mapping file missing": ({"table_mapping": "/nonexistent/map.yml"}, GOOD, "table_mapping file not found"),
    "version column not in schema": (
        {"version_columns": {"invoices": ["Nope"]}},
        GOOD,
        "version_columns for stream 'invoices' not in its schema",
    ),
}
INPUT_CASES: dict[str, tuple[dict[str, Any], list[str], str]] = {
    "non-JSON line": ({}, [json.dumps(SCHEMA), "this is not json"], "Unable to parse line as JSON"),
    "RECORD before SCHEMA": ({}, [json.dumps(RECORD)], "encountered before a corresponding schema"),
    "RECORD without stream": (
        {},
        [json.dumps(SCHEMA), json.dumps({"type": "RECORD", "record": {}})],
        "stream",
    ),
    "SCHEMA without schema": ({}, [json.dumps({"type": "SCHEMA", "stream": "x"})], "missing required schema"),
    "unknown message type": ({}, [json.dumps({"type": "FOO"})], "Unknown message type 'FOO'"),
    "key missing from record": ({}, [json.dumps(SCHEMA), _line(record={"TotalAmt": 2})], "key_properties"),
    "text in a money field": (
        {},
        [json.dumps(SCHEMA), _line(record={"Id": "1", "TotalAmt": "12 USD"})],
        "TotalAmt",
    ),
    "more decimals than the column": (
        {},
        [
            json.dumps(SCHEMA),
            '{"type":"RECORD","stream":"invoices","record":{"Id":"1","TotalAmt":0.0000000001}}',
        ],
        "column 'TotalAmt'",
    ),
}


def _run(
    config: dict[str, Any], lines: list[str], workdir: Path, timeout: float = 90
) -> subprocess.CompletedProcess[str]:
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "config.json").write_text(json.dumps(config))
    (workdir / "input.jsonl").write_text("".join(line + "\n" for line in lines))
    with (workdir / "input.jsonl").open() as stdin:
        return subprocess.run(
            [TARGET, "--config", str(workdir / "config.json")],
            stdin=stdin,
            capture_output=True,
            text=True,
            timeout=timeout,  # a hang fails the test
            cwd=workdir,
        )


def _assert_refused(result: subprocess.CompletedProcess[str], expected: str) -> None:
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if expected in line]
    assert lines, f"no line says {expected!r}:\n{result.stderr[-3000:]}"
    assert result.stdout == ""  # no STATE


def _invoke(config: dict[str, Any], lines: list[str], workdir: Path) -> tuple[int, str, str]:
    """The command line in-process: exit code, what was logged plus the final error, and stdout."""
    from click.testing import CliRunner
    from target_databricks.target import TargetDatabricks

    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "config.json").write_text(json.dumps(config))
    (workdir / "input.jsonl").write_text("".join(line + "\n" for line in lines))
    logged = io.StringIO()
    handler = logging.StreamHandler(logged)
    logging.getLogger().addHandler(handler)
    try:
        result = CliRunner().invoke(
            TargetDatabricks.cli,
            ["--config", str(workdir / "config.json"), "--input", str(workdir / "input.jsonl")],
        )
    finally:
        logging.getLogger().removeHandler(handler)
    error = "" if isinstance(result.exception, SystemExit | None) else f"{result.exception}"
    return result.exit_code, logged.getvalue() + "\n" + error, result.stdout


@pytest.mark.parametrize("case", [*CONFIG_CASES, *INPUT_CASES])
def test_bad_input_is_refused_clearly_and_stores_nothing(case: str, tmp_path: Path) -> None:
    changes, lines, expected = {**CONFIG_CASES, **INPUT_CASES}[case]
    root = tmp_path / "delta"
    code, text, stdout = _invoke({"delta_root": str(root), **changes}, lines, tmp_path / "run")
    assert code != 0
    assert [line for line in text.splitlines() if expected in line], text[-3000:]
    assert stdout == ""  # no STATE
    assert not root.exists() or not any(p.is_file() for p in root.rglob("*"))


def test_the_real_command_exits_non_zero_with_the_reason(tmp_path: Path) -> None:
    root = tmp_path / "delta"
    result = _run({"delta_root": str(root), "catalog": "../../escape"}, GOOD, tmp_path / "run")
    _assert_refused(result, "catalog name '../../escape' is not allowed")
    assert not root.exists()


@pytest.fixture(scope="module")
def dbx() -> Iterator[Any]:
    from tests.emulators.databricks import DatabricksEmulator

    with DatabricksEmulator(tls=False, port=0) as emulator:
        yield emulator


def _warehouse(dbx: Any, **credentials: Any) -> dict[str, Any]:
    kwargs = dbx.connect_kwargs()
    return {
        "server_hostname": kwargs.pop("server_hostname"),
        "http_path": kwargs.pop("http_path"),
        "connection_options": kwargs,
        **credentials,
    }


def _tables(dbx: Any) -> list[tuple[Any, ...]]:
    return dbx.query("SELECT table_name FROM information_schema.tables WHERE table_schema = 'quickbooks'")


def test_wrong_access_token_is_an_auth_error(dbx: Any, tmp_path: Path) -> None:
    result = _run(_warehouse(dbx, access_token="dapi-wrong-0000"), GOOD, tmp_path)
    _assert_refused(result, "check access_token or client_id/client_secret")
    assert "dapi-wrong-0000" not in result.stderr
    assert _tables(dbx) == []


def test_wrong_m2m_secret_is_an_auth_error_not_retried(dbx: Any, tmp_path: Path) -> None:
    before = dbx.counters().get("oauth.token_requests", 0)
    secret = "wrong-m2m-secret-1234"
    result = _run(_warehouse(dbx, client_id=dbx.client_id, client_secret=secret), GOOD, tmp_path)
    _assert_refused(result, "invalid_client")
    _assert_refused(result, "check access_token or client_id/client_secret")
    assert secret not in result.stderr
    assert "still failing after retrying" not in result.stderr  # refused credentials are not transient
    assert dbx.counters().get("oauth.token_requests", 0) - before <= 4
    assert _tables(dbx) == []


def test_unreachable_warehouse_fails_within_the_connect_timeout(tmp_path: Path) -> None:
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = {
        "server_hostname": "127.0.0.1",
        "http_path": "/sql/1.0/warehouses/x",
        "access_token": "dapi-unused",
        "connection_options": {"_port": port},
        "connect_timeout_seconds": 2,
    }
    started = time.monotonic()
    result = _run(config, GOOD, tmp_path, timeout=60)
    _assert_refused(result, f"cannot reach the Databricks warehouse at 127.0.0.1:{port} within 2 s")
    assert time.monotonic() - started < 60


def test_empty_input_succeeds_and_stores_nothing(tmp_path: Path) -> None:
    result = _run({"delta_root": str(tmp_path / "delta")}, [], tmp_path / "run")
    assert (result.returncode, result.stdout) == (0, "")
    assert not (tmp_path / "delta").exists()


def test_a_10_mb_record_lands_whole(tmp_path: Path) -> None:
    from deltalake import DeltaTable

    schema = json.loads(json.dumps(SCHEMA))
    schema["schema"]["properties"]["Note"] = {"type": ["string", "null"]}
    big = {**RECORD, "record": {"Id": "1", "TotalAmt": 2, "Note": "x" * 10_000_000}}
    result = _run(
        {"delta_root": str(tmp_path / "delta")}, [json.dumps(schema), json.dumps(big)], tmp_path / "run"
    )
    assert result.returncode == 0, result.stderr[-2000:]
    [row] = (
        DeltaTable(str(tmp_path / "delta" / "main" / "quickbooks" / "invoices"))
        .to_pyarrow_table()
        .to_pylist()
    )
    assert len(row["Note"]) == 10_000_000


def test_a_field_missing_from_the_schema_is_warned_about_once(tmp_path: Path) -> None:
    lines = [json.dumps(SCHEMA)] + [
        _line(record={"Id": str(i), "TotalAmt": 1, "Extra": "x"}) for i in range(5)
    ]
    result = _run({"delta_root": str(tmp_path / "delta")}, lines, tmp_path / "run")
    assert result.returncode == 0
    warnings = [
        line for line in result.stderr.splitlines() if "['Extra'] are not in the stream's SCHEMA" in line
    ]
    assert len(warnings) == 1
