"""Pure builders for QBO query-language statements and the timestamps they carry.

The grammar (docs/qbo-api.md): SELECT * | COUNT(*) FROM <Entity> [WHERE c AND c ...] [ORDERBY f [ASC|DESC]]
[STARTPOSITION n] [MAXRESULTS m]. No OR, string literals in single quotes, date-times ISO 8601 with offset.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from .entities import Entity

LAST_UPDATED = "MetaData.LastUpdatedTime"
MAX_PAGE = 1000
_OFFSET_NO_COLON = re.compile(r"([+-]\d{2})(\d{2})$")
# Intuit's ids are short digit strings; the wider set here is what select_ids will quote (never raw SQL).
_ID = re.compile(r"^[0-9A-Za-z\-_.:]{1,64}$")


def parse_ts(text: str) -> datetime:
    """Parse the timestamp forms QBO surfaces use (-08:00, -0800, Z, fractions); naive means UTC."""
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    value = _OFFSET_NO_COLON.sub(r"\1:\2", value)
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def format_ts(moment: datetime) -> str:
    """A timestamp literal QBO accepts: whole seconds, explicit offset."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


def quote(value: str) -> str:
    """A single-quoted QBO string literal (QBO escapes a quote with a backslash)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


@dataclass(frozen=True)
class Window:
    """A LastUpdatedTime range [low, high): either bound may be open-ended (None).

    The lower bound is inclusive (a boundary row is re-read and deduplicated rather than missed) unless
    `low_exclusive`, used only to step past a tie group that was read by position.
    """

    low: datetime | None
    high: datetime | None = None
    low_exclusive: bool = False

    def conditions(self) -> list[str]:
        out = []
        if self.low is not None:
            op = ">" if self.low_exclusive else ">="
            out.append(f"{LAST_UPDATED} {op} {quote(format_ts(self.low))}")
        if self.high is not None:
            out.append(f"{LAST_UPDATED} < {quote(format_ts(self.high))}")
        return out


def _where(entity: Entity, conditions: Iterable[str]) -> str:
    parts = [*conditions, *([entity.extra_where] if entity.extra_where else [])]
    return f" WHERE {' AND '.join(parts)}" if parts else ""


def select_page(entity: Entity, window: Window | None, page_size: int, start: int = 1) -> str:
    """One page of rows in LastUpdatedTime order (the keyset the full and incremental syncs walk)."""
    size = min(max(page_size, 1), MAX_PAGE)
    where = _where(entity, window.conditions() if window else [])
    paging = f" STARTPOSITION {start}" if start > 1 else ""
    return f"SELECT * FROM {entity.name}{where} ORDERBY {LAST_UPDATED}{paging} MAXRESULTS {size}"


def select_at(entity: Entity, moment: datetime, page_size: int, start: int) -> str:
    """Rows stamped exactly `moment`, by position: only for a tie group larger than one page."""
    cond = f"{LAST_UPDATED} = {quote(format_ts(moment))}"
    size = min(max(page_size, 1), MAX_PAGE)
    where = _where(entity, [cond])
    return f"SELECT * FROM {entity.name}{where} ORDERBY Id STARTPOSITION {start} MAXRESULTS {size}"


def count(entity: Entity, window: Window | None) -> str:
    return f"SELECT COUNT(*) FROM {entity.name}{_where(entity, window.conditions() if window else [])}"


def is_id(value: object) -> bool:
    """Whether `value` has the shape of a QBO entity id (webhook events are checked with it)."""
    return isinstance(value, str) and _ID.match(value) is not None


def select_ids(entity: Entity, ids: Sequence[str]) -> str:
    """Fetch records by id (webhook events): every id is validated, none is interpolated raw."""
    bad = [i for i in ids if not is_id(i)]
    if bad:
        raise ValueError(f"refusing malformed QBO ids {bad[:3]!r}")
    id_list = ", ".join(quote(i) for i in ids)
    return f"SELECT * FROM {entity.name}{_where(entity, [f'Id IN ({id_list})'])} MAXRESULTS {MAX_PAGE}"


def select_singleton(entity: Entity) -> str:
    return f"SELECT * FROM {entity.name}"
