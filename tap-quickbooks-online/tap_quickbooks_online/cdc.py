"""Change data capture: one CDC call per run for every selected CDC-capable entity that is due.

QBO facts (docs/qbo-api.md): CDC looks back at most 30 days; a response holds at most 1,000 objects, read
here as shared by all requested entities (the stricter reading), so a response at the cap marks every entity
of the call as possibly incomplete and those fall back to a LastUpdatedTime query. Deleted transactions
come back as `{"status": "Deleted", "Id", "MetaData"}` stubs, which the fallback query cannot see, so
the stubs of a capped response are still emitted.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .client import QBOClient
from .entities import ENTITIES
from .errors import RequestRejectedError
from .query import parse_ts
from .records import Row
from .responses import Envelope, rows_of

LOGGER = logging.getLogger("tap_quickbooks_online.cdc")
CDC_WINDOW = timedelta(days=30)
CDC_SAFETY = timedelta(hours=1)  # our clock vs Intuit's: stay clearly inside the window
CDC_CAP = 1000


def within_window(bookmark: datetime, now: datetime) -> bool:
    return now - bookmark < CDC_WINDOW - CDC_SAFETY


@dataclass
class CDCResult:
    time: datetime  # the server's time of the response: the next bookmark derives from it
    rows: dict[str, list[Row]] = field(default_factory=dict)
    capped: bool = False

    def for_entity(self, name: str) -> list[Row]:
        return self.rows.get(name, [])


def parse_cdc(envelope: Envelope, fallback_time: datetime) -> CDCResult:
    rows: dict[str, list[Row]] = {}
    for block in envelope.CDCResponse:
        for response in block.QueryResponse:
            for entity in ENTITIES:
                found = rows_of(response, entity.name)
                if found:
                    rows.setdefault(entity.name, []).extend(found)
    when = parse_ts(envelope.time) if envelope.time else fallback_time
    total = sum(len(v) for v in rows.values())
    return CDCResult(when, rows, capped=total >= CDC_CAP)


class ChangeFeed:
    """Makes the run's CDC call on first use and shares its result between streams."""

    def __init__(self, client: QBOClient, since: dict[str, datetime], now: datetime) -> None:
        self.client, self.since, self.now = client, since, now
        self._result: CDCResult | None = None
        self._done = False

    def result(self) -> CDCResult | None:
        """The shared CDC result, or None when QBO refused the call (callers fall back to queries)."""
        if not self._done:
            self._done = True
            self._result = self._poll()
        return self._result

    def _poll(self) -> CDCResult | None:
        if not self.since:
            return None
        entities = sorted(self.since)
        changed_since = min(self.since.values())
        try:
            envelope = self.client.cdc(entities, changed_since)
        except RequestRejectedError as exc:
            LOGGER.warning("QBO refused the CDC call (%s); falling back to LastUpdatedTime queries.", exc)
            return None
        result = parse_cdc(envelope, self.now)
        total = sum(len(v) for v in result.rows.values())
        LOGGER.info(
            "CDC since %s for %d entities returned %d objects.",
            changed_since.isoformat(),
            len(entities),
            total,
        )
        if result.capped:
            LOGGER.warning(
                "CDC returned %d objects, QBO's per-response cap: the entities of this call fall "
                "back to LastUpdatedTime queries (their CDC delete stubs are kept).",
                total,
            )
        return result
