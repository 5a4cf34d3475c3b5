"""Chaos: an unreliable QBO (throttle storms, 5xx, resets), a company changing under the backfill, and
access tokens expiring and rotating while two processes share one token store."""

from __future__ import annotations

import json
import threading
from pathlib import Path

from tests.chaos.conftest import Rig, run_pipeline


def test_throttle_storms_server_errors_and_connection_resets(rig: Rig) -> None:
    rig.select("customers", "invoices")
    rig.configure(page_size=10)  # many pages, read by concurrent slices
    rig.emu.limiter.concurrent = 1  # the tap sends up to 10 at once: a storm of 429s
    rig.emu.faults.fail_next("query", status=503, count=2)
    rig.emu.faults.fail_next("batch", status=502)
    rig.emu.faults.reset_next("query", count=2)
    rig.emu.faults.error_5xx_rate = 0.1
    rig.emu.faults.reset_rate = 0.05
    stormy = rig.sync()
    counters = rig.emu.counters()
    assert counters.get("fault_5xx", 0) >= 3
    assert counters.get("reset", 0) >= 2
    assert "Retrying QBO" in stormy.tap_log
    rig.emu.faults.clear()
    rig.emu.limiter.concurrent = 10
    first = rig.emu.store.all("Invoice")[0]["Id"]
    rig.emu.mutate.update("Invoice", first, {"PrivateNote": "after the storm"})
    rig.sync()
    rig.assert_matches_qbo()


def test_mutations_while_the_backfill_pages(rig: Rig) -> None:
    rig.select("invoices")
    rig.configure(page_size=20)
    invoices = [r["Id"] for r in rig.emu.store.all("Invoice")]
    churned: list[str] = []

    def churn(kind: str) -> None:
        """Before each read of the tap: edit one invoice from the front, delete one from the back."""
        n = len(churned)
        if kind in ("query", "batch") and n < len(invoices) // 2 - 1:
            rig.emu.mutate.update("Invoice", invoices[n], {"PrivateNote": f"edited mid-backfill {n}"})
            rig.emu.mutate.delete("Invoice", invoices[-1 - n])
            churned.append(kind)

    rig.emu.faults.on_request = churn
    try:
        rig.sync()
    finally:
        rig.emu.faults.on_request = None
    assert len(churned) >= 3, "the company must change between the backfill's reads"
    rig.sync()
    rig.assert_matches_qbo()


def test_tokens_expire_and_rotate_mid_run_with_two_processes_on_one_store(rig: Rig, tmp_path: Path) -> None:
    rig.select("customers", "invoices")
    rig.emu.oauth.access_ttl = 300  # the tap refreshes 300 s early: every token is due once issued
    rig.emu.oauth.rotate_after = 0  # and every refresh rotates the refresh token, killing the old one
    rig.emu.faults.latency_ms = 20
    other = tmp_path / "second"
    other.mkdir()
    for name in ("catalog.json",):
        (other / name).write_text((rig.workdir / name).read_text())
    (other / "target.json").write_text(json.dumps({"delta_root": str(other / "delta")}))
    (other / "tap.json").write_text(json.dumps(rig.tap_config))  # the same token store and key
    second = {}
    worker = threading.Thread(target=lambda: second.update(run=run_pipeline(other, None, other / "tap.json")))
    worker.start()
    first = rig.run()
    worker.join()
    assert first.ok, first.tap_log[-3000:]
    assert second["run"].ok, second["run"].tap_log[-3000:]
    assert rig.emu.counters().get("token", 0) >= 4  # each process refreshed (and rotated) again and again
    rig.emu.faults.clear()
    rig.sync()  # the store still holds the live refresh token after all those rotations
    rig.assert_matches_qbo()
