"""The onboarding commands through Meltano itself: `tap-quickbooks-online:login`,
`target-databricks:initialize` and `meltano config test` for both plugins, against the QBO emulator and
local Delta (dev environment)."""

from __future__ import annotations

import re
import socket
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from deltalake import DeltaTable
from tap_quickbooks_online.token_store import TokenStore

from tests.e2e.conftest import MELTANO, MeltanoProject
from tests.e2e.helpers import tap_env
from tests.emulators.qbo import QBOEmulator

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


@pytest.fixture
def emu() -> Iterator[QBOEmulator]:
    with QBOEmulator(seed=7, scale=0.02, port=0) as emulator:
        yield emulator


def test_login_through_meltano_seeds_the_token_store(meltano: MeltanoProject, emu: QBOEmulator) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        redirect = f"http://localhost:{probe.getsockname()[1]}/callback"
    emu.appcenter.redirect_uris.add(redirect)
    env = {**meltano.env, **tap_env(emu)}
    del env["TAP_QUICKBOOKS_ONLINE_REFRESH_TOKEN"]  # a first login: no refresh token anywhere yet
    args = ["--no-browser", "--discovery-url", emu.discovery_url, "--redirect-uri", redirect]
    process = subprocess.Popen(
        [str(MELTANO), "--environment", "dev", "invoke", "tap-quickbooks-online:login", *args],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    assert process.stdout is not None
    lines: list[str] = []
    for line in process.stdout:  # the user copies the printed address into a browser
        lines.append(line)
        if match := re.search(r"(http://\S+/connect/oauth2\?\S+)", line):
            threading.Thread(target=requests.get, args=(match.group(1),), kwargs={"timeout": 60}).start()
            break
    lines += process.stdout.readlines()
    assert process.wait(120) == 0, "".join(lines)
    key = env["TAP_QUICKBOOKS_ONLINE_TOKEN_STORE_KEY"]
    tokens = TokenStore(env["TAP_QUICKBOOKS_ONLINE_TOKEN_STORE_PATH"], key).read()
    assert tokens is not None
    assert tokens.refresh_token not in "".join(lines)
    assert emu.oauth.check_access(f"Bearer {tokens.access_token}") is None


def test_initialize_and_config_test_of_both_plugins(meltano: MeltanoProject, emu: QBOEmulator) -> None:
    meltano.env.update(tap_env(emu))
    assert "Plugin configuration is valid" in meltano.run("config", "test", "tap-quickbooks-online").stdout

    first = meltano.run("invoke", "target-databricks:initialize")  # idempotency: tests/target/test_initialize
    assert "Ready" in first.stdout, first.stdout
    assert meltano.delta_schema_dir.is_dir()

    result = meltano.run("--log-level", "debug", "config", "test", "target-databricks", check=False)
    output = result.stdout + result.stderr
    assert "Process return code: 0" in output, output[-4000:]  # the loader itself succeeded
    audit = DeltaTable(str(meltano.delta_schema_dir / "_audit")).to_pyarrow_table()
    assert "meltano_test_stream" in audit.column("stream").to_pylist()  # landed; audit row kept
    assert not (meltano.delta_schema_dir / "meltano_test_stream").exists()  # cleaned up
    # Meltano fails a loader test whose output has the word "error" or "exception" on any line.
    loader_lines = [line for line in output.splitlines() if "target-databricks" in line]
    flagged = [line for line in loader_lines if "error" in line.lower() or "exception" in line.lower()]
    assert flagged == []
    if result.returncode == 0:
        assert "Test data was written to your target system" in output, output[-4000:]
    else:
        # Meltano 4.4.1's loader test terminates the loader after it has exited, which asyncio refuses
        # with ProcessLookupError whatever the loader does (docs/onboarding.md). Pin that it is the only
        # failure, so this test notices the day Meltano fixes it.
        assert "ProcessLookupError" in output, output[-4000:]
