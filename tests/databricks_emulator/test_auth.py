"""Auth as the warehouse enforces it: PAT, bad tokens, and OAuth M2M through databricks-sdk."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import requests
from databricks.sdk.core import Config
from databricks.sdk.credentials_provider import oauth_service_principal
from databricks.sql.exc import RequestError
from urllib3.exceptions import MaxRetryError

from tests.emulators.databricks import DatabricksEmulator

from .conftest import FAST_RETRIES, Connect


def m2m(dbx: DatabricksEmulator, secret: str | None = None) -> Callable[[], Any]:
    config = Config(host=dbx.url, client_id=dbx.client_id, client_secret=secret or dbx.client_secret)
    return lambda: oauth_service_principal(config)


def test_bad_token_is_401(dbx: DatabricksEmulator, connect: Connect) -> None:
    with pytest.raises(RequestError) as info:
        connect(dbx, access_token="dapi-not-a-real-token")
    assert info.value.context["http-code"] == 401
    assert dbx.counters()["http.401"] == 1
    assert "dapi-not-a-real-token" not in str(info.value)


def test_m2m_token_expires_mid_session_and_a_refreshed_one_works(
    dbx: DatabricksEmulator, connect: Connect
) -> None:
    conn = connect(dbx, credentials_provider=m2m(dbx))
    with conn.cursor() as cur:
        cur.execute("SELECT 1 AS one")
        assert cur.fetchone().one == 1  # type: ignore[union-attr]
        dbx.clock.advance(3500)  # still inside the 3600 s lifetime
        cur.execute("SELECT 2 AS two")
        dbx.clock.advance(200)
        with pytest.raises(RequestError) as expired:
            cur.execute("SELECT 3 AS three")
    assert expired.value.context["http-code"] == 403
    assert dbx.counters()["auth.expired_token"] >= 1
    assert "SELECT 3 AS three" not in dbx.statements  # rejected before it reached the engine
    refreshed = connect(dbx, credentials_provider=m2m(dbx))  # what a client does on 401/403: new token, retry
    with refreshed.cursor() as cur:
        cur.execute("SELECT 3 AS three")
        assert cur.fetchone().three == 3  # type: ignore[union-attr]
    assert dbx.counters()["oauth.tokens_issued"] == 2


def test_wrong_client_secret_is_refused(dbx: DatabricksEmulator, connect: Connect) -> None:
    with pytest.raises(RequestError, match="invalid_client: Client authentication failed"):
        connect(dbx, credentials_provider=m2m(dbx, secret="wrong"))
    assert "oauth.tokens_issued" not in dbx.counters()


def test_oidc_discovery_documents(dbx: DatabricksEmulator) -> None:
    meta = requests.get(f"{dbx.url}/.well-known/databricks-config", timeout=5).json()
    assert meta["oidc_endpoint"] == f"{dbx.url}/oidc"
    oidc = requests.get(f"{meta['oidc_endpoint']}/.well-known/oauth-authorization-server", timeout=5).json()
    assert oidc["token_endpoint"] == f"{dbx.url}/oidc/v1/token"
    unsupported = requests.post(
        oidc["token_endpoint"],
        data={"grant_type": "password"},
        auth=(dbx.client_id, dbx.client_secret),
        timeout=5,
    )
    assert unsupported.status_code == 400
    assert unsupported.json()["error"] == "unsupported_grant_type"
    token = requests.post(
        oidc["token_endpoint"],
        data={"grant_type": "client_credentials", "scope": "all-apis"},
        auth=(dbx.client_id, dbx.client_secret),
        timeout=5,
    ).json()
    assert token["expires_in"] == 3600
    assert token["token_type"] == "Bearer"


def test_m2m_over_tls_with_ca_bundle(
    dbx_tls: DatabricksEmulator, connect: Connect, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert dbx_tls.ca_file is not None
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", dbx_tls.ca_file)  # how the SDK trusts a private CA
    with connect(dbx_tls, credentials_provider=m2m(dbx_tls)).cursor() as cur:
        cur.execute("SELECT 'tls' AS t")
        assert cur.fetchone().t == "tls"  # type: ignore[union-attr]


def test_tls_rejects_an_untrusted_certificate(dbx_tls: DatabricksEmulator) -> None:
    from databricks import sql

    kwargs = dbx_tls.connect_kwargs()
    kwargs.pop("_tls_trusted_ca_file")
    with pytest.raises(MaxRetryError, match="CERTIFICATE_VERIFY_FAILED"):  # the connector does not wrap it
        sql.connect(**{**kwargs, **FAST_RETRIES}, access_token=dbx_tls.token)
    assert "rpc.OpenSession" not in dbx_tls.counters()
