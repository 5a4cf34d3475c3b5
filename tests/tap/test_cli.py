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


def test_only_the_console_entry_point_tunes_the_interpreter() -> None:
    """GC thresholds and the thread switch interval are a process's business: the tap's CLI sets them,
    building the tap and its API client (as tests and benchmarks do in their own process) does not."""
    report = "import gc, sys; print(gc.get_threshold()[0], sys.getswitchinterval())"
    library = (
        "from tap_quickbooks_online.run import open_client\n"
        "from tap_quickbooks_online.settings import Settings\n"
        "config = {'realm_id': '1', 'client_id': 'x', 'client_secret': 'y', 'token_store_key': 'k'}\n"
        f"open_client(Settings.from_config(config))\n{report}"
    )
    entry_point = (
        "from tap_quickbooks_online import tap\n"
        f"tap.TapQuickBooksOnline.cli = staticmethod(lambda: exec({report!r}))\n"
        "tap.cli()"
    )
    untouched = run(sys.executable, "-c", library)
    tuned = run(sys.executable, "-c", entry_point)
    assert untouched.returncode == 0, untouched.stderr
    assert tuned.returncode == 0, tuned.stderr
    threshold, interval = untouched.stdout.split()
    assert (int(threshold), float(interval)) == (700, 0.005)  # CPython's defaults
    threshold, interval = tuned.stdout.split()
    assert int(threshold) >= 50_000
    assert float(interval) < 0.005
