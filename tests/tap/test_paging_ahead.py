"""Backfill plumbing: pages read ahead of their stream's turn, and slice probes sent in /batch."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest
from tap_quickbooks_online.client import QBOClient
from tap_quickbooks_online.entities import BY_NAME
from tap_quickbooks_online.paging import Ahead, Backfill

Row = dict[str, Any]


def test_ahead_yields_every_page_in_order_then_stops() -> None:
    pages = [[{"Id": str(n)}] for n in range(7)]
    assert list(Ahead(iter(pages), depth=2)) == pages


def test_ahead_hands_the_producers_error_to_the_consumer() -> None:
    def failing() -> Iterator[list[Row]]:
        yield [{"Id": "1"}]
        raise RuntimeError("page 2 failed")

    pages = iter(Ahead(failing()))
    assert next(pages) == [{"Id": "1"}]
    with pytest.raises(RuntimeError, match="page 2 failed"):
        next(pages)


def test_ahead_closes_its_producer_when_the_consumer_stops_early() -> None:
    closed = threading.Event()

    def endless() -> Iterator[list[Row]]:
        try:
            n = 0
            while True:
                n += 1
                yield [{"Id": str(n)}]
        finally:
            closed.set()

    ahead = Ahead(endless(), depth=1)
    first = next(iter(ahead))
    ahead.close()
    assert first == [{"Id": "1"}]
    assert closed.wait(5)


class FakeClient:
    """Answers COUNT with `total` and every one-row probe with a timestamp derived from its position."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.batches: list[list[dict[str, Any]]] = []
        self.queries: list[str] = []
        self.t0 = datetime(2026, 1, 1, tzinfo=UTC)

    def query(self, statement: str) -> dict[str, Any]:
        self.queries.append(statement)
        return {"QueryResponse": {"totalCount": self.total}, "time": self.t0.isoformat()}

    def batch(self, items: list[dict[str, Any]]) -> dict[str, Any]:
        self.batches.append(items)
        answers = []
        for item in items:
            position = int(item["Query"].split("STARTPOSITION ")[1].split()[0])
            stamp = (self.t0 + timedelta(seconds=position)).isoformat()
            row = {"Id": str(position), "MetaData": {"LastUpdatedTime": stamp}}
            answers.append({"bId": item["bId"], "QueryResponse": {"Invoice": [row]}})
        return {"BatchItemResponse": answers, "time": self.t0.isoformat()}


def test_slice_probes_travel_in_batches_and_slices_end_on_a_short_page() -> None:
    client = FakeClient(total=100_000)
    backfill = Backfill(cast(QBOClient, client), BY_NAME["Invoice"], None, 1000, 10, batch_size=30)
    backfill.count()
    slices = backfill._slices()
    probes = [item for batch in client.batches for item in batch]
    assert len(client.queries) == 1  # only the COUNT went as a plain query
    assert all(len(batch) <= 30 for batch in client.batches)
    assert len(slices) == len(probes) + 1
    # 100 pages over 10 workers: 5 pages a slice, each holding at most 5 * 998 rows
    starts = [int(item["Query"].split("STARTPOSITION ")[1].split()[0]) for item in probes]
    assert all(b - a == 5 * 998 for a, b in itertools.pairwise(starts))
