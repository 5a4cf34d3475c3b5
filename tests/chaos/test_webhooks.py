"""Chaos: the webhook path. Intuit delivers best effort (drops, repeats, reorders), strangers forge calls,
an event may name an id nobody can fetch, and /batch items fail one by one; the drain must never wedge,
never skip silently, and CDC (or a reconciliation) settles what webhooks missed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from tap_quickbooks_online.inbox import Inbox, InboxEvent

from tests.chaos.conftest import Rig
from tests.webhooks.helpers import VERIFIER_TOKEN, make_settings, running_receiver, sign

NO_CDC = 2_592_000  # the longest cdc_interval: runs only drain the inbox


@contextmanager
def receiving(rig: Rig) -> Iterator[str]:
    inbox = rig.workdir / "inbox.sqlite"
    rig.configure(webhook_inbox_path=str(inbox), webhook_verifier_token=VERIFIER_TOKEN)
    with running_receiver(make_settings(inbox, realm_id=rig.emu.realm_id)) as url:
        yield url


def _post(url: str, payload: Any, token: str = VERIFIER_TOKEN) -> httpx.Response:
    body = json.dumps(payload).encode()
    headers = {"intuit-signature": sign(body, token), "content-type": "application/json"}
    return httpx.post(f"{url}/webhooks", content=body, headers=headers, timeout=10)


def _legacy(realm: str, name: str, entity_id: str, operation: str = "Update") -> dict[str, Any]:
    change = {"name": name, "id": entity_id, "operation": operation, "lastUpdated": "2026-03-01T10:00:00Z"}
    return {"eventNotifications": [{"realmId": realm, "dataChangeEvent": {"entities": [change]}}]}


def _inbox(rig: Rig) -> Inbox:
    return Inbox(rig.workdir / "inbox.sqlite")


def test_a_signed_webhook_with_a_malformed_id_never_wedges_the_pipeline(rig: Rig) -> None:
    rig.select("invoices")
    with receiving(rig) as url:
        rig.sync()
        refused = _post(url, _legacy(rig.emu.realm_id, "Invoice", "1' OR Id > '0"))
        assert refused.status_code == 400
        assert "is not a QBO id" in refused.text
        with _inbox(rig) as inbox:
            assert inbox.count() == 0
            # An inbox written before ids were checked may still hold one: the drain must step over it.
            poison = InboxEvent(None, rig.emu.realm_id, "Invoice", "1' OR Id > '0", "Update", None,
                                "2026-03-01T10:00:00+00:00", "legacy:poison")  # fmt: skip
            inbox.add([poison])
        victim = rig.emu.store.all("Invoice")[0]["Id"]
        rig.emu.mutate.update("Invoice", victim, {"PrivateNote": "after the poison"})
        assert _post(url, _legacy(rig.emu.realm_id, "Invoice", victim)).status_code == 200
        rig.configure(cdc_interval=NO_CDC)
        drained = rig.sync()
        assert drained.tap_log.count("Skipped webhook event") == 1
        assert "is not a QBO id" in drained.tap_log
        assert rig.table("invoices")[victim]["PrivateNote"] == "after the poison"
        again = rig.sync()
        assert "Skipped webhook event" not in again.tap_log  # reported once: the cursor moved past it
        rig.configure(cdc_interval=0)
        rig.sync()
    rig.assert_matches_qbo()


def test_dropped_duplicated_reordered_and_forged_webhooks_then_a_drain(rig: Rig) -> None:
    rig.select("customers", "invoices")
    with receiving(rig) as url:
        rig.sync()
        rig.configure(cdc_interval=NO_CDC)
        rig.emu.configure_webhooks(
            f"{url}/webhooks", VERIFIER_TOKEN, drop_rate=0.3, duplicate_rate=0.5, reorder=True
        )
        invoices = [r["Id"] for r in rig.emu.store.all("Invoice")][:12]
        for n, invoice_id in enumerate(invoices[:8]):
            rig.emu.mutate.update("Invoice", invoice_id, {"PrivateNote": f"webhook {n}"})
        for invoice_id in invoices[8:]:
            rig.emu.mutate.delete("Invoice", invoice_id)
        first, survivor = [r["Id"] for r in rig.emu.store.all("Customer")][:2]
        rig.emu.mutate.merge("Customer", first, survivor)
        assert rig.emu.webhooks.wait_idle(timeout=30)
        forged = _post(
            url, _legacy(rig.emu.realm_id, "Invoice", invoices[0], "Delete"), token="not-the-token"
        )
        assert forged.status_code == 401
        rig.sync()  # the drain: whatever was delivered lands, nothing forged does
        assert rig.table("invoices")[invoices[0]]["_sdc_deleted_at"] is None
        rig.configure(cdc_interval=0)
        rig.sync()  # CDC settles what the webhooks dropped
    rig.assert_matches_qbo()


@pytest.fixture
def flaky_batch_items(rig: Rig) -> Iterator[dict[str, Any]]:
    """Each /batch item fails once with a throttle fault, then once with a SystemFault; the item for
    `poison_id` always fails with a ValidationFault, as for a record QBO will not return."""
    api = rig.emu.api
    real = api._batch_item
    seen: dict[str, int] = {}
    control: dict[str, Any] = {"poison_id": None, "faults": 0}

    def item(bid: str, request: dict[str, Any]) -> dict[str, Any]:
        query = str(request.get("Query", ""))
        if control["poison_id"] and f"'{control['poison_id']}'" in query:
            control["faults"] += 1
            error = {"Message": "Invalid query", "Detail": "cannot read it", "code": "4000"}
            return {"bId": bid, "Fault": {"Error": [error], "type": "ValidationFault"}}
        seen[query] = seen.get(query, 0) + 1
        if "Id IN" in query and seen[query] <= 2:
            control["faults"] += 1
            code, kind = ("3001", "ThrottleFault") if seen[query] == 1 else ("10000", "SystemFault")
            return {"bId": bid, "Fault": {"Error": [{"Message": kind, "code": code}], "type": kind}}
        return real(bid, request)

    api._batch_item = item  # type: ignore[method-assign]
    yield control
    api._batch_item = real  # type: ignore[method-assign]


def test_batch_item_faults_during_a_drain(rig: Rig, flaky_batch_items: dict[str, Any]) -> None:
    rig.select("invoices")
    with receiving(rig) as url:
        rig.sync()
        rig.configure(cdc_interval=NO_CDC)
        invoices = [r["Id"] for r in rig.emu.store.all("Invoice")][:5]
        for invoice_id in invoices:
            rig.emu.mutate.update("Invoice", invoice_id, {"PrivateNote": "through a flaky /batch"})
            assert _post(url, _legacy(rig.emu.realm_id, "Invoice", invoice_id)).status_code == 200
        flaky_batch_items["poison_id"] = invoices[0]
        drained = rig.sync()
        assert flaky_batch_items["faults"] >= 3
        assert "failed transiently" in drained.tap_log
        assert f"Id {invoices[0]}: QBO refuses to fetch it" in drained.tap_log
        table = rig.table("invoices")
        assert all(table[i]["PrivateNote"] == "through a flaky /batch" for i in invoices[1:])
        flaky_batch_items["poison_id"] = None
        rig.configure(cdc_interval=0)
        rig.sync()  # CDC brings the record the drain had to skip
    rig.assert_matches_qbo()
