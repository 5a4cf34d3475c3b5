"""The console entry point: singer-sdk's CLI with a hard exit that keeps exit codes and flushed output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

TAP = str(Path(sys.executable).with_name("tap-quickbooks-online"))


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)


def test_about_prints_everything_and_exits_zero() -> None:
    done = run(TAP, "--about", "--format", "json")
    assert done.returncode == 0, done.stderr
    about = json.loads(done.stdout)
    assert about["name"] == "tap-quickbooks-online"
    assert "realm_id" in about["settings"]["properties"]


def test_a_config_error_exits_non_zero_with_the_reason(tmp_path: Path) -> None:
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"realm_id": "1"}))
    done = run(TAP, "--config", str(config))
    assert done.returncode != 0
    assert "client_id" in done.stderr


@pytest.mark.parametrize(("code", "status", "stderr"), [("None", 0, ""), ("3", 3, ""), ("'boom'", 1, "boom")])
def test_hard_exit_keeps_sys_exit_meaning(code: str, status: int, stderr: str) -> None:
    script = f"from tap_quickbooks_online.tap import hard_exit\nprint('last line', end='')\nhard_exit({code})"
    done = run(sys.executable, "-c", script)
    assert done.returncode == status
    assert done.stdout == "last line"  # buffered output is flushed before the process ends
    assert done.stderr.strip() == stderr
