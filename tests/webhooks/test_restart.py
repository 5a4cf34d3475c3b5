"""A real uvicorn: no event is lost across a restart on the same inbox, and concurrent senders all land."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from tap_quickbooks_online.inbox import Inbox

from .helpers import cloud_event, legacy_body, legacy_entity, make_settings, running_receiver, signed_headers


def _send(base_url: str, body: bytes) -> httpx.Response:
    return httpx.post(f"{base_url}/webhooks", content=body, headers=signed_headers(body), timeout=10)


def test_no_event_lost_across_restart(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "inbox.sqlite")
    acknowledged: list[str] = []
    with running_receiver(settings) as base_url:
        for i in range(20):
            assert _send(base_url, legacy_body(legacy_entity("Invoice", str(i)))).status_code == 200
            acknowledged.append(str(i))
    # Everything acknowledged before the stop is on disk, visible to a fresh reader (the tap).
    assert [e.entity_id for e in Inbox(settings.inbox_path).read_after(0)] == acknowledged
    with running_receiver(settings) as base_url:
        # Intuit retries whatever it has not seen acknowledged: the repeat is deduplicated, the rest added.
        retry = _send(base_url, legacy_body(legacy_entity("Invoice", "19"), legacy_entity("Invoice", "20")))
        assert retry.json() == {"stored": 1, "duplicates": 1, "ignored": 0}
        health = httpx.get(f"{base_url}/health").json()
    events = Inbox(settings.inbox_path).read_after(0)
    assert [e.entity_id for e in events] == [*acknowledged, "20"]
    assert health["inbox_last_seq"] == events[-1].seq


def test_concurrent_senders_over_http_lose_nothing(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "inbox.sqlite")
    bodies = [
        json.dumps(
            [cloud_event(f"ev-{sender}-{n}", "invoice", f"{sender}{n:03d}") for n in range(10)]
        ).encode()
        for sender in range(40)
    ]
    with running_receiver(settings) as base_url, ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda body: _send(base_url, body).status_code, bodies + bodies[:10]))
    assert statuses == [200] * 50
    events = Inbox(settings.inbox_path).read_after(0)
    assert len(events) == 400
    assert len({e.event_id for e in events}) == 400


def test_oversized_request_over_real_http(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "inbox.sqlite", webhook_max_body_bytes=200)
    body = legacy_body(*[legacy_entity("Invoice", str(i)) for i in range(10)])
    with running_receiver(settings) as base_url:
        assert _send(base_url, body).status_code == 413
        small = legacy_body(legacy_entity("Invoice", "1"))
        assert _send(base_url, small).status_code == 200
    assert Inbox(settings.inbox_path).count() == 1
