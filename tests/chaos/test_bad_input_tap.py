"""Bad input catalogue, tap side: tap settings, CLI flags, receiver settings and webhook bodies.

Each case: a non-zero exit (or a 4xx answer) within a bounded time, one error line that names what to
fix, and nothing stored (no RECORD or STATE written, no token store created, no inbox event kept).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet
from tap_quickbooks_online.inbox import Inbox

from tests.emulators.qbo import QBOEmulator
from tests.tap.harness import catalog_for
from tests.webhooks.helpers import VERIFIER_TOKEN, make_settings, running_receiver, sign

BIN = Path(sys.executable).parent
TAP = str(BIN / "tap-quickbooks-online")
NO_HANG_SECONDS = 90  # generous for a loaded machine; every case here fails in seconds
BASE = {"realm_id": "9341453050298741", "client_id": "ABc1", "client_secret": "s3cret-value-xyz"}


def run_tap(tmp_path: Path, config: dict[str, Any], *extra: str) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"token_store_path": str(tmp_path / "qbo.tokens"), **config}))
    args = [TAP, "--config", str(path), *extra]
    return subprocess.run(args, capture_output=True, text=True, timeout=NO_HANG_SECONDS, check=False)


def assert_refused(done: subprocess.CompletedProcess[str], tmp_path: Path, *names: str) -> None:
    """Non-zero exit, nothing on stdout, no token store; exactly one error line naming every `names`."""
    assert done.returncode != 0, done.stderr[-2000:]
    assert '"type":"RECORD"' not in done.stdout.replace(" ", "")
    assert '"type":"STATE"' not in done.stdout.replace(" ", "")
    assert not (tmp_path / "qbo.tokens").exists()
    naming = [line for line in done.stderr.splitlines() if all(n in line for n in names)]
    assert len(naming) == 1, f"want one line naming {names}:\n{done.stderr[-3000:]}"


@pytest.mark.parametrize(
    ("setting", "value", "words"),
    [
        ("settle_seconds", -3600, "minimum"),
        ("max_concurrent_requests", 0, "minimum"),
        ("max_concurrent_requests", -1, "minimum"),
        ("batch_size", 0, "minimum"),
        ("batch_size", 31, "maximum"),
        ("page_size", -5, "minimum"),
        ("page_size", 0, "minimum"),
        ("request_timeout", 0, "minimum"),
        ("cdc_interval", -1, "minimum"),
        ("reconcile_interval_hours", 0, "minimum"),
        ("page_size", "fifty", "is not of type"),
    ],
)
def test_a_numeric_setting_out_of_bounds_fails_validation_naming_it(
    tmp_path: Path, setting: str, value: Any, words: str
) -> None:
    done = run_tap(tmp_path, {**BASE, setting: value})
    assert_refused(done, tmp_path, f"config['{setting}']", words)


def test_a_missing_required_setting_is_named(tmp_path: Path) -> None:
    config = {k: v for k, v in BASE.items() if k != "client_secret"}
    assert_refused(run_tap(tmp_path, config), tmp_path, "'client_secret' is a required property")


@pytest.mark.parametrize("flag", ["--state", "--catalog"])
def test_an_input_file_that_is_not_json(tmp_path: Path, flag: str) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("this is not json")
    done = run_tap(tmp_path, BASE, flag, str(bad))
    assert_refused(done, tmp_path, "not JSON", "--state")


def test_a_config_file_that_does_not_exist(tmp_path: Path) -> None:
    args = [TAP, "--config", str(tmp_path / "missing.json")]
    done = subprocess.run(args, capture_output=True, text=True, timeout=NO_HANG_SECONDS, check=False)
    assert_refused(done, tmp_path, "missing.json", "--config")


@pytest.fixture(scope="module")
def emu() -> Iterator[QBOEmulator]:
    with QBOEmulator(seed=7, scale=0.02, port=0) as emulator:
        yield emulator


def _live(emu: QBOEmulator, tmp_path: Path, **overrides: Any) -> dict[str, Any]:
    key = Fernet.generate_key().decode()
    config = {
        "realm_id": emu.realm_id, "client_id": emu.client_id, "client_secret": emu.client_secret,
        "refresh_token": emu.issue_refresh_token(), "token_store_key": key, "api_base_url": emu.base_url,
        "oauth_token_url": emu.token_url,
    }  # fmt: skip
    return {**config, **overrides}


def test_an_unreachable_api_base_url_fails_fast_naming_it(emu: QBOEmulator, tmp_path: Path) -> None:
    done = run_tap(tmp_path, _live(emu, tmp_path, api_base_url="http://127.0.0.1:9"))
    assert done.returncode != 0
    assert '"type":"RECORD"' not in done.stdout.replace(" ", "")
    assert [
        line for line in done.stderr.splitlines() if "Cannot reach QBO" in line and "api_base_url" in line
    ]


def test_an_unreachable_token_endpoint_fails_naming_it(emu: QBOEmulator, tmp_path: Path) -> None:
    done = run_tap(
        tmp_path, _live(emu, tmp_path, oauth_token_url="http://127.0.0.1:9/oauth2/v1/tokens/bearer")
    )
    assert_refused_without_store_check(done, "oauth_token_url")


def test_a_wrong_client_secret_is_an_auth_error_not_retried(emu: QBOEmulator, tmp_path: Path) -> None:
    done = run_tap(tmp_path, _live(emu, tmp_path, client_secret="wrong-secret-123"))
    assert_refused_without_store_check(done, "client_secret")
    assert "Retrying" not in done.stderr
    assert "wrong-secret-123" not in done.stderr


def test_a_token_store_key_that_does_not_open_the_store(emu: QBOEmulator, tmp_path: Path) -> None:
    config = _live(emu, tmp_path)
    catalog = tmp_path / "catalog.json"
    catalog.write_text(json.dumps(catalog_for(["company_info"])))
    first = run_tap(tmp_path, config, "--catalog", str(catalog))
    assert first.returncode == 0, first.stderr[-2000:]
    done = run_tap(tmp_path, {**config, "token_store_key": Fernet.generate_key().decode()})
    assert_refused_without_store_check(done, "token_store_key")


def assert_refused_without_store_check(done: subprocess.CompletedProcess[str], name: str) -> None:
    assert done.returncode != 0
    assert '"type":"RECORD"' not in done.stdout.replace(" ", "")
    assert (
        len([line for line in done.stderr.splitlines() if name in line and "error" in line.lower()]) == 1
    ), done.stderr[-3000:]


@pytest.mark.parametrize(
    ("override", "words"),
    [
        ({"webhook_port": 70000}, "webhook_port is out of range"),
        ({"webhook_trigger_timeout_seconds": 5}, "webhook_trigger_timeout_seconds is out of range"),
        ({"webhook_retention_days": -1}, "webhook_retention_days is out of range"),
        ({"webhook_verifier_token": ""}, "webhook_verifier_token is required"),
    ],
)
def test_receiver_settings_are_checked_before_it_listens(
    tmp_path: Path, override: dict[str, Any], words: str
) -> None:
    config = {"webhook_verifier_token": "v-token-123", "webhook_inbox_path": str(tmp_path / "inbox.sqlite")}
    path = tmp_path / "config.json"
    path.write_text(json.dumps({**config, **override}))
    args = [str(BIN / "tap-quickbooks-online-webhooks"), "serve", "--config", str(path)]
    done = subprocess.run(args, capture_output=True, text=True, timeout=NO_HANG_SECONDS, check=False)
    assert done.returncode != 0
    assert len([line for line in done.stderr.splitlines() if words in line]) == 1, done.stderr[-2000:]
    assert not (tmp_path / "inbox.sqlite").exists()


@pytest.mark.parametrize(
    ("entity_id", "deleted_id"),
    [("1' OR Id > '0", None), ("12; DROP TABLE x", None), ("", None), ("7", "3' --")],
)
def test_a_signed_webhook_with_an_id_of_the_wrong_shape_is_refused(
    tmp_path: Path, entity_id: str, deleted_id: str | None
) -> None:
    inbox_path = tmp_path / "inbox.sqlite"
    change = {
        "name": "Customer",
        "id": entity_id,
        "operation": "Merge",
        "lastUpdated": "2026-03-01T10:00:00Z",
    }
    if deleted_id is not None:
        change["deletedId"] = deleted_id
    body = json.dumps({"eventNotifications": [{"realmId": "1", "dataChangeEvent": {"entities": [change]}}]})
    headers = {"intuit-signature": sign(body.encode(), VERIFIER_TOKEN), "content-type": "application/json"}
    with running_receiver(make_settings(inbox_path)) as url:
        answer = httpx.post(f"{url}/webhooks", content=body, headers=headers, timeout=10)
    assert answer.status_code == 400
    assert "id" in answer.json()["error"]
    with Inbox(inbox_path) as inbox:
        assert inbox.count() == 0
