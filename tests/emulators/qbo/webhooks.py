"""Signed webhook delivery, legacy or CloudEvents, with Intuit's retry schedule and injectable faults.

Events wait for their delivery time on the emulator clock, are batched into one notification per send,
and go out one notification at a time: a failed notification is retried after 10 s, 20 s, 30 s, 5 min,
20 min, 2 h, 4 h, 6 h and then every 6 h, and later ones wait behind it, as Intuit documents.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
import threading
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .clock import Clock
from .entities import BY_NAME
from .mutations import Change
from .timefmt import cloudevents_ts, legacy_webhook_ts, parse_ts

RETRY_SCHEDULE = (10, 20, 30, 300, 1200, 7200, 14400, 21600)
PAST_TENSE = {
    "Create": "created",
    "Update": "updated",
    "Delete": "deleted",
    "Merge": "merged",
    "Void": "voided",
    "Emailed": "emailed",
}
REORDER_HOLD_S = 2.0


@dataclass
class WebhookConfig:
    url: str
    verifier_token: str
    fmt: str = "legacy"  # legacy | cloudevents
    drop_rate: float = 0.0
    duplicate_rate: float = 0.0
    delay_s: float = 0.0
    reorder: bool = False
    send_timeout_s: float = 3.0


@dataclass
class Event:
    change: Change
    event_id: str
    due: float


@dataclass
class Delivery:
    """One POST attempt, as the receiver saw it."""

    attempt: int
    status: int | None
    body: bytes
    headers: dict[str, str]
    event_ids: list[str]
    sent_at: str


@dataclass
class _Notification:
    events: list[Event]
    attempt: int = 0
    next_try: float = 0.0
    duplicate: bool = False


def sign(body: bytes, verifier_token: str) -> str:
    return base64.b64encode(hmac.new(verifier_token.encode(), body, hashlib.sha256).digest()).decode()


def payload(events: list[Event], realm_id: str, fmt: str) -> bytes:
    if fmt == "cloudevents":
        return json.dumps([_cloud_event(e, realm_id) for e in events]).encode()
    entities = []
    for e in events:
        item = {
            "name": e.change.entity,
            "id": e.change.entity_id,
            "operation": e.change.operation,
            "lastUpdated": cloudevents_ts(parse_ts(e.change.last_updated)),
        }
        if e.change.deleted_id:
            item["deletedId"] = e.change.deleted_id
        entities.append(item)
    return json.dumps(
        {"eventNotifications": [{"realmId": realm_id, "dataChangeEvent": {"entities": entities}}]}
    ).encode()


def _cloud_event(e: Event, realm_id: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "specversion": "1.0",
        "id": e.event_id,
        "source": "intuit." + hashlib.sha256(realm_id.encode()).hexdigest()[:44],
        "type": f"qbo.{e.change.entity.lower()}.{PAST_TENSE[e.change.operation]}.v1",
        "datacontenttype": "application/json",
        "time": cloudevents_ts(parse_ts(e.change.last_updated)),
        "intuitentityid": e.change.entity_id,
        "intuitaccountid": realm_id,
        "data": {},
    }
    if e.change.deleted_id:
        out["data"] = {"deletedid": e.change.deleted_id}
    return out


class WebhookSender:
    def __init__(self, clock: Clock, realm_id: str, seed: int = 0) -> None:
        self.clock, self.realm_id = clock, realm_id
        self.config: WebhookConfig | None = None
        self.deliveries: list[Delivery] = []
        self.dropped: list[str] = []
        self._rng = random.Random(seed)
        self._pending: list[Event] = []
        self._queue: list[_Notification] = []
        self._held: _Notification | None = None
        self._busy = False
        self._cond = threading.Condition()
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name="qbo-emulator-webhooks", daemon=True)
        clock.on_advance(self._wake)
        self._thread.start()

    def configure(self, config: WebhookConfig | None) -> None:
        with self._cond:
            self.config = config
            self._cond.notify_all()

    def on_change(self, change: Change) -> None:
        with self._cond:
            if self.config is None or not BY_NAME[change.entity].webhook:
                return
            event = Event(change, str(uuid.uuid4()), self.clock.timestamp() + self.config.delay_s)
            if self._rng.random() < self.config.drop_rate:
                self.dropped.append(event.event_id)
                return
            self._pending.append(event)
            self._cond.notify_all()

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Wait (real time) until nothing is pending, queued, held or in flight."""
        with self._cond:
            return self._cond.wait_for(
                lambda: not (self._pending or self._queue or self._held or self._busy), timeout
            )

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
        self._thread.join(timeout=5)

    def _wake(self) -> None:
        with self._cond:
            self._cond.notify_all()

    def _run(self) -> None:
        while True:
            with self._cond:
                job = self._next_job()
                while job is None and not self._stopped:
                    self._cond.wait(timeout=0.05)
                    job = self._next_job()
                if self._stopped or job is None:
                    return
                self._busy = True
                config = self.config
            ok = config is not None and self._send(job, config)
            with self._cond:
                self._busy = False
                self._settle(job, ok)
                self._cond.notify_all()

    def _next_job(self) -> _Notification | None:
        now = self.clock.timestamp()
        if self.config is None:
            return None
        due = [e for e in self._pending if e.due <= now]
        if due:
            self._pending = [e for e in self._pending if e.due > now]
            self._enqueue(_Notification(due, duplicate=self._rng.random() < self.config.duplicate_rate))
        if self._held is not None and (self._queue or now >= self._held.next_try):
            self._held.next_try = 0.0
            self._queue.insert(1 if self._queue else 0, self._held)
            self._held = None
        if self._queue and self._queue[0].next_try <= now:
            return self._queue[0]
        return None

    def _enqueue(self, note: _Notification) -> None:
        assert self.config is not None
        if self.config.reorder:
            self._rng.shuffle(note.events)
            if self._held is None and not self._queue:
                note.next_try = self.clock.timestamp() + REORDER_HOLD_S
                self._held = note
                return
        self._queue.append(note)

    def _settle(self, job: _Notification, ok: bool) -> None:
        if ok:
            if job.duplicate:
                job.duplicate = False
                return
            self._queue.remove(job)
            return
        delay = RETRY_SCHEDULE[min(job.attempt - 1, len(RETRY_SCHEDULE) - 1)]
        job.next_try = self.clock.timestamp() + delay

    def _send(self, job: _Notification, config: WebhookConfig) -> bool:
        job.attempt += 1
        body = payload(job.events, self.realm_id, config.fmt)
        now: datetime = self.clock.now()
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Accept": "application/json",
            "User-Agent": "intuit_notification_server/0.1",
            "intuit-signature": sign(body, config.verifier_token),
            "intuit-created-time": legacy_webhook_ts(now),
            "intuit-t-id": str(uuid.uuid4()),
            "intuit-notification-schema-version": "0.1",
        }
        status: int | None = None
        try:
            request = urllib.request.Request(config.url, data=body, headers=headers, method="POST")
            with urllib.request.urlopen(request, timeout=config.send_timeout_s) as response:
                status = response.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        except OSError:
            status = None
        self.deliveries.append(
            Delivery(
                job.attempt, status, body, headers, [e.event_id for e in job.events], legacy_webhook_ts(now)
            )
        )
        return status is not None and 200 <= status < 300
