"""The standalone CLI contract, and the pinned client versions whose wire behaviour the emulator mirrors."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import requests
from databricks import sql

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_cli_prints_one_json_line_and_serves() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.emulators.databricks", "--port", "0"],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        info = json.loads(proc.stdout.readline())
        assert {
            "host",
            "port",
            "http_path",
            "token",
            "client_id",
            "client_secret",
            "counters_url",
        } <= info.keys()
        uri = f"http://{info['host']}:{info['port']}{info['http_path']}"
        with (
            sql.connect(
                server_hostname=info["host"],
                http_path=info["http_path"],
                _connection_uri=uri,
                access_token=info["token"],
                enable_telemetry=False,
            ) as conn,
            conn.cursor() as cur,
        ):
            cur.execute("SELECT 40 + 2 AS answer")
            assert cur.fetchone().answer == 42  # type: ignore[union-attr]
        assert requests.get(info["counters_url"], timeout=5).json()["statements"] == 1
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) == 0


def test_client_versions_are_the_ones_the_emulator_mirrors() -> None:
    """The emulator copies the wire behaviour of these releases; a bump must be re-verified, not absorbed."""
    assert version("databricks-sql-connector").split(".")[0] == "4"
    assert version("databricks-sdk").split(".")[:1] == ["0"]
    assert version("thrift").split(".")[0] == "0"


def test_admin_endpoints_drive_faults_and_clock() -> None:
    from tests.emulators.databricks import DatabricksEmulator

    with DatabricksEmulator() as dbx:
        ok = requests.post(
            f"{dbx.url}/_emulator/faults", json={"quota_errors": 2, "only_rpc": None}, timeout=5
        )
        assert ok.status_code == 200
        assert dbx.faults.quota_errors == 2
        bad = requests.post(f"{dbx.url}/_emulator/faults", json={"no_such_switch": 1}, timeout=5)
        assert bad.status_code == 400
        before = dbx.clock.now()
        requests.post(f"{dbx.url}/_emulator/clock/advance", json={"seconds": 3600}, timeout=5)
        assert dbx.clock.now() - before >= 3600
