"""Backfill plumbing: one pool of page fetchers for the run (earliest stream first, bounded read-ahead),
and slice probes sent in /batch."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import msgspec
import pytest
from tap_quickbooks_online.client import QBOClient
from tap_quickbooks_online.entities import BY_NAME
from tap_quickbooks_online.paging import Backfill
from tap_quickbooks_online.responses import Envelope, decode
from tap_quickbooks_online.scheduler import Scheduler, Spawn
from tap_quickbooks_online.tap import TapQuickBooksOnline

from tests.emulators.qbo import QBOEmulator
from tests.tap.harness import catalog_for
from tests.waiting import wait_until


def numbered(prefix: str, n: int, log: list[str] | None = None) -> Iterator[Any]:
    for i in range(n):
        if log is not None:
            log.append(f"{prefix}{i}")
        yield [f"{prefix}{i}"]


@pytest.fixture
def scheduler() -> Iterator[Scheduler]:
    pool = Scheduler(workers=1, max_buffered=2)
    yield pool
    pool.close()


def test_every_page_of_a_stream_arrives_then_its_reader_ends(scheduler: Scheduler) -> None:
    scheduler.add(0, numbered("a", 5))
    scheduler.add(0, numbered("b", 3))
    pages = [p[0] for p in scheduler.pages(0)]
    assert sorted(pages) == sorted([f"a{i}" for i in range(5)] + [f"b{i}" for i in range(3)])


def hold_the_worker(pool: Scheduler, *, urgent: bool = False) -> threading.Event:
    """Occupy a one-worker pool with a turn-0 task (one page, "gate") until the returned event is set."""
    gate = threading.Event()

    def blocked() -> Iterator[Any]:
        gate.wait(5)
        yield ["gate"]

    pool.add(0, blocked(), urgent=urgent)
    wait_until(lambda: not pool._heap, 5, "the scheduler's queue to empty")
    return gate


def test_the_earliest_stream_is_served_first_whatever_the_queue_order() -> None:
    pool = Scheduler(workers=1, max_buffered=100)
    log: list[str] = []
    gate = hold_the_worker(pool)
    pool.add(2, numbered("late", 2, log))
    pool.add(1, numbered("early", 2, log))
    gate.set()
    assert [p[0] for p in pool.pages(0)] == ["gate"]
    assert [p[0] for p in pool.pages(1)] == ["early0", "early1"]
    assert [p[0] for p in pool.pages(2)] == ["late0", "late1"]
    assert log == ["early0", "early1", "late0", "late1"]
    pool.close()


def test_an_urgent_plan_of_a_late_stream_runs_before_earlier_pages() -> None:
    pool = Scheduler(workers=1, max_buffered=100)
    log: list[str] = []

    def plan() -> Iterator[Any]:
        log.append("plan")
        yield Spawn([numbered("late", 1, log)])

    gate = hold_the_worker(pool, urgent=True)
    pool.add(0, numbered("early", 1, log))
    pool.add(9, plan(), urgent=True)
    gate.set()
    assert sorted(p[0] for p in pool.pages(0)) == ["early0", "gate"]
    assert [p[0] for p in pool.pages(9)] == ["late0"]
    assert log == ["plan", "early0", "late0"], "the plan ran first; its walk waited for its stream's turn"
    pool.close()


def test_read_ahead_stops_at_the_buffer_cap_until_the_stream_is_read(scheduler: Scheduler) -> None:
    steps: list[str] = []
    scheduler.add(1, numbered("p", 10, steps))
    wait_until(lambda: len(steps) == 2, 5, "two steps")
    time.sleep(0.1)
    assert len(steps) == 2, "a stream not being written out must not buffer more than the cap"
    assert len([p for p in scheduler.pages(1)]) == 10  # its own turn is never held back


def test_a_reader_that_stops_early_cancels_the_rest_of_its_stream() -> None:
    pool = Scheduler(workers=1, max_buffered=100)
    steps: list[str] = []
    pool.add(0, numbered("p", 1000, steps))
    pages = pool.pages(0)
    assert next(pages) == ["p0"]
    pages.close()  # the stream hit a record limit, or its writer failed
    taken = len(steps)
    time.sleep(0.1)
    assert len(steps) <= taken + 1, "at most the page in flight is read after the reader left"
    assert pool._buffered == 0
    pool.close()


def test_a_plan_spawns_walks_whose_pages_reach_the_stream(scheduler: Scheduler) -> None:
    def plan() -> Iterator[Any]:
        yield Spawn([numbered("x", 2), numbered("y", 2)])

    scheduler.add(0, plan())
    assert sorted(p[0] for p in scheduler.pages(0)) == ["x0", "x1", "y0", "y1"]


def test_a_failing_walk_raises_in_the_streams_reader(scheduler: Scheduler) -> None:
    def failing() -> Iterator[Any]:
        yield ["ok"]
        raise RuntimeError("page 2 failed")

    scheduler.add(0, failing())
    pages = scheduler.pages(0)
    with pytest.raises(RuntimeError, match="page 2 failed"):
        list(pages)


def test_close_stops_every_worker() -> None:
    pool = Scheduler(workers=3, max_buffered=1)
    pool.add(5, numbered("never read", 100))
    pool.close()
    for thread in pool._threads:
        thread.join(5)
        assert not thread.is_alive()


def answer(body: dict[str, Any]) -> Envelope:
    """What QBOClient returns for this JSON body."""
    return decode(msgspec.json.encode(body))


class FakeClient:
    """Answers COUNT with `total` and every one-row probe with a timestamp derived from its position."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.batches: list[list[dict[str, Any]]] = []
        self.queries: list[str] = []
        self.t0 = datetime(2026, 1, 1, tzinfo=UTC)

    def query(self, statement: str) -> Envelope:
        self.queries.append(statement)
        return answer({"QueryResponse": {"totalCount": self.total}, "time": self.t0.isoformat()})

    def batch(self, items: list[dict[str, Any]]) -> Envelope:
        self.batches.append(items)
        answers = []
        for item in items:
            position = int(item["Query"].split("STARTPOSITION ")[1].split()[0])
            stamp = (self.t0 + timedelta(seconds=position)).isoformat()
            row = {"Id": str(position), "MetaData": {"LastUpdatedTime": stamp}}
            answers.append({"bId": item["bId"], "QueryResponse": {"Invoice": [row]}})
        return answer({"BatchItemResponse": answers, "time": self.t0.isoformat()})


def test_slice_probes_travel_in_batches_and_slices_end_on_a_short_page() -> None:
    client = FakeClient(total=100_000)
    backfill = Backfill(cast(QBOClient, client), BY_NAME["Invoice"], None, 1000, 10, 100_000, batch_size=30)
    slices = backfill._slices()
    probes = [item for batch in client.batches for item in batch]
    assert client.queries == []  # the row count came with the run's first /batch
    assert all(len(batch) <= 30 for batch in client.batches)
    assert len(slices) == len(probes) + 1
    # 100 pages over 10 workers: 5 pages a slice, each holding at most 5 * 998 rows
    starts = [int(item["Query"].split("STARTPOSITION ")[1].split()[0]) for item in probes]
    assert all(b - a == 5 * 998 for a, b in itertools.pairwise(starts))


def test_turns_follow_the_order_singer_sdk_syncs_streams(emu: QBOEmulator, config: dict[str, Any]) -> None:
    tap = TapQuickBooksOnline(config=config, catalog=catalog_for(None))
    run = tap._early_run()
    assert run is not None
    synced = [s.name for s in tap.streams.values() if s.selected]
    assert [BY_NAME[name].stream_name for name in run.modes] == synced
    assert synced.index("bill_payments") < synced.index("bills")  # by name, not by the entity table


def test_a_dry_run_leaves_no_page_fetcher_running(
    emu: QBOEmulator, config: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[threading.Thread] = []  # every thread started, even one that finished before we look
    start = threading.Thread.start

    def recording_start(thread: threading.Thread) -> None:
        started.append(thread)
        start(thread)

    monkeypatch.setattr(threading.Thread, "start", recording_start)
    tap = TapQuickBooksOnline(config=config, catalog=catalog_for(["invoices", "payments"]))
    assert tap.run_sync_dry_run(dry_run_record_limit=104)  # past the first 100 rows: into the backfill
    fetchers = [t for t in started if t.name.startswith("qbo-page")]
    assert fetchers, "the backfill never started: this test would prove nothing"
    for thread in fetchers:
        thread.join(10)
    assert not [t for t in fetchers if t.is_alive()]


def test_records_of_a_versioned_stream_take_singer_sdks_path(config: dict[str, Any]) -> None:
    tap = TapQuickBooksOnline(config=config, catalog=catalog_for(["invoices"]))
    stream = tap.streams["invoices"]
    assert stream.block_writer() is not None
    stream._stream_version = 1700000000000  # what an ACTIVATE_VERSION (FULL_TABLE) run stamps on records
    assert stream.block_writer() is None
