"""Per-emulator company data: the shared generated Company plus a copy-on-write overlay of changes.

Mutations never edit a record in place: they put a new dict in the overlay (or a tombstone), under a lock.
Readers take a snapshot of one entity's overlay (a shallow dict copy) and then iterate without the lock, so
a paged sync that runs while scenarios mutate the company sees a consistent view per request.
"""

from __future__ import annotations

import copy
import functools
import heapq
import threading
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .company import Company
from .entities import BY_NAME, EntitySpec
from .jsonutil import Raw, dumps
from .timefmt import parse_ts


@dataclass(frozen=True)
class Entry:
    """An overlay entry: the current record, or a tombstone (record None) with its deletion time."""

    lut: float
    record: dict[str, Any] | None
    stub: dict[str, Any] | None = None

    @functools.cached_property
    def encoded(self) -> bytes:
        """The JSON of the record (or stub), made once: an entry is replaced, never edited, on mutation."""
        return dumps(self.record if self.record is not None else self.stub)


def lut_of(record: dict[str, Any]) -> float:
    return parse_ts(record["MetaData"]["LastUpdatedTime"]).timestamp()


class View:
    """A consistent read view of one entity."""

    def __init__(self, spec: EntitySpec, company: Company, overlay: dict[str, Entry]) -> None:
        self.spec, self.table, self.overlay = spec, company.tables.get(spec.name), overlay

    @property
    def base_count(self) -> int:
        return self.table.count if self.table else 0

    def is_fresh(self, num: int) -> bool:
        """True when record `num` came straight from a lazy generator (a private dict, safe to hand out)."""
        return bool(self.table and self.table.fresh) and str(num) not in self.overlay

    def get(self, record_id: str) -> dict[str, Any] | None:
        entry = self.overlay.get(record_id)
        if entry is not None:
            return entry.record
        if record_id.isdigit() and 1 <= int(record_id) <= self.base_count and self.table:
            return self.table.build(int(record_id) - 1)
        return None

    def by_lut(
        self,
        lo: float | None = None,
        hi: float | None = None,
        desc: bool = False,
        deleted: bool = False,
        skip: int = 0,
        open_ends: tuple[bool, bool] = (False, False),
        mode: str = "dict",
    ) -> Iterator[tuple[float, int, Any]]:
        """(lut, id, record) in (LastUpdatedTime, Id) order, lazily; tombstone stubs only if `deleted`.

        `skip` passes over that many rows without generating them (offset paging without a WHERE filter).
        `open_ends` makes lo and/or hi exclusive. `mode` says what stands for a record: "dict" the record,
        "raw" its cached JSON (`Raw`), "id" just its id (counting without building anything).
        """
        lo_open, hi_open = open_ends
        base = self._base_by_lut(lo, hi, desc, open_ends)
        extra = sorted(
            (
                (e.lut, int(i), e)
                for i, e in self.overlay.items()
                if (lo is None or e.lut > lo or (e.lut == lo and not lo_open))
                and (hi is None or e.lut < hi or (e.lut == hi and not hi_open))
            ),
            reverse=desc,
        )
        merged = heapq.merge(base, extra, key=lambda t: (t[0], t[1]), reverse=desc)
        yield from self._live(merged, deleted, skip, mode)

    def by_id(
        self, desc: bool = False, skip: int = 0, mode: str = "dict"
    ) -> Iterator[tuple[float, int, Any]]:
        n = self.base_count
        base = ((0.0, k, None) for k in (range(n, 0, -1) if desc else range(1, n + 1)))
        extra = sorted(
            ((e.lut, int(i), e) for i, e in self.overlay.items()), key=lambda t: t[1], reverse=desc
        )
        merged = heapq.merge(base, extra, key=lambda t: t[1], reverse=desc)
        yield from self._live(
            ((t, n, e) for t, n, e in merged if e is not None or str(n) not in self.overlay),
            False,
            skip,
            mode,
        )

    def _live(
        self, rows: Iterator[tuple[float, int, Entry | None]], deleted: bool, skip: int, mode: str = "dict"
    ) -> Iterator[tuple[float, int, Any]]:
        resolve = {"dict": self._resolve, "raw": self._encode, "id": self._id}[mode]
        for lut, num, entry in rows:
            if entry is not None and entry.record is None and not deleted:
                continue
            if skip:
                skip -= 1
                continue
            record = resolve(num, entry, deleted)
            if record is not None:
                yield lut, num, record

    def _base_by_lut(
        self, lo: float | None, hi: float | None, desc: bool, open_ends: tuple[bool, bool]
    ) -> Iterator[tuple[float, int, Entry | None]]:
        if not self.table:
            return
        luts, order = self.table.index()
        a = 0 if lo is None else (bisect_right if open_ends[0] else bisect_left)(luts, lo)
        b = len(luts) if hi is None else (bisect_left if open_ends[1] else bisect_right)(luts, hi)
        for k in range(b - 1, a - 1, -1) if desc else range(a, b):
            num = order[k] + 1
            if str(num) not in self.overlay:
                yield luts[k], num, None

    def _resolve(self, num: int, entry: Entry | None, deleted: bool) -> dict[str, Any] | None:
        if entry is None:
            return self.table.build(num - 1) if self.table else None
        if entry.record is None:
            return entry.stub if deleted else None
        return entry.record

    def _id(self, num: int, entry: Entry | None, deleted: bool) -> int | None:
        return num if entry is None or entry.record is not None or (deleted and entry.stub) else None

    def _encode(self, num: int, entry: Entry | None, deleted: bool) -> Raw | None:
        if entry is None:
            return Raw(self.table.encoded(num - 1)) if self.table else None
        if entry.record is None and (not deleted or entry.stub is None):
            return None
        return Raw(entry.encoded)


class Store:
    def __init__(self, company: Company) -> None:
        self.company = company
        self.lock = threading.RLock()
        self._overlay: dict[str, dict[str, Entry]] = {name: {} for name in BY_NAME}
        self._next_id = {name: (t.count if (t := company.tables.get(name)) else 0) + 1 for name in BY_NAME}
        self.version = 0

    def view(self, entity: str) -> View:
        spec = BY_NAME[entity]
        with self.lock:
            return View(spec, self.company, dict(self._overlay[entity]))

    def get(self, entity: str, record_id: str) -> dict[str, Any] | None:
        return self.view(entity).get(str(record_id))

    def all(self, entity: str) -> list[dict[str, Any]]:
        """Every live record (inactive included) in Id order, as deep copies the caller may modify."""
        if entity not in BY_NAME:
            raise KeyError(f"unknown QBO entity {entity!r}")
        view = self.view(entity)
        return [rec if view.is_fresh(num) else copy.deepcopy(rec) for _, num, rec in view.by_id()]

    def overlay_items(self, entity: str) -> dict[str, Entry]:
        with self.lock:
            return dict(self._overlay[entity])

    # Writers (callers hold self.lock around read-modify-write sequences) ------------------------------
    def new_id(self, entity: str) -> str:
        with self.lock:
            value = self._next_id[entity]
            self._next_id[entity] = value + 1
            return str(value)

    def put(self, entity: str, record: dict[str, Any]) -> None:
        with self.lock:
            self._overlay[entity][record["Id"]] = Entry(lut_of(record), record)
            self.version += 1

    def tombstone(self, entity: str, record_id: str, lut: float, stub: dict[str, Any]) -> None:
        with self.lock:
            self._overlay[entity][record_id] = Entry(lut, None, stub)
            self.version += 1
