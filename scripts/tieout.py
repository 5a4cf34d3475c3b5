"""The tie-out over landed Delta tables: `dbt build` of transform/ on dbt-duckdb, then what did not tie.

Always checked (dbt tests): every transaction balances, each month's trial balance nets to zero, the balance
sheet balances, the cash flow explains the change in cash, P&L and trial balance agree. Where the tap's report
streams have landed QBO's own reports beside the entity tables, `reconciliation` also compares our trial
balance, P&L and balance sheet with them per realm, month and account, and every GeneralLedger transaction
with our general ledger, to the cent (transform/README.md). The last line printed starts with `Tie-out:`.
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
SHOWN = 20  # failing rows printed per test


def run_dbt(delta_root: Path, workdir: Path) -> int:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DBT_")}
    env.update(
        DBT_DELTA_ROOT=str(delta_root), DBT_DUCKDB_PATH=str(workdir / "finance.duckdb"),
        DBT_TARGET_PATH=str(workdir / "target"), DBT_LOG_PATH=str(workdir / "logs"), DBT_TARGET="duckdb",
        DBT_PROFILES_DIR=str(ROOT / "transform" / "profiles"), DBT_PROJECT_DIR=str(ROOT / "transform"),
        DBT_RECONCILE_REPORTS="auto", DBT_SEND_ANONYMOUS_USAGE_STATS="false",
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
        # Reconciliation failures: the transactions (GeneralLedger rows) first, then by month.
        order = ("(report <> 'GeneralLedger'), period_end, report, account_id" if "ties_to_quickbooks" in name
                 else "all")
        rows = con.execute(f"select * from {relation} order by {order} limit {SHOWN}")
        columns = [d[0] for d in rows.description]
        for row in rows.fetchall():
            print("  " + ", ".join(f"{c}={_fmt(v)}" for c, v in zip(columns, row, strict=True)))


def _fmt(value: Any) -> str:
    return f"{value:.2f}" if hasattr(value, "quantize") else str(value)


def summary(con: duckdb.DuckDBPyConnection, results: list[dict[str, Any]]) -> str:
    """One line: how many months tie to QuickBooks' reports, the total difference, and the invariants."""
    con.execute("use finance.finance")
    realms = con.execute("select count(distinct realm_id) from trial_balance").fetchone()[0]
    broken = [
        r for r in results if r["status"] in ("fail", "error") and "ties_to_quickbooks" not in r["unique_id"]
    ]
    invariants = f"ledger invariants FAIL ({len(broken)} checks)" if broken else "ledger invariants hold"
    compared = con.execute(
        """select count(distinct period_end) filter (where report <> 'GeneralLedger'),
                  count(distinct period_end) filter (where report <> 'GeneralLedger' and status <> 'ties'),
                  coalesce(sum(abs(difference)) filter (where report <> 'GeneralLedger'), 0),
                  coalesce(sum(abs(difference)) filter (where report = 'GeneralLedger'), 0),
                  count(distinct txn_type || txn_id),
                  count(distinct txn_type || txn_id) filter (where status <> 'ties')
           from reconciliation"""
    ).fetchone() if _exists(con, "reconciliation") else (0, 0, 0, 0, 0, 0)
    months, broken_months, diff, gl_diff, txns, broken_txns = compared
    if not months:
        return ("Tie-out: nothing compared with QuickBooks' reports (the report streams have not landed); "
                f"{invariants} in {realms} realm(s)")
    tied = months - broken_months
    return (f"Tie-out: trial balance, P&L and balance sheet tie to QuickBooks for {tied} of {months} months, "
            f"difference {diff:.2f}; general ledger: {txns - broken_txns} of {txns} transactions tie, "
            f"difference {gl_diff:.2f}; "
            f"{invariants} in {realms} realm(s)")


def _exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return bool(con.execute("select count(*) from information_schema.tables where table_schema = 'finance' "
                            "and table_name = ?", [table]).fetchone()[0])


def tie_out(delta_root: Path, workdir: Path) -> tuple[int, str]:
    """Rebuild the models over `delta_root` into `workdir`, print what failed; (exit code, summary line)."""
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "finance.duckdb").unlink(missing_ok=True)
    code = run_dbt(delta_root, workdir)
    results = failures(workdir) if (workdir / "target" / "run_results.json").exists() else []
    con = duckdb.connect(str(workdir / "finance.duckdb"), read_only=True)
    try:
        print_failures(con, results)
        line = summary(con, results)
    finally:
        con.close()
    return (0 if code == 0 else 1), line


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
    code, line = tie_out(delta_root, Path(args.workdir).resolve())
    print("\n" + line)
    return code


if __name__ == "__main__":
    sys.exit(main())
