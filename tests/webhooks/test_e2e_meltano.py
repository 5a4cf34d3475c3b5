"""`meltano invoke tap-quickbooks-online:webhooks` starts the receiver with the settings Meltano passes."""

from __future__ import annotations

import re
import signal
import subprocess
from pathlib import Path

import httpx
import pytest
from tap_quickbooks_online.inbox import Inbox

from tests.e2e.conftest import MELTANO, MeltanoProject, meltano, meltano_installed  # noqa: F401 - fixtures
from tests.waiting import wait_until

from .helpers import VERIFIER_TOKEN, legacy_body, legacy_entity, signed_headers

pytestmark = pytest.mark.slow


def test_meltano_invokes_the_receiver_with_env_settings(meltano: MeltanoProject, tmp_path: Path) -> None:  # noqa: F811
    env = {
        **meltano.env,
        "TAP_QUICKBOOKS_ONLINE_WEBHOOK_VERIFIER_TOKEN": VERIFIER_TOKEN,
        "TAP_QUICKBOOKS_ONLINE_WEBHOOK_PORT": "0",
        "TAP_QUICKBOOKS_ONLINE_WEBHOOK_MAX_BODY_BYTES": "4096",
    }
    log_path = tmp_path / "meltano.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [str(MELTANO), "--environment", "dev", "invoke", "tap-quickbooks-online:webhooks"],
            cwd=Path(__file__).resolve().parents[2], env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        url = _wait_for_url(process, log_path)
        body = legacy_body(legacy_entity("Invoice", "42"))
        assert httpx.post(f"{url}/webhooks", content=body, headers=signed_headers(body)).json()["stored"] == 1
        big = legacy_body(*[legacy_entity("Invoice", str(i)) for i in range(100)])
        assert httpx.post(f"{url}/webhooks", content=big, headers=signed_headers(big)).status_code == 413
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(60)
    with Inbox(meltano.env["TAP_QUICKBOOKS_ONLINE_WEBHOOK_INBOX_PATH"]) as inbox:
        assert [e.entity_id for e in inbox.read_after(0)] == ["42"]
    assert VERIFIER_TOKEN not in log_path.read_text()


def _wait_for_url(process: subprocess.Popen[bytes], log_path: Path) -> str:
    match = wait_until(
        lambda: re.search(r"running on (http://127\.0\.0\.1:\d+)", log_path.read_text()),
        120,
        lambda: f"the receiver's URL in its log:\n{log_path.read_text()}",
        interval=0.1,
        alive=lambda: process.poll() is None,
    )
    return match.group(1)
