"""Everyday run times through Meltano: `meltano run tap-quickbooks-online target-databricks` on the dev
environment against the QBO emulator, into local Delta (as scripts/demo does, in its own folder).

Prints three figures (wall seconds, and the CPU seconds of Meltano, tap and target together, which a busy
machine disturbs less) and one summary line:
  - full sync of the demo company's entities (goal <= 12 s; QuickBooks' reports are their own extractor,
    tap-quickbooks-online--reports, and not part of this run),
  - a run with nothing to do (goal <= 4 s),
  - a run that brings one changed invoice (goal <= 5 s),
the last two as the median of --repeat runs. Incremental runs poll CDC every time (cdc_interval 0), the
worst case of a scheduled run. On a shared, busy machine the figures are pessimistic.

    uv run python benchmarks/meltano_run.py [--scale 1.0] [--repeat 3] [--keep]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from webhook_latency import MELTANO, ROOT, meltano_env, meltano_install

from tests.emulators.qbo import QBOEmulator

GOALS = {"full sync": 12.0, "no-change run": 4.0, "one changed record": 5.0}


def cpu_seconds() -> float:
    """User + system CPU of this process's finished children (Meltano, and the tap and target it ran)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed_run(env: dict[str, str], log: Path) -> tuple[float, float]:
    """Wall and CPU seconds of one `meltano run`."""
    started, cpu = time.perf_counter(), cpu_seconds()
    with log.open("a") as out:
        command = [MELTANO, "--environment", "dev", "run", "tap-quickbooks-online", "target-databricks"]
        code = subprocess.run(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT).returncode
    if code != 0:
        raise RuntimeError(f"meltano run exited {code}; see {log}")
    return time.perf_counter() - started, cpu_seconds() - cpu


def median(runs: list[tuple[float, float]]) -> tuple[float, float]:
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)


def measure(args: argparse.Namespace, workdir: Path) -> dict[str, tuple[float, float]]:
    meltano_install()
    log = workdir / "meltano.log"
    with QBOEmulator(seed=7, scale=args.scale, port=0) as emu:
        env = meltano_env(emu, workdir, debounce=5)
        figures = {"full sync": timed_run(env, log)}
        env["TAP_QUICKBOOKS_ONLINE_CDC_INTERVAL"] = "0"
        idle, one = [], []
        invoices = [r["Id"] for r in emu.store.all("Invoice")]
        for i in range(args.repeat):
            emu.clock.advance(60)
            idle.append(timed_run(env, log))
            emu.mutate.update("Invoice", invoices[i % len(invoices)], {"PrivateNote": f"benchmark {i}"})
            emu.clock.advance(60)
            one.append(timed_run(env, log))
    figures["no-change run"] = median(idle)
    figures["one changed record"] = median(one)
    return figures


def main() -> None:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=formatter)
    parser.add_argument("--scale", type=float, default=1.0, help="emulated company size (1: the demo's)")
    parser.add_argument("--repeat", type=int, default=3, help="incremental runs of each kind (median)")
    parser.add_argument("--keep", action="store_true", help="keep the run folder on success too")
    args = parser.parse_args()
    workdir = ROOT / "output" / "benchmarks" / f"meltano-run-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}"
    workdir.mkdir(parents=True)
    try:
        figures = measure(args, workdir)
    except Exception as exc:
        print(f"failed: {exc}; logs kept in {workdir}")
        raise SystemExit(1) from exc
    for name, (seconds, cpu) in figures.items():
        print(f"{name}: {seconds:.1f} s, {cpu:.1f} CPU-s (goal <= {GOALS[name]:.0f} s)")
    met = all(figures[name][0] <= goal for name, goal in GOALS.items())
    if not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)
    print(
        f"meltano run (scale {args.scale}, load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores): "
        + ", ".join(f"{name} {wall:.1f} s ({cpu:.1f} CPU-s)" for name, (wall, cpu) in figures.items())
        + f"; goals {'met' if met else 'NOT met'}"
    )


if __name__ == "__main__":
    sys.exit(main())
