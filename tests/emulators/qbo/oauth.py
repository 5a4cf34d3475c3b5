"""Intuit's OAuth 2.0 token and revoke endpoints, and access-token checks for the API.

Refresh tokens behave as Intuit documents: a rolling ~101-day life that each use extends, the same token
returned for about 24 h, then a new one. Intuit's sources disagree on whether the old token keeps working
for a while after rotation; the emulator kills it at once (the stricter reading), so a client that does not
persist the newest token fails fast.
"""

from __future__ import annotations

import base64
import binascii
import secrets
import threading
from dataclasses import dataclass
from typing import Any

from .clock import Clock

ACCESS_TTL = 3600
REFRESH_TTL = 8_726_400
ROTATE_AFTER = 86_400
HARD_TTL = 5 * 365 * 86_400
CODE_TTL = 300
Reply = tuple[int, dict[str, Any]]


@dataclass
class Grant:
    """One user authorisation: the live refresh token and its clocks."""

    grant_id: int
    refresh_token: str
    rt_issued: float
    rt_expires: float
    hard_expires: float
    revoked: bool = False


class OAuthServer:
    def __init__(self, clock: Clock, client_id: str, client_secret: str, realm_id: str) -> None:
        self.clock, self.client_id, self.client_secret, self.realm_id = (
            clock,
            client_id,
            client_secret,
            realm_id,
        )
        self.access_ttl, self.refresh_ttl, self.rotate_after = ACCESS_TTL, REFRESH_TTL, ROTATE_AFTER
        self._lock = threading.Lock()
        self._grants: dict[int, Grant] = {}
        self._by_refresh: dict[str, int] = {}
        self._access: dict[str, tuple[int, float]] = {}
        self._codes: dict[str, tuple[str, float]] = {}

    # Set-up helpers used by tests and the CLI -------------------------------------------------------
    def issue_refresh_token(self) -> str:
        """A fresh refresh token, as if the user had just authorised the app."""
        now = self.clock.timestamp()
        with self._lock:
            grant = Grant(len(self._grants) + 1, "", now, now + self.refresh_ttl, now + HARD_TTL)
            self._grants[grant.grant_id] = grant
            return self._new_refresh(grant, now)

    def issue_auth_code(self, redirect_uri: str) -> str:
        code = "AB11" + secrets.token_hex(20)
        with self._lock:
            self._codes[code] = (redirect_uri, self.clock.timestamp() + CODE_TTL)
        return code

    def issue_access_token(self) -> str:
        """Convenience for tests that only need a valid bearer token."""
        return str(self._grant_reply(self._grants_for(self.issue_refresh_token()), False)[1]["access_token"])

    # Endpoints -----------------------------------------------------------------------------------------
    def token(self, form: dict[str, str], authorization: str | None, hard_header: bool) -> Reply:
        if not self._client_ok(form, authorization):
            return 401, {"error": "invalid_client"}
        grant_type = form.get("grant_type", "")
        if grant_type == "refresh_token":
            return self._refresh(form.get("refresh_token", ""), hard_header)
        if grant_type == "authorization_code":
            return self._exchange(form.get("code", ""), form.get("redirect_uri", ""), hard_header)
        if not grant_type:
            return 400, {"error": "invalid_request", "error_description": "grant_type is required"}
        return 400, {"error": "unsupported_grant_type"}

    def revoke(self, token: str, authorization: str | None) -> Reply:
        if not self._client_ok({}, authorization):
            return 401, {"error": "invalid_client"}
        with self._lock:
            grant_id = self._by_refresh.get(token) or self._access.get(token, (0, 0.0))[0]
            if grant_id:
                self._grants[grant_id].revoked = True
        return 200, {}

    def check_access(self, header: str | None) -> str | None:
        """None if the bearer token is good, else why not (for the 401 detail; never echoes the token)."""
        if not header or not header.startswith("Bearer "):
            return "Authorization header missing or not a Bearer token"
        with self._lock:
            found = self._access.get(header[7:].strip())
            if found is None:
                return "Token invalid"
            grant_id, expires = found
            if self._grants[grant_id].revoked:
                return "Token revoked"
        if self.clock.timestamp() >= expires:
            return "Token expired"
        return None

    # Internals ------------------------------------------------------------------------------------------
    def _client_ok(self, form: dict[str, str], authorization: str | None) -> bool:
        client_id, secret = form.get("client_id"), form.get("client_secret")
        if authorization and authorization.startswith("Basic "):
            try:
                client_id, _, secret = base64.b64decode(authorization[6:]).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError):
                return False
        return secrets.compare_digest(client_id or "", self.client_id) and secrets.compare_digest(
            secret or "", self.client_secret
        )

    def _grants_for(self, refresh_token: str) -> Grant:
        return self._grants[self._by_refresh[refresh_token]]

    def _refresh(self, refresh_token: str, hard_header: bool) -> Reply:
        now = self.clock.timestamp()
        with self._lock:
            grant_id = self._by_refresh.get(refresh_token)
            grant = self._grants.get(grant_id or 0)
            if (
                grant is None
                or grant.revoked
                or grant.refresh_token != refresh_token
                or now >= min(grant.rt_expires, grant.hard_expires)
            ):
                return 400, {"error_description": "Token invalid", "error": "invalid_grant"}
            if now - grant.rt_issued >= self.rotate_after:
                self._new_refresh(grant, now)
            grant.rt_expires = now + self.refresh_ttl
        return self._grant_reply(grant, hard_header)

    def _exchange(self, code: str, redirect_uri: str, hard_header: bool) -> Reply:
        with self._lock:
            found = self._codes.pop(code, None)
        if found is None or found[0] != redirect_uri or self.clock.timestamp() >= found[1]:
            return 400, {"error_description": "Token invalid", "error": "invalid_grant"}
        refresh = self.issue_refresh_token()
        return self._grant_reply(self._grants_for(refresh), hard_header)

    def _new_refresh(self, grant: Grant, now: float) -> str:
        self._by_refresh.pop(grant.refresh_token, None)
        grant.refresh_token = f"RT1-{secrets.randbelow(90) + 10}-H0-{int(now)}{secrets.token_hex(10)}"
        grant.rt_issued = now
        self._by_refresh[grant.refresh_token] = grant.grant_id
        return grant.refresh_token

    def _grant_reply(self, grant: Grant, hard_header: bool) -> Reply:
        now = self.clock.timestamp()
        access = "eyJlbmMiOiJBMTI4Q0JDLUhTMjU2IiwiYWxnIjoiZGlyIn0.." + secrets.token_urlsafe(48)
        with self._lock:
            self._access[access] = (grant.grant_id, now + self.access_ttl)
        body: dict[str, Any] = {
            "token_type": "bearer",
            "access_token": access,
            "expires_in": self.access_ttl,
            "refresh_token": grant.refresh_token,
            "x_refresh_token_expires_in": round(min(grant.rt_expires, grant.hard_expires) - now),
        }
        if hard_header:
            body["x_refresh_token_hard_expires_in"] = round(grant.hard_expires - now)
        return 200, body
