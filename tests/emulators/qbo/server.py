"""HTTP plumbing: a stdlib ThreadingHTTPServer (starts in milliseconds, full control over resets and raw
bodies) that routes to the OAuth, API and admin handlers and applies auth, limits and injected faults."""

from __future__ import annotations

import logging
import re
import socket
import struct
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote_plus, urlsplit

from . import faults as fx
from .jsonutil import dumps

if TYPE_CHECKING:
    from .emulator import QBOEmulator


log = logging.getLogger(__name__)
API = re.compile(r"^/v3/company/(?P<realm>[^/]+)/(?P<rest>.+)$")
JSON = "application/json;charset=UTF-8"


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    params: dict[str, str]
    body: bytes
    headers: Mapping[str, str]  # lower-case names
    kind: str
    latency: float = 0.0


class Response:
    def __init__(self, status: int, body: bytes, content_type: str = JSON) -> None:
        self.status, self.body, self.content_type = status, body, content_type
        self.headers: dict[str, str] = {}  # extra headers, e.g. a redirect's Location


def json_response(status: int, body: dict[str, Any]) -> Response:
    return Response(status, dumps(body) if body else b"")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes: avoid the 40 ms delayed-ACK stall
    server: EmulatorHTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("qbo-emulator %s", format % args)

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def _handle(self, method: str) -> None:
        emu = self.server.emulator
        url = urlsplit(self.path)
        params = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        length = self.headers.get("Content-Length") or "0"
        if not length.isdigit():
            self.send_error(400, "Content-Length must be a non-negative integer")
            return
        body = self.rfile.read(int(length)) if int(length) else b""
        kind = route_kind(method, url.path)
        emu.count(kind)
        if (hook := emu.faults.on_request) is not None:
            hook(kind)
        latency, action, status = emu.faults.decide(kind)
        if action == "reset":
            emu.count("reset")
            self._reset()
            return
        if action == "status":
            emu.count("fault_5xx")
            self._send(error_response(status, emu))
            return
        headers = {k.lower(): v for k, v in self.headers.items()}  # header names are case-insensitive
        try:
            response = emu.router.dispatch(Request(method, url.path, params, body, headers, kind, latency))
        except Exception:  # a bug in the emulator must reach the client as Intuit's generic 500
            log.exception("qbo-emulator: unhandled error on %s %s", method, url.path)
            response = Response(500, fx.system_fault(emu.clock.now()))
        self._send(response)

    def _send(self, response: Response) -> None:
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        self.send_header("intuit_tid", f"1-{uuid.uuid4().hex[:8]}-{uuid.uuid4().hex[:24]}")
        self.send_header("Cache-Control", "no-cache, no-store")
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(response.body)

    def _reset(self) -> None:
        """Close with SO_LINGER 0 so the client sees ECONNRESET, not a clean EOF."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.connection.close()


def error_response(status: int, emu: QBOEmulator) -> Response:
    """500 is Intuit's JSON SystemFault; gateway errors come from the edge as HTML."""
    if status in fx.GATEWAY_HTML:
        return Response(status, fx.GATEWAY_HTML[status], "text/html")
    return Response(status, fx.system_fault(emu.clock.now()))


def route_kind(method: str, path: str) -> str:
    """The counter/fault key of a request: token, revoke, authorize, discovery, query, read, write, batch,
    cdc, report, admin or other."""
    if path == "/oauth2/v1/tokens/bearer":
        return "token"
    if path == "/v2/oauth2/tokens/revoke":
        return "revoke"
    if path == "/connect/oauth2":
        return "authorize"
    if path.startswith("/.well-known/"):
        return "discovery"
    if path.startswith("/_emulator/"):
        return "admin"
    match = API.match(path)
    if not match:
        return "other"
    head = match["rest"].split("/")[0]
    if head in ("query", "batch", "cdc"):
        return head
    if head == "reports":
        return "report"
    return "read" if method == "GET" else "write"


def form(body: bytes) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).items()}


def query_text(method: str, params: dict[str, str], body: bytes, content_type: str) -> str:
    """GET ?query=… or POST with Content-Type application/text (python-quickbooks' way)."""
    if method == "GET":
        return params.get("query", "")
    if content_type.split(";")[0].strip() == "application/x-www-form-urlencoded":
        return unquote_plus(form(body).get("query", ""))
    return body.decode("utf-8", "replace")


class EmulatorHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, address: tuple[str, int], emulator: QBOEmulator) -> None:
        self.emulator = emulator
        super().__init__(address, Handler)
