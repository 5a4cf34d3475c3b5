"""The tie-out over landed Delta tables: `dbt build` of transform/ on dbt-duckdb, then what did not tie.

Always checked (dbt tests): every transaction balances, each month's trial balance nets to zero, the balance
sheet balances, the cash flow explains the change in cash, P&L and trial balance agree. When QBO's report
tables (trial_balance, profit_and_loss, balance_sheet) sit beside the entity tables, `reconciliation` also
compares our statements with them per realm, month and account, to the cent (transform/README.md).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb

ROOT = Path(__file__).resolve().parents[1]
REPORT_TABLES = ("trial_balance", "profit_and_loss", "balance_sheet")
SHOWN = 20  # failing rows printed per test


def run_dbt(delta_root: Path, workdir: Path, reconcile: bool) -> int:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DBT_")}
    env.update(
        DBT_DELTA_ROOT=str(delta_root), DBT_DUCKDB_PATH=str(workdir / "finance.duckdb"),
        DBT_TARGET_PATH=str(workdir / "target"), DBT_LOG_PATH=str(workdir / "logs"), DBT_TARGET="duckdb",
        DBT_PROFILES_DIR=str(ROOT / "transform" / "profiles"), DBT_PROJECT_DIR=str(ROOT / "transform"),
        DBT_RECONCILE_REPORTS="true" if reconcile else "false", DBT_SEND_ANONYMOUS_USAGE_STATS="false",
    )
    dbt = Path(sys.executable).parent / "dbt"
    done = subprocess.run([str(dbt), "build", "--store-failures", "--quiet"], cwd=ROOT, env=env, check=False)
    return done.returncode


def failures(workdir: Path) -> list[dict[str, Any]]:
    results = json.loads((workdir / "target" / "run_results.json").read_text())["results"]
    return [r for r in results if r["status"] in ("fail", "error", "warn")]


def print_failures(con: duckdb.DuckDBPyConnection, results: list[dict[str, Any]]) -> None:
    for result in results:
        name = result["unique_id"].split(".")[2]
        print(f"\n{result['status'].upper()}: {name}: {result.get('message') or ''}")
        relation = result.get("relation_name")
        if not relation:
            continue
        rows = con.execute(f"select * from {relation} limit {SHOWN}")
        columns = [d[0] for d in rows.description]
        for row in rows.fetchall():
            print("  " + ", ".join(f"{c}={_fmt(v)}" for c, v in zip(columns, row, strict=True)))


def _fmt(value: Any) -> str:
    return f"{value:.2f}" if hasattr(value, "quantize") else str(value)


def summary(con: duckdb.DuckDBPyConnection, reconcile: bool, results: list[dict[str, Any]]) -> str:
    con.execute("use finance.finance")
    months, realms = con.execute(
        "select count(distinct period_end), count(distinct realm_id) from trial_balance"
    ).fetchone()
    broken = [
        r for r in results if r["status"] in ("fail", "error") and "ties_to_quickbooks" not in r["unique_id"]
    ]
    invariants = f"FAIL ({len(broken)} checks)" if broken else "hold"
    line = f"Tie-out: {months} months in {realms} realm(s); ledger invariants {invariants}"
    if not reconcile:
        return line + "; QBO's report tables are not landed, so nothing was compared with QuickBooks' reports"
    tied, total, diff = con.execute(
        "select count(*) filter (where status = 'ties'), count(*), coalesce(sum(abs(difference)), 0) "
        "from reconciliation"
    ).fetchone()
    compared = con.execute(
        "select count(distinct period_end), count(distinct period_end) filter (where status <> 'ties') "
        "from reconciliation"
    ).fetchone()
    months_tied = compared[0] - compared[1]
    return (f"{line}; trial balance, P&L and balance sheet tie to QuickBooks for {months_tied} of "
            f"{compared[0]} months ({tied} of {total} figures), difference {diff:.2f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("delta_root", nargs="?", default=str(ROOT / "output" / "demo" / "delta"),
                        help="the target's delta_root (default: the demo's, output/demo/delta)")
    parser.add_argument("--workdir", default=str(ROOT / "output" / "tieout"),
                        help="where the DuckDB file and dbt's artefacts go (default: output/tieout)")
    args = parser.parse_args()
    delta_root = Path(args.delta_root).resolve()
    schema_dir = delta_root / os.environ.get("DBT_SOURCE_CATALOG", "main") / os.environ.get(
        "DBT_SOURCE_SCHEMA", "quickbooks")
    if not (schema_dir / "accounts" / "_delta_log").is_dir():
        print(f"tieout: no landed QuickBooks tables under {schema_dir}; run ./scripts/demo or a sync first",
              file=sys.stderr)
        return 2
    reconcile = all((schema_dir / t / "_delta_log").is_dir() for t in REPORT_TABLES)
    workdir = Path(args.workdir).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "finance.duckdb").unlink(missing_ok=True)
    code = run_dbt(delta_root, workdir, reconcile)
    results = failures(workdir) if (workdir / "target" / "run_results.json").exists() else []
    con = duckdb.connect(str(workdir / "finance.duckdb"), read_only=True)
    try:
        print_failures(con, results)
        print("\n" + summary(con, reconcile, results))
    finally:
        con.close()
    return 0 if code == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
