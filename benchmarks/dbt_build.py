"""`dbt build` of transform/ on both engines, for the demo company and a 10x one.

Each company is extracted once by the real tap from the QBO emulator (`--scales`: the emulator's scale knob,
1 = the demo company) and landed by the real target-databricks into local Delta and into the warehouse
emulator (TLS, PAT, Volume staging). Then `dbt build` (models and every tie-out test) is timed on dbt-duckdb
over the Delta tables and on dbt-databricks against the emulator. Landing times are printed too, and not
counted in the build figure. The warehouse is an emulator on duckdb: its figure measures dbt-databricks'
round trips and the emulator, not a real SQL warehouse.

    uv run python benchmarks/dbt_build.py [--scales 1,10] [--engines duckdb,databricks]

Prints one line per company and engine, then one summary line. Asserts nothing but that every build passed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.emulators.databricks import DatabricksEmulator
from tests.emulators.qbo import QBOEmulator
from tests.transform import databricks as dbt_dbx
from tests.transform.dbt import ROOT, dbt_env
from tests.transform.landing import extract, load_delta, load_warehouse

START = datetime(2026, 3, 1, tzinfo=UTC)


def timed(func, *args):  # type: ignore[no-untyped-def]
    began = time.perf_counter()
    result = func(*args)
    return result, time.perf_counter() - began


def build_duckdb(singer: Path, work: Path, as_of: str) -> tuple[float, float]:
    delta_root, landing = timed(load_delta, singer, work)
    env = dbt_env(delta_root, work / "duckdb", DBT_AS_OF_DATE=as_of)
    command = [str(Path(sys.executable).parent / "dbt"), "build", "--quiet"]
    began = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - began
    if done.returncode != 0:
        raise RuntimeError(f"dbt build (duckdb) failed:\n{done.stdout[-3000:]}")
    return landing, seconds


def build_databricks(singer: Path, work: Path, as_of: str, dbt: Path) -> tuple[float, float]:
    with DatabricksEmulator(tls=True) as dbx:
        _, landing = timed(load_warehouse, singer, dbx, work, "finance", "quickbooks")
        env = dbt_dbx.databricks_env(dbx, work, "finance", "quickbooks", DBT_AS_OF_DATE=as_of)
        began = time.perf_counter()
        done = dbt_dbx.run_dbt(dbt, env, "build", "--quiet", timeout=7200)
        seconds = time.perf_counter() - began
    if done.returncode != 0:
        raise RuntimeError(f"dbt build (databricks) failed:\n{done.stdout[-3000:]}")
    return landing, seconds


def measure(scale: float, engines: list[str], dbt: Path | None, tmp: Path) -> dict[str, float]:
    work = tmp / f"scale-{scale}"
    with QBOEmulator(seed=7, scale=scale, start=START) as emu:
        emu.faults.throttle = False
        singer = extract(emu, work / "tap")
        as_of = (emu.clock.now().date() - timedelta(days=1)).isoformat()
    records = sum(1 for line in singer.open("rb") if b'"RECORD"' in line)
    figures: dict[str, float] = {}
    for engine in engines:
        if engine == "duckdb":
            landing, build = build_duckdb(singer, work / engine, as_of)
        else:
            assert dbt is not None
            landing, build = build_databricks(singer, work / engine, as_of, dbt)
        figures[engine] = build
        label = f"scale {scale:g} ({records} records): {engine:<10}"
        print(f"{label} landing {landing:7.1f} s   dbt build {build:7.1f} s",
              flush=True)
    return figures


def main() -> int:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=formatter)
    parser.add_argument("--scales", default="1,10", help="emulated company sizes (1: the demo company)")
    parser.add_argument("--engines", default="duckdb,databricks", help="duckdb, databricks or both")
    args = parser.parse_args()
    engines = [e for e in args.engines.split(",") if e]
    dbt = dbt_dbx.dbt_databricks() if "databricks" in engines else None
    tmp = Path(tempfile.mkdtemp(prefix="dbt-build-bench-"))
    try:
        results = {float(s): measure(float(s), engines, dbt, tmp) for s in args.scales.split(",")}
    except Exception as exc:
        print(f"failed: {exc}")
        return 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    parts = [
        f"scale {scale:g}: " + ", ".join(f"{engine} {seconds:.1f} s" for engine, seconds in figures.items())
        for scale, figures in results.items()
    ]
    print(f"dbt build (load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores): " + "; ".join(parts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
