"""Throttles, server errors, resets, concurrent mutation, tie groups and CDC's cap: nothing is lost."""

from __future__ import annotations

import random
from typing import Any

import pytest
from tap_quickbooks_online.client import QBOClient
from tap_quickbooks_online.errors import RetriableError, ThrottledError

from tests.emulators.qbo import QBOEmulator
from tests.tap.harness import RunResult, run_tap
from tests.tap.test_sync import CDC_STREAMS, expected, normal

BUSY = ["invoices", "customers", "payments", "bills"]


@pytest.fixture(autouse=True)
def fast_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(QBOClient, "backoff_base", 0.02)
    monkeypatch.setattr(QBOClient, "max_tries", 30)


def assert_matches(emu: QBOEmulator, result: RunResult, streams: list[str]) -> None:
    for stream in streams:
        got = {i: normal(r) for i, r in result.by_id(stream).items()}
        assert got == expected(emu, stream), stream


def test_429_storm_5xx_and_resets_still_give_a_complete_sync(
    emu: QBOEmulator, config: dict[str, Any]
) -> None:
    emu.limiter.concurrent = 2  # the tap runs up to 10 at once: many requests meet the XML 429
    emu.faults.latency_ms = 30  # so that requests overlap
    emu.faults.error_5xx_rate = 0.15
    emu.faults.reset_rate = 0.05
    result = run_tap({**config, "page_size": 5}, streams=BUSY)
    counters = emu.counters()
    assert counters.get("throttled", 0) >= 5, counters
    assert counters.get("fault_5xx", 0) >= 3, counters
    assert_matches(emu, result, BUSY)
    assert "retries=" in result.log_text
    assert "QBO API calls this run" in result.log_text


def test_server_errors_are_retried_with_growing_waits(
    emu: QBOEmulator, config: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    emu.faults.fail_next("batch", status=503, count=3)
    waits: list[float] = []  # the client's own sleeps, recorded instead of slept (emulator threads sleep on)
    monkeypatch.setattr(QBOClient, "sleep", staticmethod(waits.append))
    result = run_tap(config, streams=["terms"])
    assert len(waits) == 3
    assert waits[2] > waits[0]
    assert_matches(emu, result, ["terms"])


def test_retry_after_wins_over_the_backoff_schedule() -> None:
    client = QBOClient.__new__(QBOClient)
    client.backoff_base, client.backoff_cap = 1.0, 60.0
    assert client.delay(1, ThrottledError("slow down", retry_after=7.0)) == 7.0
    assert 1.0 <= client.delay(2, RetriableError("503")) <= 2.0
    assert 2.0 <= client.delay(3, RetriableError("503")) <= 4.0


class Mutator:
    """Random changes to the company (customer or invoice updates, invoice deletes and creates) before each
    query or /batch request: the tap packs up to 30 pages in one /batch, so several per request."""

    def __init__(self, emu: QBOEmulator, per_request: int = 3) -> None:
        self.emu, self.rng, self.per_request = emu, random.Random(3), per_request
        self.invoices = [r["Id"] for r in emu.store.all("Invoice")]
        self.customers = [r["Id"] for r in emu.store.all("Customer")]
        self.template = emu.store.all("Invoice")[0]
        self.done = 0

    def __call__(self, kind: str) -> None:
        if kind in ("query", "batch"):  # between the tap's reads, not during its token refresh
            for _ in range(self.per_request):
                self.change()

    def change(self) -> None:
        emu, rng, invoices = self.emu, self.rng, self.invoices
        roll = rng.random()
        if roll < 0.4:
            emu.mutate.update("Customer", rng.choice(self.customers), {"Notes": f"n{rng.random()}"})
        elif roll < 0.7:
            emu.mutate.update("Invoice", rng.choice(invoices), {"PrivateNote": f"p{rng.random()}"})
        elif roll < 0.85 and len(invoices) > 50:
            emu.mutate.delete("Invoice", invoices.pop(rng.randrange(len(invoices))))
        else:
            fields = {"CustomerRef": self.template["CustomerRef"], "Line": self.template["Line"]}
            invoices.append(emu.mutate.create("Invoice", fields)["Id"])
        self.done += 1


def test_paging_loses_nothing_while_the_company_changes(emu: QBOEmulator, config: dict[str, Any]) -> None:
    streams = ["invoices", "customers"]
    untouched_before = {s: dict(expected(emu, s)) for s in streams}
    mutator = emu.faults.on_request = Mutator(emu)  # a change before every page the tap asks for
    cfg = {**config, "page_size": 10, "settle_seconds": 2}
    try:
        first = run_tap(cfg, streams=streams)
    finally:
        emu.faults.on_request = None
    assert mutator.done >= 30, "mutations must happen while the sync pages"
    final = {s: expected(emu, s) for s in streams}
    for stream in streams:
        got = first.by_id(stream)
        for record_id, record in untouched_before[stream].items():
            if final[stream].get(record_id) == record:  # never touched during the sync
                assert record_id in got, f"{stream} {record_id} was skipped by paging"
    emu.clock.advance(3)
    second = run_tap(cfg, state=first.state, streams=streams)
    for stream in streams:
        view = {i: normal(r) for i, r in first.by_id(stream).items()}
        for record in second.records[stream]:
            if record["_sdc_deleted_at"]:
                view.pop(record["Id"], None)
            else:
                view[record["Id"]] = normal(record)
        assert view == final[stream], stream


def test_a_tie_group_larger_than_a_page_is_read_whole(emu: QBOEmulator, config: dict[str, Any]) -> None:
    for n in range(45):
        emu.mutate.create("Customer", {"DisplayName": f"Tie {n}"})
    result = run_tap({**config, "page_size": 10}, streams=["customers"])
    assert_matches(emu, result, ["customers"])
    assert "reading them by position" in result.log_text


def test_cdc_cap_falls_back_to_queries_and_keeps_deletes(emu: QBOEmulator, config: dict[str, Any]) -> None:
    first = run_tap(config, streams=CDC_STREAMS)
    emu.clock.advance(2)
    invoices = emu.store.all("Invoice")
    emu.mutate.delete("Invoice", invoices[0]["Id"])  # the oldest change: inside the capped response
    created = [emu.mutate.create("Customer", {"DisplayName": f"Bulk {n}"})["Id"] for n in range(1001)]
    emu.mutate.update("Invoice", invoices[1]["Id"], {"PrivateNote": "after the cap"})
    second = run_tap(config, state=first.state, streams=CDC_STREAMS)
    assert "QBO's per-response cap" in second.log_text
    got = second.by_id("invoices")
    assert got[invoices[0]["Id"]]["_sdc_deleted_at"]
    assert got[invoices[1]["Id"]]["PrivateNote"] == "after the cap"
    assert set(created) <= {r["Id"] for r in second.records["customers"]}
