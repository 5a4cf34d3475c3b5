"""Draining the webhook inbox: events after the cursor become records; the cursor moves only via state."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tap_quickbooks_online.inbox import Inbox, InboxEvent

from tests.emulators.qbo import QBOEmulator
from tests.tap.harness import run_tap
from tests.tap.test_sync import expected, normal

STREAMS = ["invoices", "customers", "vendors"]


def event(
    emu: QBOEmulator,
    entity: str,
    entity_id: str,
    operation: str,
    n: int,
    deleted_id: str | None = None,
    realm: str | None = None,
) -> InboxEvent:
    return InboxEvent(
        None,
        realm or emu.realm_id,
        entity,
        entity_id,
        operation,
        deleted_id,
        emu.clock.now().isoformat(timespec="seconds"),
        f"evt-{n}",
    )


def test_inbox_events_are_fetched_through_batch_and_deletes_emitted(
    emu: QBOEmulator, config: dict[str, Any], tmp_path: Path
) -> None:
    inbox_path = tmp_path / "inbox.sqlite"
    inbox = Inbox(inbox_path)
    inbox.add([event(emu, "Invoice", "1", "Update", 0)])  # before the first run: the backfill covers it
    cfg = {**config, "webhook_inbox_path": str(inbox_path)}
    first = run_tap(cfg, streams=STREAMS)
    assert first.state["bookmarks"]["invoices"]["inbox_seq"] == 1

    invoices = emu.store.all("Invoice")
    customers = [c for c in emu.store.all("Customer") if c.get("Active", True)]
    created = emu.mutate.create(
        "Invoice", {"CustomerRef": invoices[0]["CustomerRef"], "Line": invoices[0]["Line"]}
    )
    emu.mutate.void("Invoice", invoices[2]["Id"])
    emu.mutate.delete("Invoice", invoices[3]["Id"])
    emu.mutate.merge("Customer", customers[0]["Id"], customers[1]["Id"])
    inbox.add(
        [
            event(emu, "Invoice", created["Id"], "Create", 1),
            event(emu, "Invoice", invoices[2]["Id"], "Void", 2),
            event(emu, "Invoice", invoices[3]["Id"], "Update", 3),  # an update, then its delete
            event(emu, "Invoice", invoices[3]["Id"], "Delete", 4),
            event(emu, "Customer", customers[1]["Id"], "Merge", 5, deleted_id=customers[0]["Id"]),
            event(emu, "Invoice", invoices[4]["Id"], "Update", 6, realm="1234"),  # another company
        ]
    )
    before = emu.counters()
    second = run_tap({**cfg, "cdc_interval": 86400}, state=first.state, streams=STREAMS)
    delta = {k: v - before.get(k, 0) for k, v in emu.counters().items() if v != before.get(k, 0)}
    assert set(delta) <= {"batch", "token"}, delta
    assert delta["batch"] == 2  # one per entity with ids to fetch
    got_inv = second.by_id("invoices")
    assert set(got_inv) == {created["Id"], invoices[2]["Id"], invoices[3]["Id"]}
    assert got_inv[invoices[3]["Id"]]["_sdc_deleted_at"]
    want = expected(emu, "invoices")
    for record_id in (created["Id"], invoices[2]["Id"]):
        assert normal(got_inv[record_id]) == want[record_id]
    got_cust = second.by_id("customers")
    assert got_cust[customers[0]["Id"]]["_sdc_deleted_at"]
    assert normal(got_cust[customers[1]["Id"]]) == expected(emu, "customers")[customers[1]["Id"]]
    assert second.state["bookmarks"]["invoices"]["inbox_seq"] == 7
    assert second.state["bookmarks"]["vendors"]["inbox_seq"] == 7

    before = emu.counters()
    third = run_tap({**cfg, "cdc_interval": 86400}, state=second.state, streams=STREAMS)
    assert emu.counters() == before, "nothing new in the inbox and nothing due: no API call"
    assert not any(third.records.values())
    # Replaying from the old state re-reads the same events: the cursor only moves through state.
    replay = run_tap({**cfg, "cdc_interval": 86400}, state=first.state, streams=STREAMS)
    assert set(replay.by_id("invoices")) == set(got_inv)
