"""Runs a parsed query against a store view, lazily when the order allows it.

Ordering by Id or by MetaData.LastUpdatedTime (then Id) streams rows from the timestamp index and stops
after the requested page, so paging a million-row table does not materialise it. Other orders sort in full.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import Any

from .faults import query_invalid
from .gen_more import unwrapped
from .jsonutil import Raw, loads
from .query import Cond, Query
from .store import Store, View
from .timefmt import parse_ts

LUT = "MetaData.LastUpdatedTime"
COMPARISONS = ("=", "<", ">", "<=", ">=")
Row = tuple[float, int, dict[str, Any]]


def lookup(record: dict[str, Any], path: str) -> Any:
    """The value at a dotted path; through a list (Attachable.AttachableRef) it follows the first item, and
    into the transaction a RecurringTransaction element wraps."""
    value: Any = unwrapped(record)
    for part in path.split("."):
        if isinstance(value, list) and value:
            value = value[0]
        if not isinstance(value, dict):
            return None
        if part not in value:  # `AttachableRef.EntityRef.Type` names the JSON key `type`
            part = next((k for k in value if k.lower() == part.lower()), part)
            if part not in value:
                return None
        value = value[part]
    return value


def coerce(value: Any, ftype: str, name: str) -> Any:
    """Turn a literal or a record value into a comparable Python value of the field's type."""
    if value is None:
        return None
    try:
        if ftype == "id":
            return int(float(value))
        if ftype == "ts":
            return parse_ts(str(value)).timestamp()
        if ftype == "num":
            return Decimal(str(value))
        if ftype == "bool":
            if isinstance(value, bool):
                return value
            if str(value).lower() in ("true", "false"):
                return str(value).lower() == "true"
            raise ValueError(value)
        if ftype == "ref":
            return str(value["value"] if isinstance(value, dict) else value)
        if ftype == "date":
            return str(value)[:10]
        # Strings compare without case: Intuit's Attachable example matches 'purchase' to type Purchase.
        return str(value).casefold()
    except (ValueError, TypeError, KeyError, InvalidOperation) as exc:
        raise query_invalid(f"invalid value '{value}' for property '{name}'") from exc


class Matcher:
    """The WHERE clause, with literals coerced once."""

    def __init__(self, q: Query) -> None:
        fields = q.spec.fields
        self.conds = [
            (c, fields[c.field], [coerce(v, fields[c.field], c.field) for v in c.values]) for c in q.where
        ]
        # `%` is the only wildcard Intuit supports; every other character matches itself.
        self.like = {
            c.field: re.compile(".*".join(map(re.escape, str(c.values[0]).split("%"))), re.I | re.S)
            for c in q.where
            if c.op == "LIKE"
        }

    def __call__(self, record: dict[str, Any]) -> bool:
        return all(self._one(c, ftype, values, record) for c, ftype, values in self.conds)

    def _one(self, c: Cond, ftype: str, values: list[Any], record: dict[str, Any]) -> bool:
        raw = lookup(record, c.field)
        if raw is None and ftype == "bool" and c.field == "Active":
            raw = True
        actual = coerce(raw, ftype, c.field)
        if actual is None:
            return False
        if c.op == "IN":
            return actual in values
        if c.op == "LIKE":
            return bool(self.like[c.field].fullmatch(str(actual)))
        want = values[0]
        return {
            "=": actual == want,
            "<": actual < want,
            ">": actual > want,
            "<=": actual <= want,
            ">=": actual >= want,
        }[c.op]

    def lut_bounds(self) -> tuple[float | None, float | None, tuple[bool, bool]]:
        """(low, high, (low exclusive, high exclusive)) of the LastUpdatedTime conditions."""
        lo: tuple[float, bool] | None = None  # (value, exclusive); the tighter bound wins
        hi: tuple[float, bool] | None = None
        for c, _, values in self.conds:
            if c.field != LUT or c.op not in COMPARISONS:
                continue
            if c.op in ("=", ">", ">="):
                lo = max(lo or (values[0], False), (values[0], c.op == ">"))
            if c.op in ("=", "<", "<="):
                hi = min(hi or (values[0], False), (values[0], c.op == "<"), key=lambda b: (b[0], not b[1]))
        return (
            lo[0] if lo else None,
            hi[0] if hi else None,
            (bool(lo and lo[1]), bool(hi and hi[1])),
        )

    def residual(self, lut_indexed: bool) -> bool:
        """Whether any condition needs the record itself (LastUpdatedTime comparisons do not when the rows
        come from the timestamp index, which applies them exactly)."""
        return any(not (lut_indexed and c.field == LUT and c.op in COMPARISONS) for c, _, _ in self.conds)

    def ids(self) -> list[int] | None:
        for c, _, values in self.conds:
            if c.field == "Id" and c.op in ("=", "IN"):
                return sorted(set(values))
        return None


def with_implicit_active(q: Query) -> Query:
    """Name lists hide inactive rows unless the query itself filters on Active."""
    if q.spec.hides_inactive and not any(c.field == "Active" for c in q.where):
        return dataclasses.replace(q, where=[*q.where, Cond("Active", "=", (True,))])
    return q


def execute(store: Store, q: Query) -> dict[str, Any]:
    """The body of QueryResponse. Rows the index alone selects come as their cached JSON (`Raw`)."""
    q = with_implicit_active(q)
    match = Matcher(q)
    offset = 0 if q.count else q.start - 1
    mode = "id" if q.count else "raw"
    candidates, skipped, exact = _candidates(store.view(q.spec.name), q, match, offset, mode)
    rows = candidates if exact else (row for row in candidates if match(row[2]))
    if q.count:
        return {"totalCount": sum(1 for _ in rows)}
    first = offset - skipped
    page = [rec for _, _, rec in itertools.islice(rows, first, first + q.max_results)]
    if not page:
        return {}
    if q.select:
        page = [project(rec, q.select) for rec in page]
    return {q.spec.key: page, "startPosition": q.start, "maxResults": len(page)}


def project(record: dict[str, Any] | Raw, paths: tuple[str, ...]) -> dict[str, Any]:
    """A projection keeps only the named properties that have values (matched case-insensitively, written
    in the record's own casing), like every QBO response leaves out properties without a value."""
    full: dict[str, Any] = loads(record.data) if isinstance(record, Raw) else record
    out: dict[str, Any] = {}
    for path in paths:
        source, target = full, out
        parts = path.split(".")
        for depth, part in enumerate(parts):
            key = next((k for k in source if k.lower() == part.lower()), None)
            if key is None:
                break
            if depth == len(parts) - 1:
                target[key] = source[key]
            elif isinstance(source[key], dict):
                source, target = source[key], target.setdefault(key, {})
            else:
                break
    return out


def _candidates(
    view: View, q: Query, match: Matcher, offset: int, mode: str
) -> tuple[Iterator[Row], int, bool]:
    """Rows in the requested order, how many of the first `offset` matches were skipped unbuilt, and
    whether the rows already satisfy the filter (then they come in `mode`: see `View.by_lut`).

    Rows can be skipped without generating them only when the index alone decides the filter.
    """
    order = list(q.order)
    if q.count and not match.residual(True):
        order = [(LUT, False)]  # a count has no order: the timestamp index alone answers it
    ids = match.ids()
    if ids is not None:
        rows = [(0.0, n, rec) for n in ids if (rec := view.get(str(n))) is not None]
        return iter(_sorted(rows, order, q)), 0, False
    if order in ([], [("Id", False)], [("Id", True)]):
        exact = not match.residual(False)
        desc = order == [("Id", True)]
        skip = offset if exact else 0
        return view.by_id(desc=desc, skip=skip, mode=mode if exact else "dict"), skip, exact
    lo, hi, open_ends = match.lut_bounds()
    for desc in (False, True):
        if order in ([(LUT, desc)], [(LUT, desc), ("Id", desc)]):
            exact = not match.residual(True)
            skip = offset if exact else 0
            kind = mode if exact else "dict"
            return view.by_lut(lo, hi, desc=desc, skip=skip, open_ends=open_ends, mode=kind), skip, exact
    return iter(_sorted(list(view.by_lut(lo, hi, open_ends=open_ends)), order, q)), 0, False


def _sorted(rows: list[Row], order: list[tuple[str, bool]], q: Query) -> list[Row]:
    fields = q.spec.fields
    for name, desc in reversed(order or [("Id", False)]):

        def key(row: Row, name: str = name) -> tuple[bool, Any]:
            value = coerce(lookup(row[2], name), fields[name], name)
            return (value is not None, value if value is not None else 0)

        rows.sort(key=key, reverse=desc)
    return rows
