"""Failing well: prompt exit on SIGTERM, capped Retry-After, secret values redacted from every log record."""

from __future__ import annotations

import json
import logging
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest
from singer_sdk import Tap
from tap_quickbooks_online.client import QBOClient
from tap_quickbooks_online.errors import ThrottledError, install_log_redaction, register_secret
from tap_quickbooks_online.tap import TapQuickBooksOnline

from tests.emulators.qbo import QBOEmulator
from tests.tap.harness import catalog_for

TAP = str(Path(sys.executable).parent / "tap-quickbooks-online")


@pytest.fixture
def silent_host() -> Iterator[str]:
    """A host that accepts connections and never answers (a hung proxy, a black-holed API)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    stop.set()
    thread.join(5)
    for conn in held:
        conn.close()
    server.close()


def test_sigterm_ends_a_stuck_run_at_once_with_a_failure_code(
    emu: QBOEmulator, config: dict[str, Any], tmp_path: Path, silent_host: str
) -> None:
    (tmp_path / "config.json").write_text(json.dumps({**config, "api_base_url": silent_host}))
    (tmp_path / "catalog.json").write_text(json.dumps(catalog_for(["invoices"])))
    args = [TAP, "--config", str(tmp_path / "config.json"), "--catalog", str(tmp_path / "catalog.json")]
    tap = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert tap.stderr is not None
        for line in tap.stderr:  # wait until the run is inside its first API call
            if "Refreshing the QBO access token" in line or "full sync" in line:
                break
        tap.send_signal(signal.SIGTERM)
        out, err = tap.communicate(timeout=60)  # a bound against hanging, not a speed goal
    finally:
        if tap.poll() is None:
            tap.kill()
    assert tap.returncode == 128 + signal.SIGTERM
    assert "stopped by SIGTERM" in err
    assert '"type":"STATE"' not in out.replace(" ", "")


def test_retry_after_is_obeyed_only_up_to_the_cap(emu: QBOEmulator, config: dict[str, Any]) -> None:
    tap = TapQuickBooksOnline(config=config, catalog=catalog_for(["invoices"]))
    client = cast(QBOClient, tap.run_context().client)
    assert client.delay(1, ThrottledError("throttled", retry_after=86400)) == client.backoff_cap
    assert client.delay(2, ThrottledError("throttled", retry_after=2)) == 2


def test_secret_values_never_reach_a_log_record(
    config: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    TapQuickBooksOnline(config=config, catalog=catalog_for(["invoices"]))
    install_log_redaction()
    register_secret("an-access-token-value-123")
    with caplog.at_level(logging.INFO):
        logging.getLogger("anything.at.all").warning(
            "client %s secret %s store key %s token %s",
            config["client_id"],
            config["client_secret"],
            config["token_store_key"],
            "an-access-token-value-123",
        )
    text = caplog.text
    for secret in (config["client_secret"], config["token_store_key"], "an-access-token-value-123"):
        assert secret not in text
    assert text.count("[redacted]") == 3


def test_a_cleanup_error_never_replaces_the_failure(
    config: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    tap = TapQuickBooksOnline(config=config, catalog=catalog_for(["invoices"]))

    def fail(*_args: Any) -> None:
        raise RuntimeError("the real failure")

    def broken_cleanup() -> None:
        raise OSError("broken pipe while flushing")

    monkeypatch.setattr(Tap, "sync_all", fail)
    monkeypatch.setattr(tap, "_end_run", broken_cleanup)
    with pytest.raises(RuntimeError, match="the real failure"):
        tap.sync_all()
