"""Durable webhook inbox: the hand-off between the webhook receiver and the tap's drain.

An :class:`InboxEvent` says which record changed, how and when (QBO webhooks carry no record data).
:func:`parse_payload` maps both Intuit formats (legacy ``eventNotifications`` and CloudEvents arrays) onto it.
Entries for entities the tap does not sync (e.g. Currency, JournalCode) or with unknown operations are
counted as ignored, not stored: a 400 would make Intuit retry them forever and hold back later events,
and CDC backstops anything missed.
Dedupe keys: CloudEvents ``source`` + ``id`` (the pair the spec makes unique); legacy
realm + entity + id + operation + lastUpdated (normalised, so ``-0700`` and ``-07:00`` agree).

Storage: SQLite in WAL mode, one row per distinct event, numbered by a monotonically increasing ``seq``
(gaps are possible, e.g. after ignored repeats).

Why these choices:
- ``seq`` is an AUTOINCREMENT key, so a number is never reused, even after the newest rows are purged;
  a cursor kept in Singer state therefore never skips an event written later.
- SQLite serialises writers and a writer holds the lock from its first insert to its commit, so rows
  become visible in ``seq`` order. A reader that saw ``seq = n`` will never later find a new row below n.
- ``synchronous=FULL``: in WAL mode every commit is fsynced before the receiver answers 200. Intuit does not
  redeliver an acknowledged event, so NORMAL (which may lose the last commits on power loss) would leave
  the gap to the next CDC poll. Measured cost here: about 0.2 ms per commit, which the receiver pays once
  per request, not per event.
- Dedupe is a UNIQUE ``event_id`` with ``INSERT OR IGNORE``: repeated deliveries are dropped atomically,
  across requests and processes.
- Retention counts from when an event was received, not from the event's own (company-local) time.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from tap_quickbooks_online.entities import ENTITIES
from tap_quickbooks_online.query import is_id

OPERATIONS = ("Create", "Update", "Delete", "Merge", "Void", "Emailed")

_SCHEMA_VERSION = 1
_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL UNIQUE,
    realm_id TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    operation TEXT NOT NULL,
    deleted_id TEXT,
    occurred_at TEXT NOT NULL,
    received_at REAL NOT NULL
)""",
    "CREATE INDEX IF NOT EXISTS events_received_at ON events (received_at)",
    f"PRAGMA user_version = {_SCHEMA_VERSION}",
)
_COLUMNS = "seq, realm_id, entity, entity_id, operation, deleted_id, occurred_at, event_id"
_BUSY_TIMEOUT_MS = 30_000

# Entities the tap syncs that have QBO webhooks, keyed by the lower-case form CloudEvents types use.
WEBHOOK_ENTITIES = {entity.name.lower(): entity.name for entity in ENTITIES if entity.webhooks}
_CLOUDEVENT_VERBS = {
    "created": "Create", "updated": "Update", "deleted": "Delete",
    "merged": "Merge", "voided": "Void", "emailed": "Emailed",
}  # fmt: skip
_CLOUDEVENT_TYPE = re.compile(r"^qbo\.([a-z]+)\.([a-z]+)\.v\d+$", re.IGNORECASE)


class MalformedPayload(ValueError):
    """The body is not a QBO webhook payload (answered 400)."""


class InboxError(RuntimeError):
    """The inbox file cannot be used (wrong schema version, unreadable, ...)."""


@dataclass(frozen=True)
class InboxEvent:
    """One change notification: which record changed, how and when. Payloads carry no record data."""

    seq: int | None
    realm_id: str
    entity: str
    entity_id: str
    operation: str
    deleted_id: str | None
    occurred_at: str
    event_id: str

    def __post_init__(self) -> None:
        if self.operation not in OPERATIONS:
            raise ValueError(f"unknown webhook operation {self.operation!r}; expected one of {OPERATIONS}")
        for name in ("realm_id", "entity", "entity_id", "event_id"):
            if not getattr(self, name):
                raise ValueError(f"webhook event field {name!r} is empty")


def normalize_time(value: Any) -> str:
    """ISO 8601 with the original offset kept (``-0700`` and ``Z`` accepted; nanoseconds cut to micro)."""
    if not isinstance(value, str):
        raise MalformedPayload(f"timestamp must be a string, got {type(value).__name__}")
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise MalformedPayload(f"invalid timestamp {value!r}") from exc
    # Intuit's webhook times always carry an offset; a bare one can only be UTC (CloudEvents time).
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).isoformat()


def _text(obj: dict[str, Any], key: str) -> str:
    value = obj.get(key)
    if isinstance(value, bool) or not isinstance(value, str | int) or str(value) == "":
        raise MalformedPayload(f"field {key!r} is missing or not a string")
    return str(value)


def _optional_text(obj: dict[str, Any] | None, key: str) -> str | None:
    value = (obj or {}).get(key)
    return None if value in (None, "") else str(value)


def _dict(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise MalformedPayload(f"{what} must be an object")
    return value


def _list(value: Any, what: str) -> list[Any]:
    if not isinstance(value, list):
        raise MalformedPayload(f"{what} must be an array")
    return value


def _legacy_events(payload: dict[str, Any]) -> tuple[list[InboxEvent], int]:
    events: list[InboxEvent] = []
    ignored = 0
    for notification in _list(payload["eventNotifications"], "eventNotifications"):
        notification = _dict(notification, "an event notification")
        realm_id = _text(notification, "realmId")
        change = _dict(notification.get("dataChangeEvent"), "dataChangeEvent")
        for raw in _list(change.get("entities"), "dataChangeEvent.entities"):
            item = _dict(raw, "an entity change")
            name, entity_id, operation = _text(item, "name"), _text(item, "id"), _text(item, "operation")
            occurred_at = normalize_time(item.get("lastUpdated"))
            entity = WEBHOOK_ENTITIES.get(name.lower())
            if entity is None or operation not in _CLOUDEVENT_VERBS.values():
                ignored += 1
                continue
            key = f"legacy:{realm_id}:{entity}:{entity_id}:{operation}:{occurred_at}"
            deleted = _optional_text(item, "deletedId")
            _check_ids(entity_id, deleted)
            events.append(InboxEvent(None, realm_id, entity, entity_id, operation, deleted, occurred_at, key))
    return events, ignored


def _cloud_event(item: dict[str, Any]) -> InboxEvent | None:
    """The event, or None when its type is not a QBO entity change the tap syncs."""
    event_id, event_type = _text(item, "id"), _text(item, "type")
    match = _CLOUDEVENT_TYPE.match(event_type)
    entity = WEBHOOK_ENTITIES.get(match.group(1).lower()) if match else None
    operation = _CLOUDEVENT_VERBS.get(match.group(2).lower()) if match else None
    if entity is None or operation is None:
        return None
    realm_id, entity_id = _text(item, "intuitaccountid"), _text(item, "intuitentityid")
    occurred_at = normalize_time(item["time"]) if "time" in item else datetime.now(UTC).isoformat()
    data = item.get("data")
    deleted_id = _optional_text(data if isinstance(data, dict) else None, "deletedid")
    _check_ids(entity_id, deleted_id)
    # CloudEvents guarantees only source + id to be unique.
    key = f"ce:{item.get('source', '')}:{event_id}"
    return InboxEvent(None, realm_id, entity, entity_id, operation, deleted_id, occurred_at, key)


def _check_ids(entity_id: str, deleted_id: str | None) -> None:
    """Only ids of Intuit's shape are stored: anything else could never be fetched (and once wedged the
    drain), so the whole request is refused with the offending value named."""
    for what, value in (("entity id", entity_id), ("deletedId", deleted_id)):
        if value is not None and not is_id(value):
            raise MalformedPayload(f"{what} {value[:40]!r} is not a QBO id (letters, digits, -_.: only)")


def parse_payload(body: bytes) -> tuple[list[InboxEvent], int]:
    """Events of a legacy or CloudEvents body, and how many entries were ignored (not ours)."""
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MalformedPayload(f"body is not JSON: {exc}") from exc
    if isinstance(payload, dict) and "eventNotifications" in payload:
        return _legacy_events(payload)
    if isinstance(payload, list):
        parsed = [_cloud_event(_dict(item, "a CloudEvent")) for item in payload]
        events = [event for event in parsed if event is not None]
        return events, len(parsed) - len(events)
    raise MalformedPayload("body is neither {'eventNotifications': [...]} nor a CloudEvents array")


class Inbox:
    """Thread-safe handle on the inbox database; several processes may open the same file."""

    def __init__(self, path: str | Path, clock: Callable[[], float] = time.time) -> None:
        self.path = Path(path)
        self._clock = clock
        self._lock = threading.Lock()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(
            self.path, isolation_level=None, check_same_thread=False, timeout=_BUSY_TIMEOUT_MS / 1000
        )
        try:
            self._prepare()
        except sqlite3.DatabaseError as exc:
            self._conn.close()
            raise InboxError(f"cannot open webhook inbox {self.path}: {exc}") from exc

    def _prepare(self) -> None:
        conn = self._conn
        conn.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}")
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise InboxError(f"webhook inbox {self.path} cannot use WAL mode (got {mode!r})")
        conn.execute("PRAGMA synchronous = FULL")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version not in (0, _SCHEMA_VERSION):
            raise InboxError(f"webhook inbox {self.path} has schema version {version}, not {_SCHEMA_VERSION}")
        with self._transaction():
            for statement in _SCHEMA:
                conn.execute(statement)

    def _transaction(self) -> _Transaction:
        return _Transaction(self._conn)

    def add(self, events: Iterable[InboxEvent]) -> int:
        """Store events in one durable transaction; repeats (same ``event_id``) are ignored.

        Returns how many events were newly stored. The events' ``seq`` is ignored: the inbox assigns it.
        """
        now = self._clock()
        rows = [
            (e.event_id, e.realm_id, e.entity, e.entity_id, e.operation, e.deleted_id, e.occurred_at, now)
            for e in events
        ]
        if not rows:
            return 0
        with self._lock, self._transaction():
            before = self._conn.total_changes
            self._conn.executemany(
                "INSERT OR IGNORE INTO events (event_id, realm_id, entity, entity_id, operation, deleted_id,"
                " occurred_at, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            return self._conn.total_changes - before

    def read_after(self, cursor: int, limit: int = 10000) -> list[InboxEvent]:
        """Events with ``seq > cursor``, oldest first, at most ``limit`` of them."""
        if limit < 1:
            raise ValueError(f"limit must be positive, got {limit}")
        with self._lock:
            rows = self._conn.execute(
                f"SELECT {_COLUMNS} FROM events WHERE seq > ? ORDER BY seq LIMIT ?", (cursor, limit)
            ).fetchall()
        return [InboxEvent(*row) for row in rows]

    def last_seq(self) -> int:
        """The highest ``seq`` ever assigned (0 for a new inbox), including purged events."""
        with self._lock:
            row = self._conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'events'").fetchone()
        return int(row[0]) if row else 0

    def count(self) -> int:
        with self._lock:
            return int(self._conn.execute("SELECT count(*) FROM events").fetchone()[0])

    def purge_older_than(self, days: int) -> int:
        """Delete events received more than ``days`` days ago; returns how many were deleted."""
        if days < 0:
            raise ValueError(f"retention days must not be negative, got {days}")
        cutoff = self._clock() - days * 86400
        with self._lock, self._transaction():
            return self._conn.execute("DELETE FROM events WHERE received_at < ?", (cutoff,)).rowcount

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> Inbox:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT/ROLLBACK: take the write lock up front so busy waits happen at BEGIN."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def __enter__(self) -> None:
        self._conn.execute("BEGIN IMMEDIATE")

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._conn.execute("COMMIT" if exc_type is None else "ROLLBACK")
