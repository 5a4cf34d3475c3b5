"""Workspace auth: personal access tokens and the OAuth M2M (client_credentials) flow of databricks-sdk."""

from __future__ import annotations

import base64
import hmac
import json
import secrets
import threading
import urllib.parse
from dataclasses import dataclass

from .clock import Clock
from .faults import Counters

TOKEN_LIFETIME_S = 3600


@dataclass(frozen=True)
class Denial:
    status: int
    reason: str


class Auth:
    """Validates bearer tokens on every request; OAuth tokens expire on the emulator clock."""

    def __init__(self, clock: Clock, counters: Counters) -> None:
        self.clock, self.counters = clock, counters
        self.pat = "dapi" + secrets.token_hex(16)
        self.client_id = "sp-" + secrets.token_hex(8)
        self.client_secret = "dose" + secrets.token_hex(16)
        self.user = "emulator-user@example.com"  # the PAT's owner; the service principal is client_id
        self._oauth: dict[str, float] = {}  # access token -> expiry (emulator clock)
        self._lock = threading.Lock()

    def principal(self, authorization: str | None) -> str:
        """Who a (valid) bearer token acts as: what current_user() and GRANT ... TO name."""
        token = (authorization or "").partition(" ")[2]
        return self.user if hmac.compare_digest(token, self.pat) else self.client_id

    def check(self, authorization: str | None, expired_status: int) -> Denial | None:
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            return Denial(401, "Credential was not sent or was of an unsupported type for this API.")
        if hmac.compare_digest(token, self.pat):
            return None
        with self._lock:
            expiry = self._oauth.get(token)
        if expiry is None:
            return Denial(401, "Invalid access token.")
        if expiry <= self.clock.now():
            self.counters.add("auth.expired_token")
            return Denial(expired_status, "Invalid access token: the token has expired.")
        return None

    def issue(self, authorization: str | None, form: dict[str, str]) -> tuple[int, dict[str, object]]:
        """POST /oidc/v1/token. Client credentials may come as HTTP Basic or in the form, as OAuth allows."""
        self.counters.add("oauth.token_requests")
        credentials = _client_credentials(authorization, form)
        if credentials is None:
            return 401, {"error": "invalid_client", "error_description": "Malformed client authentication"}
        client_id, client_secret = credentials
        if form.get("grant_type") != "client_credentials":
            return 400, {
                "error": "unsupported_grant_type",
                "error_description": "Only client_credentials is supported for service principals",
            }
        good = hmac.compare_digest(client_id, self.client_id) and hmac.compare_digest(
            client_secret, self.client_secret
        )
        if not good:
            return 401, {"error": "invalid_client", "error_description": "Client authentication failed"}
        token = "eyJ" + secrets.token_urlsafe(48)
        with self._lock:
            self._oauth[token] = self.clock.now() + TOKEN_LIFETIME_S
        self.counters.add("oauth.tokens_issued")
        return 200, {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": TOKEN_LIFETIME_S,
            "scope": form.get("scope") or "all-apis",
        }


def _client_credentials(authorization: str | None, form: dict[str, str]) -> tuple[str, str] | None:
    """(client_id, client_secret) from HTTP Basic (databricks-sdk's choice) or the form body."""
    scheme, _, encoded = (authorization or "").partition(" ")
    if scheme.lower() != "basic":
        return form.get("client_id", ""), form.get("client_secret", "")
    try:
        client_id, _, client_secret = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        return None
    return urllib.parse.unquote(client_id), urllib.parse.unquote(client_secret)


def host_metadata(base_url: str, workspace_id: str) -> bytes:
    """GET /.well-known/databricks-config: where databricks-sdk finds the workspace's OIDC root."""
    return json.dumps(
        {"oidc_endpoint": f"{base_url}/oidc", "workspace_id": workspace_id, "cloud": "aws"}
    ).encode()


def oidc_discovery(base_url: str) -> bytes:
    return json.dumps(
        {
            "issuer": f"{base_url}/oidc",
            "authorization_endpoint": f"{base_url}/oidc/v1/authorize",
            "token_endpoint": f"{base_url}/oidc/v1/token",
            "jwks_uri": f"{base_url}/oidc/v1/keys",
            "grant_types_supported": ["client_credentials", "authorization_code", "refresh_token"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "scopes_supported": ["all-apis", "sql", "offline_access"],
        }
    ).encode()
