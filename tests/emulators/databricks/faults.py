"""Fault injection switches and the request counters tests read."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field


@dataclass
class Faults:
    """Switches a test flips on `dbx.faults`; each countdown is consumed by the requests it hits.

    - `unavailable`: the next N Thrift requests get HTTP 503, Retry-After and a TEMPORARILY_UNAVAILABLE body.
    - `drop_connections`: the next N Thrift requests are read, then the socket is reset without a reply.
    - `drop_responses`: the next N Thrift requests are executed, then the socket is reset before the reply
      (the client cannot know the statement ran; a retry runs it again).
    - `quota_errors`: the next N statements fail with the warehouse's statement-level quota error.
    - `slow_statement_s`: every statement takes this long, so clients must poll GetOperationStatus.
    - `direct_results`: False makes every result go through GetResultSetMetadata and FetchResults.
    - `direct_results_wait_s`: how long ExecuteStatement waits for a result before answering "running".
    - `only_rpc`: limit `unavailable` and `drop_connections` to one RPC name (e.g. "ExecuteStatement").
    - `only_statement`: limit `unavailable`, `drop_connections` and `drop_responses` to statements starting
      with this text (case-insensitive, e.g. "MERGE" or "PUT"): a fault in the middle of a given step.
    - `expired_token_status`: HTTP status for an expired OAuth token (Databricks answers 403 on some APIs).
    """

    unavailable: int = 0
    retry_after_s: int = 1
    drop_connections: int = 0
    drop_responses: int = 0
    quota_errors: int = 0
    slow_statement_s: float = 0.0
    direct_results: bool = True
    direct_results_wait_s: float = 1.0
    only_rpc: str | None = None
    only_statement: str | None = None
    expired_token_status: int = 403
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def take(self, name: str, rpc: str | None = None, statement: str | None = None) -> bool:
        """Consume one unit of countdown `name` if it applies to this request."""
        with self._lock:
            if rpc is not None and self.only_rpc not in (None, rpc):
                return False
            if self.only_statement is not None and name != "quota_errors":
                wanted = self.only_statement.strip().upper()
                if statement is None or not statement.lstrip().upper().startswith(wanted):
                    return False
            left = getattr(self, name)
            if left <= 0:
                return False
            setattr(self, name, left - 1)
            return True

    def update(self, settings: dict[str, object]) -> None:
        """Set switches by name (the CLI's `POST /_emulator/faults`); unknown names are refused."""
        for name, value in settings.items():
            current = getattr(self, name, None) if not name.startswith("_") else None
            if name.startswith("_") or not hasattr(self, name) or callable(current):
                raise ValueError(f"unknown fault switch {name!r}")
            if current is not None and not isinstance(value, type(current) | int):
                raise TypeError(f"{name} expects {type(current).__name__}")
            with self._lock:
                setattr(self, name, value)

    def reset(self) -> None:
        with self._lock:
            self.unavailable = self.drop_connections = self.drop_responses = self.quota_errors = 0
            self.slow_statement_s, self.direct_results, self.only_rpc = 0.0, True, None
            self.only_statement = None
            self.direct_results_wait_s = 1.0


class Counters:
    def __init__(self) -> None:
        self._counts: Counter[str] = Counter()
        self._lock = threading.Lock()

    def add(self, key: str, n: int = 1) -> None:
        with self._lock:
            self._counts[key] += n

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)
