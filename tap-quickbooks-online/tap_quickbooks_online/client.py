"""The QBO v3 HTTP client: every API call of a run goes through `QBOClient.call`.

One place for: the shared limiter, the bearer token (refreshed once on a 401), retries with jittered
exponential backoff that honour Retry-After, fault classification, decoding into `responses.Envelope`
(entity objects stay verbatim JSON), and the per-kind call counters reported at the end of the run.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import backoff
import msgspec
import requests
from requests.adapters import HTTPAdapter

from .auth import OAuthClient
from .errors import AuthenticationError, FatalError, RetriableError, ThrottledError, classify, fault_from_json
from .limiter import RateLimiter
from .query import format_ts
from .responses import Envelope, decode
from .settings import Settings

LOGGER = logging.getLogger("tap_quickbooks_online.client")
CONNECT_TIMEOUT_SECONDS = (
    10.0  # a host that does not answer fails fast; a slow page still has request_timeout
)
NETWORK_TRIES = 4  # a host that cannot be reached at all is a setting or an outage: fail in seconds


@dataclass(frozen=True)
class Request:
    """One API request, as `QBOClient.call` was asked for it (retries send it again as it is)."""

    kind: str  # the call counter it counts in: query, cdc, batch, report
    method: str
    path: str  # below /v3/company/<realm>/
    params: dict[str, str]
    data: bytes | None
    content_type: str | None


class QBOClient:
    """Thread-safe; one instance per run, shared by every stream."""

    max_tries = 8
    backoff_base = 1.0  # seconds; the first retry waits up to this long (full jitter)
    backoff_cap = 60.0  # Intuit asks throttled clients to wait a minute
    # How a retry waits: the client sleeps (in _on_backoff), not backoff, so that tests can record the waits.
    sleep: Callable[[float], None] = staticmethod(time.sleep)

    def __init__(self, settings: Settings, oauth: OAuthClient, limiter: RateLimiter) -> None:
        self.base = f"{settings.api_base_url.rstrip('/')}/v3/company/{settings.realm_id}"
        self.minor_version = str(settings.minor_version)
        self.timeout = float(settings.request_timeout)
        self.user_agent = settings.user_agent
        self.pool_size = settings.max_concurrent_requests
        self.oauth, self.limiter = oauth, limiter
        self.calls: Counter[str] = Counter()
        self.retries = 0
        self._count_lock = threading.Lock()
        self._local = threading.local()
        network = backoff.on_exception(
            backoff.constant,
            (requests.ConnectionError, requests.Timeout),
            interval=0,
            max_tries=NETWORK_TRIES,
            jitter=None,
            on_backoff=self._on_backoff,
            logger=None,
        )(self._call_once)
        self._call = backoff.on_exception(
            backoff.constant,
            RetriableError,
            interval=0,
            max_tries=lambda: self.max_tries,
            jitter=None,
            on_backoff=self._on_backoff,
            logger=None,
        )(network)

    # -- public API -----------------------------------------------------------------------------
    def query(self, statement: str) -> Envelope:
        """Run one query; returns the envelope (QueryResponse and the server's time).

        GET keeps the request in one packet (a POST body sent after its headers can stall ~40 ms on
        Nagle + delayed ACK); statements are short, the longest being 30 quoted ids.
        """
        return self.call("query", "GET", "query", params={"query": statement})

    def cdc(self, entities: list[str], changed_since: Any) -> Envelope:
        params = {"entities": ",".join(entities), "changedSince": format_ts(changed_since)}
        return self.call("cdc", "GET", "cdc", params=params)

    def batch(self, items: list[dict[str, Any]]) -> Envelope:
        body = msgspec.json.encode({"BatchItemRequest": items})
        return self.call("batch", "POST", "batch", data=body, content_type="application/json")

    def call(
        self,
        kind: str,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        data: bytes | None = None,
        content_type: str | None = None,
    ) -> Envelope:
        try:
            result: Envelope = self._call(Request(kind, method, path, params or {}, data, content_type))
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise FatalError(
                f"Cannot reach QBO at {self.base} after {NETWORK_TRIES} tries ({type(exc).__name__}). "
                "Check api_base_url and the network."
            ) from None
        return result

    def total_calls(self) -> int:
        return sum(self.calls.values()) + self.oauth.refresh_calls

    # -- internals ------------------------------------------------------------------------------
    def _session(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            session.mount("http://", HTTPAdapter(pool_maxsize=self.pool_size))
            session.mount("https://", HTTPAdapter(pool_maxsize=self.pool_size))
            self._local.session = session
        return session

    def _call_once(self, request: Request) -> Envelope:
        token = self.oauth.access_token()
        try:
            return self._send(request, token)
        except AuthenticationError:
            LOGGER.info("QBO answered 401; refreshing the access token once and retrying.")
            token = self.oauth.invalidate(token)
            try:
                return self._send(request, token)
            except AuthenticationError as exc:
                raise FatalError(
                    f"{exc}. The token was refreshed and still rejected: check that realm_id "
                    "belongs to the authorised company and api_base_url (sandbox vs "
                    "production)."
                ) from None

    def _send(self, request: Request, token: str) -> Envelope:
        headers = {
            "Authorization": f"Bearer {token}",
            "Accept": "application/json",
            "User-Agent": self.user_agent,
        }
        if request.content_type:
            headers["Content-Type"] = request.content_type
        with self.limiter.slot(batch=request.kind == "batch"):
            with self._count_lock:
                self.calls[request.kind] += 1
            response = self._session().request(
                request.method,
                f"{self.base}/{request.path}",
                params={**request.params, "minorversion": self.minor_version},
                data=request.data,
                headers=headers,
                timeout=(min(CONNECT_TIMEOUT_SECONDS, self.timeout), self.timeout),
            )
        return self._parse(response)

    def _parse(self, response: requests.Response) -> Envelope:
        tid = response.headers.get("intuit_tid", "")
        envelope: Envelope | None = None
        fault = None
        if response.status_code < 400:
            envelope = self._decode(response, tid)
            raw_fault = envelope.Fault if envelope.Fault is not None else envelope.fault
            fault = fault_from_json({"Fault": raw_fault}) if raw_fault is not None else None
        error = classify(response.status_code, response.content, response.headers, tid, fault)
        if error is not None:
            if isinstance(error, ThrottledError):
                self.limiter.throttled()
            raise error
        self.limiter.succeeded()
        if envelope is None:
            raise FatalError(f"QBO answered HTTP {response.status_code} without a fault (intuit_tid {tid})")
        return envelope

    @staticmethod
    def _decode(response: requests.Response, tid: str) -> Envelope:
        try:
            return decode(response.content)
        except msgspec.ValidationError as exc:  # JSON, but not a QBO envelope: retrying cannot help
            raise FatalError(f"QBO sent an unexpected JSON shape ({exc}; intuit_tid {tid})") from None
        except msgspec.DecodeError as exc:
            raise RetriableError(
                f"QBO sent an unreadable body (HTTP {response.status_code}, intuit_tid {tid})"
            ) from exc

    def delay(self, tries: int, exc: BaseException | None) -> float:
        """The wait before retry number `tries`: full-jitter exponential; a server's Retry-After wins."""
        retry_after = getattr(exc, "retry_after", None)
        if retry_after is not None:
            # A server's Retry-After is obeyed up to the cap: a bogus "86400" must not park the run a day.
            return float(min(retry_after, self.backoff_cap))
        ceiling = min(self.backoff_cap, self.backoff_base * 2 ** (tries - 1))
        return random.uniform(ceiling / 2, ceiling)

    def _on_backoff(self, details: Any) -> None:
        with self._count_lock:
            self.retries += 1
        exc = details.get("exception")
        wait = self.delay(details["tries"], exc)
        if isinstance(exc, ThrottledError):  # the budget is per realm: every thread waits, not only this one
            self.limiter.pause(min(wait, self.backoff_base * 4))
        LOGGER.warning(
            "Retrying QBO %s call in %.1fs (attempt %d): %s",
            details["args"][0].kind,
            wait,
            details["tries"],
            exc,
        )
        self.sleep(wait)
