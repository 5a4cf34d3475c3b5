"""Intuit's authorization endpoint (/connect/oauth2): the consent redirect, its errors and the code it
issues, driven by Intuit's own client (intuitlib) where it has a say."""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from intuitlib.client import AuthClient
from intuitlib.enums import Scopes
from intuitlib.exceptions import AuthClientError

from tests.emulators.qbo import QBOEmulator
from tests.emulators.qbo.appcenter import LOCAL_REDIRECT

REGISTERED = "https://app.example/callback"


def _client(emu: QBOEmulator, redirect_uri: str = REGISTERED) -> AuthClient:
    emu.appcenter.redirect_uris.add(REGISTERED)
    return AuthClient(emu.client_id, emu.client_secret, redirect_uri, environment=emu.discovery_url)


def _authorize(url: str) -> requests.Response:
    return requests.get(url, allow_redirects=False, timeout=10)


def _redirected(response: requests.Response) -> tuple[str, dict[str, str]]:
    assert response.status_code == 302, response.text
    location = urlsplit(response.headers["Location"])
    query = {k: v[-1] for k, v in parse_qs(location.query).items()}
    return f"{location.scheme}://{location.netloc}{location.path}", query


def test_consent_redirect_carries_code_state_and_realm_and_the_code_buys_tokens(emu: QBOEmulator) -> None:
    client = _client(emu)
    url = client.get_authorization_url([Scopes.ACCOUNTING], state_token="csrf-123")
    assert url.startswith(emu.authorize_url + "?")
    target, query = _redirected(_authorize(url))
    assert target == REGISTERED
    assert set(query) == {"code", "state", "realmId"}
    assert (query["state"], query["realmId"]) == ("csrf-123", emu.realm_id)
    client.get_bearer_token(query["code"], realm_id=query["realmId"])
    assert client.refresh_token
    assert client.access_token
    client.refresh()  # the refresh token of the new grant works
    with pytest.raises(AuthClientError):
        client.get_bearer_token(query["code"])  # single use


def test_code_is_bound_to_its_redirect_uri(emu: QBOEmulator) -> None:
    _, query = _redirected(_authorize(_client(emu).get_authorization_url([Scopes.ACCOUNTING], "s")))
    other = _client(emu, LOCAL_REDIRECT)
    with pytest.raises(AuthClientError) as refused:
        other.get_bearer_token(query["code"])
    assert refused.value.status_code == 400
    assert b"invalid_grant" in refused.value.content


def _params(emu: QBOEmulator, **overrides: str | None) -> str:
    params = {
        "client_id": emu.client_id, "response_type": "code", "scope": "com.intuit.quickbooks.accounting",
        "redirect_uri": LOCAL_REDIRECT, "state": "st", **overrides,
    }  # fmt: skip
    return f"{emu.authorize_url}?{urlencode({k: v for k, v in params.items() if v is not None})}"


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"client_id": "ABnotMyApp"}, "invalid_client"),
        ({"client_id": None}, "invalid_client"),
        ({"redirect_uri": "http://localhost:9999/callback"}, "invalid_redirect_uri"),
        ({"redirect_uri": None}, "invalid_redirect_uri"),
    ],
)
def test_untrusted_client_or_redirect_gets_an_error_page_not_a_redirect(
    emu: QBOEmulator, overrides: dict[str, str | None], error: str
) -> None:
    response = _authorize(_params(emu, **overrides))
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert error in response.text


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"scope": None}, "invalid_scope"),
        ({"scope": "openid email"}, "invalid_scope"),
        ({"scope": "com.intuit.quickbooks.accounting admin"}, "invalid_scope"),
        ({"state": None}, "invalid_request"),
    ],
)
def test_bad_requests_go_back_to_the_app_with_an_error(
    emu: QBOEmulator, overrides: dict[str, str | None], error: str
) -> None:
    target, query = _redirected(_authorize(_params(emu, **overrides)))
    assert target == LOCAL_REDIRECT
    assert query["error"] == error
    assert "code" not in query
    assert query.get("state") == overrides.get("state", "st")


def test_user_declining_redirects_access_denied(emu: QBOEmulator) -> None:
    emu.appcenter.decision = "deny"
    _, query = _redirected(_authorize(_params(emu, scope="com.intuit.quickbooks.accounting openid")))
    assert (query["error"], query["state"]) == ("access_denied", "st")
