"""One warehouse session: authentication (token or OAuth M2M), statement execution and retries.

OAuth M2M uses databricks-sdk's `oauth_service_principal` as the connector's credentials provider; the
SDK refreshes the token before its 3600 s expiry. A 401/403 (an expired M2M token can surface as 403)
makes us reconnect with fresh credentials and retry once; a second refusal is an AuthenticationError.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from target_databricks.errors import AuthenticationError, ErrorKind, classify, describe, retry_transient


class Connection:
    def __init__(self, config: Mapping[str, Any]) -> None:
        self.hostname = config.get("server_hostname")
        self.http_path = config.get("http_path")
        self.token = config.get("access_token")
        self.client_id, self.client_secret = config.get("client_id"), config.get("client_secret")
        self.options: dict[str, Any] = dict(config.get("connection_options") or {})
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

    def _connect(self) -> Any:
        if self._conn is None:
            from databricks import sql as dbsql

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
