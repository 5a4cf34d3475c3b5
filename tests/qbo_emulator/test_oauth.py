"""OAuth 2.0 as Intuit runs it: token grants, rotation, expiry, revoke; driven by Intuit's own client."""

from __future__ import annotations

import pytest
import requests
from intuitlib.client import AuthClient
from intuitlib.exceptions import AuthClientError

from tests.emulators.qbo import QBOEmulator

from .conftest import sample

REDIRECT = "https://app.example/callback"


def _auth_client(emu: QBOEmulator) -> AuthClient:
    """Intuit's client, pointed at the emulator only through its discovery-document setting."""
    return AuthClient(emu.client_id, emu.client_secret, REDIRECT, environment=emu.discovery_url)


def _refresh(
    emu: QBOEmulator, token: str, auth: tuple[str, str] | None = None, headers: dict[str, str] | None = None
) -> requests.Response:
    return requests.post(
        emu.token_url,
        data={"grant_type": "refresh_token", "refresh_token": token},
        auth=auth or (emu.client_id, emu.client_secret),
        headers={"Accept": "application/json", **(headers or {})},
        timeout=10,
    )


def test_token_response_has_intuits_fields(emu: QBOEmulator) -> None:
    response = _refresh(emu, emu.issue_refresh_token())
    real = sample("oauth-token-refresh-response.oauth-jsclient-mock.json")
    assert response.status_code == 200
    assert response.headers["intuit_tid"]
    body = response.json()
    assert set(body) == set(real) - {"id_token"}
    assert (body["token_type"], body["expires_in"], body["x_refresh_token_expires_in"]) == (
        "bearer",
        3600,
        8726400,
    )


def test_hard_expiry_only_when_asked(emu: QBOEmulator) -> None:
    plain = _refresh(emu, emu.issue_refresh_token()).json()
    asked = _refresh(
        emu, emu.issue_refresh_token(), headers={"x-include-refresh-token-hard-expires-in": "true"}
    ).json()
    assert "x_refresh_token_hard_expires_in" not in plain
    assert 0 < asked["x_refresh_token_hard_expires_in"] <= 5 * 365 * 86400


def test_intuit_oauth_refreshes_and_follows_rotation(emu: QBOEmulator) -> None:
    client = _auth_client(emu)
    first = emu.issue_refresh_token()
    client.refresh(refresh_token=first)
    assert client.refresh_token == first, "within 24 h Intuit returns the same refresh token"
    assert client.access_token
    assert client.expires_in == 3600
    emu.clock.advance(25 * 3600)
    client.refresh()
    rotated = client.refresh_token
    assert rotated != first
    with pytest.raises(AuthClientError) as caught:
        _auth_client(emu).refresh(refresh_token=first)
    assert caught.value.status_code == 400
    assert caught.value.response.json() == sample("oauth-invalid-grant.oauth-jsclient-mock.json")["json"]
    client.refresh()
    assert client.refresh_token == rotated


def test_intuit_oauth_code_exchange_and_revoke(emu: QBOEmulator) -> None:
    client = _auth_client(emu)
    code = emu.oauth.issue_auth_code(REDIRECT)
    client.get_bearer_token(code, realm_id=emu.realm_id)
    assert client.access_token
    assert client.refresh_token
    with pytest.raises(AuthClientError):
        client.get_bearer_token(code, realm_id=emu.realm_id)  # codes are single-use
    headers = {"Authorization": f"Bearer {client.access_token}", "Accept": "application/json"}
    assert requests.get(f"{emu.api_url}/preferences", headers=headers, timeout=10).status_code == 200
    assert client.revoke(token=client.refresh_token) is True
    assert requests.get(f"{emu.api_url}/preferences", headers=headers, timeout=10).status_code == 401
    with pytest.raises(AuthClientError):
        client.refresh()


def test_wrong_redirect_uri_or_expired_code(emu: QBOEmulator) -> None:
    client = _auth_client(emu)
    with pytest.raises(AuthClientError):
        client.get_bearer_token(emu.oauth.issue_auth_code("https://elsewhere.example/cb"))
    code = emu.oauth.issue_auth_code(REDIRECT)
    emu.clock.advance(301)
    with pytest.raises(AuthClientError):
        client.get_bearer_token(code)


def test_invalid_client_and_grant_errors(emu: QBOEmulator) -> None:
    bad = _refresh(emu, emu.issue_refresh_token(), auth=(emu.client_id, "wrong"))
    assert (bad.status_code, bad.json()) == (401, {"error": "invalid_client"})
    unknown = _refresh(emu, "RT1-not-a-token")
    assert unknown.status_code == 400
    assert unknown.json()["error"] == "invalid_grant"
    grant = requests.post(
        emu.token_url, data={"grant_type": "password"}, auth=(emu.client_id, emu.client_secret), timeout=10
    )
    assert grant.status_code == 400
    assert grant.json()["error"] == "unsupported_grant_type"


def test_refresh_token_expires_after_100_days_unused(emu: QBOEmulator) -> None:
    token = emu.issue_refresh_token()
    emu.clock.advance(8726400 + 1)
    assert _refresh(emu, token).json()["error"] == "invalid_grant"


def test_expired_access_token_gets_the_real_401_body(emu: QBOEmulator) -> None:
    token = emu.issue_access_token()
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    assert requests.get(f"{emu.api_url}/invoice/1", headers=headers, timeout=10).status_code == 200
    emu.clock.advance(3600)
    response = requests.get(f"{emu.api_url}/invoice/1", headers=headers, timeout=10)
    real = sample("fault-401-lowercase.public-capture.json")
    assert response.status_code == 401
    body = response.json()
    assert set(body) == set(real)
    assert body["fault"]["type"] == "AUTHENTICATION"
    assert set(body["fault"]["error"][0]) == set(real["fault"]["error"][0])
    assert body["fault"]["error"][0]["code"] == "3200"
    assert isinstance(body["time"], int)
    assert token not in response.text
    assert emu.counters()["auth_failed"] == 1


def test_missing_token_and_wrong_realm(emu: QBOEmulator) -> None:
    anonymous = requests.get(f"{emu.api_url}/invoice/1", headers={"Accept": "application/json"}, timeout=10)
    assert anonymous.status_code == 401
    headers = {"Authorization": f"Bearer {emu.issue_access_token()}", "Accept": "application/json"}
    other = requests.get(f"{emu.base_url}/v3/company/123/invoice/1", headers=headers, timeout=10)
    assert other.status_code == 403
    assert other.json()["Fault"]["Error"][0]["code"] == "3100"
