"""End to end: emulator webhooks -> receiver -> inbox -> `tap-quickbooks-online | target-databricks` -> Delta.

The tap runs with CDC held off (cdc_interval huge) unless a test turns it on, so what lands between runs
came through the webhook path; the emulator's counters prove no CDC call was made.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from tap_quickbooks_online.inbox import Inbox, parse_payload
from tap_quickbooks_online.trigger import Trigger

from tests.waiting import wait_until

from .e2e import NO_CDC, Rig, webhook_rig
from .helpers import free_port, make_settings, running_receiver

pytestmark = pytest.mark.slow


def _ids(rig: Rig, entity: str, count: int, skip: int = 0) -> list[str]:
    records = [r for r in rig.emu.store.all(entity) if r.get("Active", True)]
    return [r["Id"] for r in records[skip : skip + count]]


def _matches_store(rig: Rig, ids: list[str]) -> None:
    table = rig.table("invoices")
    for record in rig.emu.store.all("Invoice"):
        if record["Id"] in ids:
            row = table[record["Id"]]
            assert (row["SyncToken"], row["PrivateNote"]) == (record["SyncToken"], record.get("PrivateNote"))
            assert row["_sdc_deleted_at"] is None


def test_changes_in_both_formats_land_through_webhooks_without_cdc(tmp_path: Path) -> None:
    with webhook_rig(tmp_path) as rig:
        rig.sync()
        updated, deleted, voided, changed_again = _ids(rig, "Invoice", 4)
        merged_away, survivor = _ids(rig, "Customer", 2)
        rig.webhooks("legacy")
        rig.emu.mutate.update("Invoice", updated, {"PrivateNote": "changed via a legacy webhook"})
        rig.emu.mutate.delete("Invoice", deleted)
        created = rig.emu.mutate.create("Customer", {"DisplayName": "Webhook Legacy Co"})
        rig.deliver()
        rig.webhooks("cloudevents")
        rig.emu.mutate.void("Invoice", voided)
        rig.emu.mutate.update("Invoice", changed_again, {"PrivateNote": "changed via a CloudEvent"})
        rig.emu.mutate.merge("Customer", merged_away, survivor)
        rig.deliver()
        assert rig.inbox_count() == 6
        cdc_calls = rig.emu.counters().get("cdc", 0)
        rig.sync()
        invoices, customers = rig.table("invoices"), rig.table("customers")
    assert invoices[updated]["PrivateNote"] == "changed via a legacy webhook"
    assert invoices[changed_again]["PrivateNote"] == "changed via a CloudEvent"
    assert invoices[deleted]["_sdc_deleted_at"] is not None
    assert (invoices[voided]["TotalAmt"], invoices[voided]["PrivateNote"]) == (0, "Voided")
    assert customers[created["Id"]]["DisplayName"] == "Webhook Legacy Co"
    assert customers[merged_away]["_sdc_deleted_at"] is not None
    assert customers[survivor]["_sdc_deleted_at"] is None
    assert rig.emu.counters().get("cdc", 0) == cdc_calls


def test_crash_between_inbox_and_target_commit_replays_without_loss(tmp_path: Path) -> None:
    with webhook_rig(tmp_path) as rig:
        rig.sync()
        rig.webhooks()
        ids = _ids(rig, "Invoice", 5)
        for invoice_id in ids:
            rig.emu.mutate.update("Invoice", invoice_id, {"PrivateNote": "after the crash"})
        rig.deliver()
        state_before = rig.state()
        crashed = rig.sync(crash_after_records=2)
        # The tap read the inbox and the target got records, but it died before committing.
        assert crashed.state is None
        assert rig.state() == state_before
        assert all(rig.table("invoices")[i]["PrivateNote"] != "after the crash" for i in ids)
        rig.sync()
        _matches_store(rig, ids)
        assert rig.state() != state_before


def test_half_the_webhooks_dropped_converges_after_next_cdc_poll(tmp_path: Path) -> None:
    with webhook_rig(tmp_path) as rig:
        rig.sync()
        rig.webhooks(drop_rate=0.5)
        ids = _ids(rig, "Invoice", 20)
        for invoice_id in ids:
            rig.emu.mutate.update("Invoice", invoice_id, {"PrivateNote": "webhook may be dropped"})
        rig.deliver()
        dropped = len(rig.emu.webhooks.dropped)
        assert 0 < dropped < 20
        assert rig.inbox_count() == 20 - dropped
        rig.sync()
        landed = [i for i in ids if rig.table("invoices")[i]["PrivateNote"] == "webhook may be dropped"]
        assert len(landed) == 20 - dropped
        rig.configure(cdc_interval=0)
        rig.sync()
        assert rig.emu.counters().get("cdc", 0) >= 1
        _matches_store(rig, ids)
        rig.configure(cdc_interval=NO_CDC)


def test_duplicated_and_reordered_deliveries_converge(tmp_path: Path) -> None:
    with webhook_rig(tmp_path) as rig:
        rig.sync()
        rig.webhooks("legacy", duplicate_rate=1.0, reorder=True)
        ids = _ids(rig, "Invoice", 6)
        for version in range(3):
            for invoice_id in ids:
                rig.emu.mutate.update("Invoice", invoice_id, {"PrivateNote": f"version {version}"})
        gone = _ids(rig, "Invoice", 1, skip=6)[0]
        rig.emu.mutate.update("Invoice", gone, {"PrivateNote": "about to go"})
        rig.emu.mutate.delete("Invoice", gone)
        rig.deliver()
        delivered = [parse_payload(d.body)[0] for d in rig.emu.webhook_deliveries() if d.status == 200]
        # Legacy events carry no id: changes of one record within one second share a key, and one fetch
        # of the record covers them all.
        distinct = {e.event_id for events in delivered for e in events}
        assert sum(len(events) for events in delivered) > len(distinct)
        assert rig.inbox_count() == len(distinct)
        rig.sync()
        _matches_store(rig, ids)
        assert rig.table("invoices")[gone]["_sdc_deleted_at"] is not None


def test_receiver_restart_loses_nothing_thanks_to_intuit_retries(tmp_path: Path) -> None:
    port = free_port()
    with webhook_rig(tmp_path) as rig:
        settings = make_settings(tmp_path / "inbox.sqlite", realm_id=rig.emu.realm_id)
        first, second = _ids(rig, "Invoice", 2)
        with running_receiver(settings, port=port) as url:
            rig.emu.configure_webhooks(f"{url}/webhooks", settings.verifier_token)
            rig.emu.mutate.update("Invoice", first, {"PrivateNote": "before the restart"})
            rig.deliver()
        rig.emu.mutate.update("Invoice", second, {"PrivateNote": "while the receiver was down"})
        wait_until(
            lambda: any(d.status is None for d in rig.emu.webhook_deliveries()), 30, "an undelivered webhook"
        )
        with running_receiver(settings, port=port):
            rig.emu.clock.advance(10)  # Intuit's first retry comes 10 s later
            rig.deliver()
        statuses = [d.status for d in rig.emu.webhook_deliveries()]
        with Inbox(settings.inbox_path) as inbox:
            stored = [(e.entity_id, e.operation) for e in inbox.read_after(0)]
    assert statuses[0] == 200
    assert statuses[-1] == 200
    assert None in statuses
    assert stored == [(first, "Update"), (second, "Update")]


def test_trigger_lands_a_change_without_a_scheduled_run(tmp_path: Path) -> None:
    with webhook_rig(tmp_path) as rig:
        pipeline = Path(__file__).with_name("pipeline.py")
        trigger = Trigger([sys.executable, str(pipeline), str(tmp_path)], debounce_seconds=0.2)
        settings = make_settings(tmp_path / "inbox.sqlite", realm_id=rig.emu.realm_id)
        with running_receiver(settings, trigger=trigger) as url:
            rig.emu.configure_webhooks(f"{url}/webhooks", settings.verifier_token, fmt="cloudevents")
            (invoice_id,) = _ids(rig, "Invoice", 1)
            rig.emu.mutate.update("Invoice", invoice_id, {"PrivateNote": "landed by the trigger"})
            wait_until(
                lambda: trigger.runs >= 1 and _note(rig, invoice_id) == "landed by the trigger",
                120,
                "the triggered run to land the change",
                interval=0.05,
            )
            health = httpx.get(f"{url}/health").json()
        assert health["trigger"]["failures"] == 0


def _note(rig: Rig, invoice_id: str) -> Any:
    try:
        return rig.table("invoices")[invoice_id]["PrivateNote"]
    except Exception:  # the triggered run has not created the table yet
        return None


