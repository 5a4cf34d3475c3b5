"""Sorting driver errors into transient, auth and terminal: the one place that decides what is retried."""

from __future__ import annotations

import enum
import logging
import re
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

# Tuning for the retry loop; tests shrink these so that retries take milliseconds.
RETRY_SETTINGS: dict[str, float] = {"max_tries": 6, "base_seconds": 0.5, "max_seconds": 30.0}


class AuthenticationError(PermissionError):
    """The warehouse refused the credentials even after a refresh."""


class ErrorKind(enum.Enum):
    TRANSIENT = "transient"
    AUTH = "auth"
    TERMINAL = "terminal"


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
    status = http_status(exc)
    if isinstance(exc, AuthenticationError) or status in (401, 403):
        return ErrorKind.AUTH
    if status == 429 or (status is not None and 500 <= status < 600 and status != 501):
        return ErrorKind.TRANSIENT
    text = f"{type(exc).__name__}: {exc}"
    if any(marker in text for marker in TRANSIENT_MARKERS):
        return ErrorKind.TRANSIENT
    if type(exc).__name__ in ("CommitFailedError", "MaxRetryDurationError"):
        return ErrorKind.TRANSIENT
    if _is_request_error(exc) and (status is None or status >= 500 or status == 429):
        return ErrorKind.TRANSIENT  # the request got no usable answer: network, proxy, exhausted retries
    if isinstance(exc, ConnectionError | TimeoutError) or _is_network_error(exc):
        return ErrorKind.TRANSIENT
    return ErrorKind.TERMINAL


def _is_request_error(exc: BaseException) -> bool:
    return any(cls.__name__ == "RequestError" for cls in type(exc).__mro__)


def _is_network_error(exc: BaseException) -> bool:
    names = {cls.__name__ for cls in type(exc).__mro__}
    return bool(names & {"ConnectionError", "Timeout", "ProtocolError", "NewConnectionError"})


def retry_transient(func: F) -> F:
    """Retry `func` on transient errors with exponential backoff and full jitter."""
    decorated = backoff.on_exception(
        backoff.expo,
        Exception,
        giveup=lambda exc: classify(exc) is not ErrorKind.TRANSIENT,
        max_tries=lambda: int(RETRY_SETTINGS["max_tries"]),
        jitter=backoff.full_jitter,
        factor=lambda: RETRY_SETTINGS["base_seconds"],
        max_value=lambda: RETRY_SETTINGS["max_seconds"],
        raise_on_giveup=True,
        # Not retrying is the caller's call (a missing table is a normal probe): no ERROR line from here.
        giveup_log_level=logging.DEBUG,
    )(func)
    return decorated


def describe(exc: BaseException, secrets: tuple[str, ...] = ()) -> str:
    """One-line error text for logs, audit and quarantine manifests, with any secret masked."""
    text = f"{type(exc).__name__}: {exc}".splitlines()[0][:2000]
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text
