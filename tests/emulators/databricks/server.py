"""One HTTP(S) port for everything: Thrift RPCs, OIDC, presigned Volume URLs and the admin endpoints."""

from __future__ import annotations

import json
import socket
import struct
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING

from databricks.sql.thrift_api.TCLIService import TCLIService
from thrift.protocol import TBinaryProtocol
from thrift.transport import TTransport

from .auth import host_metadata, oidc_discovery
from .service import REQUEST

if TYPE_CHECKING:
    from .emulator import DatabricksEmulator


def rpc_name(body: bytes) -> str:
    """The Thrift method a request calls, read without consuming the request."""
    try:
        name, _, _ = TBinaryProtocol.TBinaryProtocol(TTransport.TMemoryBuffer(body)).readMessageBegin()
        return str(name)
    except Exception:
        return "?"


def statement_text(body: bytes) -> str | None:
    """The SQL of an ExecuteStatement request (None for other RPCs), read without consuming the request."""
    try:
        proto = TBinaryProtocol.TBinaryProtocol(TTransport.TMemoryBuffer(body))
        name, _, _ = proto.readMessageBegin()
        if name != "ExecuteStatement":
            return None
        args = TCLIService.ExecuteStatement_args()
        args.read(proto)
        return str(args.req.statement)
    except Exception:
        return None


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], emulator: DatabricksEmulator) -> None:
        self.emulator = emulator
        super().__init__(address, RequestHandler)


class RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as urllib3's pool expects
    server: Server

    def log_message(self, format: str, *args: object) -> None:
        return

    @property
    def emu(self) -> DatabricksEmulator:
        return self.server.emulator

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(
        self,
        status: int,
        body: bytes = b"",
        content_type: str = "application/json",
        headers: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def _path(self) -> str:
        return urllib.parse.urlsplit(self.path).path

    def do_GET(self) -> None:
        path = self._path()
        if path.startswith("/_volumes/"):
            return self._volume("GET")
        if path == "/.well-known/databricks-config":
            return self._send(200, host_metadata(self.emu.url, self.emu.workspace_id))
        if path == "/oidc/.well-known/oauth-authorization-server":
            return self._send(200, oidc_discovery(self.emu.url))
        if path == "/_emulator/counters":
            return self._send(200, json.dumps(self.emu.counters()).encode())
        if path == "/_emulator/statements":
            return self._send(200, json.dumps(self.emu.statements).encode())
        return self._send(404, b'{"error_code":"ENDPOINT_NOT_FOUND","message":"No API found"}')

    def do_DELETE(self) -> None:
        if self._path().startswith("/_volumes/"):
            return self._volume("DELETE")
        return self._send(404, b'{"error_code":"ENDPOINT_NOT_FOUND","message":"No API found"}')

    def do_PUT(self) -> None:
        if self._path().startswith("/_volumes/"):
            return self._volume("PUT")
        return self._send(404, b'{"error_code":"ENDPOINT_NOT_FOUND","message":"No API found"}')

    def do_POST(self) -> None:
        path, body = self._path(), self._body()
        if path == "/oidc/v1/token":
            form = dict(urllib.parse.parse_qsl(body.decode()))
            status, payload = self.emu.auth.issue(self.headers.get("Authorization"), form)
            return self._send(status, json.dumps(payload).encode())
        if path == "/_emulator/clock/advance":
            self.emu.clock.advance(float(json.loads(body or b"{}").get("seconds", 0)))
            return self._send(200, b"{}")
        if path == "/_emulator/faults":
            try:
                self.emu.faults.update(json.loads(body or b"{}"))
            except (ValueError, TypeError) as exc:
                return self._send(400, json.dumps({"error": str(exc)}).encode())
            return self._send(200, b"{}")
        if path.startswith("/sql/"):
            return self._thrift(body)
        return self._send(404, b'{"error_code":"ENDPOINT_NOT_FOUND","message":"No API found"}')

    def _volume(self, method: str) -> None:
        body = self._body() if method == "PUT" else b""
        self.emu.counters_.add(f"volume.{method}")
        headers = {k.lower(): v for k, v in self.headers.items()}
        status, payload = self.emu.engine.volumes.serve(method, self.path, headers, body)
        self._send(status, payload, "application/xml" if status >= 400 else "application/octet-stream")

    def _thrift(self, body: bytes) -> None:
        emu, rpc = self.emu, rpc_name(body)
        statement = statement_text(body) if emu.faults.only_statement else None
        denial = emu.auth.check(self.headers.get("Authorization"), emu.faults.expired_token_status)
        if denial is not None:
            emu.counters_.add(f"http.{denial.status}")
            return self._send(denial.status, b"", headers={"x-databricks-reason-phrase": denial.reason})
        if emu.faults.take("drop_connections", rpc, statement):
            emu.counters_.add("faults.drop_connections")
            return self._drop()
        if emu.faults.take("unavailable", rpc, statement):
            emu.counters_.add("faults.unavailable")
            message = b'{"error_code":"TEMPORARILY_UNAVAILABLE","message":"Service temporarily unavailable."}'
            return self._send(
                503,
                message,
                headers={
                    "Retry-After": str(emu.faults.retry_after_s),
                    "x-databricks-reason-phrase": "TEMPORARILY_UNAVAILABLE",
                },
            )
        emu.counters_.add(f"rpc.{rpc}")
        REQUEST.principal = emu.auth.principal(self.headers.get("Authorization"))
        out = TTransport.TMemoryBuffer()
        emu.processor.process(
            TBinaryProtocol.TBinaryProtocol(TTransport.TMemoryBuffer(body)),
            TBinaryProtocol.TBinaryProtocol(out),
        )
        if emu.faults.take("drop_responses", rpc, statement):
            emu.counters_.add("faults.drop_responses")
            return self._drop()
        self._send(200, out.getvalue(), "application/x-thrift")

    def _drop(self) -> None:
        """Reset the connection mid-request, as a failed load balancer or network does."""
        self.close_connection = True
        sock = self.connection
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()


def make_processor(handler: object) -> TCLIService.Processor:
    return TCLIService.Processor(handler)
