"""QBO's TrialBalance, ProfitAndLoss and BalanceSheet as rows in transform/README.md's report-table contract.

Stands in for the report streams (not landed by the tap yet) so the `reconciliation` model can be tested now:
each month's reports are fetched from the emulator over HTTP and flattened to realm_id, basis, period_start,
period_end, account_id, account_name, amount (TrialBalance: debit minus credit; the others as shown).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pyarrow as pa
from deltalake import write_deltalake

from tests.emulators.qbo import QBOEmulator

REPORTS = {
    "TrialBalance": "trial_balance", "ProfitAndLoss": "profit_and_loss", "BalanceSheet": "balance_sheet",
}
SCHEMA = pa.schema([
    ("realm_id", pa.string()), ("basis", pa.string()), ("period_start", pa.date32()),
    ("period_end", pa.date32()), ("account_id", pa.string()), ("account_name", pa.string()),
    ("amount", pa.decimal128(38, 9)),
])


def months(first: date, last: date) -> Iterator[tuple[date, date]]:
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        yield date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def _money(value: str) -> Decimal:
    return Decimal(value) if value else Decimal(0)


def _data_rows(rows: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    for row in rows:
        if row.get("type", "Data") == "Data" and "ColData" in row:  # Intuit's TrialBalance rows carry no type
            yield row["ColData"]
        yield from _data_rows(row.get("Rows", {}).get("Row", []))


def flatten(report: dict[str, Any], realm_id: str) -> list[dict[str, Any]]:
    header = report["Header"]
    start, end = date.fromisoformat(header["StartPeriod"]), date.fromisoformat(header["EndPeriod"])
    out = []
    for cols in _data_rows(report.get("Rows", {}).get("Row", [])):
        amount = (
            _money(cols[1]["value"]) - _money(cols[2]["value"])
            if header["ReportName"] == "TrialBalance" else _money(cols[1]["value"])
        )
        out.append({
            "realm_id": realm_id, "basis": header["ReportBasis"], "period_start": start, "period_end": end,
            "account_id": cols[0].get("id", ""), "account_name": cols[0]["value"], "amount": amount,
        })
    return out


def fetch(emu: QBOEmulator, first: date, last: date) -> dict[str, list[dict[str, Any]]]:
    """Every month's three reports between `first` and `last`, flattened, by report table name."""
    headers = {"Authorization": f"Bearer {emu.issue_access_token()}", "Accept": "application/json"}
    out: dict[str, list[dict[str, Any]]] = {table: [] for table in REPORTS.values()}
    with httpx.Client(base_url=emu.api_url, headers=headers, timeout=60) as client:
        for start, end in months(first, last):
            for report, table in REPORTS.items():
                params = {"start_date": start.isoformat(), "end_date": end.isoformat()}
                response = client.get(f"/reports/{report}", params=params)
                response.raise_for_status()
                out[table] += flatten(response.json(), emu.realm_id)
    return out


def land_reports(rows: dict[str, list[dict[str, Any]]], schema_dir: Path) -> None:
    """Write the report rows as Delta tables beside the entity tables, as the report streams will."""
    for table, table_rows in rows.items():
        data = pa.Table.from_pylist(table_rows, schema=SCHEMA)
        write_deltalake(str(schema_dir / table), data, mode="overwrite")
