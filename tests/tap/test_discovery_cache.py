"""Discovery from the cache: the same catalog as singer-sdk's, without importing it, never for other code."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from tap_quickbooks_online import discovery_cache

# Runs the console entry point in a fresh interpreter; a cache hit returns and says whether singer-sdk was
# imported (a miss ends in tap.cli's hard exit).
ENTRY = (
    "import sys\n"
    "from tap_quickbooks_online.discovery_cache import cli\n"
    "sys.argv = ['tap-quickbooks-online', *sys.argv[1:]]\n"
    "try:\n"
    "    cli()\n"
    "finally:\n"
    "    print('singer_sdk imported' if 'singer_sdk' in sys.modules else 'no singer_sdk', file=sys.stderr)\n"
)


def discover(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"realm_id": "1", "client_id": "x", "client_secret": "y"}))
    environ = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache"), **env}
    return subprocess.run(
        [sys.executable, "-c", ENTRY, "--config", str(config), *args],
        capture_output=True, text=True, timeout=300, env=environ, check=False,
    )  # fmt: skip


def test_second_discovery_is_served_from_the_cache_unchanged(tmp_path: Path) -> None:
    first = discover(tmp_path, "--discover")
    assert first.returncode == 0, first.stderr
    assert "no singer_sdk" not in first.stderr  # a miss: singer-sdk discovers (and the result is stored)
    assert len(list((tmp_path / "cache" / "tap-quickbooks-online").glob("catalog-*.json"))) == 1
    # Meltano passes the state file along; discovery does not depend on it
    second = discover(tmp_path, "--discover", "--state", str(tmp_path / "config.json"))
    assert second.returncode == 0, second.stderr
    assert second.stderr.strip().endswith("no singer_sdk")
    assert second.stdout == first.stdout
    streams = {s["tap_stream_id"] for s in json.loads(second.stdout)["streams"]}
    assert {"invoices", "general_ledger"} <= streams


def test_switched_off_it_neither_reads_nor_writes(tmp_path: Path) -> None:
    done = discover(tmp_path, "--discover", TAP_QUICKBOOKS_ONLINE_DISCOVERY_CACHE="0")
    assert done.returncode == 0, done.stderr
    assert not (tmp_path / "cache" / "tap-quickbooks-online").exists()


def test_other_invocations_go_to_singer_sdk() -> None:
    assert discovery_cache.is_plain_discovery(["--config", __file__, "--state", __file__, "--discover"])
    assert not discovery_cache.is_plain_discovery(["--config", __file__, "--discover", "--about"])
    assert not discovery_cache.is_plain_discovery(["--config", __file__])
    # a missing config file is singer-sdk's to report
    assert not discovery_cache.is_plain_discovery(["--config", "/nonexistent.json", "--discover"])


def test_any_change_to_the_code_or_schemas_changes_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "package"
    shutil.copytree(discovery_cache.PACKAGE_DIR, package, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(discovery_cache, "PACKAGE_DIR", package)
    keys = []
    for edit in (None, "schemas/invoices.json", "streams.py"):
        if edit:
            with (package / edit).open("a") as file:
                file.write("\n")
        discovery_cache.cache_key.cache_clear()
        keys.append(discovery_cache.cache_key())
    discovery_cache.cache_key.cache_clear()
    assert len(set(keys)) == 3
