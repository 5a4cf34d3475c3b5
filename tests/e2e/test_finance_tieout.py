"""The finance models tie to QuickBooks through the real path: emulator -> `meltano run qbo-to-databricks`
(every stream selected, QBO's report streams included) -> dbt build -> `reconciliation` compares our trial
balance, P&L and balance sheet with the tap's TrialBalance, ProfitAndLoss and BalanceSheet tables per realm,
basis, month and account, and every GeneralLedger transaction line with our general ledger, to the cent.

Then landed entity rows are corrupted (a lost bill, a changed amount, a wrong account) and scripts/tieout
fails naming the month, the account and the transaction. A multicurrency company ties too, realised
exchange gains and losses included."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from deltalake import DeltaTable, write_deltalake

from tests.e2e.conftest import MeltanoProject
from tests.e2e.helpers import read_table, tap_env
from tests.emulators.qbo import QBOEmulator
from tests.transform.dbt import ROOT, dbt_env, warehouse

pytestmark = pytest.mark.slow
START = datetime(2026, 3, 1, tzinfo=UTC)  # the history spans a fiscal year end (Dec 2025)
STATEMENTS = {"TrialBalance", "ProfitAndLoss", "BalanceSheet", "GeneralLedger"}


@pytest.fixture(params=[False, True], ids=["usd", "multicurrency"])
def emu(request: pytest.FixtureRequest) -> Iterator[QBOEmulator]:
    with QBOEmulator(seed=7, scale=0.2, start=START, multicurrency=request.param) as emulator:
        emulator.faults.throttle = False
        yield emulator


def run_job(meltano: MeltanoProject, emu: QBOEmulator, workdir: Path) -> None:
    """The Meltano job, dbt:build included, with dbt's files under `workdir`."""
    as_of = emu.clock.now().date() - timedelta(days=1)
    env = dbt_env(meltano.workdir / "delta", workdir, DBT_AS_OF_DATE=as_of.isoformat())
    meltano.env.update(tap_env(emu))
    meltano.env.update({k: v for k, v in env.items() if k.startswith("DBT_")})
    meltano.env.pop("DBT_PROJECT_DIR")  # the utility's own settings point dbt at transform/
    meltano.env.pop("DBT_PROFILES_DIR")
    meltano.run("run", "qbo-to-databricks")  # dbt build fails the job when anything does not tie


def reconciliation(workdir: Path, where: str = "true") -> list[dict[str, Any]]:
    with warehouse(workdir) as con:
        cursor = con.execute(f"select * from reconciliation where {where}")
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def tieout(meltano: MeltanoProject, workdir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "tieout.py"), str(meltano.workdir / "delta"),
         "--workdir", str(workdir)],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
    )


@pytest.mark.timeout(1200)  # a full sync with the report streams and three dbt builds
def test_the_job_ties_to_quickbooks_and_names_what_breaks(
    meltano: MeltanoProject, emu: QBOEmulator, tmp_path: Path
) -> None:
    run_job(meltano, emu, tmp_path)
    rows = reconciliation(tmp_path)
    assert {r["status"] for r in rows} == {"ties"}
    assert {r["report"] for r in rows} == STATEMENTS
    months = {r["period_end"] for r in rows if r["report"] == "TrialBalance"}
    assert len(months) >= 12
    schema_dir = meltano.delta_schema_dir
    # The same figures straight from the models and the tap's landed report, independent of reconciliation.
    landed = read_table(schema_dir, "trial_balance").to_pylist()
    qbo_tb = {(r["period_end"], r["account_id"]): r["amount"] for r in landed
              if r["basis"] == "Accrual" and r["row_kind"] == "data" and r["amount"]}
    with warehouse(tmp_path) as con:
        tb = con.execute("select period_end, account_id, balance from trial_balance").fetchall()
    assert {(p, a): b for p, a, b in tb if p in months} == qbo_tb
    if emu.multicurrency:
        check_home_currency(tmp_path)

    corrupted = corrupt(schema_dir, emu)
    result = tieout(meltano, tmp_path / "tieout")
    assert result.returncode == 1, result.stdout[-4000:] + result.stderr[-4000:]
    assert "FAIL: qbo_finance_ties_to_quickbooks_reconciliation" in result.stdout
    assert result.stdout.rstrip().splitlines()[-1].startswith("Tie-out: "), result.stdout[-2000:]
    broken = reconciliation(tmp_path / "tieout", "status <> 'ties'")
    for check in corrupted:
        check(broken)


def check_home_currency(workdir: Path) -> None:
    """Foreign legs carry both amounts, and payments book realised gains and losses as QBO does."""
    with warehouse(workdir) as con:
        foreign, fx_legs, fx_total = con.execute(
            """select count(*) filter (where amount <> amount_home),
                      count(*) filter (where leg_kind = 'fx_gain_loss'),
                      sum(amount_home) filter (where account_sub_type = 'ExchangeGainOrLoss')
               from general_ledger""").fetchone()
        qbo_fx = con.execute(
            """select sum(qbo) from reconciliation where report = 'GeneralLedger' and account_id in
               (select account_id from general_ledger where account_sub_type = 'ExchangeGainOrLoss')"""
        ).fetchone()[0]
    assert foreign > 100
    assert fx_legs > 10
    assert fx_total != 0
    assert fx_total == qbo_fx


Check = Callable[[list[dict[str, Any]]], None]


def corrupt(schema_dir: Path, emu: QBOEmulator) -> list[Check]:
    """Three corruptions of the landed entity rows, each with the check that the tie-out names it."""
    bill = max(emu.store.all("Bill"), key=lambda b: (b["TotalAmt"], b["Id"]))
    DeltaTable(str(schema_dir / "bills")).delete(f"\"Id\" = '{bill['Id']}'")
    transfer = emu.store.all("Transfer")[0]
    DeltaTable(str(schema_dir / "transfers")).update(
        updates={'"Amount"': '"Amount" + 1'}, predicate=f"\"Id\" = '{transfer['Id']}'")
    purchase, old, new = _rebook_purchase(schema_dir, emu)
    return [_lost_bill(bill), _changed_transfer(transfer), _wrong_account(purchase, old, new)]


def _rebook_purchase(schema_dir: Path, emu: QBOEmulator) -> tuple[dict[str, Any], str, str]:
    """Move the first account line of a home-currency purchase to another expense account."""
    expense_accounts = [a["Id"] for a in emu.store.all("Account") if a["AccountType"] == "Expense"]
    purchase = next(p for p in emu.store.all("Purchase")
                    if p["Line"][0].get("AccountBasedExpenseLineDetail") and not p.get("Credit"))
    used = {ln.get("AccountBasedExpenseLineDetail", {}).get("AccountRef", {}).get("value")
            for ln in purchase["Line"]}
    old = purchase["Line"][0]["AccountBasedExpenseLineDetail"]["AccountRef"]["value"]
    new = next(a for a in expense_accounts if a not in used)
    table = DeltaTable(str(schema_dir / "purchases")).to_pyarrow_table()
    rows = table.to_pylist()
    for row in rows:
        if row["Id"] == purchase["Id"]:
            row["Line"][0]["AccountBasedExpenseLineDetail"]["AccountRef"]["value"] = new
    write_deltalake(str(schema_dir / "purchases"), pa.Table.from_pylist(rows, schema=table.schema),
                    mode="overwrite")
    return purchase, old, new


def _key(rows: list[dict[str, Any]], report: str) -> dict[tuple[Any, ...], dict[str, Any]]:
    return {(r["period_end"], r["account_id"], r["txn_type"], r["txn_id"]): r for r in rows
            if r["report"] == report}


def _lost_bill(bill: dict[str, Any]) -> Check:
    def check(broken: list[dict[str, Any]]) -> None:
        month_end = _month_end(bill["TxnDate"])
        ap, total = bill["APAccountRef"]["value"], Decimal(str(bill["TotalAmt"]))
        home = total if "ExchangeRate" not in bill else None
        tb = _key(broken, "TrialBalance")[(month_end, ap, None, None)]
        gl = _key(broken, "GeneralLedger")[(month_end, ap, "Bill", bill["Id"])]
        assert gl["status"] == "missing in ours"
        assert tb["status"] == "differs"
        assert home is None or (tb["difference"] == home and gl["qbo"] == -home)
    return check


def _changed_transfer(transfer: dict[str, Any]) -> Check:
    def check(broken: list[dict[str, Any]]) -> None:
        month_end = _month_end(transfer["TxnDate"])
        to_account = transfer["ToAccountRef"]["value"]
        assert _key(broken, "TrialBalance")[(month_end, to_account, None, None)]["difference"] == 1
        gl = _key(broken, "GeneralLedger")[(month_end, to_account, "Transfer", transfer["Id"])]
        assert gl["status"] == "differs"
        assert gl["difference"] == 1
        month_before = month_end.replace(day=1) - timedelta(days=1)
        assert (month_before, to_account, None, None) not in _key(broken, "TrialBalance")
    return check


def _wrong_account(purchase: dict[str, Any], old: str, new: str) -> Check:
    def check(broken: list[dict[str, Any]]) -> None:
        month_end = _month_end(purchase["TxnDate"])
        amount = Decimal(str(purchase["Line"][0]["Amount"]))
        gl = _key(broken, "GeneralLedger")
        assert gl[(month_end, new, "Purchase", purchase["Id"])]["status"] == "missing in QBO"
        assert gl[(month_end, new, "Purchase", purchase["Id"])]["difference"] == amount
        assert gl[(month_end, old, "Purchase", purchase["Id"])]["difference"] == -amount
        pnl = _key(broken, "ProfitAndLoss")
        assert {(month_end, old, None, None), (month_end, new, None, None)} <= set(pnl)
    return check


def _month_end(day: str | date) -> date:
    first = date.fromisoformat(str(day)).replace(day=1)
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
