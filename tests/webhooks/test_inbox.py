"""The inbox: durable, deduplicating, ordered by a seq that never goes backwards, purged by age."""

from __future__ import annotations

import multiprocessing
import sqlite3
import threading
from pathlib import Path

import pytest
from tap_quickbooks_online.inbox import Inbox, InboxError, InboxEvent


def _event(n: int, key: str | None = None, operation: str = "Update") -> InboxEvent:
    return InboxEvent(
        None, "1", "Invoice", str(n), operation, None, "2026-03-01T10:00:00-08:00", key or f"k{n}"
    )


def _seq(event: InboxEvent) -> int:
    assert event.seq is not None
    return event.seq


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def test_add_dedupes_and_read_after_pages_in_seq_order(tmp_path: Path) -> None:
    inbox = Inbox(tmp_path / "inbox.sqlite")
    assert inbox.add([_event(1), _event(2), _event(1)]) == 2
    assert inbox.add([_event(2), _event(3)]) == 1
    events = inbox.read_after(0)
    assert [e.entity_id for e in events] == ["1", "2", "3"]
    seqs = [_seq(e) for e in events]
    assert seqs == sorted(seqs)
    assert len(set(seqs)) == 3
    assert [e.entity_id for e in inbox.read_after(seqs[0], limit=1)] == ["2"]
    assert inbox.read_after(seqs[-1]) == []
    assert events[0] == InboxEvent(
        seqs[0], "1", "Invoice", "1", "Update", None, "2026-03-01T10:00:00-08:00", "k1"
    )


def test_events_survive_reopening_and_seq_continues(tmp_path: Path) -> None:
    path = tmp_path / "inbox.sqlite"
    with Inbox(path) as inbox:
        inbox.add([_event(1), _event(2)])
        last = inbox.last_seq()
    with Inbox(path) as inbox:
        assert inbox.add([_event(2), _event(3)]) == 1
        assert [e.entity_id for e in inbox.read_after(0)] == ["1", "2", "3"]
        assert _seq(inbox.read_after(last)[0]) > last


def test_purge_removes_only_old_events_and_never_reuses_seq(tmp_path: Path) -> None:
    clock = FakeClock()
    inbox = Inbox(tmp_path / "inbox.sqlite", clock=clock)
    inbox.add([_event(1)])
    clock.now += 10 * 86400
    inbox.add([_event(2)])
    clock.now += 5 * 86400
    assert inbox.purge_older_than(7) == 1
    assert [e.entity_id for e in inbox.read_after(0)] == ["2"]
    before = inbox.last_seq()
    clock.now += 30 * 86400
    assert inbox.purge_older_than(7) == 1
    assert inbox.count() == 0
    inbox.add([_event(3)])
    assert _seq(inbox.read_after(before)[0]) > before


def test_schema_is_wal_with_full_sync(tmp_path: Path) -> None:
    Inbox(tmp_path / "inbox.sqlite").add([_event(1)])
    conn = sqlite3.connect(tmp_path / "inbox.sqlite")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1


def test_foreign_schema_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "inbox.sqlite"
    sqlite3.connect(path).execute("PRAGMA user_version = 99")
    with pytest.raises(InboxError, match="schema version 99"):
        Inbox(path)


def test_invalid_events_are_refused() -> None:
    with pytest.raises(ValueError, match="operation"):
        _event(1, operation="Frobnicate")
    with pytest.raises(ValueError, match="entity_id"):
        InboxEvent(None, "1", "Invoice", "", "Update", None, "t", "k")


def test_concurrent_writer_threads_lose_nothing_and_reader_never_sees_seq_go_back(tmp_path: Path) -> None:
    inbox = Inbox(tmp_path / "inbox.sqlite")
    reader = Inbox(tmp_path / "inbox.sqlite")
    seen: list[int] = []
    done = threading.Event()

    def read_loop() -> None:
        cursor = 0
        while not done.is_set() or reader.read_after(cursor):
            for event in reader.read_after(cursor):
                seen.append(_seq(event))
                cursor = _seq(event)

    def write(worker: int) -> None:
        for batch in range(20):
            inbox.add([_event(worker * 1000 + batch * 10 + i) for i in range(5)] + [_event(1)])

    reader_thread = threading.Thread(target=read_loop)
    reader_thread.start()
    writers = [threading.Thread(target=write, args=(w,)) for w in range(1, 5)]
    for thread in writers:
        thread.start()
    for thread in writers:
        thread.join()
    done.set()
    reader_thread.join()
    assert inbox.count() == 4 * 20 * 5 + 1
    assert seen == sorted(seen)
    assert len(seen) == len(set(seen)) == inbox.count()


def _write_from_process(path: str, worker: int) -> None:
    with Inbox(path) as inbox:
        for batch in range(25):
            inbox.add([_event(worker * 1000 + batch * 4 + i) for i in range(4)] + [_event(7, key="shared")])


def test_concurrent_writer_processes_lose_nothing(tmp_path: Path) -> None:
    path = str(tmp_path / "inbox.sqlite")
    Inbox(path).close()
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_write_from_process, args=(path, w)) for w in range(1, 4)]
    for process in workers:
        process.start()
    for process in workers:
        process.join(60)
        assert process.exitcode == 0
    events = Inbox(path).read_after(0)
    assert len(events) == 3 * 25 * 4 + 1
    assert len({e.event_id for e in events}) == len(events)
