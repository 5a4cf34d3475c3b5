"""Create, update, delete, void, deactivate and merge records, as QBO applies them.

Every mutation bumps SyncToken and MetaData.LastUpdatedTime (emulator clock), lands in the store's overlay
(so CDC and queries see it) and is reported to the listener (webhooks). Validation lives in rules.py; a
stale SyncToken is 5010.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import rules
from .clock import Clock
from .entities import BY_NAME, EntitySpec
from .faults import not_found, stale, validation
from .store import Store
from .timefmt import entity_ts


@dataclass(frozen=True)
class Change:
    entity: str
    entity_id: str
    operation: str  # Create | Update | Delete | Merge | Void
    last_updated: str
    deleted_id: str | None = None


class Mutator:
    def __init__(self, store: Store, clock: Clock, listener: Callable[[Change], None] | None = None) -> None:
        self.store, self.clock = store, clock
        self.listener = listener

    def create(self, entity: str, fields: dict[str, Any]) -> dict[str, Any]:
        spec = self._spec(entity)
        if spec.kind == "singleton":
            raise validation("6000", "Operation Not Supported", f"{entity} cannot be created")
        with self.store.lock:
            rules.require(entity, fields)
            record = rules.apply_defaults(spec, copy.deepcopy(fields), self.clock.now().date().isoformat())
            rules.validate(self.store, spec, record, None, record)
            stamp = entity_ts(self.clock.now())
            record.update(
                {
                    "domain": "QBO",
                    "sparse": False,
                    "Id": self.store.new_id(entity),
                    "SyncToken": "0",
                    "MetaData": {"CreateTime": stamp, "LastUpdatedTime": stamp},
                }
            )
            self.store.put(entity, record)
        return self._emit(entity, record, "Create")

    def update(
        self, entity: str, record_id: str, fields: dict[str, Any], sparse: bool = True
    ) -> dict[str, Any]:
        spec = self._spec(entity)
        with self.store.lock:
            current = self._current(spec, str(record_id))
            token = fields.get("SyncToken")
            if token is not None and str(token) != current["SyncToken"]:
                raise stale(str(record_id))
            keep = {k: current[k] for k in ("Id", "domain", "MetaData", "SyncToken")}
            body = {
                k: v
                for k, v in fields.items()
                if k not in ("Id", "SyncToken", "MetaData", "sparse", "domain")
            }
            record = {**(copy.deepcopy(current) if sparse else {}), **copy.deepcopy(body), **keep}
            if "Line" in body and "TotalAmt" not in body and spec.kind == "txn" and entity != "Transfer":
                record["TotalAmt"] = rules.line_total(entity, record["Line"])
            rules.validate(self.store, spec, record, str(record_id), body)
            self._bump(entity, record)
        return self._emit(entity, record, "Update")

    def delete(self, entity: str, record_id: str) -> dict[str, Any]:
        """Transactions are removed; name lists are made inactive and renamed '… (deleted)', as QBO does."""
        spec = self._spec(entity)
        if spec.kind == "list":
            return self._deactivate(spec, str(record_id), rename=True, operation="Delete")
        if spec.kind != "txn":
            raise validation("6000", "Operation Not Supported", f"{entity} cannot be deleted")
        with self.store.lock:
            self._current(spec, str(record_id))
            now = self.clock.now()
            stub = {
                "status": "Deleted",
                "domain": "QBO",
                "Id": str(record_id),
                "MetaData": {"LastUpdatedTime": entity_ts(now)},
            }
            self.store.tombstone(entity, str(record_id), now.replace(microsecond=0).timestamp(), stub)
        self._notify(Change(entity, str(record_id), "Delete", entity_ts(now)))
        return {"status": "Deleted", "domain": "QBO", "Id": str(record_id)}

    def void(self, entity: str, record_id: str) -> dict[str, Any]:
        spec = self._spec(entity)
        if not spec.voidable:
            raise validation("6000", "Operation Not Supported", f"{entity} cannot be voided")
        with self.store.lock:
            record = copy.deepcopy(self._current(spec, str(record_id)))
            for key in ("TotalAmt", "Balance", "Deposit", "UnappliedAmt"):
                if key in record:
                    record[key] = 0
            for line in record.get("Line", []):
                line["Amount"] = 0
                for detail in line.values():
                    if isinstance(detail, dict) and "Qty" in detail:
                        detail["Qty"] = 0
            record["PrivateNote"] = "Voided"
            self._bump(entity, record)
        return self._emit(entity, record, "Void")

    def deactivate(self, entity: str, record_id: str) -> dict[str, Any]:
        return self._deactivate(self._spec(entity), str(record_id), rename=False, operation="Update")

    def merge(self, entity: str, from_id: str, into_id: str) -> dict[str, Any]:
        """The merged-away record disappears (CDC shows it Deleted); the survivor is updated.

        Transactions that referenced the merged-away record keep their old reference: rewriting a lazily
        generated ledger is out of scope, and clients only need the Merge event and the deletion.
        """
        spec = self._spec(entity)
        if spec.kind != "list" or str(from_id) == str(into_id):
            raise validation("6000", "Operation Not Supported", f"{entity} {from_id} cannot be merged")
        with self.store.lock:
            self._current(spec, str(from_id))
            survivor = copy.deepcopy(self._current(spec, str(into_id)))
            self._bump(entity, survivor)
            now = self.clock.now()
            stub = {
                "status": "Deleted",
                "domain": "QBO",
                "Id": str(from_id),
                "MetaData": {"LastUpdatedTime": entity_ts(now)},
            }
            self.store.tombstone(entity, str(from_id), now.replace(microsecond=0).timestamp(), stub)
        self._notify(
            Change(entity, str(into_id), "Merge", survivor["MetaData"]["LastUpdatedTime"], str(from_id))
        )
        return survivor

    # Internals ---------------------------------------------------------------------------------------
    def _spec(self, entity: str) -> EntitySpec:
        if entity not in BY_NAME:
            raise KeyError(f"unknown QBO entity {entity!r}")
        return BY_NAME[entity]

    def _current(self, spec: EntitySpec, record_id: str) -> dict[str, Any]:
        record = self.store.get(spec.name, record_id)
        if record is None:
            raise not_found(spec.name, record_id)
        return record

    def _deactivate(self, spec: EntitySpec, record_id: str, rename: bool, operation: str) -> dict[str, Any]:
        if spec.kind != "list":
            raise validation("6000", "Operation Not Supported", f"{spec.name} has no Active flag")
        with self.store.lock:
            record = copy.deepcopy(self._current(spec, record_id))
            record["Active"] = False
            key = "DisplayName" if spec.name in rules.PARTIES else "Name"
            if rename and key in record and not str(record[key]).endswith(" (deleted)"):
                record[key] = f"{record[key]} (deleted)"
            self._bump(spec.name, record)
        return self._emit(spec.name, record, operation)

    def _bump(self, entity: str, record: dict[str, Any]) -> None:
        record["SyncToken"] = str(int(record.get("SyncToken", "0")) + 1)
        record["MetaData"] = {**record["MetaData"], "LastUpdatedTime": entity_ts(self.clock.now())}
        self.store.put(entity, record)

    def _emit(self, entity: str, record: dict[str, Any], operation: str) -> dict[str, Any]:
        self._notify(Change(entity, record["Id"], operation, record["MetaData"]["LastUpdatedTime"]))
        return copy.deepcopy(record)

    def _notify(self, change: Change) -> None:
        if self.listener is not None:
            self.listener(change)
