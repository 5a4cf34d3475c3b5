"""Month-end summary read back from the Delta tables that target-databricks wrote.

Usage: python scripts/summary.py [DELTA_SCHEMA_DIR]   (default output/delta/main/quickbooks)
Soft-deleted rows (_sdc_deleted_at set) are left out of the money figures, as a controller would expect.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import duckdb
import pyarrow as pa
from deltalake import DeltaTable


def load_tables(schema_dir: Path) -> dict[str, pa.Table]:
    tables: dict[str, pa.Table] = {}
    for path in sorted(p for p in schema_dir.iterdir() if (p / "_delta_log").is_dir()):
        tables[path.name] = DeltaTable(str(path)).to_pyarrow_table()
    return tables


def live(name: str, table: pa.Table) -> str:
    """A FROM clause over the rows that are not soft-deleted."""
    if "_sdc_deleted_at" in table.column_names:
        return f'(SELECT * FROM "{name}" WHERE _sdc_deleted_at IS NULL)'
    return f'"{name}"'


def print_rows(title: str, header: tuple[str, ...], rows: list[tuple[object, ...]]) -> None:
    print(f"\n{title}")
    widths = [max(len(str(v)) for v in col) for col in zip(header, *rows, strict=False)]
    for row in (header, *rows):
        print("  " + "  ".join(str(v).rjust(w) for v, w in zip(row, widths, strict=True)))


def last_run(schema_dir: Path) -> None:
    """What the most recent run changed, from the target's audit table."""
    audit = DeltaTable(str(schema_dir / "_audit")).to_pyarrow_table()
    con = duckdb.connect()
    con.register("audit", audit)
    rows = con.execute(
        """SELECT table_name, sum(rows_in), sum(inserted), sum(updated), sum(deleted), sum(rejected)
           FROM audit WHERE run_id = (SELECT arg_max(run_id, finished_at) FROM audit)
           GROUP BY 1 HAVING sum(rows_in) > 0 ORDER BY 1"""
    ).fetchall()
    header = ("table", "rows in", "inserted", "updated", "deleted", "rejected")
    print_rows("What the last run changed (from the _audit table)", header, rows)
    started = con.execute(
        """SELECT min(finished_at - to_microseconds(CAST(duration_seconds * 1e6 AS BIGINT)))
           FROM audit WHERE run_id = (SELECT arg_max(run_id, finished_at) FROM audit)"""
    ).fetchone()
    deleted = [
        row
        for table_name, *_, n_deleted, _rejected in rows
        if n_deleted and started and started[0] is not None
        for row in deleted_since(schema_dir / table_name.rsplit(".", 1)[-1], started[0])
    ]
    if deleted:
        header = ("table", "Id", "document", "amount", "deleted at")
        print_rows("Deleted in the last run (kept with _sdc_deleted_at set)", header, deleted)


def deleted_since(table_dir: Path, started: dt.datetime) -> list[tuple[object, ...]]:
    """Rows flagged deleted now but not in the table's last version before the run started."""
    table = DeltaTable(str(table_dir))
    before = [
        h["version"]
        for h in table.history()
        if dt.datetime.fromtimestamp(h["timestamp"] / 1000, dt.UTC) < started.astimezone(dt.UTC)
    ]
    now = table.to_pyarrow_table()
    if before:
        table.load_as_version(max(before))
        then = table.to_pyarrow_table()
    else:
        then = now.schema.empty_table()
    con = duckdb.connect()
    con.register("after_run", now)
    con.register("before_run", then)
    names = set(now.column_names)
    document = "DocNumber" if "DocNumber" in names else "NULL"
    amount = "CAST(TotalAmt AS DECIMAL(18, 2))" if "TotalAmt" in names else "NULL"
    return con.execute(
        f"""SELECT '{table_dir.name}', Id, {document}, {amount}, _sdc_deleted_at FROM after_run
            WHERE _sdc_deleted_at IS NOT NULL
              AND Id NOT IN (SELECT Id FROM before_run WHERE _sdc_deleted_at IS NOT NULL) ORDER BY Id"""
    ).fetchall()


def summarise(schema_dir: Path) -> None:
    tables = load_tables(schema_dir)
    if not tables:
        raise SystemExit(f"no Delta tables under {schema_dir}")
    con = duckdb.connect()
    for name, table in tables.items():
        con.register(name, table)
    counts = []
    for name, table in tables.items():
        deleted = 0
        if "_sdc_deleted_at" in table.column_names:
            deleted = table.num_rows - table["_sdc_deleted_at"].null_count
        counts.append((name, table.num_rows, deleted))
    print_rows("Rows per table", ("table", "rows", "deleted"), counts)
    if "invoices" in tables:
        rows = con.execute(
            f"""SELECT strftime(TxnDate, '%Y-%m') AS month, count(*) AS invoices,
                       CAST(sum(TotalAmt) AS DECIMAL(18, 2)) AS invoiced,
                       CAST(sum(Balance) AS DECIMAL(18, 2)) AS open_ar
                FROM {live("invoices", tables["invoices"])} GROUP BY 1 ORDER BY 1"""
        ).fetchall()
        header = ("month", "invoices", "invoiced", "open AR")
        print_rows("Invoices and accounts receivable by month", header, rows)
    if "purchases" in tables:
        rows = con.execute(
            f"""SELECT coalesce(DepartmentRef.name, '(no department)') AS department, count(*) AS expenses,
                       CAST(sum(TotalAmt) AS DECIMAL(18, 2)) AS amount
                FROM {live("purchases", tables["purchases"])} GROUP BY 1 ORDER BY amount DESC"""
        ).fetchall()
        title = "Expenses (checks, cash and card purchases) by department"
        print_rows(title, ("department", "expenses", "amount"), rows)

if __name__ == "__main__":
    summarise(Path(sys.argv[1] if len(sys.argv) > 1 else "output/delta/main/quickbooks"))
