"""The console entry point: singer-sdk's CLI, then a hard exit that keeps exit codes and flushed output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.target.conftest import invoice, schema_message

TARGET = str(Path(sys.executable).with_name("target-databricks"))


def test_a_run_prints_its_last_state_and_exits_zero(tmp_path: Path) -> None:
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"delta_root": str(tmp_path / "delta")}))
    state = {"type": "STATE", "value": {"bookmarks": {"invoices": {"replication_key_value": "x"}}}}
    lines = [schema_message(), invoice("1"), invoice("2"), state]
    done = subprocess.run(
        [TARGET, "--config", str(config)],
        input="".join(json.dumps(m) + "\n" for m in lines),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.splitlines()[-1]) == state["value"]  # flushed before the hard exit
    assert (tmp_path / "delta" / "main" / "quickbooks" / "invoices" / "_delta_log").is_dir()


def test_bad_config_exits_non_zero_naming_the_setting(tmp_path: Path) -> None:
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"engine": "nonsense"}))
    done = subprocess.run(
        [TARGET, "--config", str(config)], input="", capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode != 0
    assert "engine" in done.stderr


@pytest.mark.parametrize(("code", "status", "stderr"), [("None", 0, ""), ("3", 3, ""), ("'boom'", 1, "boom")])
def test_hard_exit_keeps_sys_exit_meaning(code: str, status: int, stderr: str) -> None:
    script = f"from target_databricks.target import hard_exit\nprint('last line', end='')\nhard_exit({code})"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == status
    assert done.stdout == "last line"
    assert done.stderr.strip() == stderr
