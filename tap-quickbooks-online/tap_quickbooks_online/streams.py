"""The one generic stream class; each QBO entity is an instance configured by its row in entities.py.

Bookmarks are managed here, not by singer-sdk's max-of-replication-key logic: QBO timestamps carry
company-local offsets (string order is not time order across DST), and the safe high-water mark is the
server's time at the start of a read minus `settle_seconds`, not the newest row seen. Stream state keys:
`replication_key_value` (that mark, UTC), `cdc_polled_at` (our clock) and `inbox_seq` (webhook cursor).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any

from singer_sdk.helpers.conform import TypeConformanceLevel
from singer_sdk.mapper import SameRecordTransform

from . import query as q
from .drain import fetch_by_ids
from .entities import Entity, load_schema
from .modes import RECONCILE_DUE, RECONCILED_AT, Mode, bookmark_of, reconcile_reason
from .paging import Walk
from .prefetch import PREFETCH_ROWS, FirstPage
from .records import RecordLines, Row
from .run import RunContext
from .sdk_compat import SelfBookmarkedStream
from .writer import BufferedMsgSpecWriter

if TYPE_CHECKING:
    from singer_sdk.helpers.types import Context

    from .tap import TapQuickBooksOnline

REPLICATION_KEY = "LastUpdatedTime"
PROGRESS_EVERY_SECONDS = 15.0


def deleted_row(entity: Entity, row_id: str, occurred_at: str) -> Row:
    stub = {"Id": row_id, "status": "Deleted", "domain": "QBO", "MetaData": {"LastUpdatedTime": occurred_at}}
    return Row.of(entity.name, stub)


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


class QBOStream(SelfBookmarkedStream):
    """A QBO entity stream; behaviour comes from its Entity row, never from a subclass."""

    primary_keys: tuple[str, ...] = ("realm_id", "Id")
    replication_key = REPLICATION_KEY
    is_sorted = False
    # Records are QBO JSON already (str, bool, int, Decimal), with top-level fields checked against the
    # schema as they are read (records.py): nothing to conform.
    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE

    def __init__(self, tap: TapQuickBooksOnline, entity: Entity) -> None:
        self.entity = entity
        self.primary_keys = ("realm_id", *entity.keys)
        super().__init__(tap, schema=load_schema(entity), name=entity.stream_name)
        self._qbo_tap = tap

    @cached_property
    def _every_field_selected(self) -> bool:
        return all(self.mask.values())

    def block_writer(self) -> BufferedMsgSpecWriter | None:
        """The writer, when RECORD lines can be built from QBO's JSON as sent: nothing deselected, no
        stream map or flattening, no record limit (dry runs). Otherwise singer-sdk's per-record path runs."""
        writer, maps = self._qbo_tap.message_writer, self.stream_maps
        usable = (
            self._every_field_selected
            and len(maps) == 1
            and type(maps[0]) is SameRecordTransform
            and maps[0].stream_alias == self.name
            and not maps[0].flattening_enabled
            and self.per_record_features_off()
        )
        return writer if usable and isinstance(writer, BufferedMsgSpecWriter) else None

    def record_blocks(self) -> Iterator[tuple[bytes, int]]:
        lines = RecordLines(self.name, self._qbo_tap.settings.realm_id)
        for page in self._pages():
            yield lines.build(page, datetime.now(UTC)), len(page)

    def get_records(self, context: Context | None) -> Iterable[dict[str, Any]]:
        realm = self._qbo_tap.settings.realm_id
        for page in self._pages():
            for row in page:
                yield row.record(realm)

    def _pages(self) -> Iterator[list[Row]]:
        run = self._qbo_tap.run_context()
        state = self.stream_state
        mode = run.modes[self.entity.name]
        country = run.skipped(self.entity) if mode is not Mode.IDLE else None
        if country is not None:
            state["company_country"] = country  # later runs skip without asking again
            self.state_changed()
            self.logger.info(
                "%s: skipped: QBO has %s only for companies in %s, and this company is in %s.",
                self.name,
                self.entity.name,
                ", ".join(self.entity.regions),
                country or "an unknown country",
            )
            return
        self.logger.info("%s: %s sync", self.name, mode.value)
        yield from self._drain_inbox(run, state, mode)
        if mode is Mode.FULL:
            yield from self._full(run, state)
        elif mode is Mode.CDC:
            yield from self._cdc(run, state)
        elif mode is Mode.QUERY:
            yield from self._query(run, state, run.first_page(self.entity))

    # -- modes (each yields pages of rows) -----------------------------------------------------
    def _full(self, run: RunContext, state: dict[str, Any]) -> Iterator[list[Row]]:
        """The prefetched first page; if it was full, the rest from the run's concurrent backfill.

        The rows go out as one table version (ACTIVATE_VERSION before and after them), so the target flags
        every row this read did not re-send: what QBO no longer has (docs/deletes.md). A read that stops
        half-way sends no closing message, and the next run reads the stream whole again.
        """
        self._log_reconcile(run, state)
        version = int(run.now.timestamp() * 1000)
        self.write_table_version(version)
        first = run.first_page(self.entity)
        rows = first.rows
        started = q.parse_ts(first.time) if first.time else run.now
        yield rows
        planned = run.backfill(self.entity)
        if planned is not None:
            expected, pages = planned
            progress = Progress(self, expected + len(rows))
            progress.count = len(rows)
            for page in pages:
                progress.add(len(page))
                yield page
            progress.log()
        self.write_table_version(version)
        state.pop(RECONCILE_DUE, None)
        state[RECONCILED_AT] = run.now.isoformat()
        self._save(state, run, started)

    def _log_reconcile(self, run: RunContext, state: dict[str, Any]) -> None:
        bookmark = bookmark_of(state)
        reason = (
            reconcile_reason(self.entity, state, bookmark, run.now, run.settings.reconcile_every)
            if bookmark
            else None
        )
        if reason:
            self.logger.warning(
                "%s: reading the whole stream again to find deleted rows (%s).", self.name, reason
            )

    def _cdc(self, run: RunContext, state: dict[str, Any]) -> Iterator[list[Row]]:
        result = run.feed.result()
        if result is None or result.capped:
            # Deletes beyond CDC's cap (or all of them, when CDC was refused) are unseen: the next run
            # reads this stream whole as one table version (docs/deletes.md).
            state[RECONCILE_DUE] = "CDC was capped or refused, so some deletes may be unseen"
            yield [r for r in (result.for_entity(self.entity.name) if result else []) if r.deleted]
            bookmark = q.parse_ts(state["replication_key_value"])
            yield from self._walk(run, state, q.Window(bookmark), None, result.time if result else None)
            return
        yield result.for_entity(self.entity.name)
        self._save(state, run, result.time)

    def _query(self, run: RunContext, state: dict[str, Any], first: FirstPage) -> Iterator[list[Row]]:
        bookmark = q.parse_ts(state["replication_key_value"])
        yield from self._walk(run, state, q.Window(bookmark), first)

    def _walk(
        self,
        run: RunContext,
        state: dict[str, Any],
        window: q.Window,
        first: FirstPage | None,
        started: datetime | None = None,
    ) -> Iterator[list[Row]]:
        """Keyset walk from the bookmark; the new bookmark is the server time before the walk began."""
        if first is not None and first.time:
            started = q.parse_ts(first.time)
        walk = Walk(run.client, self.entity, window, run.settings.page_size)
        first_rows = first.rows if first is not None else None
        yield from walk.pages(first_rows, PREFETCH_ROWS)
        self._save(state, run, started or walk.started or datetime.now(UTC))

    def _drain_inbox(self, run: RunContext, state: dict[str, Any], mode: Mode) -> Iterator[list[Row]]:
        inbox = run.inbox
        if inbox is None or not self.entity.webhooks:
            return
        if mode is Mode.FULL:  # the backfill reads every record anyway
            state["inbox_seq"] = inbox.max_seq()
            return
        events = inbox.events_for(self.entity, int(state.get("inbox_seq", 0)))
        if events.fetch_ids:
            yield from fetch_by_ids(run.client, self.entity, list(events.fetch_ids), run.settings.batch_size)
        yield [deleted_row(self.entity, i, at) for i, at in events.deletes.items()]
        if events.last_seq != state.get("inbox_seq"):
            state["inbox_seq"] = events.last_seq
            self.state_changed()

    # -- helpers --------------------------------------------------------------------------------
    def _save(self, state: dict[str, Any], run: RunContext, server_time: datetime) -> None:
        """Advance the bookmark to server time minus the settle delay (never backwards)."""
        mark = (server_time - run.settings.settle).astimezone(UTC)
        old = state.get("replication_key_value")
        if old and q.parse_ts(old) > mark:
            mark = q.parse_ts(old)
        state["replication_key"] = REPLICATION_KEY
        state["replication_key_value"] = mark.isoformat()
        state["cdc_polled_at"] = run.now.isoformat()
        self.state_changed()
