"""Report backfill benchmark: API calls and wall time for the first sync of every report stream over three
years of months. Prints figures; asserts nothing.

The emulated company's history is one year (tests/emulators/qbo/README.md), so a three-year company is
approximated by three years of monthly windows (the call count depends only on months x reports x bases)
over one year holding three years' volume (`--scale 3`). Latency per request and Intuit's limits
(500/min, 10 concurrent) are on in the emulator, as in benchmarks/tap_backfill.py.

Usage: uv run python benchmarks/report_backfill.py [--months 36] [--scale 3] [--latency-ms 200] [--smoke]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tap_quickbooks_online.report_windows import add_months  # noqa: E402
from tap_quickbooks_online.reports import REPORTS  # noqa: E402

from tests.emulators.qbo import QBOEmulator  # noqa: E402
from tests.tap.harness import run_tap, tap_config  # noqa: E402


def expected_calls(months: int) -> int:
    """One request per month and basis of every monthly report, one per basis of every as-of report."""
    return sum(len(r.bases) * (months if r.window == "month" else 1) for r in REPORTS)


def limit_bound(calls: int, latency: float, concurrent: int = 10, per_minute: int = 500) -> float:
    """The best wall time Intuit's limits allow for `calls` requests of `latency` seconds each."""
    waves = -(-calls // concurrent) * latency
    minutes = max(0, -(-calls // per_minute) - 1) * 60.0
    return max(waves, minutes)


def run(months: int, scale: float, latency_ms: int) -> str:
    today = datetime.now(UTC).date()
    start = add_months(today.replace(day=1), -(months - 1))
    streams = [r.stream_name for r in REPORTS]
    with QBOEmulator(seed=7, scale=scale, port=0) as emu, tempfile.TemporaryDirectory() as tmp:
        emu.faults.latency_ms = latency_ms
        config = tap_config(emu, Path(tmp), start_date=f"{start.isoformat()}T00:00:00Z")
        started = time.perf_counter()
        result = run_tap(config, streams=streams)
        wall = time.perf_counter() - started
        calls = emu.counters()
    rows = {s: len(result.records[s]) for s in streams}
    print(f"company: seed 7, scale {scale}, {months} monthly windows from {start}, latency {latency_ms} ms")
    for stream, count in rows.items():
        print(f"  {stream:18s} {count:>9,d} rows")
    bound = limit_bound(calls["report"], latency_ms / 1000)
    print(
        f"report calls: {calls['report']} (expected {expected_calls(months)}), "
        f"token calls: {calls['token']}, throttled: {calls.get('throttled', 0)}"
    )
    print(f"wall time: {wall:.1f} s (Intuit's limits allow {bound:.1f} s at this latency)")
    line = (
        f"report backfill: {months} months, {calls['report']} report calls, {sum(rows.values()):,d} rows, "
        f"{wall:.1f} s wall"
    )
    print(line)
    return line


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--scale", type=float, default=3.0)
    parser.add_argument("--latency-ms", type=int, default=200)
    parser.add_argument("--smoke", action="store_true", help="two months of a tiny company, no latency")
    args = parser.parse_args(argv)
    if args.smoke:
        return run(2, 0.05, 0)
    return run(args.months, args.scale, args.latency_ms)


if __name__ == "__main__":
    main()
