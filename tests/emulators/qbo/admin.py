"""Admin HTTP API under /_emulator/… so other processes (the demo, CLI users) can drive the emulator.

Test-only and unauthenticated, like the emulator itself: bind it to 127.0.0.1.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from .faults import EndpointFaults, QBOFault
from .jsonutil import loads
from .server import Response, json_response
from .timefmt import response_time

if TYPE_CHECKING:
    from .emulator import QBOEmulator
    from .mutations import Mutator

MUTATIONS = ("create", "update", "delete", "void", "deactivate", "merge")
FAULT_FIELDS = ("latency_ms", "error_5xx_rate", "error_status", "reset_rate", "throttle")


class Admin:
    def __init__(self, emu: QBOEmulator) -> None:
        self.emu = emu

    def handle(self, method: str, route: str, params: dict[str, str], raw: bytes) -> Response:
        try:
            body = loads(raw or b"{}")  # amounts as Decimal, like the API
            if not isinstance(body, dict):
                raise ValueError("the body must be a JSON object")
            return json_response(200, self._route(method, route.strip("/"), params, body))
        except QBOFault as fault:
            return Response(fault.status, fault.json_body(self.emu.clock.now()))
        except (ValueError, KeyError, TypeError) as exc:
            return json_response(400, {"error": type(exc).__name__, "detail": str(exc)})

    def _route(self, method: str, route: str, params: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
        emu = self.emu
        if route == "counters" and method == "GET":
            return emu.counters()
        if route == "clock" and method == "GET":
            return {"now": response_time(emu.clock.now())}
        if route == "clock/advance" and method == "POST":
            emu.clock.advance(float(body["seconds"]))
            return {"now": response_time(emu.clock.now())}
        realm = emu.realm(body.get("realm") or params.get("realm"))
        if route == "refresh_token" and method == "POST":
            return {"refresh_token": realm.issue_refresh_token(), "realmId": realm.realm_id}
        if route == "auth_code" and method == "POST":
            return {"code": realm.oauth.issue_auth_code(str(body["redirect_uri"])), "realmId": realm.realm_id}
        if route.startswith("mutate/") and method == "POST":
            return {"record": self._mutate(route.split("/", 1)[1], body, realm.mutate)}
        if route == "webhooks" and method == "POST":
            emu.configure_webhooks(**body)
            return {"configured": True}
        if route == "webhooks" and method == "DELETE":
            emu.webhooks.configure(None)
            return {"configured": False}
        if route == "webhooks/deliveries" and method == "GET":
            return {"deliveries": [{**asdict(d), "body": d.body.decode()} for d in emu.webhook_deliveries()]}
        if route == "faults" and method == "POST":
            return self._faults(body)
        if route == "store" and method == "GET":
            return {params["entity"]: realm.store.all(params["entity"])}
        raise KeyError(f"no admin route {method} /_emulator/{route}")

    def _mutate(self, operation: str, body: dict[str, Any], m: Mutator) -> dict[str, Any] | None:
        if operation not in MUTATIONS:
            raise KeyError(f"unknown mutation {operation!r}; use one of {', '.join(MUTATIONS)}")
        entity = str(body["entity"])
        if operation == "create":
            return m.create(entity, body["fields"])
        if operation == "update":
            return m.update(entity, str(body["id"]), body["fields"])
        if operation == "merge":
            return m.merge(entity, str(body["from_id"]), str(body["into_id"]))
        return dict(getattr(m, operation)(entity, str(body["id"])))

    def _faults(self, body: dict[str, Any]) -> dict[str, Any]:
        faults = self.emu.faults
        if body.get("clear"):
            faults.clear()
        for name in FAULT_FIELDS:
            if name in body:
                setattr(faults, name, type(getattr(faults, name))(body[name]))
        for kind, override in body.get("endpoints", {}).items():
            faults.endpoints[kind] = EndpointFaults(**override)
        for item in body.get("fail_next", []):
            faults.fail_next(item.get("kind", "*"), int(item.get("status", 503)), int(item.get("count", 1)))
        for item in body.get("reset_next", []):
            faults.reset_next(item.get("kind", "*"), int(item.get("count", 1)))
        return {name: getattr(faults, name) for name in FAULT_FIELDS}
