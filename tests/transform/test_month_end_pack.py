"""The month-end pack (scripts/month_end_pack.py) is one self-contained HTML file drawn from the marts: every
section is there with its chart, the figures are the marts' own, and nothing points at the network."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import duckdb

from tests.transform.dbt import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import month_end_pack

REALM = "123"
MARTS = """
create schema finance.finance;
use finance.finance;
create table profit_and_loss as select * from (values
    ('123', date '2026-01-01', 'Income', 1000.00::decimal(38, 9), 1000.00::decimal(38, 9)),
    ('123', date '2026-01-01', 'Expenses', 400.00, -400.00),
    ('123', date '2026-02-01', 'Income', 1500.00, 1500.00),
    ('123', date '2026-02-01', 'Expenses', 234.56, -234.56))
    as t(realm_id, period_start, section, amount, net_income_effect);
create table trial_balance as select * from (values
    ('123', date '2026-01-31', 'Checking', 'Bank', 600.00::decimal(38, 9)),
    ('123', date '2026-02-28', 'Checking', 'Bank', 1865.44),
    ('123', date '2026-02-28', 'Sales', 'Income', -2500.00))
    as t(realm_id, period_end, account_name, account_type, balance);
create table open_receivables as select * from (values
    ('123', date '2026-02-28', 'Current', 300.00::decimal(38, 9)), ('123', date '2026-02-28', '31-60', 77.00))
    as t(realm_id, as_of_date, aging_bucket, open_amount_home);
create table open_payables as select * from (values ('123', '91 and over', 55.00::decimal(38, 9)))
    as t(realm_id, aging_bucket, open_amount_home);
create table expenses as select * from (values
    ('123', date '2026-02-01', 'Boston', 200.00::decimal(38, 9)), ('123', date '2026-02-01', null, 34.56))
    as t(realm_id, period_start, department_name, amount);
create table reconciliation as select * from (values
    ('123', 'TrialBalance', date '2026-01-31', 'ties', 0.00::decimal(38, 9)),
    ('123', 'GeneralLedger', date '2026-02-28', 'differs', 12.50))
    as t(realm_id, report, period_end, status, difference);
"""


def test_the_pack_is_self_contained_and_drawn_from_the_marts(tmp_path: Path) -> None:
    con = duckdb.connect(str(tmp_path / "finance.duckdb"))
    con.execute(MARTS)
    con.close()
    html = month_end_pack.build(tmp_path / "finance.duckdb", tmp_path / "pack" / "pack.html").read_text()
    for section in ("pnl", "cash", "aging", "expenses", "tieout"):
        assert f'<section id="{section}">' in html
    assert html.count("<svg ") == 4  # P&L trend, cash, aging, expenses
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html, re.I)
    assert "<script" not in html
    assert "@import" not in html
    assert "1,265.44" in html  # February's net income, from profit_and_loss
    assert "Bank balances at 2026-02: 1,865" in html  # from trial_balance
    assert "(no department)" in html
    assert "Boston" in html
    assert "1 of 2 months tie" in html  # from reconciliation: February's general ledger differs
    assert '<td class="bad">2026-02</td>' in html
