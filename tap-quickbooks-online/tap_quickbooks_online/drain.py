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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import query as q
from .batch import MAX_ITEMS, BatchItemsRejected, run_items
from .client import QBOClient
from .entities import Entity
from .records import Row
from .responses import rows_of

LOGGER = logging.getLogger("tap_quickbooks_online.drain")
READ_CHUNK = 10_000


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
            if not _well_formed(event):
                continue
            _apply(out, entity, event)
        for deleted in out.deletes:
            out.fetch_ids.pop(deleted, None)
        return out


def _well_formed(event: Any) -> bool:
    """Events stored before the receiver checked id shapes may hold anything: such an event is reported
    once (the cursor moves past it) and left to CDC, never sent to QBO and never allowed to block."""
    if q.is_id(event.entity_id) and (not event.deleted_id or q.is_id(event.deleted_id)):
        return True
    LOGGER.error(
        "Skipped webhook event seq %s: %s id %r is not a QBO id. CDC or the next reconciliation covers "
        "that entity; the event is not retried.",
        event.seq,
        event.entity,
        event.entity_id if not q.is_id(event.entity_id) else event.deleted_id,
    )
    return False


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
    """Yield pages of the records with these ids (ids QBO no longer has are simply absent).

    An id whose query QBO refuses (a ValidationFault on that item) is skipped with an error naming it,
    so one poison event never blocks the others; CDC or the next reconciliation covers that record.
    Any other refusal fails the run before the inbox cursor moves (batch.py's policy).
    """
    size = max(1, min(batch_size, MAX_ITEMS))
    chunks = [list(ids[i : i + size]) for i in range(0, len(ids), size)]
    for start in range(0, len(chunks), MAX_ITEMS):
        group = chunks[start : start + MAX_ITEMS]
        try:
            yield from _fetch(client, entity, group)
        except BatchItemsRejected as exc:
            if not exc.all_rejected_requests:
                raise
            yield from _fetch_one_by_one(client, entity, [i for chunk in group for i in chunk])


def _fetch(client: QBOClient, entity: Entity, chunks: list[list[str]]) -> Iterator[list[Row]]:
    items = [{"bId": str(n), "Query": q.select_ids(entity, chunk)} for n, chunk in enumerate(chunks)]
    answers, _ = run_items(client, items)
    for item in items:
        yield rows_of(answers[item["bId"]].QueryResponse, entity.name)


def _fetch_one_by_one(client: QBOClient, entity: Entity, ids: list[str]) -> Iterator[list[Row]]:
    """Isolate the ids QBO refuses: each in its own item; refused ones are reported and skipped."""
    for start in range(0, len(ids), MAX_ITEMS):
        for one in ids[start : start + MAX_ITEMS]:
            try:
                yield from _fetch(client, entity, [[one]])
            except BatchItemsRejected as exc:
                if not exc.all_rejected_requests:
                    raise
                LOGGER.error(
                    "Skipped the webhook event for %s Id %s: QBO refuses to fetch it (%s). CDC or the "
                    "next reconciliation brings that record; nothing else is held back.",
                    entity.name,
                    one,
                    next(iter(exc.errors.values())),
                )
