"""QBO fault classification, in one place: what is retried, what stops the run, and what the user reads.

QBO faults arrive as JSON `{"Fault": {"Error": [...], "type": ...}}`, as JSON with lower-case keys (real
401 bodies), as XML `<IntuitResponse><Fault>` (real 429 bodies, even when JSON was asked for), or as
OAuth errors `{"error": "invalid_grant"}` from the token endpoint. Messages never carry a token: details
pass through `redact` before they reach an exception.
"""

from __future__ import annotations

import logging
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any

import msgspec

# Long opaque strings after "token" (401 details quote the expired token) and bearer headers.
_TOKEN_PATTERNS = (
    re.compile(r"(?i)(token[^:=]{0,20}[:=]\s*)[A-Za-z0-9._\-~+/]{12,}=*"),
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._\-~+/]{12,}=*"),
)
_THROTTLE_CODES = {"3001", "3002", "3003"}
_AUTH_CODES = {"3200", "100", "120"}


_KNOWN_SECRETS: set[str] = set()  # actual values (client secret, tokens, keys) seen by this process
_MIN_SECRET_LENGTH = 6  # shorter values would redact ordinary words


def register_secret(value: object) -> None:
    """Remember a secret's actual value so that no message or log line ever shows it."""
    if isinstance(value, str) and len(value) >= _MIN_SECRET_LENGTH:
        _KNOWN_SECRETS.add(value)


def redact(text: str, secrets: tuple[str, ...] = ()) -> str:
    """Remove known secrets and anything that looks like a token from text meant for logs or errors."""
    for secret in sorted({*secrets, *_KNOWN_SECRETS}, key=len, reverse=True):
        if secret:
            text = text.replace(secret, "[redacted]")
    for pattern in _TOKEN_PATTERNS:
        text = pattern.sub(r"\1[redacted]", text)
    return text


class QBOError(Exception):
    """Base of every error the tap raises on purpose."""

    retriable = False


class RetriableError(QBOError):
    """A transient failure (throttle, 5xx, network); backed off and retried."""

    retriable = True

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ThrottledError(RetriableError):
    """HTTP 429 / fault 3001: over QBO's per-realm request limits."""


class FatalError(QBOError):
    """A failure that retrying cannot fix; the message says what to change."""


class RequestRejectedError(FatalError):
    """HTTP 400 ValidationFault: QBO refused the request as written (query syntax, CDC window, ...)."""


class AuthenticationError(QBOError):
    """HTTP 401 on an API call: the access token was rejected (refreshed once, then fatal)."""


class TokenRevokedError(FatalError):
    """The refresh token is dead (revoked, expired or superseded): the user must re-authorise."""


class ConfigurationError(FatalError):
    """A setting is missing or invalid."""


class InvalidSettingError(ConfigurationError, ValueError):
    """A setting's value is not of its declared type (a ValueError too, as a bad value is)."""


@dataclass(frozen=True)
class Fault:
    type: str
    code: str
    message: str
    detail: str

    def describe(self) -> str:
        return redact(f"{self.type} code {self.code}: {self.message} ({self.detail})")


def _lower_keys(node: Any) -> Any:
    if isinstance(node, dict):
        return {str(k).lower(): _lower_keys(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_lower_keys(v) for v in node]
    return node


def fault_from_json(payload: Any) -> Fault | None:
    """The first error of a Fault object in a decoded JSON body (either key casing), else None."""
    if not isinstance(payload, dict):
        return None
    raw = payload.get("Fault", payload.get("fault"))
    fault = _lower_keys(raw) if raw is not None else None
    if not isinstance(fault, dict):
        return None
    errors = fault.get("error") or [{}]
    first = errors[0] if isinstance(errors, list) and errors else {}
    return Fault(
        type=str(fault.get("type") or ""),
        code=str(first.get("code") or "").lstrip("0") or "0",
        message=str(first.get("message") or ""),
        detail=str(first.get("detail") or ""),
    )


def fault_from_xml(body: bytes) -> Fault | None:
    try:
        root = ET.fromstring(body)  # noqa: S314 - an error body from the API host, parsed for four fields
    except ET.ParseError:
        return None
    fault = next((n for n in root.iter() if n.tag.split("}")[-1] == "Fault"), None)
    if fault is None:
        return None
    error = next((n for n in fault.iter() if n.tag.split("}")[-1] == "Error"), None)
    texts = {n.tag.split("}")[-1]: (n.text or "") for n in (error if error is not None else [])}
    code = (error.get("code") if error is not None else "") or "0"
    return Fault(
        fault.get("type", ""), code.lstrip("0") or "0", texts.get("Message", ""), texts.get("Detail", "")
    )


def parse_fault(body: bytes) -> Fault | None:
    """Find a Fault in a JSON or XML body; None when the body holds none."""
    stripped = body.lstrip()
    if stripped.startswith(b"<"):
        return fault_from_xml(stripped)
    try:
        return fault_from_json(msgspec.json.decode(stripped))
    except msgspec.DecodeError:
        return None


def _retry_after(headers: Any) -> float | None:
    value = headers.get("Retry-After") if headers is not None else None
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def classify(
    status: int, body: bytes, headers: Any = None, tid: str = "", fault: Fault | None = None
) -> QBOError | None:
    """Map an API response to the error to raise, or None when it is a success without a Fault.

    A 2xx body is decoded by the caller, which passes any top-level Fault it found as `fault`.
    """
    if status < 400 and fault is None:
        return None
    fault = fault or parse_fault(body)
    where = f" [intuit_tid {tid}]" if tid else ""
    text = (fault.describe() if fault else redact(body[:300].decode("utf-8", "replace"))) + where
    code = fault.code if fault else ""
    if status == 429 or code in _THROTTLE_CODES:
        return ThrottledError(f"QBO throttled the request (HTTP {status}): {text}", _retry_after(headers))
    if status == 401 or code in _AUTH_CODES:
        return AuthenticationError(f"QBO rejected the access token (HTTP {status}): {text}")
    if status >= 500 or status in (408, 502, 503, 504):
        return RetriableError(f"QBO server error (HTTP {status}): {text}", _retry_after(headers))
    if code == "3100":
        return FatalError(
            f"QBO does not know this company (HTTP {status}): {text}. Check realm_id, and that "
            "api_base_url matches it (sandbox vs production)."
        )
    if status == 403:
        return FatalError(
            f"QBO refused access (HTTP 403): {text}. Check that the app has the "
            "com.intuit.quickbooks.accounting scope and the company's subscription is active."
        )
    if status == 400:
        return RequestRejectedError(f"QBO rejected the request (HTTP 400): {text}")
    return FatalError(f"QBO rejected the request (HTTP {status}): {text}")


def classify_item_fault(fault: Fault) -> QBOError:
    """The error one /batch item's Fault stands for (batch.py): throttle and system faults are retried,
    a ValidationFault rejects that item's statement, anything else stops the run."""
    text = fault.describe()
    kind = fault.type.lower()
    if fault.code in _THROTTLE_CODES:
        return ThrottledError(f"QBO throttled a /batch item: {text}")
    if kind == "systemfault" or fault.code == "10000":
        return RetriableError(f"QBO failed a /batch item (system fault): {text}")
    if kind == "authenticationfault" or fault.code in _AUTH_CODES:
        return AuthenticationError(f"QBO rejected the access token for a /batch item: {text}")
    if kind == "validationfault":
        return RequestRejectedError(f"QBO rejected a /batch item: {text}")
    return FatalError(f"QBO refused a /batch item: {text}")


def classify_oauth(status: int, body: bytes, tid: str = "") -> QBOError:
    """Map a failed token-endpoint response to an error with the fix in the message."""
    try:
        payload = msgspec.json.decode(body) if body.strip() else {}
    except msgspec.DecodeError:
        payload = {}
    error = str(payload.get("error", "")) if isinstance(payload, dict) else ""
    where = f" [intuit_tid {tid}]" if tid else ""
    if error == "invalid_grant":
        return TokenRevokedError(
            "The QuickBooks refresh token is no longer valid (invalid_grant: revoked, expired after 100 days "
            "unused, or superseded by a newer one)" + where + ". Fix: re-authorise the app with "
            "`meltano invoke tap-quickbooks-online:login`, which writes the new refresh token to the token "
            "store (or set a new refresh_token in the tap config: the store is reseeded from it)."
        )
    if error in ("invalid_client", "unauthorized_client"):
        return FatalError(
            f"Intuit rejected the OAuth client ({error}){where}. Check client_id and client_secret."
        )
    if status == 429 or status >= 500:
        return RetriableError(f"Intuit's token endpoint is unavailable (HTTP {status}){where}")
    return FatalError(f"Token refresh failed (HTTP {status}, {error or 'no error code'}){where}")


def install_log_redaction() -> None:
    """Every log record of the process, whatever its logger, passes through `redact` (once)."""
    factory = logging.getLogRecordFactory()
    if getattr(factory, "redacts", False):
        return

    def make(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = factory(*args, **kwargs)
        if _KNOWN_SECRETS:
            try:
                message = record.getMessage()
            except Exception:  # a malformed format string: leave it to logging's own error path
                return record
            record.msg, record.args = redact(message), None
        return record

    make.redacts = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(make)
