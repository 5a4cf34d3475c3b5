"""The shapes of QBO's JSON answers (query, /batch, CDC), decoded in one pass with entity objects left raw.

Envelopes (docs/qbo-api.md): a query answers `{"QueryResponse": {"<Entity>": [...], "startPosition",
"maxResults", "totalCount"}, "time"}`, where an empty result has no entity key at all; /batch answers
`{"BatchItemResponse": [{"bId", "QueryResponse" | "Fault"}], "time"}`; CDC answers `{"CDCResponse":
[{"QueryResponse": [{"<Entity>": [...]}, ...]}], "time"}`; a report answers `{"Header", "Columns", "Rows"}`.
A fault may come with HTTP 200 as `Fault` (or, on some auth errors, `fault`). Fields not listed here are
ignored, as Intuit adds fields over time.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import msgspec

from .entities import BY_NAME, ENTITIES
from .records import Row, rows_from

_ROWS = list[msgspec.Raw]

QueryResponse = msgspec.defstruct(
    "QueryResponse",
    [(e.key, _ROWS, msgspec.field(default_factory=list)) for e in ENTITIES]
    + [(name, int | None, None) for name in ("startPosition", "maxResults", "totalCount")],
)


class BatchItem(msgspec.Struct):
    bId: str | None = None
    QueryResponse: QueryResponse | None = None  # type: ignore[valid-type]
    Fault: Any = None


class CDCBlock(msgspec.Struct):
    QueryResponse: list[QueryResponse] = msgspec.field(default_factory=list)  # type: ignore[valid-type]


class Envelope(msgspec.Struct):
    QueryResponse: QueryResponse | None = None  # type: ignore[valid-type]
    BatchItemResponse: list[BatchItem] = msgspec.field(default_factory=list)
    CDCResponse: list[CDCBlock] = msgspec.field(default_factory=list)
    Fault: Any = None
    fault: Any = None
    time: str | None = None
    # A report answers {"Header", "Columns", "Rows"}; kept raw (empty when absent) for report_parse.py.
    Header: msgspec.Raw = msgspec.field(default_factory=msgspec.Raw)
    Columns: msgspec.Raw = msgspec.field(default_factory=msgspec.Raw)
    Rows: msgspec.Raw = msgspec.field(default_factory=msgspec.Raw)

    def rows(self, entity: str) -> list[Row]:
        return rows_of(self.QueryResponse, entity)

    def total_count(self) -> int:
        return int(getattr(self.QueryResponse, "totalCount", None) or 0)


_DECODER = msgspec.json.Decoder(Envelope, float_hook=Decimal)


def decode(body: bytes) -> Envelope:
    """One response body; raises msgspec.DecodeError (unreadable) or ValidationError (wrong shape)."""
    if b"\n" in body or b"\r" in body:  # pretty-printed: one line per record needs compact objects
        body = msgspec.json.format(body, indent=-1)
    return _DECODER.decode(body)


def rows_of(response: Any, entity: str) -> list[Row]:
    """The rows of `entity` (its name) in a QueryResponse (None or an empty result: no rows)."""
    key = BY_NAME[entity].key if entity in BY_NAME else entity
    raws = getattr(response, key, None) if response is not None else None
    return rows_from(entity, raws) if raws else []
