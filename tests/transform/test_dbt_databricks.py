"""transform/ runs unmodified on dbt-databricks against the warehouse emulator over TLS, as in prod.

The emulator's company is extracted once by the real tap and landed twice by the real target-databricks:
into local Delta (dbt-duckdb's source) and into the warehouse emulator (catalog `finance`, schema
`quickbooks`, staging through a Volume, the prod layout of test_meltano_warehouse). `dbt build` then runs on
both engines with the project's own profile; every tie-out test passes on Databricks and each mart holds
the same rows as on DuckDB. The AI/BI dashboard's queries then run on the built marts through the real
databricks-sql-connector and return rows.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlglot
from databricks import sql

from tests.emulators.databricks import DatabricksEmulator
from tests.emulators.databricks.sqlcheck import unparseable
from tests.emulators.qbo import QBOEmulator
from tests.transform import databricks as dbt_dbx
from tests.transform.dashboard import datasets, load, widget_queries
from tests.transform.dbt import ROOT, dbt_env, warehouse
from tests.transform.landing import extract, load_delta, load_warehouse

# Setup lands a company twice and builds on both engines: ~4 min on an idle 2-core machine, more when busy.
# One xdist worker builds the module fixture (two landings, two builds) once for every test here.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(2400), pytest.mark.xdist_group("dbt_databricks")]
CATALOG, SCHEMA = "finance", "quickbooks"
START = datetime(2026, 3, 1, tzinfo=UTC)  # the history spans a fiscal year end (Dec 2025)
MARTS = ("general_ledger", "trial_balance", "profit_and_loss", "balance_sheet", "cash_flow",
         "open_receivables",
         "open_payables", "expenses", "revenue", "payroll_journal_entries")
TIEOUT_TESTS = ("assert_transactions_balance", "assert_trial_balance_nets_to_zero",
                "assert_balance_sheet_balances",
                "assert_cash_flow_explains_cash", "assert_profit_and_loss_matches_trial_balance")


@dataclass
class Builds:
    dbx: DatabricksEmulator
    workdir: Path
    databricks: subprocess.CompletedProcess[str]
    duckdb: subprocess.CompletedProcess[str]
    env: dict[str, str]
    dbt: Path


@pytest.fixture(scope="module", params=[False, True], ids=["usd", "multicurrency"])
def builds(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Builds]:
    dbt = dbt_dbx.dbt_databricks()
    work = tmp_path_factory.mktemp("dbt-databricks")
    with QBOEmulator(seed=7, scale=0.1, start=START, multicurrency=request.param) as emu:
        emu.faults.throttle = False
        singer = extract(emu, work / "tap", reports=True)
        as_of = (emu.clock.now().date() - timedelta(days=1)).isoformat()
    delta_root = load_delta(singer, work)
    duck = subprocess.run(
        [str(Path(sys.executable).parent / "dbt"), "build"], cwd=ROOT, capture_output=True, text=True,
        env=dbt_env(delta_root, work / "duckdb", DBT_AS_OF_DATE=as_of), timeout=1200, check=False,
    )
    with DatabricksEmulator(tls=True) as dbx:
        load_warehouse(singer, dbx, work, CATALOG, SCHEMA)
        env = dbt_dbx.databricks_env(dbx, work, CATALOG, SCHEMA, DBT_AS_OF_DATE=as_of)
        built = dbt_dbx.run_dbt(dbt, env, "build")
        yield Builds(dbx, work, built, duck, env, dbt)


def _rows(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    return sorted(rows, key=repr)


def test_build_passes_every_tieout_test_on_databricks(builds: Builds) -> None:
    assert builds.duckdb.returncode == 0, builds.duckdb.stdout[-4000:]
    output = builds.databricks.stdout[-6000:] + builds.databricks.stderr[-2000:]
    assert builds.databricks.returncode == 0, output
    statuses = dbt_dbx.results(builds.workdir)
    tests = {uid.split(".")[2]: status for uid, status in statuses.items() if uid.startswith("test.")}
    assert set(TIEOUT_TESTS) <= set(tests)
    assert set(tests.values()) == {"pass"}, tests
    assert any("ties_to_quickbooks" in name for name in tests), sorted(tests)
    models = [status for uid, status in statuses.items() if uid.startswith("model.")]
    assert len(models) > 50
    assert set(models) == {"success"}
    # dbt-databricks' own statements reached the warehouse as they are: the query comment, the
    # information_schema listing, CREATE OR REPLACE TABLE ... USING delta and views.
    sent = builds.dbx.statements
    assert any(s.lstrip().startswith('/* {"app": "dbt"') for s in sent)
    assert any("information_schema`.`tables`" in s and "data_source_format" in s for s in sent)
    assert any("create or replace table `finance`.`finance`.`trial_balance`" in s for s in sent)
    assert any("create or replace view `finance`.`finance_staging`.`base_qbo__accounts`" in s for s in sent)
    assert unparseable(sent) == []


def test_marts_hold_the_same_rows_as_on_duckdb(builds: Builds) -> None:
    with warehouse(builds.workdir / "duckdb") as con:
        for mart in MARTS:
            expected = con.execute(f"select * from {mart}").fetchall()
            got = builds.dbx.query(f"SELECT * FROM {CATALOG}.finance.{mart}")
            assert len(got) == len(expected), mart
            assert _rows(got) == _rows(expected), mart
    assert builds.dbx.query(f"SELECT count(*) FROM {CATALOG}.finance.general_ledger")[0][0] > 500


def test_every_report_figure_ties_to_quickbooks_on_databricks(builds: Builds) -> None:
    """The reconciliation compared our statements with QBO's own reports, landed by the tap's report
    streams in the warehouse, and every figure ties."""
    compared = dict(
        builds.dbx.query(
            f"SELECT report, count(*) FROM {CATALOG}.finance.reconciliation "
            "WHERE status = 'ties' GROUP BY report"
        )
    )
    assert {"TrialBalance", "ProfitAndLoss", "BalanceSheet"} <= set(compared), compared
    assert all(count > 0 for count in compared.values())
    differing = builds.dbx.query(f"SELECT * FROM {CATALOG}.finance.reconciliation WHERE status <> 'ties'")
    assert differing == []


def test_trial_balance_nets_to_zero_every_month(builds: Builds) -> None:
    months = builds.dbx.query(
        f"SELECT period_end, sum(balance), sum(debit), sum(credit) FROM {CATALOG}.finance.trial_balance "
        "GROUP BY period_end ORDER BY period_end"
    )
    assert len(months) >= 12
    for period_end, net, debit, credit in months:
        assert isinstance(period_end, date)
        assert net == Decimal(0), period_end
        assert debit == credit > 0, period_end


def test_a_second_build_replaces_what_exists(builds: Builds) -> None:
    """Relations that exist take dbt-databricks' other paths: cached relation information, CREATE OR
    REPLACE over an existing table and view."""
    before = len(builds.dbx.statements)
    again = dbt_dbx.run_dbt(
        builds.dbt, builds.env, "build", "--select", "base_qbo__accounts", "stg_qbo__accounts",
        "trial_balance",
        "assert_trial_balance_nets_to_zero",
    )
    assert again.returncode == 0, again.stdout[-4000:]
    statuses = dbt_dbx.results(builds.workdir)
    assert set(statuses.values()) == {"success", "pass"}  # the selected models and the tests on them
    models = {uid.split(".")[2] for uid in statuses if uid.startswith("model.")}
    assert models == {"base_qbo__accounts", "stg_qbo__accounts", "trial_balance"}
    assert "test.qbo_finance.assert_trial_balance_nets_to_zero" in statuses
    assert unparseable(builds.dbx.statements[before:]) == []


def test_dashboard_queries_run_on_the_built_marts(builds: Builds) -> None:
    dashboard = load()
    kwargs = builds.dbx.connect_kwargs()
    with sql.connect(**kwargs, access_token=builds.dbx.token) as conn, conn.cursor() as cursor:
        for name, query in datasets(dashboard).items():
            sqlglot.parse_one(query, read="databricks")
            cursor.execute(query)
            assert cursor.fetchall(), f"dataset {name} returned no rows"
        for widget in widget_queries(dashboard):
            cursor.execute(widget.sql)
            assert cursor.fetchall(), f"widget {widget.page}/{widget.widget} returned no rows"
        cursor.execute("SELECT DISTINCT status FROM (" + datasets(dashboard)["tieout"] + ") AS tieout")
        assert [row[0] for row in cursor.fetchall()] == ["ties"]
