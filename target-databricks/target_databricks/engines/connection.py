"""One warehouse session: authentication (token or OAuth M2M), statement execution and retries.

OAuth M2M uses databricks-sdk's `oauth_service_principal` as the connector's credentials provider; the
SDK refreshes the token before its 3600 s expiry. A 401/403 (an expired M2M token can surface as 403)
makes us reconnect with fresh credentials and retry once; a second refusal is an AuthenticationError.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from target_databricks.errors import (
    AuthenticationError,
    ErrorKind,
    WarehouseUnreachable,
    classify,
    describe,
    retry_transient,
)
from target_databricks.settings import Settings

# The connector's own retry policy defaults to 30 attempts over 900 s and a 900 s socket timeout, so an
# unreachable or dead warehouse took ~14 minutes to fail. Ours (errors.retry_transient) retries around it;
# these keep each connector call short. Any of them can still be set through connection_options.
CONNECTOR_DEFAULTS: dict[str, Any] = {
    "_retry_stop_after_attempts_count": 3,
    "_retry_stop_after_attempts_duration": 30.0,
    "_retry_delay_max": 10.0,
    "_socket_timeout": 120.0,
}


class Connection:
    def __init__(self, settings: Settings) -> None:
        self.hostname = settings.server_hostname
        self.http_path = settings.http_path
        self.token = settings.access_token
        self.client_id, self.client_secret = settings.client_id, settings.client_secret
        self.options: dict[str, Any] = {**CONNECTOR_DEFAULTS, **(settings.connection_options or {})}
        self.connect_timeout = float(settings.connect_timeout_seconds)
        self.staging_dir: str | None = None
        self._conn: Any = None
        self._lock = threading.RLock()  # DB-API threadsafety 1: sinks draining in parallel share one session
        if not (self.hostname or self.options.get("_connection_uri")) or not self.http_path:
            raise ValueError("the databricks engine needs server_hostname and http_path")
        if not self.token and not (self.client_id and self.client_secret):
            raise ValueError("the databricks engine needs access_token, or client_id and client_secret")

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(s for s in (self.token, self.client_secret) if s)

    def oauth_host(self) -> str:
        """The workspace URL the SDK discovers OIDC endpoints from (the connection URI's, if overridden)."""
        if uri := self.options.get("_connection_uri"):
            parts = urlsplit(uri)
            return f"{parts.scheme}://{parts.netloc}"
        port = self.options.get("_port")
        return f"https://{self.hostname}" + (f":{port}" if port else "")

    def _credentials(self) -> dict[str, Any]:
        if self.token:
            return {"access_token": self.token}
        from databricks.sdk.core import Config, oauth_service_principal

        config = Config(host=self.oauth_host(), client_id=self.client_id, client_secret=self.client_secret)
        provider: Callable[[], Any] = lambda: oauth_service_principal(config)  # noqa: E731
        return {"credentials_provider": provider}

    def address(self) -> tuple[str, int]:
        """Host and port the connector will call."""
        if uri := self.options.get("_connection_uri"):
            parts = urlsplit(uri)
            return parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80)
        return str(self.hostname), int(self.options.get("_port") or 443)

    def probe(self) -> None:
        """Fail within connect_timeout_seconds, naming the address, when the warehouse cannot be reached:
        the connector would otherwise keep retrying a dead address for minutes."""
        host, port = self.address()
        deadline = time.monotonic() + self.connect_timeout
        while True:
            left = deadline - time.monotonic()
            try:
                socket.create_connection((host, port), timeout=max(0.1, min(left, 10.0))).close()
                return
            except OSError as exc:
                if time.monotonic() + 1 >= deadline:
                    raise WarehouseUnreachable(
                        f"cannot reach the Databricks warehouse at {host}:{port} within "
                        f"{self.connect_timeout:.0f} s ({exc}): check server_hostname and the network "
                        "(connect_timeout_seconds sets the wait)"
                    ) from exc
                time.sleep(1)

    def _connect(self) -> Any:
        if self._conn is None:
            from databricks import sql as dbsql

            self.probe()
            self._conn = dbsql.connect(
                server_hostname=self.hostname or "",
                http_path=self.http_path,
                staging_allowed_local_path=self.staging_dir,
                **self._credentials(),
                **self.options,
            )
        return self._conn

    def execute(self, statement: str) -> list[dict[str, Any]]:
        """Run one statement; rows come back as dicts keyed by column name."""
        with self._lock:
            try:
                return self._execute(statement)
            except Exception as exc:
                if classify(exc) is not ErrorKind.AUTH:
                    raise
            self.reset()  # refresh credentials once: a new session gets a new token
            try:
                return self._execute(statement)
            except Exception as exc:
                if classify(exc) is ErrorKind.AUTH:
                    raise AuthenticationError(
                        "Databricks refused the credentials (HTTP 401/403) after one refresh: check "
                        f"access_token or client_id/client_secret ({describe(exc, self.secrets)})"
                    ) from exc
                raise

    @retry_transient
    def _execute(self, statement: str) -> list[dict[str, Any]]:
        try:
            with self._connect().cursor() as cursor:
                cursor.execute(statement)
                if cursor.description is None or statement.startswith(("PUT ", "REMOVE ")):
                    return []
                names = [d[0] for d in cursor.description]
                return [dict(zip(names, row, strict=False)) for row in cursor.fetchall()]
        except Exception:
            self.reset()  # the session may be broken; the retry (or the next call) opens a new one
            raise

    def reset(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            # Closing a broken session may fail; it is being dropped anyway.
            with contextlib.suppress(Exception):
                conn.close()

    def close(self) -> None:
        with self._lock:
            self.reset()
