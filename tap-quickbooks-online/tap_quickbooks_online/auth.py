"""OAuth 2.0 refresh-token flow against Intuit's token endpoint, backed by the encrypted token store.

Order of a refresh (the race peers lose): take the cross-process lock, re-read the store (another process
may have refreshed already; its access token is then reused), POST the refresh, write the rotated refresh
token to the store, and only then hand out the new access token. The config `refresh_token` only seeds
the store, or reseeds it when the user puts a different one in the config after re-authorising.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import backoff
import msgspec
import requests

from .errors import FatalError, RetriableError, TokenRevokedError, classify_oauth, register_secret
from .token_store import Tokens, TokenStore

LOGGER = logging.getLogger("tap_quickbooks_online.auth")
EARLY_REFRESH_SECONDS = 300  # refresh this long before the access token expires
WARN_REFRESH_EXPIRY_DAYS = 14
CONNECT_TIMEOUT_SECONDS = 10.0


def fingerprint(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class OAuthClient:
    """Hands out a valid access token; refreshes before expiry and on demand after a 401."""

    def __init__(
        self,
        *,
        token_url: str,
        client_id: str,
        client_secret: str,
        seed_refresh_token: str | None,
        store: TokenStore,
        timeout: float = 60.0,
        user_agent: str = "tap-quickbooks-online",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.token_url, self.client_id, self._client_secret = token_url, client_id, client_secret
        self._seed = seed_refresh_token or ""
        self.store, self.timeout, self.user_agent, self._clock = store, timeout, user_agent, clock
        self._tokens: Tokens | None = None
        self._mutex = threading.Lock()
        self.refresh_calls = 0

    def access_token(self) -> str:
        """A token valid for at least EARLY_REFRESH_SECONDS more."""
        with self._mutex:
            if self._tokens and self._fresh(self._tokens):
                return self._tokens.access_token
            return self._obtain(rejected=None)

    def invalidate(self, rejected: str) -> str:
        """After a 401 with `rejected`: refresh unless another thread or process already did."""
        with self._mutex:
            return self._obtain(rejected=rejected)

    def secrets(self) -> tuple[str, ...]:
        """Values to scrub from any text that might reach a log."""
        tokens = self._tokens
        live = (tokens.access_token, tokens.refresh_token) if tokens else ()
        return (*live, self._seed, self._client_secret)

    def _fresh(self, tokens: Tokens) -> bool:
        return bool(tokens.access_token) and tokens.access_expires_at - EARLY_REFRESH_SECONDS > self._clock()

    def _obtain(self, rejected: str | None) -> str:
        with self.store.locked():
            stored = self.store.read()
            stored = self._maybe_seed(stored)
            if self._fresh(stored) and stored.access_token != rejected:
                self._tokens = stored  # another process refreshed while we waited for the lock
            else:
                self._tokens = self._refresh_or_explain(stored)
        for secret in (self._tokens.access_token, self._tokens.refresh_token):
            register_secret(secret)
        self._warn_if_expiring(self._tokens)
        return self._tokens.access_token

    def _maybe_seed(self, stored: Tokens | None) -> Tokens:
        seed_print = fingerprint(self._seed) if self._seed else ""
        if stored is not None and (not seed_print or stored.seed_fingerprint == seed_print):
            return stored
        if not self._seed:
            raise FatalError(
                f"the token store {self.store.path} is empty and no refresh_token is configured: "
                "authorise the app with `meltano invoke tap-quickbooks-online:login` (or set refresh_token "
                "once to seed the store)."
            )
        if stored is not None:
            LOGGER.info(
                "The configured refresh_token changed since the store was seeded: reseeding the store."
            )
        return Tokens(refresh_token=self._seed, seed_fingerprint=seed_print)

    def _refresh_or_explain(self, stored: Tokens) -> Tokens:
        try:
            return self._refresh(stored)
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise FatalError(
                f"Cannot reach Intuit's token endpoint {self.token_url} ({type(exc).__name__}). "
                "Check oauth_token_url and the network."
            ) from None

    @backoff.on_exception(
        backoff.expo,
        (RetriableError, requests.ConnectionError, requests.Timeout),
        max_tries=5,
        jitter=backoff.full_jitter,
        logger=None,
    )
    def _refresh(self, stored: Tokens) -> Tokens:
        LOGGER.info("Refreshing the QBO access token.")
        self.refresh_calls += 1
        response = requests.post(
            self.token_url,
            data={"grant_type": "refresh_token", "refresh_token": stored.refresh_token},
            auth=(self.client_id, self._client_secret),
            headers={
                "Accept": "application/json",
                "User-Agent": self.user_agent,
                "x-include-refresh-token-hard-expires-in": "true",
            },
            timeout=(min(CONNECT_TIMEOUT_SECONDS, self.timeout), self.timeout),
        )
        tid = response.headers.get("intuit_tid", "")
        if response.status_code != 200:
            raise classify_oauth(response.status_code, response.content, tid)
        tokens = self._tokens_from(msgspec.json.decode(response.content), stored)
        self.store.write(tokens)  # persisted before first use: a crash now cannot lose the rotation
        if tokens.refresh_token != stored.refresh_token:
            LOGGER.info("Intuit rotated the refresh token; the new one is saved in the token store.")
        return tokens

    def _tokens_from(self, body: dict[str, Any], stored: Tokens) -> Tokens:
        now = self._clock()
        if not body.get("access_token") or not body.get("refresh_token"):
            raise TokenRevokedError("Intuit's token endpoint answered without tokens; re-authorise the app.")
        hard = body.get("x_refresh_token_hard_expires_in")
        return Tokens(
            refresh_token=str(body["refresh_token"]),
            access_token=str(body["access_token"]),
            access_expires_at=now + float(body.get("expires_in", 3600)),
            refresh_expires_at=now + float(body.get("x_refresh_token_expires_in", 0) or 0),
            refresh_hard_expires_at=now + float(hard) if hard else stored.refresh_hard_expires_at,
            seed_fingerprint=stored.seed_fingerprint,
        )

    def _warn_if_expiring(self, tokens: Tokens) -> None:
        horizon = self._clock() + WARN_REFRESH_EXPIRY_DAYS * 86400
        for label, at in (
            ("rolling", tokens.refresh_expires_at),
            ("maximum", tokens.refresh_hard_expires_at),
        ):
            if at and at < horizon:
                days = max(0.0, (at - self._clock()) / 86400)
                LOGGER.warning(
                    "The QBO refresh token reaches its %s expiry in %.1f days; re-authorise the app before "
                    "then and set the new refresh_token, or syncs will stop.",
                    label,
                    days,
                )
