"""Request routing: OAuth, discovery, admin and the v3 API, with auth, realm and throttle checks."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

from . import faults as fx
from .api import JSON_ONLY, Api, unsupported
from .faults import QBOFault
from .server import API, Request, Response, form, json_response, query_text

if TYPE_CHECKING:
    from .emulator import QBOEmulator

API_KINDS = ("query", "read", "write", "batch", "cdc", "report")
PAGE_ROWS = 1000  # one query page: what the injected latency stands for
NOT_FOUND = Response(404, b"<html><body><h1>404 Not Found</h1></body></html>\n", "text/html")


class Router:
    def __init__(self, emu: QBOEmulator) -> None:
        self.emu = emu

    def dispatch(self, req: Request) -> Response:
        """Route one request. Injected latency is spent inside the request's concurrency slot."""
        emu = self.emu
        if req.kind not in API_KINDS and req.latency:
            time.sleep(req.latency)
        if req.kind == "token" and req.method == "POST":
            return json_response(*self._token(req))
        if req.kind == "revoke" and req.method == "POST":
            return self._revoke(req)
        if req.kind == "authorize" and req.method == "GET":
            return emu.appcenter.authorize(req.params)
        if req.kind == "discovery" and req.method == "GET":
            return json_response(200, emu.discovery())
        if req.kind == "admin":
            return emu.admin.handle(req.method, req.path[len("/_emulator/") :], req.params, req.body)
        match = API.match(req.path)
        if match is None:
            return NOT_FOUND
        return self._api(req, match["realm"], match["rest"])

    def _token(self, req: Request) -> tuple[int, dict[str, Any]]:
        """The grant of whichever realm issued the refresh token (or code); else the first realm's answer."""
        hard = req.headers.get("x-include-refresh-token-hard-expires-in", "").lower() == "true"
        fields, auth = form(req.body), req.headers.get("authorization")
        first: tuple[int, dict[str, Any]] | None = None
        for realm in self.emu.realms.values():
            reply = realm.oauth.token(fields, auth, hard)
            if reply[0] == 200:
                return reply
            first = first or reply
        assert first is not None
        return first

    def _revoke(self, req: Request) -> Response:
        try:
            token = str(json.loads(req.body or b"{}").get("token", ""))
        except (ValueError, AttributeError):
            return json_response(400, {"error": "invalid_request"})
        replies = [r.oauth.revoke(token, req.headers.get("authorization")) for r in self.emu.realms.values()]
        return json_response(*replies[0])

    def _api(self, req: Request, realm: str, rest: str) -> Response:
        emu = self.emu
        now = emu.clock.now()
        header = req.headers.get("authorization")
        owner = next((r for r in emu.realms.values() if r.oauth.check_access(header) is None), None)
        if owner is None:
            problem = emu.realms.get(realm, emu.realm(None)).oauth.check_access(header) or "Token invalid"
            emu.count("auth_failed")
            return Response(401, fx.auth_failed_body(problem, now))
        if realm != owner.realm_id:  # a token of another company (or an unknown realm)
            message = "message=ApplicationAuthorizationFailed; errorCode=003100; statusCode=403"
            return Response(403, QBOFault(403, "AuthorizationFault", "3100", message).json_body(now))
        if not emu.limiter.enter(req.kind, enforce=emu.faults.throttle):
            emu.count("throttled")
            return Response(429, fx.throttle_body(now), "application/xml")
        weight = 1.0
        try:
            if req.latency and req.kind != "batch":
                time.sleep(req.latency)
            status, body = self._route(req, rest, owner.api)
            if req.kind == "batch":
                weight = batch_weight(body)
            return json_response(status, body)
        except QBOFault as fault:
            return Response(fault.status, fault.json_body(emu.clock.now()))
        finally:
            if req.latency and req.kind == "batch":
                time.sleep(req.latency * weight)
            emu.limiter.leave()

    def _route(self, req: Request, rest: str, api: Api) -> tuple[int, dict[str, Any]]:
        accept = req.headers.get("accept", "")
        if "json" not in accept and "*/*" not in accept:
            raise fx.validation("4000", "Unsupported Media Type", JSON_ONLY, "Accept")
        method, parts = req.method, rest.split("/")
        head = parts[0]
        if head == "query" and method in ("GET", "POST"):
            return api.query(query_text(method, req.params, req.body, req.headers.get("content-type", "")))
        if head == "batch" and method == "POST":
            return api.batch(req.body)
        if head == "cdc" and method == "GET":
            return api.cdc(req.params)
        if head == "reports" and method == "GET" and len(parts) == 2:
            return api.report(parts[1], req.params)
        if method == "GET" and len(parts) == 2:
            return api.read(head, parts[1], req.path)
        if method == "GET" and parts == ["exchangerate"]:
            return api.exchange_rate(req.params)
        if method == "GET" and parts == ["preferences"]:
            return api.read(head, "1", req.path)
        if method == "POST" and len(parts) == 1:
            return api.write(head, req.params.get("operation"), req.body, req.path)
        raise unsupported(req.path)


def batch_weight(body: dict[str, Any]) -> float:
    """How many query pages of latency a /batch costs: a server's time grows with the rows it reads, so 30
    full pages in one request take as long as 30 requests (at least one page's worth for any batch)."""
    rows = 0
    for item in body.get("BatchItemResponse", []):
        found = item.get("QueryResponse")
        lists = [v for v in found.values() if isinstance(v, list)] if isinstance(found, dict) else []
        rows += sum(map(len, lists)) if lists else 1
    return max(1.0, rows / PAGE_ROWS)
