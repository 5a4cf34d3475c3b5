"""The ASGI receiver: 200 only after storing; 401, 400, 413 store nothing; dedupe; health; no secrets."""

from __future__ import annotations

import json
import logging
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

with warnings.catch_warnings():  # Starlette 1.x nudges towards httpx2; httpx is what this project has
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from tap_quickbooks_online.inbox import Inbox
from tap_quickbooks_online.webhooks import create_app

from .helpers import (
    REALM,
    SAMPLES,
    VERIFIER_TOKEN,
    cloud_event,
    legacy_body,
    legacy_entity,
    make_settings,
    signed_headers,
)


class RecordingTrigger:
    def __init__(self) -> None:
        self.notifications = 0
        self.runs = self.failures = 0

    def notify(self) -> None:
        self.notifications += 1

    def start(self) -> None: ...

    def stop(self, timeout: float = 30.0) -> None: ...


@pytest.fixture
def inbox(tmp_path: Path) -> Inbox:
    return Inbox(tmp_path / "inbox.sqlite")


@pytest.fixture
def trigger() -> RecordingTrigger:
    return RecordingTrigger()


def _client(inbox: Inbox, trigger: Any = None, **settings: Any) -> TestClient:
    return TestClient(create_app(make_settings(inbox.path, **settings), inbox=inbox, trigger=trigger))


@pytest.fixture
def client(inbox: Inbox, trigger: RecordingTrigger) -> Iterator[TestClient]:
    with _client(inbox, trigger) as test_client:
        yield test_client


def _post(client: TestClient, body: bytes, **headers: str) -> Any:
    return client.post("/webhooks", content=body, headers={**signed_headers(body), **headers})


def test_signed_legacy_and_cloudevents_are_stored(
    client: TestClient, inbox: Inbox, trigger: RecordingTrigger
) -> None:
    response = _post(client, (SAMPLES / "webhook-legacy.intuit-docs.json").read_bytes())
    assert response.status_code == 200
    assert response.json() == {"stored": 2, "duplicates": 0, "ignored": 0}
    ce = json.dumps(
        [cloud_event("e-1", "invoice", "130"), cloud_event("e-2", "billpayment", "7", "deleted")]
    ).encode()
    assert _post(client, ce).json() == {"stored": 2, "duplicates": 0, "ignored": 0}
    stored = [(e.entity, e.entity_id, e.operation) for e in inbox.read_after(0)]
    assert stored == [
        ("Customer", "1", "Create"),
        ("Vendor", "1", "Create"),
        ("Invoice", "130", "Update"),
        ("BillPayment", "7", "Delete"),
    ]
    assert trigger.notifications == 2


def test_repeated_deliveries_are_acknowledged_but_stored_once(
    client: TestClient, inbox: Inbox, trigger: RecordingTrigger
) -> None:
    body = legacy_body(legacy_entity("Invoice", "5"), legacy_entity("Bill", "6"))
    assert _post(client, body).json()["stored"] == 2
    assert _post(client, body).json() == {"stored": 0, "duplicates": 2, "ignored": 0}
    assert inbox.count() == 2
    assert trigger.notifications == 1


@pytest.mark.parametrize(
    "headers",
    [{}, {"intuit-signature": "bm90IHRoZSByaWdodCBzaWduYXR1cmU="}, {"intuit-signature": "%%%"}],
    ids=["unsigned", "forged", "garbage"],
)
def test_unsigned_or_forged_requests_get_401_and_store_nothing(
    client: TestClient, inbox: Inbox, headers: dict[str, str]
) -> None:
    body = legacy_body(legacy_entity("Invoice", "5"))
    response = client.post("/webhooks", content=body, headers=headers)
    assert response.status_code == 401
    assert inbox.count() == 0


def test_signature_with_another_token_gets_401(client: TestClient, inbox: Inbox) -> None:
    body = legacy_body(legacy_entity("Invoice", "5"))
    assert (
        client.post("/webhooks", content=body, headers=signed_headers(body, "someone-else")).status_code
        == 401
    )
    assert inbox.count() == 0


def test_malformed_signed_body_gets_400_and_stores_nothing(client: TestClient, inbox: Inbox) -> None:
    good = legacy_entity("Invoice", "5")
    bad = dict(legacy_entity("Invoice", "6"), lastUpdated="not a time")
    for body in (b"{not json", legacy_body(good, bad), b'{"hello": 1}'):
        assert _post(client, body).status_code == 400
    assert inbox.count() == 0


def test_oversized_bodies_get_413_by_header_and_by_stream(inbox: Inbox) -> None:
    body = legacy_body(*[legacy_entity("Invoice", str(i)) for i in range(40)])
    with _client(inbox, webhook_max_body_bytes=len(body) - 1) as client:
        assert _post(client, body).status_code == 413

        def chunks() -> Iterator[bytes]:
            yield body[:100]
            yield body[100:]

        # A chunked body carries no Content-Length: the streamed size must be checked too.
        response = client.post("/webhooks", content=chunks(), headers=signed_headers(body))
        assert response.status_code == 413
    assert inbox.count() == 0
    with _client(inbox, webhook_max_body_bytes=len(body)) as client:
        assert _post(client, body).json()["stored"] == 40


def test_other_realms_are_acknowledged_but_not_stored(inbox: Inbox) -> None:
    body = legacy_body(legacy_entity("Invoice", "1"))
    other = legacy_body(legacy_entity("Invoice", "2"), realm="555")
    with _client(inbox, realm_id=REALM) as client:
        assert _post(client, body).json() == {"stored": 1, "duplicates": 0, "ignored": 0}
        assert _post(client, other).json() == {"stored": 0, "duplicates": 0, "ignored": 1}
    assert [e.realm_id for e in inbox.read_after(0)] == [REALM]


def test_inbox_failure_answers_503_so_intuit_retries(inbox: Inbox, trigger: RecordingTrigger) -> None:
    with _client(inbox, trigger) as client:
        inbox.close()
        assert _post(client, legacy_body(legacy_entity("Invoice", "1"))).status_code == 503
        assert client.get("/health").status_code == 503
    assert trigger.notifications == 0


def test_health_reports_inbox_and_counters(client: TestClient) -> None:
    _post(client, legacy_body(legacy_entity("Invoice", "1"), legacy_entity("Gizmo", "2")))
    client.post("/webhooks", content=b"[]")
    health = client.get("/health").json()
    assert health["status"] == "ok"
    assert health["inbox_last_seq"] >= 1
    assert health["counters"] == {
        "requests": 1,
        "events": 1,
        "stored": 1,
        "duplicates": 0,
        "ignored": 1,
        "rejected_401": 1,
    }
    assert health["trigger"] == {"runs": 0, "failures": 0}


def test_secrets_never_reach_the_logs(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    body = legacy_body(legacy_entity("Invoice", "1"))
    good = signed_headers(body)["intuit-signature"]
    _post(client, body)
    client.post("/webhooks", content=body + b" ", headers={"intuit-signature": good})
    _post(client, b"{bad")
    assert "rejected" in caplog.text.lower()
    assert VERIFIER_TOKEN not in caplog.text
    assert good not in caplog.text
    assert VERIFIER_TOKEN not in repr(make_settings(Path("x")))


def test_get_on_webhook_path_is_not_allowed(client: TestClient) -> None:
    assert client.get("/webhooks").status_code == 405


@pytest.mark.parametrize(("retention_days", "kept"), [(30, 0), (0, 1)])
def test_retention_purge_runs_at_startup_and_zero_keeps_forever(
    tmp_path: Path, retention_days: int, kept: int
) -> None:
    now = [1_800_000_000.0]
    inbox = Inbox(tmp_path / "inbox.sqlite", clock=lambda: now[0])
    with _client(inbox) as client:
        _post(client, legacy_body(legacy_entity("Invoice", "1")))
    now[0] += 100 * 86400
    with _client(inbox, webhook_retention_days=retention_days) as client:
        assert client.get("/health").status_code == 200
    assert inbox.count() == kept
