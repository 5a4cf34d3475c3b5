"""`meltano invoke tap-quickbooks-online:webhooks` starts the receiver with the settings Meltano passes."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

import httpx
import pytest
from tap_quickbooks_online.inbox import Inbox

from tests.e2e.conftest import MELTANO, MeltanoProject, meltano, meltano_installed  # noqa: F401 - fixtures

from .helpers import VERIFIER_TOKEN, legacy_body, legacy_entity, receiver_url, signed_headers

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
        url = receiver_url(process, log_path, timeout=120)
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
