"""Webhook delivery: both payload formats, Intuit's signature, retries on the emulator clock, and faults."""

from __future__ import annotations

import json
import time

import requests
from quickbooks import QuickBooks

from tests.emulators.qbo import QBOEmulator
from tests.emulators.qbo.webhooks import RETRY_SCHEDULE, sign
from tests.waiting import wait_until

from .conftest import SAMPLES, sample
from .receiver import Receiver

TOKEN = "verifier-token-for-tests"


def _entities(body: bytes) -> list[dict]:
    return json.loads(body)["eventNotifications"][0]["dataChangeEvent"]["entities"]


def test_signature_matches_python_quickbooks_test_vector() -> None:
    text = (SAMPLES / "webhook-signature-test-vector.python-quickbooks.txt").read_text()
    vector = dict(line.split(" = ") for line in text.splitlines() if " = " in line)
    vector = {k: v.strip("'") for k, v in vector.items()}
    assert sign(vector["TEST_PAYLOAD"].encode(), vector["TEST_VERIFIER_TOKEN"]) == vector["TEST_SIGNATURE"]


def test_legacy_payload_headers_and_signature(emu: QBOEmulator) -> None:
    with Receiver() as receiver:
        emu.configure_webhooks(receiver.url, TOKEN)
        customer = emu.mutate.create("Customer", {"DisplayName": "Webhook Co"})
        assert emu.webhooks.wait_idle()
        headers, body = receiver.received[0]
    real = sample("webhook-legacy.intuit-docs.json")
    assert set(json.loads(body)) == set(real)
    entity = _entities(body)[0]
    assert set(entity) == set(real["eventNotifications"][0]["dataChangeEvent"]["entities"][0])
    assert (entity["name"], entity["id"], entity["operation"]) == ("Customer", customer["Id"], "Create")
    assert json.loads(body)["eventNotifications"][0]["realmId"] == emu.realm_id
    for name in (
        "intuit-signature",
        "intuit-created-time",
        "intuit-t-id",
        "intuit-notification-schema-version",
    ):
        assert headers[name]
    qb = QuickBooks(verifier_token=TOKEN, minorversion=75)
    assert qb.validate_webhook_signature(body.decode(), headers["intuit-signature"])
    assert not qb.validate_webhook_signature(body.decode(), sign(body, "another-token"))


def test_cloudevents_payload_for_each_operation(emu: QBOEmulator) -> None:
    with Receiver() as receiver:
        emu.configure_webhooks(receiver.url, TOKEN, fmt="cloudevents")
        emu.mutate.update("Invoice", "3", {"PrivateNote": "x"})
        emu.mutate.void("Invoice", "4")
        emu.mutate.delete("Invoice", "5")
        emu.mutate.merge("Customer", "2", "1")
        assert emu.webhooks.wait_idle()
        events = [e for _, body in receiver.received for e in json.loads(body)]
    real = sample("webhook-cloudevents.intuit-blog-2025.json")[0]
    assert all(set(e) == set(real) for e in events)
    assert [e["type"] for e in events] == [
        "qbo.invoice.updated.v1",
        "qbo.invoice.voided.v1",
        "qbo.invoice.deleted.v1",
        "qbo.customer.merged.v1",
    ]
    assert events[3]["intuitentityid"] == "1"
    assert events[3]["data"] == {"deletedid": "2"}
    assert {e["intuitaccountid"] for e in events} == {emu.realm_id}
    assert len({e["id"] for e in events}) == 4


def test_retries_follow_intuits_schedule_on_the_emulator_clock(emu: QBOEmulator) -> None:
    with Receiver(statuses=[500, 503, 500, 500]) as receiver:
        emu.configure_webhooks(receiver.url, TOKEN)
        emu.mutate.update("Vendor", "1", {"CompanyName": "first"})
        wait_until(lambda: len(receiver.received) == 1, 5, "the first webhook")
        emu.mutate.update("Vendor", "2", {"CompanyName": "second"})
        for n, delay in enumerate(RETRY_SCHEDULE[:4], start=2):
            time.sleep(0.2)
            assert len(receiver.received) == n - 1, "no retry before its time"
            emu.clock.advance(delay)
            wait_until(lambda n=n: len(receiver.received) >= n, 5, f"webhook delivery {n}")  # type: ignore[misc]
        assert emu.webhooks.wait_idle()
        bodies = [body for _, body in receiver.received]
    assert len(set(bodies[:5])) == 1, "the same notification is retried"
    assert [e["id"] for e in _entities(bodies[5])] == ["2"], "later events waited behind the failing one"
    assert [d.attempt for d in emu.webhook_deliveries()][:5] == [1, 2, 3, 4, 5]


def test_drop_duplicate_and_delay(emu: QBOEmulator) -> None:
    with Receiver() as receiver:
        emu.configure_webhooks(receiver.url, TOKEN, drop_rate=1.0)
        emu.mutate.update("Vendor", "1", {"CompanyName": "dropped"})
        assert emu.webhooks.wait_idle()
        assert receiver.received == []
        assert len(emu.webhooks.dropped) == 1
        emu.configure_webhooks(receiver.url, TOKEN, duplicate_rate=1.0)
        emu.mutate.update("Vendor", "1", {"CompanyName": "twice"})
        assert emu.webhooks.wait_idle()
        assert len(receiver.received) == 2
        assert receiver.received[0][1] == receiver.received[1][1]
        emu.configure_webhooks(receiver.url, TOKEN, delay_s=600)
        emu.mutate.update("Vendor", "1", {"CompanyName": "later"})
        time.sleep(0.2)
        assert len(receiver.received) == 2
        emu.clock.advance(600)
        assert emu.webhooks.wait_idle()
        assert len(receiver.received) == 3


def test_reorder_delivers_a_later_notification_first(emu: QBOEmulator) -> None:
    with Receiver() as receiver:
        emu.configure_webhooks(receiver.url, TOKEN, reorder=True)
        emu.mutate.update("Vendor", "1", {"CompanyName": "one"})
        time.sleep(0.2)
        emu.mutate.update("Vendor", "2", {"CompanyName": "two"})
        emu.clock.advance(5)
        assert emu.webhooks.wait_idle()
        ids = [e["id"] for _, body in receiver.received for e in _entities(body)]
    assert ids == ["2", "1"]


def test_no_webhooks_for_entities_intuit_does_not_notify(emu: QBOEmulator) -> None:
    with Receiver() as receiver:
        emu.configure_webhooks(receiver.url, TOKEN)
        emu.mutate.update("TaxCode", "1", {"Description": "changed"})
        emu.mutate.update("Term", "1", {"DueDays": 5})
        assert emu.webhooks.wait_idle()
        names = [e["name"] for _, body in receiver.received for e in _entities(body)]
    assert names == ["Term"]


def test_admin_http_api_configures_webhooks_for_other_processes(emu: QBOEmulator) -> None:
    with Receiver() as receiver:
        config = {"url": receiver.url, "verifier_token": TOKEN, "fmt": "cloudevents"}
        assert requests.post(f"{emu.admin_url}/webhooks", json=config, timeout=10).ok
        requests.post(f"{emu.admin_url}/mutate/delete", json={"entity": "Bill", "id": "9"}, timeout=10)
        assert emu.webhooks.wait_idle()
        deliveries = requests.get(f"{emu.admin_url}/webhooks/deliveries", timeout=10).json()["deliveries"]
        assert [d["status"] for d in deliveries] == [200]
        assert json.loads(deliveries[0]["body"])[0]["type"] == "qbo.bill.deleted.v1"
        assert requests.delete(f"{emu.admin_url}/webhooks", timeout=10).ok
        emu.mutate.delete("Bill", "10")
        assert emu.webhooks.wait_idle()
        assert len(receiver.received) == 1
