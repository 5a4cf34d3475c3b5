"""The month-end pack: one self-contained HTML file drawn from the finance marts (transform/, dbt-duckdb).

Usage: python scripts/month_end_pack.py DUCKDB_FILE OUT_HTML
Per realm: the P&L trend, cash at each month end, A/R and A/P aging, expenses by department, and the
tie-out against QuickBooks' own reports. Charts are inline SVG (scripts/svg_charts.py); nothing is fetched,
so the file opens from disk, offline, in any browser.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent))
from svg_charts import bar_chart, line_chart, money

MONTHS_SHOWN = 24
BUCKETS = ("Current", "1-30", "31-60", "61-90", "91 and over")
STYLE = """body{font-family:system-ui,sans-serif;margin:2em auto;max-width:60em;color:#1a202c}
h1{font-size:1.6em}h2{border-bottom:1px solid #cbd5e0;margin-top:2em}
.chart{width:100%;height:auto}.chart text{font-size:11px;fill:#4a5568}.chart .grid{stroke:#e2e8f0}
table{border-collapse:collapse;font-size:.85em}
td,th{padding:.2em .6em;text-align:right;border-bottom:1px solid #edf2f7}
th{background:#f7fafc}td.ok{color:#2f855a}td.bad{color:#c53030;font-weight:bold}"""


def _rows(con: duckdb.DuckDBPyConnection, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    return con.execute(sql, list(params)).fetchall()


def _has(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    found = _rows(con, "select count(*) from information_schema.tables where table_schema = 'finance' "
                       "and table_name = ?", table)
    return bool(found[0][0])


def _table(header: tuple[str, ...], rows: list[tuple[Any, ...]], classes: list[str] | None = None) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = []
    for i, row in enumerate(rows):
        css = f' class="{classes[i]}"' if classes else ""
        cells = "".join(f"<td{css}>{escape(_cell(v))}</td>" for v in row)
        body.append(f"<tr>{cells}</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def _cell(value: Any) -> str:
    return f"{value:,.2f}" if hasattr(value, "quantize") or isinstance(value, float) else str(value)


def profit_and_loss(con: duckdb.DuckDBPyConnection, realm: str) -> str:
    rows = _rows(con, """select strftime(period_start, '%Y-%m'),
            sum(case when section in ('Income', 'Other Income') then amount else 0 end),
            sum(case when section in ('Income', 'Other Income') then 0 else amount end),
            sum(net_income_effect)
        from profit_and_loss where realm_id = ? group by 1 order by 1""", realm)[-MONTHS_SHOWN:]
    labels = [r[0] for r in rows]
    chart = line_chart("P&L trend", labels, {
        "Income": [float(r[1]) for r in rows], "Costs and expenses": [float(r[2]) for r in rows],
        "Net income": [float(r[3]) for r in rows]})
    table = _table(("month", "income", "costs and expenses", "net income"), rows[-6:])
    return f'<section id="pnl"><h2>P&amp;L trend</h2>{chart}{table}</section>'


def cash(con: duckdb.DuckDBPyConnection, realm: str) -> str:
    rows = _rows(con, """select strftime(period_end, '%Y-%m'), account_name, balance from trial_balance
        where realm_id = ? and account_type = 'Bank' order by 1, 2""", realm)
    months = sorted({r[0] for r in rows})[-MONTHS_SHOWN:]
    by_account: dict[str, dict[str, float]] = defaultdict(dict)
    for month, account, balance in rows:
        by_account[account][month] = float(balance)
    series = {a: [v.get(m, 0.0) for m in months] for a, v in sorted(by_account.items())}
    chart = bar_chart("Cash at month end", months, series)
    total = sum(values[-1] for values in series.values()) if months else 0.0
    return (f'<section id="cash"><h2>Cash at month end</h2>{chart}'
            f"<p>Bank balances at {escape(months[-1] if months else '-')}: {money(total)}</p></section>")


def aging(con: duckdb.DuckDBPyConnection, realm: str) -> str:
    series: dict[str, list[float]] = {}
    rows_out = []
    for name, table in (("A/R", "open_receivables"), ("A/P", "open_payables")):
        found = dict(_rows(con, f"select aging_bucket, sum(open_amount_home) from {table} where realm_id = ? "
                                "group by 1", realm))
        series[name] = [float(found.get(b, 0)) for b in BUCKETS]
        rows_out.append((name, *(found.get(b, 0) for b in BUCKETS), sum(found.values(), 0)))
    chart = bar_chart("A/R and A/P aging", list(BUCKETS), series)
    as_of = _rows(con, "select max(as_of_date) from open_receivables where realm_id = ?", realm)[0][0]
    table = _table(("", *BUCKETS, "total"), rows_out)
    return (f'<section id="aging"><h2>A/R and A/P aging</h2><p>Open documents as of {escape(str(as_of))}.</p>'
            f"{chart}{table}</section>")


def expenses(con: duckdb.DuckDBPyConnection, realm: str) -> str:
    rows = _rows(con, """select strftime(period_start, '%Y-%m'), coalesce(department_name, '(no department)'),
            sum(amount) from expenses where realm_id = ? group by 1, 2 order by 1, 2""", realm)
    months = sorted({r[0] for r in rows})[-12:]
    by_department: dict[str, dict[str, float]] = defaultdict(dict)
    for month, department, amount in rows:
        by_department[department][month] = float(amount)
    series = {d: [v.get(m, 0.0) for m in months] for d, v in sorted(by_department.items())}
    chart = bar_chart("Expenses by department", months, series)
    totals = sorted(((d, sum(v.values())) for d, v in by_department.items()), key=lambda r: -r[1])
    table = _table(("department", "expenses, all months"), totals)
    return f'<section id="expenses"><h2>Expenses by department</h2>{chart}{table}</section>'


def tieout(con: duckdb.DuckDBPyConnection, realm: str) -> str:
    compared = _has(con, "reconciliation") and _rows(
        con, "select count(*) from reconciliation where realm_id = ?", realm)[0][0]
    if not compared:
        return ('<section id="tieout"><h2>Tie-out to QuickBooks</h2><p>QuickBooks\' own reports were not '
                "landed, so nothing was compared.</p></section>")
    rows = _rows(con, """select strftime(period_end, '%Y-%m'),
            count(*) filter (where report = 'TrialBalance' and status <> 'ties'),
            count(*) filter (where report = 'ProfitAndLoss' and status <> 'ties'),
            count(*) filter (where report = 'BalanceSheet' and status <> 'ties'),
            count(*) filter (where report = 'GeneralLedger' and status <> 'ties'),
            count(*), coalesce(sum(abs(difference)), 0)
        from reconciliation where realm_id = ? group by 1 order by 1""", realm)
    classes = ["ok" if r[6] == 0 and not any(r[1:5]) else "bad" for r in rows]
    header = ("month", "trial balance: differ", "P&L: differ", "balance sheet: differ",
              "general ledger: differ", "figures compared", "difference")
    tied = classes.count("ok")
    return (f'<section id="tieout"><h2>Tie-out to QuickBooks</h2><p>{tied} of {len(rows)} months tie to '
            f"QuickBooks' own reports, to the cent.</p>{_table(header, rows, classes)}</section>")


def build(duckdb_file: Path, out: Path) -> Path:
    con = duckdb.connect(str(duckdb_file), read_only=True)
    try:
        con.execute("use finance.finance")
        realms = [r[0] for r in _rows(con, "select distinct realm_id from trial_balance order by 1")]
        body = []
        for realm in realms:
            body.append(f"<h1>Month-end pack, company {escape(realm)}</h1>")
            body += [f(con, realm) for f in (profit_and_loss, cash, aging, expenses, tieout)]
    finally:
        con.close()
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    html = (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Month-end pack</title>'
            f"<style>{STYLE}</style></head><body>{''.join(body)}"
            f"<p><small>Drawn from the finance marts at {stamp}.</small></p></body></html>")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(html, encoding="utf-8")
    return out


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit("usage: month_end_pack.py DUCKDB_FILE OUT_HTML")
    print(f"Month-end pack: {build(Path(sys.argv[1]), Path(sys.argv[2]))}")
