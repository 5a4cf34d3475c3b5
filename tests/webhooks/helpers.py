"""Shared helpers of the webhook tests and benchmark: settings, signed bodies, a real uvicorn in a thread."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import uvicorn
from tap_quickbooks_online.trigger import Trigger
from tap_quickbooks_online.webhooks import WebhookSettings, create_app, sign, uvicorn_config

from tests.waiting import wait_until

SAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "qbo-samples"
VERIFIER_TOKEN = "test-verifier-token-7f3a"
REALM = "9341453050298741"


def make_settings(inbox_path: Path, **overrides: Any) -> WebhookSettings:
    config: dict[str, Any] = {"webhook_verifier_token": VERIFIER_TOKEN, "webhook_inbox_path": str(inbox_path)}
    config.update(overrides)
    return WebhookSettings.from_config(config)


def signed_headers(body: bytes, token: str = VERIFIER_TOKEN) -> dict[str, str]:
    return {"intuit-signature": sign(body, token), "content-type": "application/json"}


def legacy_body(*entities: dict[str, str], realm: str = REALM) -> bytes:
    notification = {"realmId": realm, "dataChangeEvent": {"entities": list(entities)}}
    return json.dumps({"eventNotifications": [notification]}).encode()


def legacy_entity(name: str, entity_id: str, operation: str = "Update", second: int = 0) -> dict[str, str]:
    return {
        "name": name,
        "id": entity_id,
        "operation": operation,
        "lastUpdated": f"2026-03-01T10:00:{second:02d}-0800",
    }


def cloud_event(
    event_id: str, entity: str, entity_id: str, verb: str = "updated", realm: str = REALM
) -> dict[str, Any]:
    return {
        "specversion": "1.0", "id": event_id, "source": "intuit.test", "type": f"qbo.{entity}.{verb}.v1",
        "datacontenttype": "application/json", "time": "2026-03-01T18:00:00.123456789Z",
        "intuitentityid": entity_id, "intuitaccountid": realm, "data": {},
    }  # fmt: skip


@contextmanager
def running_receiver(
    settings: WebhookSettings, trigger: Trigger | None = None, port: int = 0
) -> Iterator[str]:
    """A real uvicorn in a thread (ephemeral port by default); yields its base URL, stops it on exit."""
    server = uvicorn.Server(uvicorn_config(create_app(settings, trigger=trigger), settings, port=port))
    thread = threading.Thread(target=server.run, name="webhook-receiver", daemon=True)
    thread.start()
    wait_until(lambda: server.started, 10, "the webhook receiver to start", alive=thread.is_alive)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def free_port() -> int:
    """A port that was free a moment ago, for a receiver that must come back on the same address."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def receiver_url(process: subprocess.Popen[Any], log_path: Path, timeout: float = 60) -> str:
    """The base URL a receiver started with `--port 0` logs once it serves (fails early if it exits)."""
    match = wait_until(
        lambda: re.search(r"running on (http://127\.0\.0\.1:\d+)", log_path.read_text()),
        timeout,
        lambda: f"the receiver's URL in its log:\n{log_path.read_text()}",
        interval=0.02,
        alive=lambda: process.poll() is None,
    )
    return match.group(1)
