"""QBO Fault bodies (JSON and the XML that some errors come as) and the fault-injection switches."""

from __future__ import annotations

import json
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from .timefmt import response_time


class QBOFault(Exception):
    """An error answered with Intuit's Fault envelope."""

    def __init__(
        self, status: int, fault_type: str, code: str, message: str, detail: str = "", element: str = ""
    ) -> None:
        super().__init__(f"{code} {message}: {detail}")
        self.status, self.fault_type, self.code = status, fault_type, code
        self.message, self.detail, self.element = message, detail, element

    def fault(self) -> dict[str, object]:
        error = {"Message": self.message, "Detail": self.detail, "code": self.code}
        if self.element:
            error["element"] = self.element
        return {"Error": [error], "type": self.fault_type}

    def json_body(self, now: datetime) -> bytes:
        return json.dumps({"Fault": self.fault(), "time": response_time(now)}).encode()


def parser_error(detail: str) -> QBOFault:
    return QBOFault(400, "ValidationFault", "4000", "Error parsing query", f"QueryParserError: {detail}")


def query_invalid(detail: str) -> QBOFault:
    return QBOFault(400, "ValidationFault", "4001", "Invalid query", f"QueryValidationError: {detail}")


def not_found(entity: str, record_id: str) -> QBOFault:
    return QBOFault(
        400,
        "ValidationFault",
        "610",
        "Object Not Found",
        f"Object Not Found : Something you're trying to use has been made inactive. Check the "
        f"fields with accounts, customers, items, vendors or employees. ({entity} {record_id})",
    )


def validation(code: str, message: str, detail: str, element: str = "") -> QBOFault:
    return QBOFault(400, "ValidationFault", code, message, detail, element)


def missing_param(name: str) -> QBOFault:
    return validation(
        "2020",
        "Required param missing, need to supply the required value for the API",
        f"Required parameter {name} is missing in the request",
        name,
    )


def invalid_param(detail: str, element: str) -> QBOFault:
    return validation("2010", "Invalid Parameter", detail, element)


def stale(record_id: str) -> QBOFault:
    return validation(
        "5010",
        "Stale Object Error",
        "Stale Object Error : You and root were working on this at the same time. root finished "
        "before you did, so your work was not saved.",
        f"SyncToken ({record_id})",
    )


def auth_failed_body(detail: str, now: datetime) -> bytes:
    """The 401 as captured from live QBO: lower-case keys, type AUTHENTICATION, `time` in epoch millis."""
    body: dict[str, Any] = {
        "warnings": None,
        "intuitObject": None,
        "fault": {
            "error": [
                {
                    "message": "message=AuthenticationFailed; errorCode=003200; statusCode=401",
                    "detail": detail,
                    "code": "3200",
                    "element": None,
                }
            ],
            "type": "AUTHENTICATION",
        },
        "report": None,
        "queryResponse": None,
        "batchItemResponse": [],
        "attachableResponse": [],
        "syncErrorResponse": None,
        "requestId": None,
        "time": int(now.timestamp() * 1000),
        "status": None,
        "cdcresponse": [],
    }
    return json.dumps(body).encode()


def xml_fault(fault_type: str, code: str, message: str, detail: str, now: datetime) -> bytes:
    """Intuit answers throttling in XML even when JSON was asked for (real captures)."""
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<IntuitResponse time={quoteattr(response_time(now))} xmlns="http://schema.intuit.com/finance/v3">\n'
        f"  <Fault type={quoteattr(fault_type)}>\n    <Error code={quoteattr(code)}>\n"
        f"      <Message>{escape(message)}</Message>\n      <Detail>{escape(detail)}</Detail>\n"
        f"    </Error>\n  </Fault>\n</IntuitResponse>\n"
    ).encode()


def throttle_body(now: datetime) -> bytes:
    return xml_fault(
        "SERVICE",
        "3001",
        "message=ThrottleExceeded; errorCode=003001; statusCode=429",
        "The request limit was reached.  Try again later",
        now,
    )


def system_fault(now: datetime) -> bytes:
    return QBOFault(
        500,
        "SystemFault",
        "10000",
        "An application error has occurred while processing your request",
        "System Failure Error: An unexpected error occurred while accessing or saving "
        "your data. Please wait a few minutes and try again.",
    ).json_body(now)


GATEWAY_HTML = {
    502: b"<html><body><h1>502 Bad Gateway</h1></body></html>\n",
    503: b"<html><body><h1>503 Service Unavailable</h1>No server is available to handle this request."
    b"</body></html>\n",
    504: b"<html><body><h1>504 Gateway Time-out</h1></body></html>\n",
}


@dataclass
class EndpointFaults:
    """Per endpoint kind overrides; None means 'use the global value'."""

    latency_ms: float | None = None
    error_5xx_rate: float | None = None
    reset_rate: float | None = None


@dataclass
class Faults:
    """Fault injection. Rates draw from a seeded RNG so a failing run can be replayed.

    `fail_next` / `reset_next` queue exact failures for deterministic tests (kind "*" matches any endpoint).
    """

    latency_ms: float = 0.0
    error_5xx_rate: float = 0.0
    error_status: int = 503
    reset_rate: float = 0.0
    throttle: bool = True
    endpoints: dict[str, EndpointFaults] = field(default_factory=dict)
    seed: int = 0
    # Called with each request's kind before it is served: tests change the company between a client's
    # requests (e.g. between pages) deterministically, whatever the machine's speed.
    on_request: Callable[[str], None] | None = None
    _queued: list[tuple[str, str, int]] = field(default_factory=list, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _rng: random.Random = field(default_factory=random.Random, repr=False)

    def __post_init__(self) -> None:
        self._rng.seed(self.seed)

    def fail_next(self, kind: str = "*", status: int = 503, count: int = 1) -> None:
        with self._lock:
            self._queued += [(kind, "status", status)] * count

    def reset_next(self, kind: str = "*", count: int = 1) -> None:
        with self._lock:
            self._queued += [(kind, "reset", 0)] * count

    def clear(self) -> None:
        with self._lock:
            self._queued.clear()
        self.latency_ms, self.error_5xx_rate, self.reset_rate, self.throttle = 0.0, 0.0, 0.0, True
        self.endpoints.clear()
        self.on_request = None

    def decide(self, kind: str) -> tuple[float, str | None, int]:
        """(latency seconds, action 'reset'|'status'|None, status) for one request of this kind."""
        override = self.endpoints.get(kind, EndpointFaults())
        latency = override.latency_ms if override.latency_ms is not None else self.latency_ms
        with self._lock:
            for n, (want, action, status) in enumerate(self._queued):
                if want in ("*", kind):
                    del self._queued[n]
                    return latency / 1000, action, status
            reset = override.reset_rate if override.reset_rate is not None else self.reset_rate
            if reset and self._rng.random() < reset:
                return latency / 1000, "reset", 0
            rate = override.error_5xx_rate if override.error_5xx_rate is not None else self.error_5xx_rate
            if rate and self._rng.random() < rate:
                return latency / 1000, "status", self.error_status
        return latency / 1000, None, 0
