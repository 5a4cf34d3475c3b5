"""The QBO v3 HTTP client: every API call of a run goes through `QBOClient.call`.

One place for: the shared limiter, the bearer token (refreshed once on a 401), retries with jittered
exponential backoff that honour Retry-After, fault classification, decoding into `responses.Envelope`
(entity objects stay verbatim JSON), and the per-kind call counters reported at the end of the run.
"""

from __future__ import annotations

import ctypes
import gc
import logging
import random
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
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

LOGGER = logging.getLogger("tap_quickbooks_online.client")
# A 1000-row page decodes into thousands of objects (raw rows, their heads). With CPython's default gen-0
# threshold (700) that runs collections every page, and the older generations rescan every page still
# buffered. The data has no reference cycles, so collecting rarely loses nothing.
GC_THRESHOLDS = (50_000, 20, 20)
# requests reads a body in 10 KB chunks, taking the GIL back for each. While another thread computes (the
# writer, singer-sdk's start-up), each take waits out the default 5 ms switch interval: a 1 MB page took
# 0.5 s instead of 0.2 s. A shorter interval hands the GIL over sooner.
SWITCH_INTERVAL = 0.0001
# Page bodies (~1 MB each) should go back to the OS when freed. glibc raises its mmap threshold after the
# first such free and then keeps freed bodies in per-thread arenas, so peak RSS crept up with the pages
# read (measured at 507 k records: 223 MB, 189 MB with the threshold pinned). Setting it pins it.
M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES = -3, 128 * 1024
CONNECT_TIMEOUT_SECONDS = (
    10.0  # a host that does not answer fails fast; a slow page still has request_timeout
)
NETWORK_TRIES = 4  # a host that cannot be reached at all is a setting or an outage: fail in seconds


def tune_interpreter() -> None:
    """Collect less often, switch threads sooner and give large blocks back during a run (process-wide;
    never the other way)."""
    current = gc.get_threshold()
    gc.set_threshold(*(max(a, b) for a, b in zip(current, GC_THRESHOLDS, strict=True)))
    sys.setswitchinterval(min(sys.getswitchinterval(), SWITCH_INTERVAL))
    try:
        mallopt = ctypes.CDLL(None).mallopt  # glibc and musl; elsewhere there is nothing to pin
    except (AttributeError, OSError, TypeError):
        return
    mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)


class QBOClient:
    """Thread-safe; one instance per run, shared by every stream."""

    max_tries = 8
    backoff_base = 1.0  # seconds; the first retry waits up to this long (full jitter)
    backoff_cap = 60.0  # Intuit asks throttled clients to wait a minute
    # How a retry waits: the client sleeps (in _on_backoff), not backoff, so that tests can record the waits.
    sleep: Callable[[float], None] = staticmethod(time.sleep)

    def __init__(self, config: Mapping[str, Any], oauth: OAuthClient, limiter: RateLimiter) -> None:
        self.base = f"{str(config['api_base_url']).rstrip('/')}/v3/company/{config['realm_id']}"
        self.minor_version = str(config.get("minor_version", 75))
        self.timeout = float(config.get("request_timeout", 120))
        self.user_agent = str(config.get("user_agent") or "tap-quickbooks-online")
        self.pool_size = int(config.get("max_concurrent_requests", 10))
        self.oauth, self.limiter = oauth, limiter
        tune_interpreter()
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
            result: Envelope = self._call(kind, method, path, params or {}, data, content_type)
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

    def _call_once(
        self,
        kind: str,
        method: str,
        path: str,
        params: dict[str, str],
        data: bytes | None,
        content_type: str | None,
    ) -> Envelope:
        token = self.oauth.access_token()
        try:
            return self._send(kind, method, path, params, data, content_type, token)
        except AuthenticationError:
            LOGGER.info("QBO answered 401; refreshing the access token once and retrying.")
            token = self.oauth.invalidate(token)
            try:
                return self._send(kind, method, path, params, data, content_type, token)
            except AuthenticationError as exc:
                raise FatalError(
                    f"{exc}. The token was refreshed and still rejected: check that realm_id "
                    "belongs to the authorised company and api_base_url (sandbox vs "
                    "production)."
                ) from None

    def _send(
        self,
        kind: str,
        method: str,
        path: str,
        params: dict[str, str],
        data: bytes | None,
        content_type: str | None,
        token: str,
    ) -> Envelope:
        headers = {
            "Authorization": f"Bearer {token}",
            "Accept": "application/json",
            "User-Agent": self.user_agent,
        }
        if content_type:
            headers["Content-Type"] = content_type
        with self.limiter.slot(batch=kind == "batch"):
            with self._count_lock:
                self.calls[kind] += 1
            response = self._session().request(
                method,
                f"{self.base}/{path}",
                params={**params, "minorversion": self.minor_version},
                data=data,
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
            "Retrying QBO %s call in %.1fs (attempt %d): %s", details["args"][1], wait, details["tries"], exc
        )
        self.sleep(wait)
