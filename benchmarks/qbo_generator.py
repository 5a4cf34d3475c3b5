"""Benchmark the QBO emulator's generated company: build time, full-generation throughput and memory.

    uv run python benchmarks/qbo_generator.py                 # standard company + a 1M-transaction company
    uv run python benchmarks/qbo_generator.py --scale 10 --no-stream

Prints figures; asserts nothing. The big company is lazy: transactions are pure functions of their index,
so its memory is the per-row timestamp index (16 bytes a row), not the records.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.emulators.qbo.company import Company, Table
from tests.emulators.qbo.ledger import base_ledger
from tests.emulators.qbo.query import parse
from tests.emulators.qbo.query_exec import execute
from tests.emulators.qbo.store import Store

HISTORY_END = date(2026, 3, 10)
ONE_MILLION_SCALE = 103.0  # ~9,750 transactions per unit of scale


def rss_mb() -> float:
    """Peak resident set size of this process so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(label: str, func, *args):  # type: ignore[no-untyped-def]
    began = time.perf_counter()
    result = func(*args)
    print(f"  {label:<44} {time.perf_counter() - began:8.2f} s   peak RSS {rss_mb():8.1f} MiB")
    return result


def stream(company: Company) -> int:
    """Materialise every transaction once (as a full sync would), keeping none."""
    n = 0
    for entity in company.transaction_entities:
        table: Table = company.tables[entity]
        for i in range(table.count):
            table.build(i)
            n += 1
    return n


def last_page_by_offset(company: Company) -> int:
    """Offset paging: every skipped row is still generated to test the WHERE clause (the slow pattern)."""
    store = Store(company)
    start = company.tables["Invoice"].count - 999
    q = parse(
        f"select * from Invoice orderby MetaData.LastUpdatedTime, Id startposition {start} maxresults 1000"
    )
    return len(execute(store, q).get("Invoice", []))


def last_page_by_bookmark(company: Company) -> int:
    """Keyset paging from a LastUpdatedTime bookmark: a bisect on the index, then 1000 rows."""
    store = Store(company)
    _luts, order = company.tables["Invoice"].index()
    row = store.get("Invoice", str(order[len(order) - 1000] + 1))
    assert row is not None
    bookmark = row["MetaData"]["LastUpdatedTime"]
    q = parse(
        f"select * from Invoice where MetaData.LastUpdatedTime >= '{bookmark}' "
        "orderby MetaData.LastUpdatedTime, Id maxresults 1000"
    )
    return len(execute(store, q).get("Invoice", []))


def run(scale: float, do_stream: bool, do_ledger: bool) -> None:
    print(f"scale {scale}:")
    company = timed("build company (name lists, lazy tables)", Company, 7, scale, HISTORY_END)
    print(f"  transactions: {company.transaction_count():,}")
    timed("build timestamp indexes (all entities)", lambda: [t.index() for t in company.tables.values()])
    timed("query: last Invoice page, LUT bookmark", last_page_by_bookmark, company)
    timed("query: last Invoice page, STARTPOSITION", last_page_by_offset, company)
    if do_stream:
        began = time.perf_counter()
        n = timed("generate every transaction (streaming)", stream, company)
        print(f"  throughput: {n / (time.perf_counter() - began):,.0f} transactions/s")
    if do_ledger:
        timed("ledger: post every transaction", base_ledger, company)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=float, default=ONE_MILLION_SCALE, help="the large company's scale")
    parser.add_argument("--no-stream", action="store_true", help="skip generating every large-company record")
    args = parser.parse_args()
    print(f"start: peak RSS {rss_mb():.1f} MiB")
    run(1.0, do_stream=True, do_ledger=True)
    run(args.scale, do_stream=not args.no_stream, do_ledger=False)


if __name__ == "__main__":
    main()
