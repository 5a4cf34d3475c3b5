"""OAuth against the emulator: rotation persisted across processes, revocation explained, no token in logs."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import requests
from tap_quickbooks_online.errors import TokenRevokedError
from tap_quickbooks_online.token_store import Tokens, TokenStore

from tests.emulators.qbo import QBOEmulator
from tests.tap.harness import catalog_for, run_tap
from tests.tap.test_sync import expire_access_token

SMALL = ["accounts", "terms", "classes"]
TAP = str(Path(sys.executable).with_name("tap-quickbooks-online"))


def stored(config: dict[str, Any]) -> Tokens:
    tokens = TokenStore(config["token_store_path"], config["token_store_key"]).read()
    assert tokens is not None
    return tokens


def start_tap(config: dict[str, Any], tmp_path: Path, name: str) -> subprocess.Popen[bytes]:
    (tmp_path / f"{name}.json").write_text(json.dumps(config))
    (tmp_path / "catalog.json").write_text(json.dumps(catalog_for(SMALL)))
    return subprocess.Popen(
        [TAP, "--config", str(tmp_path / f"{name}.json"), "--catalog", str(tmp_path / "catalog.json")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def test_rotation_is_persisted_and_two_processes_started_at_once_both_succeed(
    emu: QBOEmulator, config: dict[str, Any], tmp_path: Path
) -> None:
    emu.oauth.rotate_after = 0  # every refresh rotates, and the old refresh token dies at once
    seed = config["refresh_token"]
    procs = [start_tap(config, tmp_path, f"p{i}") for i in range(2)]
    outputs = [p.communicate(timeout=120) for p in procs]
    for proc, (out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err.decode()[-2000:]
        assert b'"type":"RECORD"' in out
    rotated = stored(config).refresh_token
    assert rotated != seed
    assert emu.counters()["token"] == 1, "the second process reused the first one's fresh access token"
    # The old token is dead at Intuit; the store holds the live one, so later runs keep working.
    dead = requests.post(
        emu.token_url,
        data={"grant_type": "refresh_token", "refresh_token": seed},
        auth=(emu.client_id, emu.client_secret),
        timeout=10,
    )
    assert dead.status_code == 400
    for _ in range(2):
        expire_access_token(config)
        assert run_tap(config, streams=SMALL).records["accounts"]
    assert stored(config).refresh_token not in (seed, rotated)


def test_both_processes_refresh_when_their_tokens_expire_between_runs(
    emu: QBOEmulator, config: dict[str, Any], tmp_path: Path
) -> None:
    emu.oauth.rotate_after = 0
    run_tap(config, streams=SMALL)
    expire_access_token(config)
    procs = [start_tap(config, tmp_path, f"q{i}") for i in range(2)]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()[-2000:]


def test_revoked_refresh_token_stops_with_the_fix(
    emu: QBOEmulator, config: dict[str, Any], tmp_path: Path
) -> None:
    run_tap(config, streams=SMALL)
    revoke = requests.post(
        emu.revoke_url,
        json={"token": stored(config).refresh_token},
        auth=(emu.client_id, emu.client_secret),
        timeout=10,
    )
    assert revoke.status_code == 200
    with pytest.raises(TokenRevokedError, match="re-authorise the app"):
        run_tap(config, streams=SMALL)  # the access token is revoked too: 401, refresh, invalid_grant
    proc = start_tap(config, tmp_path, "revoked")
    _, err = proc.communicate(timeout=120)
    assert proc.returncode != 0
    assert b"re-authorise the app" in err
    assert b"refresh_token" in err


def test_a_new_config_refresh_token_reseeds_the_store(emu: QBOEmulator, config: dict[str, Any]) -> None:
    run_tap(config, streams=SMALL)
    requests.post(
        emu.revoke_url,
        json={"token": stored(config).refresh_token},
        auth=(emu.client_id, emu.client_secret),
        timeout=10,
    )
    config["refresh_token"] = emu.issue_refresh_token()  # the user re-authorised
    assert run_tap(config, streams=SMALL).records["terms"]


def test_no_token_or_secret_reaches_any_log(
    emu: QBOEmulator, config: dict[str, Any], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    emu.oauth.rotate_after = 0
    seen: list[str] = [config["refresh_token"], config["client_secret"], config["token_store_key"]]
    original = TokenStore.write

    def spy(self: TokenStore, tokens: Tokens) -> None:
        seen.extend([tokens.access_token, tokens.refresh_token])
        original(self, tokens)

    monkeypatch.setattr(TokenStore, "write", spy)
    logs = [run_tap(config, streams=SMALL, log_level=logging.DEBUG).log_text]
    emu.clock.advance(7200)  # the stored access token is expired for the API: 401, then one refresh
    logs.append(run_tap(config, state={}, streams=SMALL, log_level=logging.DEBUG).log_text)
    expire_access_token(config)
    proc = start_tap(config, tmp_path, "logs")
    _, err = proc.communicate(timeout=120)
    logs.append(err.decode())
    requests.post(
        emu.revoke_url,
        json={"token": stored(config).refresh_token},
        auth=(emu.client_id, emu.client_secret),
        timeout=10,
    )
    with pytest.raises(TokenRevokedError) as caught:
        run_tap(config, streams=SMALL, log_level=logging.DEBUG)
    logs.append(str(caught.value))
    text = "\n".join(logs)
    assert "401" in text, "the logs must cover the 401 path"
    assert "Refreshing" in text, "the logs must cover the refresh path"
    assert len(seen) >= 7
    for secret in seen:
        assert secret
        assert secret not in text
