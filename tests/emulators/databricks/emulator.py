"""DatabricksEmulator: a SQL warehouse on an ephemeral local port for the real databricks-sql-connector."""

from __future__ import annotations

import shutil
import ssl
import tempfile
import threading
from pathlib import Path
from types import TracebackType
from typing import Any

from .auth import Auth
from .clock import Clock
from .engine import Engine
from .faults import Counters, Faults
from .server import Server, make_processor
from .service import Handler
from .tls import self_signed
from .translate import Namespace

HTTP_PATH = "/sql/1.0/warehouses/emulator0001"


class DatabricksEmulator:
    """Start with `with DatabricksEmulator() as dbx:`; see tests/emulators/databricks/README.md."""

    def __init__(self, tls: bool = False, port: int = 0, host: str = "127.0.0.1") -> None:
        self.tls, self.host, self.http_path = tls, host, HTTP_PATH
        self.workspace_id = "1234567890123456"
        self.clock, self.faults, self.counters_ = Clock(), Faults(), Counters()
        self.statements: list[str] = []
        self._dir = Path(tempfile.mkdtemp(prefix="dbx-emulator-"))
        self.engine = Engine(self._dir / "volumes", self.clock)
        self.auth = Auth(self.clock, self.counters_)
        self.handler = Handler(self.engine, self.faults, self.counters_, self.statements)
        self.processor = make_processor(self.handler)
        self.ca_file: str | None = None
        self._server = Server((host, port), self)
        if tls:
            cert, key = self_signed(self._dir)
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(cert, key)
            self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
            self.ca_file = str(cert)
        self.port: int = self._server.server_address[1]
        self.url = f"{'https' if tls else 'http'}://{host}:{self.port}"
        self.engine.volumes.base_url = self.url
        self._thread: threading.Thread | None = None

    @property
    def token(self) -> str:
        return self.auth.pat

    @property
    def client_id(self) -> str:
        return self.auth.client_id

    @property
    def client_secret(self) -> str:
        return self.auth.client_secret

    @property
    def counters_url(self) -> str:
        return f"{self.url}/_emulator/counters"

    def start(self) -> DatabricksEmulator:
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="dbx-emulator", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self.handler.shutdown()
        shutil.rmtree(self._dir, ignore_errors=True)

    def __enter__(self) -> DatabricksEmulator:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def connect_kwargs(self) -> dict[str, Any]:
        """Arguments for `databricks.sql.connect(**kw, access_token=...)` or with credentials_provider."""
        kwargs: dict[str, Any] = {"http_path": self.http_path, "enable_telemetry": False}
        if self.tls:
            kwargs.update(server_hostname=self.host, _port=self.port, _tls_trusted_ca_file=self.ca_file)
        else:
            kwargs.update(server_hostname=self.host, _connection_uri=f"{self.url}{self.http_path}")
        return kwargs

    def counters(self) -> dict[str, int]:
        return self.counters_.snapshot()

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        """Read the engine directly (Databricks SQL, current catalog `main`), bypassing auth and faults."""
        result = self.engine.execute(sql, Namespace())
        return [tuple(row.values()) for row in result.table.to_pylist()]
