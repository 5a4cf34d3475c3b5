"""Chaos: deletes are never missed, whatever happened before (docs/deletes.md).

Each scenario injects its fault, then ends with a normal run and the exact comparison with QBO.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.chaos.conftest import Rig


def _live_ids(rig: Rig, stream: str, n: int) -> list[str]:
    rows = rig.table(stream)
    ids = sorted((i for i, r in rows.items() if r["_sdc_deleted_at"] is None), key=int)
    assert len(ids) >= n, f"{stream}: only {len(ids)} live rows landed"
    return ids[:n]


def test_tap_killed_mid_backfill_then_deletes_before_the_rerun(rig: Rig) -> None:
    rig.select("customers", "invoices")
    customers = len(rig.emu.store.all("Customer"))
    invoices = len(rig.emu.store.all("Invoice"))
    crashed = rig.run(kill_tap_after_records=customers + invoices // 2)
    assert crashed.tap_code == -9
    assert crashed.target_code == 0
    landed = _live_ids(rig, "invoices", 4)
    assert "replication_key_value" not in rig.state().get("bookmarks", {}).get("invoices", {})
    for invoice_id in landed[:3]:
        rig.emu.mutate.delete("Invoice", invoice_id)
    rig.emu.mutate.update("Invoice", landed[3], {"PrivateNote": "changed after the crash"})

    rig.sync()  # the follow-up run: the invoice backfill starts again, completes, and flags the rest
    rig.assert_matches_qbo()
    assert all(rig.table("invoices")[i]["_sdc_deleted_at"] is not None for i in landed[:3])


def test_an_outage_longer_than_cdc_window_with_deletes_and_a_merge(rig: Rig) -> None:
    rig.select("customers", "invoices")
    rig.sync()
    deleted = _live_ids(rig, "invoices", 2)
    for invoice_id in deleted:
        rig.emu.mutate.delete("Invoice", invoice_id)
    merged_away, survivor = _live_ids(rig, "customers", 2)
    rig.emu.mutate.merge("Customer", merged_away, survivor)
    rig.emu.mutate.update("Invoice", _live_ids(rig, "invoices", 3)[2], {"PrivateNote": "during the outage"})
    rig.emu.clock.advance(31 * 86400)  # a month without a successful run (a dead refresh token, say)

    outage_over = rig.sync()
    assert "CDC" in outage_over.tap_log  # CDC refused the 31-day-old changedSince, and the tap said so
    rig.sync()
    rig.assert_matches_qbo()
    assert rig.table("customers")[merged_away]["_sdc_deleted_at"] is not None


def test_a_deleted_time_activity_is_flagged_without_webhooks(rig: Rig) -> None:
    rig.select("time_activities")
    rig.sync()
    gone = _live_ids(rig, "time_activities", 1)[0]
    rig.emu.mutate.delete("TimeActivity", gone)
    rig.sync()  # TimeActivity has no CDC: within the reconcile interval the delete is not seen yet
    assert rig.table("time_activities")[gone]["_sdc_deleted_at"] is None

    state = rig.state()  # a week passes: the reconciliation of entities without CDC falls due
    week_ago = (datetime.now(UTC) - timedelta(hours=169)).isoformat()
    state["bookmarks"]["time_activities"]["reconciled_at"] = week_ago
    rig.set_state(state)
    reconciled = rig.sync()
    assert "reading the whole stream again" in reconciled.tap_log
    rig.assert_matches_qbo()


def test_full_resync_after_state_clear_converges_to_the_same_tables(rig: Rig) -> None:
    rig.select("invoices")
    rig.sync()
    before_clear = _live_ids(rig, "invoices", 3)
    rig.emu.mutate.delete("Invoice", before_clear[0])  # deleted after the last run, before the clear
    rig.set_state(None)  # `meltano state clear`
    rig.emu.mutate.delete("Invoice", before_clear[1])
    rig.emu.mutate.update("Invoice", before_clear[2], {"PrivateNote": "after the clear"})
    rig.sync()  # the follow-up run is a full re-sync: one table version, older rows flagged
    rig.assert_matches_qbo()
