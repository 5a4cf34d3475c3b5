"""Backfill benchmark of tap-quickbooks-online against the QBO emulator. Prints figures; asserts nothing.

Scenarios (the tap runs as its real CLI in a child process; the emulator runs in this process):
1. limits: 200 ms latency per request (per 1000 rows returned for /batch), Intuit's limits enforced by
   the emulator (500/min, 10 concurrent, 40 batch/min): records/s, API calls, wall time, and the best
   wall time those limits allow. The emulator is warmed first (every record serialised once, untimed).
2. cpu: zero latency, throttling off: the tap's own throughput (records/s) and peak RSS.
3. rss: the cpu scenario on companies a fifth and twice the size, to show that peak RSS does not grow
   with the company (read-ahead is capped in pages, backfills.MAX_BUFFERED_PAGES).

Usage: uv run python benchmarks/tap_backfill.py [--records 250000] [--skip-limits]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import msgspec  # noqa: E402
import requests  # noqa: E402
from tap_quickbooks_online.entities import BY_NAME, ENTITIES  # noqa: E402

from tests.emulators.qbo import QBOEmulator  # noqa: E402
from tests.tap.harness import catalog_for, tap_config  # noqa: E402

RECORDS_AT_SCALE_1 = 9_800  # ~transactions per year at scale 1 (emulator README); lists are extra
TAP = str(Path(sys.executable).with_name("tap-quickbooks-online"))
RECORD_TAG = b'{"type":"RECORD"'
PAGE_ROWS = 1000  # QBO's largest MAXRESULTS
BATCH_ITEMS = 30  # QBO's largest /batch


def company_size(emu: QBOEmulator) -> int:
    return sum(emu.store.view(e.name).base_count for e in ENTITIES)


def min_pages(emu: QBOEmulator) -> int:
    """Fewest page reads of <= 1000 rows that return every record: a page holds rows of one entity only."""
    sizes = [emu.store.view(e.name).base_count for e in ENTITIES]
    return sum(max(1, math.ceil(n / PAGE_ROWS)) for n in sizes)


def limit_bound(
    pages: int, latency: float, concurrent: int = 10, per_minute: int = 500, batch_per_minute: int = 40
) -> float:
    """Best wall time for `pages` page reads under Intuit's limits, any mix of plain and /batch requests.

    The emulator charges a /batch `latency` per 1000 rows it returns (as a server's time grows with the
    rows read), so batching saves request budget, not time in a concurrency slot: every page costs
    `latency` of one of `concurrent` slots. Per 60 s window, at most `per_minute` requests, of which up to
    `batch_per_minute` may be /batch of BATCH_ITEMS pages each.
    """
    by_concurrency = math.ceil(pages / concurrent) * latency
    per_window = per_minute - batch_per_minute + batch_per_minute * BATCH_ITEMS
    full_windows = max(0, math.ceil(pages / per_window) - 1)
    return max(by_concurrency, full_windows * 60.0 + latency)


class QueryEnvelope(msgspec.Struct):
    # Rows stay undecoded: this client shares the emulator's process (and GIL), so building a thousand
    # dicts per page here would measure this client, not the emulator.
    QueryResponse: dict[str, list[msgspec.Raw] | int]


def raw_ceiling(emu: QBOEmulator) -> float:
    """Records/s a bare 10-thread client gets from this emulator (offset pages, no processing at all)."""
    token = emu.issue_access_token()
    session = requests.Session()
    session.mount("http://", requests.adapters.HTTPAdapter(pool_maxsize=10))
    tasks = [
        (e.name, start)
        for e in ENTITIES
        if e.kind != "singleton"
        for start in range(1, emu.store.view(e.name).base_count + 1, 1000)
    ]

    def fetch(task: tuple[str, int]) -> int:
        entity, start = task
        where = " WHERE Active IN (true, false)" if BY_NAME[entity].kind == "list" else ""
        statement = f"SELECT * FROM {entity}{where} STARTPOSITION {start} MAXRESULTS 1000"
        reply = session.get(
            f"{emu.api_url}/query",
            params={"query": statement},
            timeout=120,
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
        )
        reply.raise_for_status()
        rows = msgspec.json.decode(reply.content, type=QueryEnvelope).QueryResponse.get(entity, [])
        return len(rows) if isinstance(rows, list) else 0

    started = time.perf_counter()
    with ThreadPoolExecutor(10) as pool:
        total = sum(pool.map(fetch, tasks))
    return total / (time.perf_counter() - started)


def run_tap(config: dict[str, Any], workdir: Path) -> dict[str, float]:
    (workdir / "config.json").write_text(json.dumps(config))
    (workdir / "catalog.json").write_text(json.dumps(catalog_for(None)))
    started = time.perf_counter()
    proc = subprocess.Popen(
        [TAP, "--config", str(workdir / "config.json"), "--catalog", str(workdir / "catalog.json")],
        stdout=subprocess.PIPE,
        stderr=open(workdir / "tap.log", "wb"),  # noqa: SIM115
    )
    records, tail, peak_kb = 0, b"", 0
    assert proc.stdout is not None
    while chunk := proc.stdout.read(1 << 20):
        data = tail + chunk
        records += data.count(RECORD_TAG)
        tail = data[-len(RECORD_TAG) :]
        records -= tail.count(RECORD_TAG)
        peak_kb = max(peak_kb, peak_rss_kb(proc.pid))
    records += tail.count(RECORD_TAG)
    _, status, usage = os.wait4(proc.pid, 0)  # the child's own CPU time
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"tap failed (rc {proc.returncode}); see {workdir / 'tap.log'}")
    return {
        "records": records,
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "rss_mb": peak_kb / 1024,
    }


def peak_rss_kb(pid: int) -> int:
    """The process's peak RSS since its exec (VmHWM). Not ru_maxrss: that also counts the pages the child
    shared with this (large, emulator-holding) process between fork and exec."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    line = next((x for x in status.splitlines() if x.startswith("VmHWM:")), "VmHWM: 0 kB")
    return int(line.split()[1])


def scenario(records: int, latency_ms: float, throttle: bool, workdir: Path) -> dict[str, float]:
    workdir.mkdir(parents=True, exist_ok=True)
    scale = max(0.05, records / (RECORDS_AT_SCALE_1 * 0.98))
    with QBOEmulator(seed=7, scale=scale) as emu:
        emu.faults.latency_ms = latency_ms
        emu.faults.throttle = throttle
        size, pages = company_size(emu), min_pages(emu)
        warm_started = time.perf_counter()
        emu.warm()  # cached per company: the scenarios that share a company warm it once
        print(f"  ({workdir.name}: emulator warmed in {time.perf_counter() - warm_started:.1f} s)")
        # Without the emulator's limits, the tap's own limiter must not bound a "CPU" figure either.
        unlimited = {"max_requests_per_minute": 10**6, "max_batch_requests_per_minute": 10**6}
        limits = {} if throttle else unlimited
        config = tap_config(emu, workdir, settle_seconds=30, cdc_interval=10800, **limits)
        result = run_tap(config, workdir)
        counters = emu.counters()
        emu.clock.advance(61)  # a fresh 60-second window for the bare client
        result["ceiling"] = raw_ceiling(emu)
    api_calls = sum(counters.get(k, 0) for k in ("token", "query", "batch", "cdc", "read"))
    return {
        **result,
        "company": size,
        "api_calls": api_calls,
        "throttled": counters.get("throttled", 0),
        "pages": sum(counters.get(k, 0) for k in ("query", "batch")),
        "min_pages": pages,
    }


def show(title: str, r: dict[str, float]) -> None:
    print(
        f"{title}: {int(r['records'])} records of {int(r['company'])} in {r['wall']:.1f} s "
        f"= {r['records'] / r['wall']:,.0f} records/s; API calls {int(r['api_calls'])} "
        f"(429s {int(r['throttled'])}); tap CPU {r['cpu']:.1f} s = {r['records'] / r['cpu']:,.0f} "
        f"records per CPU-second; tap peak RSS {r['rss_mb']:.0f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=250_000)
    parser.add_argument("--skip-limits", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        if not args.skip_limits:
            limited = scenario(args.records, 200, True, work / "limits")
            show("limits (200 ms, Intuit limits)", limited)
            pages = int(limited["min_pages"])
            best = limit_bound(pages, 0.2)
            rate = limited["company"] / best
            print(
                f"  limit-bound: >= {pages} page reads of <= 1000 rows need >= {best:.1f} s "
                f"= {rate:,.0f} records/s at best; achieved {limited['records'] / limited['wall'] / rate:.0%}"
            )
            print(
                f"  emulator ceiling at 200 ms: a bare 10-thread client that only downloads gets "
                f"{limited['ceiling']:,.0f} records/s from this emulator (one Python process); the tap "
                f"reached {limited['records'] / limited['wall'] / limited['ceiling']:.0%} of it"
            )
        cpu = scenario(args.records, 0, False, work / "cpu")
        show("cpu (0 ms, no throttle)", cpu)
        print(f"  emulator ceiling at 0 ms: {cpu['ceiling']:,.0f} records/s")
        small = scenario(args.records // 5, 0, False, work / "small")
        show("rss check (1/5 company)", small)
        large = scenario(args.records * 2, 0, False, work / "large")
        show("rss check (2x company)", large)
        sizes = ", ".join(f"{r['rss_mb']:.0f} MB at {int(r['company'])}" for r in (small, cpu, large))
        print(f"  peak RSS by company size (records): {sizes}")


if __name__ == "__main__":
    main()
