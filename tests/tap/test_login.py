"""`tap-quickbooks-online-auth login` against the emulator's Intuit authorization and token endpoints: what
lands in the encrypted token store, what the emulator saw, and that no token reaches the output."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import click
import pytest
import requests
from click.testing import CliRunner, Result
from cryptography.fernet import Fernet
from tap_quickbooks_online import login
from tap_quickbooks_online.auth import OAuthClient
from tap_quickbooks_online.token_store import TokenStore

from tests.emulators.qbo import QBOEmulator
from tests.emulators.qbo.appcenter import PLAYGROUND


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def redirect_uri(emu: QBOEmulator) -> str:
    uri = f"http://localhost:{_free_port()}/callback"
    emu.appcenter.redirect_uris.add(uri)
    return uri


@pytest.fixture
def settings(emu: QBOEmulator, tmp_path: Path) -> dict[str, Any]:
    config = {
        "client_id": emu.client_id, "client_secret": emu.client_secret, "realm_id": emu.realm_id,
        "token_store_path": str(tmp_path / "store.enc"), "token_store_key": Fernet.generate_key().decode(),
    }  # fmt: skip
    (tmp_path / "tap.json").write_text(json.dumps(config))
    return config


class Browser:
    """Stands in for the user's browser: loads the consent URL and follows Intuit's redirect."""

    def __init__(self, tamper: Callable[[str], str] = lambda url: url) -> None:
        self.opened: list[str] = []
        self.tamper = tamper

    def open(self, url: str) -> bool:
        self.opened.append(url)
        threading.Thread(target=requests.get, args=(self.tamper(url),), kwargs={"timeout": 30}).start()
        return True


def _login(emu: QBOEmulator, tmp_path: Path, *args: str, input: str | None = None) -> Result:
    argv = ["login", "--config", str(tmp_path / "tap.json"), "--discovery-url", emu.discovery_url, *args]
    return CliRunner().invoke(login.cli, argv, input=input)


def _store(settings: dict[str, Any]) -> TokenStore:
    return TokenStore(settings["token_store_path"], settings["token_store_key"])


def test_login_writes_a_working_refresh_token_to_the_store(
    emu: QBOEmulator, tmp_path: Path, settings: dict[str, Any], redirect_uri: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    browser = Browser()
    monkeypatch.setattr(login.webbrowser, "open", browser.open)
    result = _login(emu, tmp_path, "--redirect-uri", redirect_uri, "--timeout", "60")
    assert result.exit_code == 0, result.output
    consent = parse_qs(urlsplit(browser.opened[0]).query)
    assert {k: v[0] for k, v in consent.items() if k != "state"} == {
        "client_id": emu.client_id, "response_type": "code", "scope": "com.intuit.quickbooks.accounting",
        "redirect_uri": redirect_uri,
    }  # fmt: skip
    assert browser.opened[0] in result.output  # printed as well as opened
    tokens = _store(settings).read()
    assert tokens is not None
    assert tokens.refresh_token.startswith("RT1-")
    assert tokens.refresh_token not in result.output
    assert tokens.access_token not in result.output
    assert f"Company {emu.realm_id} connected" in result.output
    # The store alone (no refresh_token setting) now drives the tap's OAuth client.
    client = OAuthClient(token_url=emu.token_url, client_id=emu.client_id, client_secret=emu.client_secret,
                         seed_refresh_token=None, store=_store(settings))  # fmt: skip
    assert emu.oauth.check_access(f"Bearer {client.access_token()}") is None
    assert emu.counters()["authorize"] == 1


def test_production_redirect_is_pasted_and_an_old_refresh_token_cannot_reseed(
    emu: QBOEmulator, tmp_path: Path, settings: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    old = emu.issue_refresh_token()
    (tmp_path / "tap.json").write_text(json.dumps({**settings, "refresh_token": old}))
    landed: list[str] = []

    def browser(url: str) -> bool:  # the user's browser lands on the https redirect URI
        landed.append(requests.get(url, allow_redirects=False, timeout=30).headers["Location"])
        return True

    monkeypatch.setattr(login.webbrowser, "open", browser)
    monkeypatch.setattr(click, "prompt", lambda text: landed[0])
    result = _login(emu, tmp_path, "--redirect-uri", PLAYGROUND)
    assert result.exit_code == 0, result.output
    assert "remove it from your settings" in result.output
    stored = _store(settings).read()
    assert stored is not None
    assert stored.refresh_token != old
    client = OAuthClient(token_url=emu.token_url, client_id=emu.client_id, client_secret=emu.client_secret,
                         seed_refresh_token=old, store=_store(settings))  # fmt: skip
    client.access_token()
    assert client.refresh_calls == 0  # the stored login tokens were used, the old setting did not reseed


@pytest.mark.parametrize(
    ("prepare", "message"),
    [
        (lambda emu, s: s.update(realm_id="123145"), "you connected company"),
        (lambda emu, s: setattr(emu.appcenter, "decision", "deny"), "access_denied"),
        (lambda emu, s: s.update(client_secret="wrong"), "Check client_id and client_secret"),
    ],
)
def test_refusals_name_the_fix_and_leave_no_store(
    emu: QBOEmulator, tmp_path: Path, settings: dict[str, Any], redirect_uri: str,
    monkeypatch: pytest.MonkeyPatch, prepare: Callable[..., Any], message: str,
) -> None:  # fmt: skip
    prepare(emu, settings)
    (tmp_path / "tap.json").write_text(json.dumps(settings))
    monkeypatch.setattr(login.webbrowser, "open", Browser().open)
    result = _login(emu, tmp_path, "--redirect-uri", redirect_uri, "--timeout", "60")
    assert result.exit_code == 1
    assert message in result.output
    assert not Path(settings["token_store_path"]).exists()


def test_a_forged_state_is_refused_before_the_code_is_spent(
    emu: QBOEmulator, tmp_path: Path, settings: dict[str, Any], redirect_uri: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    browser = Browser(tamper=lambda url: url.replace("state=", "state=forged"))
    monkeypatch.setattr(login.webbrowser, "open", browser.open)
    tokens_before = emu.counters().get("token", 0)
    result = _login(emu, tmp_path, "--redirect-uri", redirect_uri, "--timeout", "60")
    assert result.exit_code == 1
    assert "state does not match" in result.output
    assert emu.counters().get("token", 0) == tokens_before
    assert not Path(settings["token_store_path"]).exists()


@pytest.mark.parametrize("environment", ["sandbox", "production"])
def test_environment_picks_intuits_discovery_document(
    emu: QBOEmulator, tmp_path: Path, settings: dict[str, Any], redirect_uri: str,
    monkeypatch: pytest.MonkeyPatch, environment: str,
) -> None:  # fmt: skip
    asked: list[str] = []

    def discover(url: str, timeout: float) -> login.Endpoints:
        asked.append(url)
        return login.Endpoints(emu.authorize_url, emu.token_url)

    monkeypatch.setattr(login, "discover", discover)
    monkeypatch.setattr(login.webbrowser, "open", Browser().open)
    argv = ["login", "--config", str(tmp_path / "tap.json"), "--intuit-environment", environment,
            "--redirect-uri", redirect_uri, "--timeout", "60"]  # fmt: skip
    result = CliRunner().invoke(login.cli, argv)
    assert result.exit_code == 0, result.output
    assert asked == [login.DISCOVERY[environment]]
    assert login.API_BASE[environment] in result.output


def test_missing_store_key_stops_before_any_browser(
    emu: QBOEmulator, tmp_path: Path, settings: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TAP_QUICKBOOKS_ONLINE_TOKEN_STORE_KEY", raising=False)
    (tmp_path / "tap.json").write_text(json.dumps({**settings, "token_store_key": ""}))
    browser = Browser()
    monkeypatch.setattr(login.webbrowser, "open", browser.open)
    result = _login(emu, tmp_path)
    assert result.exit_code != 0
    assert "token_store_key is not set" in result.output
    assert browser.opened == []
