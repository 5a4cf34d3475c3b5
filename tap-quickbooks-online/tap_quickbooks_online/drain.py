"""Draining the webhook inbox: events after the stream's cursor become full records or delete records.

Webhook payloads carry only ids, so records are fetched through /batch: each request holds up to
`batch_size` items and each item is `SELECT * FROM <Entity> WHERE Id IN (<up to batch_size ids>)`.
A Delete of a transaction becomes a `_sdc_deleted_at` record; a Delete of a name-list entity is really a
deactivation, so the record is fetched; a Merge fetches the surviving record and deletes the merged-away
id. The cursor only moves through Singer state, so an event counts as consumed once the target committed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import query as q
from .client import QBOClient
from .entities import Entity
from .errors import FatalError, RetriableError, fault_from_json
from .records import Row
from .responses import Envelope, rows_of

LOGGER = logging.getLogger("tap_quickbooks_online.drain")
READ_CHUNK = 10_000
TRANSIENT_CODES = {"3001", "3002", "3003"}


@dataclass
class EntityEvents:
    fetch_ids: dict[str, None] = field(default_factory=dict)  # ordered set
    deletes: dict[str, str] = field(default_factory=dict)  # id -> occurred_at
    last_seq: int = 0


class InboxDrain:
    """Reads the inbox once per run (after the lowest cursor of any stream) and groups it by entity."""

    def __init__(self, path: str | Path, realm_id: str) -> None:
        from .inbox import Inbox  # the webhooks part owns the inbox; import only when one is configured

        self.inbox = Inbox(path)
        self.realm_id = realm_id
        self._events: list[Any] = []
        self._loaded_after: int | None = None

    def load(self, after: int) -> None:
        if self._loaded_after is not None and self._loaded_after <= after:
            return
        events, cursor = [], after
        while True:
            chunk = self.inbox.read_after(cursor, READ_CHUNK)
            events.extend(chunk)
            if len(chunk) < READ_CHUNK:
                break
            cursor = int(chunk[-1].seq or cursor)
        self._events, self._loaded_after = events, after

    def max_seq(self) -> int:
        self.load(0 if self._loaded_after is None else self._loaded_after)
        return max((int(e.seq) for e in self._events), default=self._loaded_after or 0)

    def events_for(self, entity: Entity, after: int) -> EntityEvents:
        """Group one entity's events after `after` into ids to fetch and ids deleted."""
        self.load(after)
        out = EntityEvents(last_seq=after)
        for event in self._events:
            if int(event.seq) <= after:
                continue
            out.last_seq = max(out.last_seq, int(event.seq))
            if event.realm_id != self.realm_id or event.entity != entity.name:
                continue
            _apply(out, entity, event)
        for deleted in out.deletes:
            out.fetch_ids.pop(deleted, None)
        return out


def _apply(out: EntityEvents, entity: Entity, event: Any) -> None:
    if event.operation == "Delete" and entity.kind != "list":
        out.deletes[event.entity_id] = event.occurred_at
    elif event.operation == "Merge":
        out.fetch_ids[event.entity_id] = None
        if event.deleted_id:
            out.deletes[event.deleted_id] = event.occurred_at
    else:  # Create, Update, Void, Emailed; Delete of a list entity (QBO deactivates it)
        out.fetch_ids[event.entity_id] = None


def fetch_by_ids(
    client: QBOClient, entity: Entity, ids: Sequence[str], batch_size: int
) -> Iterator[list[Row]]:
    """Yield pages of the records with these ids (ids QBO no longer has are simply absent)."""
    size = max(1, min(batch_size, 30))
    chunks = [list(ids[i : i + size]) for i in range(0, len(ids), size)]
    for start in range(0, len(chunks), size):
        items = [
            {"bId": str(n), "Query": q.select_ids(entity, chunk)}
            for n, chunk in enumerate(chunks[start : start + size])
        ]
        yield from _run_batch(client, entity, items)


def _run_batch(
    client: QBOClient, entity: Entity, items: list[dict[str, Any]], attempts: int = 4
) -> Iterator[list[Row]]:
    """One /batch request; items that fail transiently (throttle, SystemFault) are sent again."""
    for _ in range(attempts):
        envelope = client.batch(items)
        by_bid = {item["bId"]: item for item in items}
        retry: list[dict[str, Any]] = []
        for answer in envelope.BatchItemResponse:
            fault = fault_from_json({"Fault": answer.Fault}) if answer.Fault is not None else None
            if fault is None:
                yield rows_of(answer.QueryResponse, entity.name)
            elif fault.code in TRANSIENT_CODES or fault.type.lower() == "systemfault":
                retry.append(by_bid[str(answer.bId)])
            else:
                raise FatalError(f"QBO refused a batch item: {fault.describe()}")
        if not retry:
            return
        LOGGER.warning("%d batch items failed transiently; sending them again.", len(retry))
        items = retry
    raise RetriableError(f"{len(items)} batch items kept failing transiently")


def run_batch_queries(
    client: QBOClient, statements: list[str], batch_size: int, parallel: int = 1
) -> list[Envelope]:
    """Run queries through /batch (up to batch_size per request, `parallel` requests at a time); returns
    one envelope per query, in order (its item's QueryResponse and the time of its /batch answer)."""
    size = max(1, min(batch_size, 30))
    chunks = [statements[start : start + size] for start in range(0, len(statements), size)]
    if parallel > 1 and len(chunks) > 1:
        with ThreadPoolExecutor(min(parallel, len(chunks)), thread_name_prefix="qbo-batch") as pool:
            answered = list(pool.map(lambda chunk: _batch_queries(client, chunk), chunks))
    else:
        answered = [_batch_queries(client, chunk) for chunk in chunks]
    return [envelope for chunk in answered for envelope in chunk]


def _batch_queries(client: QBOClient, statements: list[str]) -> list[Envelope]:
    items = [{"bId": str(n), "Query": s} for n, s in enumerate(statements)]
    envelope = client.batch(items)
    answers = {str(a.bId): a for a in envelope.BatchItemResponse}
    out: list[Envelope] = []
    for item in items:
        answer = answers.get(item["bId"])
        if answer is None:
            raise FatalError(f"QBO's /batch answer lacks item bId {item['bId']} ({item['Query']})")
        if answer.Fault is not None:
            fault = fault_from_json({"Fault": answer.Fault})
            raise FatalError(f"QBO refused a batch query: {fault.describe() if fault else answer.Fault}")
        out.append(Envelope(QueryResponse=answer.QueryResponse, time=envelope.time))
    return out
