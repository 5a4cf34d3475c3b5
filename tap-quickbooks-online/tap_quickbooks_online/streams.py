"""The one generic stream class; each QBO entity is an instance configured by its row in entities.py.

Bookmarks are managed here, not by singer-sdk's max-of-replication-key logic: QBO timestamps carry
company-local offsets (string order is not time order across DST), and the safe high-water mark is the
server's time at the start of a read minus `settle_seconds`, not the newest row seen. Stream state keys:
`replication_key_value` (that mark, UTC), `cdc_polled_at` (our clock) and `inbox_seq` (webhook cursor).
"""

from __future__ import annotations

import logging
import time
import weakref
from collections.abc import Generator, Iterable, Iterator
from datetime import UTC, datetime
from functools import cache, cached_property
from typing import TYPE_CHECKING, Any

import singer_sdk.singerlib as singer
from singer_sdk import Stream
from singer_sdk.helpers._util import utc_now
from singer_sdk.helpers.conform import TypeConformanceLevel

from . import query as q
from .cdc import is_deleted
from .drain import fetch_by_ids
from .entities import Entity, load_schema
from .paging import Ahead, Backfill, Walk, rows_of, updated_at
from .run import PREFETCH_ROWS, Mode, RunContext

if TYPE_CHECKING:
    from singer_sdk.helpers.types import Context

    from .tap import TapQuickBooksOnline

REPLICATION_KEY = "LastUpdatedTime"
PROGRESS_EVERY_SECONDS = 15.0
LOOKAHEAD_STREAMS = 3  # backfills started ahead of their turn; each buffers a few pages at most
Row = dict[str, Any]
Planned = tuple[Backfill | None, Iterable[list[Row]]]  # a backfill (None: nothing left) and its pages
# Per run: the backfills already running ahead of their stream's turn, by entity name.
_AHEAD: weakref.WeakKeyDictionary[RunContext, dict[str, Planned]] = weakref.WeakKeyDictionary()


def to_record(row: Row, realm_id: str) -> Row:
    """A QBO object as a Singer record: realm_id, the lifted replication key, the delete marker."""
    updated = (row.get("MetaData") or {}).get("LastUpdatedTime")
    row["realm_id"] = realm_id
    row["LastUpdatedTime"] = updated
    row["_sdc_deleted_at"] = updated if is_deleted(row) else None
    return row


def deleted_record(row_id: str, occurred_at: str) -> Row:
    return {"Id": row_id, "status": "Deleted", "domain": "QBO", "MetaData": {"LastUpdatedTime": occurred_at}}


@cache
def _warn_unknown(stream: str, fields: tuple[str, ...], logger: logging.Logger) -> None:
    logger.warning(
        "%s: QBO sent fields the schema lacks, dropped: %s. Regenerate the schemas "
        "(tools/gen_schemas.py) or report it.",
        stream,
        ", ".join(fields),
    )


class Progress:
    """Per-stream counts and rate, logged at most every PROGRESS_EVERY_SECONDS."""

    def __init__(self, stream: QBOStream, total: int | None = None) -> None:
        self.stream, self.total, self.count = stream, total, 0
        self.started = self.logged = time.monotonic()

    def add(self, n: int) -> None:
        self.count += n
        now = time.monotonic()
        if now - self.logged >= PROGRESS_EVERY_SECONDS:
            self.logged = now
            self.log()

    def log(self) -> None:
        rate = self.count / max(time.monotonic() - self.started, 1e-6)
        of_total = f"/{self.total}" if self.total is not None else ""
        self.stream.logger.info(
            "%s: %d%s records (%.0f records/s)", self.stream.name, self.count, of_total, rate
        )


class QBOStream(Stream):
    """A QBO entity stream; behaviour comes from its Entity row, never from a subclass."""

    primary_keys = ("realm_id", "Id")
    replication_key = REPLICATION_KEY
    is_sorted = False
    # Records are QBO JSON already (str, bool, int, Decimal): nothing to conform. Top-level keys are
    # still checked against the schema in _generate_record_messages, loudly.
    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE

    def __init__(self, tap: TapQuickBooksOnline, entity: Entity) -> None:
        self.entity = entity
        super().__init__(tap, schema=load_schema(entity), name=entity.stream_name)
        self._qbo_tap = tap

    @cached_property
    def _known_fields(self) -> frozenset[str]:
        return frozenset(self.schema["properties"])

    @cached_property
    def _every_field_selected(self) -> bool:
        return all(self.mask.values())

    def _generate_record_messages(self, record: Row) -> Generator[singer.RecordMessage, None, None]:
        """singer-sdk's version minus a per-record walk of the selection mask when nothing is deselected.

        A top-level field missing from the schema is dropped with a warning naming it (never silently).
        """
        if not self._every_field_selected:
            yield from super()._generate_record_messages(record)
            return
        unknown = record.keys() - self._known_fields
        if unknown:
            _warn_unknown(self.name, tuple(sorted(unknown)), self.logger)
            for key in unknown:
                del record[key]
        now = utc_now()
        for stream_map in self.stream_maps:
            mapped = stream_map.transform(record)
            if mapped is not None:
                yield singer.RecordMessage(
                    stream=stream_map.stream_alias,
                    record=mapped,
                    version=self._stream_version,
                    time_extracted=now,
                )

    # singer-sdk would advance the bookmark to the max record value; this stream sets it itself.
    def _increment_stream_state(self, latest_record: Row, *, context: Context | None = None) -> None:
        return None

    def get_records(self, context: Context | None) -> Iterable[Row]:
        run = self._qbo_tap.run_context()
        state = self.stream_state
        mode = run.modes[self.entity.name]
        self.logger.info("%s: %s sync", self.name, mode.value)
        yield from self._drain_inbox(run, state, mode)
        if mode is Mode.FULL:
            yield from self._full(run, state)
        elif mode is Mode.CDC:
            yield from self._cdc(run, state)
        elif mode is Mode.QUERY:
            yield from self._query(run, state, run.first_page(self.entity))

    # -- modes ----------------------------------------------------------------------------------
    def _full(self, run: RunContext, state: dict[str, Any]) -> Iterator[Row]:
        """The prefetched first page; if it was full, a concurrent backfill from its last timestamp."""
        first = run.first_page(self.entity)
        rows = rows_of(first, self.entity.name)
        started = q.parse_ts(first["time"]) if isinstance(first.get("time"), str) else run.now
        yield from self._emit(run, [rows])
        ahead = _AHEAD.setdefault(run, {})
        planned = ahead.pop(self.entity.name) if self.entity.name in ahead else self._backfill_pages(run)
        backfill, pages = planned
        self._run_ahead(run, ahead)
        if backfill is not None:
            progress = Progress(self)
            progress.count = len(rows)
            for page in pages:
                progress.total = backfill.total + len(rows)
                progress.add(len(page))
                yield from self._emit(run, [page])
            progress.log()
        self._save(state, run, started)

    def _backfill_pages(self, run: RunContext) -> Planned:
        """The backfill after the prefetched first page, or None when that page held the whole stream."""
        rows = rows_of(run.first_page(self.entity), self.entity.name)
        if self.entity.kind == "singleton" or len(rows) < PREFETCH_ROWS:
            return None, ()
        # Rows stamped exactly like the last one are read again: a boundary repeat, never a gap.
        workers = int(self.config.get("max_concurrent_requests", 10))
        low = updated_at(rows[-1])
        backfill = Backfill(run.client, self.entity, low, run.page_size, workers, run.batch_size)
        return backfill, backfill.pages()

    def _run_ahead(self, run: RunContext, ahead: dict[str, Planned]) -> None:
        """Start the backfills of the next FULL streams (in sync order) while this one is written out."""
        order = [s for s in self._qbo_tap.streams.values() if isinstance(s, QBOStream) and s.selected]
        for other in order[order.index(self) + 1 :]:
            if len(ahead) >= LOOKAHEAD_STREAMS:
                return
            name = other.entity.name
            if name in ahead or run.modes.get(name) is not Mode.FULL:
                continue
            backfill, pages = other._backfill_pages(run)
            if backfill is not None:
                ahead[name] = (backfill, Ahead(iter(pages)))

    def _cdc(self, run: RunContext, state: dict[str, Any]) -> Iterator[Row]:
        result = run.feed.result()
        if result is None or result.capped:
            stubs = [r for r in (result.for_entity(self.entity.name) if result else []) if is_deleted(r)]
            yield from self._emit(run, [stubs])
            bookmark = q.parse_ts(state["replication_key_value"])
            yield from self._walk(run, state, q.Window(bookmark), None, result.time if result else None)
            return
        yield from self._emit(run, [result.for_entity(self.entity.name)])
        self._save(state, run, result.time)

    def _query(self, run: RunContext, state: dict[str, Any], first: dict[str, Any]) -> Iterator[Row]:
        bookmark = q.parse_ts(state["replication_key_value"])
        yield from self._walk(run, state, q.Window(bookmark), first)

    def _walk(
        self,
        run: RunContext,
        state: dict[str, Any],
        window: q.Window,
        first: dict[str, Any] | None,
        started: datetime | None = None,
    ) -> Iterator[Row]:
        """Keyset walk from the bookmark; the new bookmark is the server time before the walk began."""
        if first is not None and isinstance(first.get("time"), str):
            started = q.parse_ts(first["time"])
        walk = Walk(run.client, self.entity, window, run.page_size)
        first_rows = rows_of(first, self.entity.name) if first is not None else None
        yield from self._emit(run, walk.pages(first_rows, PREFETCH_ROWS))
        self._save(state, run, started or walk.started or datetime.now(UTC))

    def _drain_inbox(self, run: RunContext, state: dict[str, Any], mode: Mode) -> Iterator[Row]:
        inbox = run.inbox
        if inbox is None or not self.entity.webhooks:
            return
        if mode is Mode.FULL:  # the backfill reads every record anyway
            state["inbox_seq"] = inbox.max_seq()
            return
        events = inbox.events_for(self.entity, int(state.get("inbox_seq", 0)))
        if events.fetch_ids:
            yield from self._emit(
                run, fetch_by_ids(run.client, self.entity, list(events.fetch_ids), run.batch_size)
            )
        yield from self._emit(run, [[deleted_record(i, at) for i, at in events.deletes.items()]])
        if events.last_seq != state.get("inbox_seq"):
            state["inbox_seq"] = events.last_seq
            self.state_manager.is_flushed = False

    # -- helpers --------------------------------------------------------------------------------
    def _emit(self, run: RunContext, pages: Iterable[list[Row]]) -> Iterator[Row]:
        realm = str(self.config["realm_id"])
        for page in pages:
            for row in page:
                yield to_record(row, realm)

    def _save(self, state: dict[str, Any], run: RunContext, server_time: datetime) -> None:
        """Advance the bookmark to server time minus the settle delay (never backwards)."""
        mark = (server_time - run.settle).astimezone(UTC)
        old = state.get("replication_key_value")
        if old and q.parse_ts(old) > mark:
            mark = q.parse_ts(old)
        state["replication_key"] = REPLICATION_KEY
        state["replication_key_value"] = mark.isoformat()
        state["cdc_polled_at"] = run.now.isoformat()
        self.state_manager.is_flushed = False
