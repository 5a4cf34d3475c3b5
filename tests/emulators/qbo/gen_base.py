"""The lazy transaction generator's frame: record i of a kind is a pure function of (seed, kind, i).

Nothing is stored per transaction, so a million-transaction company costs only its timestamp index.
"""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from .gen_common import USD, envelope, epoch_at, mix, money, ref
from .gen_lists import ACCT


@dataclass(frozen=True)
class Ctx:
    """What every transaction builder needs to know about the company."""

    seed: int
    day0: date
    days: int
    customers: tuple[str, ...]
    vendors: tuple[str, ...]
    employees: tuple[str, ...]

    @functools.cached_property
    def end_epoch(self) -> float:
        return epoch_at(self.day0 + timedelta(days=self.days), 0)


@functools.lru_cache(maxsize=4096)
def _morning(day0: date, offset: int) -> float:
    """Epoch of 08:00 local on day0 + offset. Cached: zone conversion dominates generation otherwise, and
    no DST change happens between 08:00 and 18:00, so adding seconds to it stays exact."""
    return epoch_at(day0 + timedelta(days=offset), 8 * 3600)


class TxnKind:
    """One generated transaction entity. Subclasses set `entity`, `code`, and implement `body`."""

    entity = ""
    code = 0

    def __init__(self, ctx: Ctx, count: int) -> None:
        self.ctx = ctx
        self.count = max(1, count)

    def day(self, i: int) -> int:
        """Transactions are spread evenly over the history, so Id order is date order."""
        return (i * self.ctx.days) // self.count

    def hash(self, i: int, salt: int = 0) -> int:
        return mix(self.ctx.seed, self.code, i, salt)

    def stamp(self, i: int) -> tuple[float, float]:
        """(CreateTime, LastUpdatedTime) as epoch seconds; about one record in ten is edited days later."""
        h = self.hash(i, 1)
        create = _morning(self.ctx.day0, self.day(i)) + h % 36000  # entered between 08:00 and 18:00
        updated = create + (h >> 16) % (3 * 86400) if h % 10 == 0 else create
        return create, min(updated, self.ctx.end_epoch - 1)

    def txn_date(self, i: int) -> str:
        return (self.ctx.day0 + timedelta(days=self.day(i))).isoformat()

    def build(self, i: int) -> dict[str, Any]:
        create, updated = self.stamp(i)
        body = self.body(i, random.Random(self.hash(i)))
        return envelope(i + 1, create, updated, body)

    def body(self, i: int, r: random.Random) -> dict[str, Any]:
        raise NotImplementedError

    # Shared pieces ---------------------------------------------------------------------------------
    def customer(self, r: random.Random) -> dict[str, str]:
        k = r.randrange(len(self.ctx.customers))
        return ref(k + 1, self.ctx.customers[k])

    def vendor(self, r: random.Random) -> dict[str, str]:
        k = r.randrange(len(self.ctx.vendors))
        return ref(k + 1, self.ctx.vendors[k])


def acct(name: str) -> dict[str, str]:
    return ref(ACCT[name], name)


def sub_total(cents: int) -> dict[str, Any]:
    return {"Amount": money(cents), "DetailType": "SubTotalLineDetail", "SubTotalLineDetail": {}}


def expense_line(n: int, cents: int, account: str, description: str) -> dict[str, Any]:
    return {
        "Id": str(n),
        "LineNum": n,
        "Description": description,
        "Amount": money(cents),
        "DetailType": "AccountBasedExpenseLineDetail",
        "AccountBasedExpenseLineDetail": {
            "AccountRef": acct(account),
            "BillableStatus": "NotBillable",
            "TaxCodeRef": {"value": "NON"},
        },
    }


def currency() -> dict[str, str]:
    return dict(USD)
