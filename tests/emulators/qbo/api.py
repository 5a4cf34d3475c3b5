"""The QBO v3 resources: query, read, write, batch, CDC and reports. HTTP plumbing lives in server.py.

Each handler takes the request pieces and returns (status, body dict) or raises QBOFault.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from . import query as qp
from .clock import Clock
from .entities import BY_LOWER, BY_NAME, EntitySpec
from .faults import QBOFault, invalid_param, missing_param, not_found, stale, validation
from .jsonutil import loads
from .mutations import Mutator
from .query_exec import execute
from .reports import Reports
from .store import Store
from .timefmt import parse_ts, response_time

BATCH_MAX_ITEMS = 30
CDC_MAX_OBJECTS = 1000
CDC_LOOKBACK_DAYS = 30
Reply = tuple[int, dict[str, Any]]
# Without Accept: application/json real QBO answers XML; the emulator serves JSON only and says so.
JSON_ONLY = "The emulator serves JSON only: send Accept: application/json"


def unsupported(path: str) -> QBOFault:
    return QBOFault(
        400,
        "ValidationFault",
        "500",
        "Unsupported Operation",
        f"Operation Could not find resource for relative : {path} of full path: "
        f"https://quickbooks.api.intuit.com{path}",
    )


class Api:
    def __init__(self, store: Store, clock: Clock, mutator: Mutator, realm_id: str) -> None:
        self.store, self.clock, self.mutate, self.realm_id = store, clock, mutator, realm_id
        self.reports = Reports(store, clock)

    def _time(self) -> str:
        return response_time(self.clock.now())

    def query(self, text: str) -> Reply:
        if not text.strip():
            raise qp.parser_error('Encountered "<EOF>" at line 1, column 1.')
        return 200, {"QueryResponse": self._execute(str(text)), "time": self._time()}

    def _execute(self, text: str) -> dict[str, Any]:
        q = qp.parse(text)
        self._in_region(q.spec)
        return execute(self.store, q)

    def _in_region(self, spec: EntitySpec) -> None:
        """A region-only entity (JournalCode: France; TaxPayment: AU, CA, UK) does not exist elsewhere.
        Intuit does not publish the answer there; the emulator says the entity is not supported."""
        if spec.regions and self.store.company.country not in spec.regions:
            raise qp.query_invalid(
                f"Entity '{spec.name}' is not supported for companies in {self.store.company.country}"
            )

    def read(self, entity_path: str, record_id: str, path: str) -> Reply:
        spec = _spec(entity_path, path)
        self._in_region(spec)
        if spec.kind == "singleton":
            record = self.store.get(spec.name, "1")
            if spec.name == "CompanyInfo" and record_id != self.realm_id:
                raise not_found(spec.name, record_id)
        else:
            record = self.store.get(spec.name, record_id)
        if record is None:
            raise not_found(spec.name, record_id)
        return 200, {spec.key: record, "time": self._time()}

    def exchange_rate(self, params: dict[str, str]) -> Reply:
        """`GET /exchangerate?sourcecurrencycode=EUR[&asofdate=yyyy-mm-dd]`: the rate of that day (default
        today), or else the latest one before it (Intuit does not say what a day without a rate gives)."""
        source = params.get("sourcecurrencycode", "").upper()
        if not source:
            raise missing_param("sourcecurrencycode")
        day = params.get("asofdate") or self.clock.now().date().isoformat()
        rows = [
            r
            for _, _, r in self.store.view("ExchangeRate").by_id()
            if r["SourceCurrencyCode"] == source and r["AsOfDate"] <= day
        ]
        if not rows:
            raise not_found("ExchangeRate", f"{source} {day}")
        return 200, {"ExchangeRate": max(rows, key=lambda r: r["AsOfDate"]), "time": self._time()}

    def write(self, entity_path: str, operation: str | None, raw: bytes, path: str) -> Reply:
        spec = _spec(entity_path, path)
        body = _json_object(raw)
        if len(body) == 1 and spec.name in body and isinstance(body[spec.name], dict):
            body = body[spec.name]
        result = self._operate(spec, operation, body)
        return 200, {spec.key: result, "time": self._time()}

    def _operate(self, spec: EntitySpec, operation: str | None, body: dict[str, Any]) -> dict[str, Any]:
        if not spec.writable:  # read-only in Intuit's reference (CustomerType, ReimburseCharge, TaxPayment)
            raise unsupported(f"/v3/company/{self.realm_id}/{spec.path}")
        op = (operation or ("update" if "Id" in body else "create")).lower()
        if op == "create":
            return self.mutate.create(spec.name, body)
        record_id = str(body.get("Id", ""))
        if not record_id:
            raise missing_param("Id")
        current = self.store.get(spec.name, record_id)
        if current is None:
            raise not_found(spec.name, record_id)
        if op in ("delete", "void") and str(body.get("SyncToken", "")) != current["SyncToken"]:
            raise stale(record_id)
        if op == "delete":
            return self.mutate.delete(spec.name, record_id)
        if op == "void":
            return self.mutate.void(spec.name, record_id)
        if op == "update":
            if "SyncToken" not in body:
                raise missing_param("SyncToken")
            return self.mutate.update(spec.name, record_id, body, sparse=bool(body.get("sparse", False)))
        raise invalid_param(f"operation {op} is not supported", "operation")

    def batch(self, raw: bytes) -> Reply:
        items = _json_object(raw).get("BatchItemRequest")
        if not isinstance(items, list) or not items:
            raise missing_param("BatchItemRequest")
        if len(items) > BATCH_MAX_ITEMS:
            raise invalid_param(
                f"Batch request exceeds the maximum of {BATCH_MAX_ITEMS} items ({len(items)} sent)",
                "BatchItemRequest",
            )
        bids = [str(item.get("bId", "")) if isinstance(item, dict) else "" for item in items]
        if "" in bids or len(set(bids)) != len(bids):
            raise invalid_param("Every BatchItemRequest needs a unique bId", "bId")
        return 200, {
            "BatchItemResponse": [self._batch_item(bid, item) for bid, item in zip(bids, items, strict=True)],
            "time": self._time(),
        }

    def _batch_item(self, bid: str, item: dict[str, Any]) -> dict[str, Any]:
        try:
            if "Query" in item:
                return {"bId": bid, "QueryResponse": self._execute(str(item["Query"]))}
            names = [k for k in item if k in BY_NAME]
            if len(names) != 1 or not isinstance(item[names[0]], dict):
                raise invalid_param("Each item needs a Query or exactly one entity", "")
            spec = BY_NAME[names[0]]
            return {"bId": bid, spec.name: self._operate(spec, item.get("operation"), item[spec.name])}
        except QBOFault as fault:
            return {"bId": bid, "Fault": fault.fault()}

    def cdc(self, params: dict[str, str]) -> Reply:
        names = [n.strip() for n in params.get("entities", "").split(",") if n.strip()]
        if not names:
            raise missing_param("entities")
        specs = [_cdc_spec(name) for name in names]
        for spec in specs:
            self._in_region(spec)
        text = params.get("changedSince", "")
        since = _cdc_since(text)
        if since < self.clock.now() - timedelta(days=CDC_LOOKBACK_DAYS):
            raise cdc_too_old(text)
        groups = self._cdc_groups(specs, since.timestamp())
        return 200, {"CDCResponse": [{"QueryResponse": groups}], "time": self._time()}

    def _cdc_groups(self, specs: list[EntitySpec], since: float) -> list[dict[str, Any]]:
        """Oldest changes first, at most CDC_MAX_OBJECTS across all entities (see README: shared cap)."""
        streams = [self._changes(spec.name, since) for spec in specs]
        picked: dict[str, list[dict[str, Any]]] = {}
        for count, (_, _, name, record) in enumerate(heapq.merge(*streams, key=lambda t: (t[0], t[1]))):
            if count >= CDC_MAX_OBJECTS:
                break
            picked.setdefault(name, []).append(record)
        groups: list[dict[str, Any]] = []
        for spec in specs:
            rows = picked.get(spec.name)
            if rows:
                live = [r for r in rows if r.get("status") != "Deleted"]
                rows = live + [r for r in rows if r.get("status") == "Deleted"]
                groups.append(
                    {spec.key: rows, "startPosition": 1, "maxResults": len(rows), "totalCount": len(rows)}
                )
        return groups or [{}]

    def _changes(self, entity: str, since: float) -> Iterator[tuple[float, int, str, dict[str, Any]]]:
        for lut, num, record in self.store.view(entity).by_lut(since, deleted=True):
            yield lut, num, entity, record

    def report(self, name: str, params: dict[str, str]) -> Reply:
        return 200, self.reports.run(name, params)


def _cdc_spec(name: str) -> EntitySpec:
    spec = BY_NAME.get(name)  # entity names are case-sensitive, as in queries
    if spec is None or not spec.cdc:
        raise invalid_param(f"Entity {name} is not supported by CDC", "entities")
    return spec


def cdc_too_old(text: str) -> QBOFault:
    """Intuit's answer to a look-back beyond 30 days, worded as users have reported it (the code and the
    Message line around that Detail are not published: see the README)."""
    return validation(
        "500",
        "Unsupported Operation",
        f"Operation cdc with changedSince date {text} which is older than fixed days is not supported.",
        "changedSince",
    )


def _cdc_since(text: str) -> datetime:
    if not text:
        raise missing_param("changedSince")
    try:
        return parse_ts(text)
    except ValueError as exc:
        raise invalid_param("changedSince must be an ISO 8601 date-time", "changedSince") from exc


def _spec(entity_path: str, path: str) -> EntitySpec:
    spec = BY_LOWER.get(entity_path)
    if spec is None:
        raise unsupported(path)
    return spec


def _json_object(raw: bytes) -> dict[str, Any]:
    try:
        body = loads(raw or b"{}")
    except ValueError as exc:
        raise validation(
            "2500",
            "Invalid Request",
            "Request has invalid or unsupported property: the body is not valid JSON",
        ) from exc
    if not isinstance(body, dict):
        raise validation("2500", "Invalid Request", "The request body must be a JSON object")
    return body
