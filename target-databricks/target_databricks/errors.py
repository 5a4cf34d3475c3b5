"""Sorting errors into transient, auth, rejected and terminal: the one place that decides what is retried,
what is quarantined (only a batch the table genuinely refuses) and what stops the run (everything else)."""

from __future__ import annotations

import enum
import functools
import logging
import re
import time
from collections.abc import Callable
from typing import Any, TypeVar

import backoff

F = TypeVar("F", bound=Callable[..., Any])

# Error classes (Databricks `[CLASS]` prefixes, delta-rs messages) that clear up when retried.
TRANSIENT_MARKERS = (
    "TEMPORARILY_UNAVAILABLE",
    "SERVICE_UNAVAILABLE",
    "CONCURRENT",  # DELTA_CONCURRENT_APPEND, ConcurrentAppendException, concurrent commit conflicts
    "Concurrent",
    "RESOURCE_EXHAUSTED",
    "THROTTLED",
    "Too Many Requests",
    "version already exists",  # delta-rs: another writer committed the same table version first
)

# Error classes saying the batch's data does not fit the table: the batch is quarantined, the run goes on.
REJECTED_MARKERS = (
    "DELTA_FAILED_TO_MERGE_FIELDS",
    "DELTA_MERGE_INCOMPATIBLE_DATATYPE",
    "DELTA_NOT_NULL_CONSTRAINT_VIOLATED",
    "DELTA_MERGE_UNRESOLVED_EXPRESSION",
    "CAST_INVALID_INPUT",
    "CAST_OVERFLOW",
    "NUMERIC_VALUE_OUT_OF_RANGE",
    "DATATYPE_MISMATCH",
    "SchemaMismatchError",  # delta-rs: the batch's schema cannot be written to the table
)
# OAuth answers that no retry can fix (RFC 6749 section 5.2): a wrong client id or secret.
AUTH_MARKERS = ("invalid_client", "unauthorized_client", "invalid_grant", "access_denied")

# A certificate the client refuses is configuration (wrong host, intercepting proxy), never transient.
CONFIG_MARKERS = ("CERTIFICATE_VERIFY_FAILED", "SSLCertVerificationError", "WRONG_VERSION_NUMBER")

# Tuning for the retry loop; tests shrink these so that retries take milliseconds. `max_total_seconds`
# bounds one call's retries as a whole, whatever the attempts left.
RETRY_SETTINGS: dict[str, float] = {
    "max_tries": 6,
    "base_seconds": 0.5,
    "max_seconds": 30.0,
    "max_total_seconds": 180.0,
}


class AuthenticationError(PermissionError):
    """The warehouse refused the credentials even after a refresh."""


class RetriesExhausted(RuntimeError):
    """A transient error outlasted the retry budget: the run stops (nothing is quarantined)."""


class WarehouseUnreachable(ConnectionError):
    """No TCP connection to the warehouse within connect_timeout_seconds: the run stops at once."""


class BatchRejected(Exception):
    """The batch does not fit the table or the table mapping: it is quarantined."""


class ErrorKind(enum.Enum):
    TRANSIENT = "transient"
    AUTH = "auth"
    REJECTED = "rejected"  # the batch's fault: quarantined
    TERMINAL = "terminal"  # not understood: the run stops with no new state


def http_status(exc: BaseException) -> int | None:
    """HTTP status a driver error carries, if any (databricks-sql `context`, requests `response`)."""
    context = getattr(exc, "context", None)
    if isinstance(context, dict) and isinstance(context.get("http-code"), int):
        code = int(context["http-code"])
        return None if code < 300 else code  # the connector reports 200 for transport failures
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None)
    if isinstance(status, int):
        return status
    match = re.search(r"\b(401|403|429|5\d\d)\b", str(exc))
    return int(match[1]) if match and "http" in str(exc).lower() else None


def classify(exc: BaseException) -> ErrorKind:
    """Transient errors are retried with backoff; auth errors refresh credentials once; the rest stop."""
    if isinstance(exc, RetriesExhausted | WarehouseUnreachable):
        return ErrorKind.TERMINAL
    if isinstance(exc, BatchRejected):
        return ErrorKind.REJECTED
    status = http_status(exc)
    text = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, AuthenticationError) or status in (401, 403) or _is_oauth_refusal(text):
        return ErrorKind.AUTH
    if any(marker in text for marker in REJECTED_MARKERS):
        return ErrorKind.REJECTED
    if any(marker in text for marker in CONFIG_MARKERS):
        return ErrorKind.TERMINAL
    if status == 429 or (status is not None and 500 <= status < 600 and status != 501):
        return ErrorKind.TRANSIENT
    if any(marker in text for marker in TRANSIENT_MARKERS):
        return ErrorKind.TRANSIENT
    if type(exc).__name__ in ("CommitFailedError", "MaxRetryDurationError"):
        return ErrorKind.TRANSIENT
    if _is_request_error(exc) and (status is None or status >= 500 or status == 429):
        return ErrorKind.TRANSIENT  # the request got no usable answer: network, proxy, exhausted retries
    if isinstance(exc, ConnectionError | TimeoutError) or _is_network_error(exc):
        return ErrorKind.TRANSIENT
    return ErrorKind.TERMINAL


def _is_oauth_refusal(text: str) -> bool:
    return any(marker in text for marker in AUTH_MARKERS) or "401 Client Error" in text


def _is_request_error(exc: BaseException) -> bool:
    return any(cls.__name__ == "RequestError" for cls in type(exc).__mro__)


def _is_network_error(exc: BaseException) -> bool:
    names = {cls.__name__ for cls in type(exc).__mro__}
    return bool(names & {"ConnectionError", "Timeout", "ProtocolError", "NewConnectionError"})


def retry_transient(func: F) -> F:
    """Retry `func` on transient errors with exponential backoff and full jitter, within a total time
    budget; once it is spent the error becomes RetriesExhausted, which says so and stops the run."""
    decorated = backoff.on_exception(
        backoff.expo,
        Exception,
        giveup=lambda exc: classify(exc) is not ErrorKind.TRANSIENT,
        max_tries=lambda: int(RETRY_SETTINGS["max_tries"]),
        max_time=lambda: RETRY_SETTINGS["max_total_seconds"],
        jitter=backoff.full_jitter,
        factor=lambda: RETRY_SETTINGS["base_seconds"],
        max_value=lambda: RETRY_SETTINGS["max_seconds"],
        raise_on_giveup=True,
        # Not retrying is the caller's call (a missing table is a normal probe): no ERROR line from here.
        giveup_log_level=logging.DEBUG,
    )(func)

    @functools.wraps(func)
    def bounded(*args: Any, **kwargs: Any) -> Any:
        started = time.monotonic()
        try:
            return decorated(*args, **kwargs)
        except Exception as exc:
            if classify(exc) is not ErrorKind.TRANSIENT:
                raise
            raise RetriesExhausted(
                f"still failing after retrying for {time.monotonic() - started:.0f} s (at most "
                f"{RETRY_SETTINGS['max_tries']:.0f} tries within {RETRY_SETTINGS['max_total_seconds']:.0f} s)"
                f": {describe(exc)}; check that the warehouse or storage is reachable, then rerun"
            ) from exc

    return bounded  # type: ignore[return-value]


def describe(exc: BaseException, secrets: tuple[str, ...] = ()) -> str:
    """One-line error text for logs, audit and quarantine manifests, with any secret masked."""
    text = f"{type(exc).__name__}: {exc}".splitlines()[0][:2000]
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text
