"""Settings from the tap's config file or Meltano's env vars, and the `serve` command as a real process."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest
from tap_quickbooks_online.inbox import Inbox
from tap_quickbooks_online.webhooks import load_settings

from tests.waiting import wait_until

from .helpers import (
    REALM,
    VERIFIER_TOKEN,
    cloud_event,
    legacy_body,
    legacy_entity,
    receiver_url,
    signed_headers,
)


def _config(tmp_path: Path, **extra: object) -> Path:
    config = {
        "realm_id": REALM,
        "client_id": "abc",
        "webhook_verifier_token": VERIFIER_TOKEN,
        "webhook_inbox_path": str(tmp_path / "inbox.sqlite"),
        "webhook_port": 9123,
        **extra,
    }
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    return path


def test_settings_from_tap_config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TAP_QUICKBOOKS_ONLINE_WEBHOOK_PORT", "1")  # ignored: a file was given without ENV
    config = _config(tmp_path, webhook_trigger_command="meltano run a b", webhook_trigger_debounce_seconds=2)
    settings = load_settings((str(config),))
    assert (settings.port, settings.realm_id, settings.inbox_path) == (9123, REALM, tmp_path / "inbox.sqlite")
    assert (settings.trigger_command, settings.trigger_debounce_seconds) == ("meltano run a b", 2)
    assert (settings.host, settings.max_body_bytes, settings.retention_days) == ("127.0.0.1", 1_048_576, 30)
    assert load_settings((str(config),), host="0.0.0.0", port=0).port == 0


def test_settings_from_meltano_env_vars(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env = {
        "WEBHOOK_VERIFIER_TOKEN": "from-env", "WEBHOOK_INBOX_PATH": str(tmp_path / "env.sqlite"),
        "WEBHOOK_PORT": "8181", "WEBHOOK_MAX_BODY_BYTES": "2048", "WEBHOOK_RETENTION_DAYS": "7",
        "WEBHOOK_TRIGGER_DEBOUNCE_SECONDS": "3", "REALM_ID": "42",
    }  # fmt: skip
    for name, value in env.items():
        monkeypatch.setenv(f"TAP_QUICKBOOKS_ONLINE_{name}", value)
    settings = load_settings()
    assert (settings.verifier_token, settings.port, settings.max_body_bytes) == ("from-env", 8181, 2048)
    assert (settings.retention_days, settings.trigger_debounce_seconds, settings.realm_id) == (7, 3, "42")
    # With --config FILE --config ENV the env vars win over the file, as in singer-sdk.
    merged = load_settings((str(_config(tmp_path)), "ENV"))
    assert (merged.port, merged.verifier_token) == (8181, "from-env")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"webhook_verifier_token": ""}, "webhook_verifier_token is required"),
        ({"webhook_inbox_path": None}, "webhook_inbox_path is required"),
        ({"webhook_port": "eighty"}, "webhook_port has an invalid value"),
        ({"webhook_trigger_debounce_seconds": 2.5}, "webhook_trigger_debounce_seconds has an invalid value"),
        ({"webhook_port": 70000}, "out of range"),
        ({"webhook_max_body_bytes": 0}, "out of range"),
    ],
)
def test_invalid_settings_fail_clearly(tmp_path: Path, extra: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        load_settings((str(_config(tmp_path, **extra)),))


def _cli() -> list[str]:
    script = Path(sys.executable).parent / "tap-quickbooks-online-webhooks"
    return (
        [str(script)]
        if script.exists()
        else [sys.executable, "-c", "from tap_quickbooks_online.webhooks import cli; cli()"]
    )


def _spawn(tmp_path: Path) -> tuple[subprocess.Popen[bytes], str, Path]:
    """The receiver as its own process; returns it, its base URL and its log file."""
    log_path = tmp_path / "receiver.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [*_cli(), "serve", "--config", str(_config(tmp_path)), "--port", "0"], stderr=log
        )
    return process, receiver_url(process, log_path), log_path


def test_serve_command_receives_until_terminated(tmp_path: Path) -> None:
    process, url, log_path = _spawn(tmp_path)
    try:
        body = legacy_body(legacy_entity("Invoice", "1"))
        assert httpx.post(f"{url}/webhooks", content=body, headers=signed_headers(body)).json()["stored"] == 1
        assert httpx.post(f"{url}/webhooks", content=body).status_code == 401
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(30)
    # uvicorn shuts down gracefully, then re-raises the captured SIGTERM, as service managers expect.
    assert process.returncode in (0, -signal.SIGTERM)
    output = log_path.read_text()
    assert "Application shutdown complete" in output
    assert "Rejected webhook" in output
    assert VERIFIER_TOKEN not in output
    with Inbox(tmp_path / "inbox.sqlite") as inbox:
        assert [e.entity_id for e in inbox.read_after(0)] == ["1"]


def test_every_acknowledged_event_survives_a_hard_kill(tmp_path: Path) -> None:
    process, url, _ = _spawn(tmp_path)
    acknowledged: list[str] = []
    stop = threading.Event()

    def send(sender: int) -> None:
        with httpx.Client(timeout=5) as client:
            for n in range(10_000):
                body = json.dumps([cloud_event(f"kill-{sender}-{n}", "invoice", str(n))]).encode()
                try:
                    response = client.post(f"{url}/webhooks", content=body, headers=signed_headers(body))
                except httpx.HTTPError:
                    return  # the receiver died mid-request: no 200, so Intuit would retry it
                if response.status_code == 200:
                    acknowledged.append(f"kill-{sender}-{n}")
                if stop.is_set():
                    return

    senders = [threading.Thread(target=send, args=(i,)) for i in range(4)]
    for thread in senders:
        thread.start()
    wait_until(
        lambda: len(acknowledged) >= 200, 60, lambda: f"200 acknowledgements (got {len(acknowledged)})"
    )
    process.kill()  # SIGKILL: no graceful shutdown, no flush
    process.wait(30)
    stop.set()
    for thread in senders:
        thread.join(30)
    with Inbox(tmp_path / "inbox.sqlite") as inbox:
        stored = {e.event_id.rsplit(":", 1)[1] for e in inbox.read_after(0)}
    assert set(acknowledged) <= stored


def test_serve_without_token_exits_with_clear_error(tmp_path: Path) -> None:
    result = subprocess.run(
        [*_cli(), "serve", "--config", str(_config(tmp_path, webhook_verifier_token=None))],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode != 0
    assert "webhook_verifier_token is required" in result.stderr


def test_serve_with_unusable_inbox_exits_with_clear_error(tmp_path: Path) -> None:
    sqlite3.connect(tmp_path / "inbox.sqlite").execute("PRAGMA user_version = 99")
    result = subprocess.run(
        [*_cli(), "serve", "--config", str(_config(tmp_path))], capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert "schema version 99" in result.stderr
    assert "Traceback" not in result.stderr
