"""Polled results and paging, named parameters, metadata cursors, async execution and rowcount."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from databricks.sql.exc import DatabaseError, ServerOperationError
from databricks.sql.parameters import (
    DateParameter,
    DecimalParameter,
    IntegerParameter,
    StringParameter,
    VoidParameter,
)

from tests.emulators.databricks import DatabricksEmulator

from .conftest import Connect


def test_polled_results_are_paged_by_arraysize(dbx: DatabricksEmulator, connect: Connect) -> None:
    dbx.faults.direct_results = False
    with connect(dbx).cursor(arraysize=4) as cur:
        cur.execute("SELECT id FROM range(10) AS t(id) ORDER BY id")
        assert [r.id for r in cur.fetchall()] == list(range(10))
    counts = dbx.counters()
    assert counts["rpc.GetOperationStatus"] >= 1
    assert counts["rpc.GetResultSetMetadata"] == 1
    assert counts["rpc.FetchResults"] == 3  # 4 + 4 + 2 rows
    assert "rpc.CloseOperation" in counts


def test_direct_results_page_then_fetch(dbx: DatabricksEmulator, connect: Connect) -> None:
    with connect(dbx).cursor(arraysize=3) as cur:
        cur.execute("SELECT id FROM range(7) AS t(id) ORDER BY id")
        assert [r.id for r in cur.fetchmany(2)] == [0, 1]
        rest = cur.fetchall()
    assert [r.id for r in rest] == [2, 3, 4, 5, 6]
    assert dbx.counters()["rpc.FetchResults"] == 2  # 3 inline, then 3 + 1
    assert "rpc.GetOperationStatus" not in dbx.counters()


def test_async_execution_is_polled(
    dbx: DatabricksEmulator, connect: Connect, monkeypatch: pytest.MonkeyPatch
) -> None:
    dbx.faults.slow_statement_s = 0.6
    with connect(dbx).cursor() as cur:
        monkeypatch.setattr(
            cur, "ASYNC_DEFAULT_POLLING_INTERVAL", 0.05
        )  # the connector pauses 2 s between polls
        cur.execute_async("SELECT 42 AS answer")
        assert cur.is_query_pending()
        cur.get_async_execution_result()
        assert cur.fetchall()[0].answer == 42


def test_named_parameters_are_typed(dbx: DatabricksEmulator, connect: Connect) -> None:
    with connect(dbx).cursor() as cur:
        cur.execute(
            "SELECT :name AS name, :amount AS amount, :n + 1 AS n, :day AS day, :missing AS missing",
            [
                StringParameter("O'Brien; DROP TABLE x", name="name"),
                # the connector formats DECIMAL(scale, precision): its names are swapped
                DecimalParameter(Decimal("123456789.123456789"), name="amount", scale=38, precision=9),
                IntegerParameter(41, name="n"),
                DateParameter(dt.date(2024, 2, 29), name="day"),
                VoidParameter(None, name="missing"),
            ],
        )
        row = cur.fetchone()
        types = {d[0]: d[1] for d in cur.description or []}
    assert row is not None
    assert (row.name, row.amount, row.n, row.day, row.missing) == (
        "O'Brien; DROP TABLE x",
        Decimal("123456789.123456789"),
        42,
        dt.date(2024, 2, 29),
        None,
    )
    assert types["amount"] == "decimal"
    assert types["n"] == "int"


def test_unbound_parameter_is_an_error(dbx: DatabricksEmulator, connect: Connect) -> None:
    with (
        connect(dbx).cursor() as cur,
        pytest.raises(ServerOperationError, match=r"\[UNBOUND_SQL_PARAMETER\]"),
    ):
        cur.execute("SELECT :absent AS x", {"other": 1})


def test_metadata_cursors(dbx: DatabricksEmulator, connect: Connect) -> None:
    dbx.query("CREATE CATALOG finance")
    dbx.query("CREATE SCHEMA finance.quickbooks")
    dbx.query(
        "CREATE TABLE finance.quickbooks.invoices (Id STRING, TotalAmt DECIMAL(38,9), Line ARRAY<STRING>)"
    )
    dbx.query("CREATE TABLE finance.quickbooks.bills (Id STRING)")
    with connect(dbx).cursor() as cur:
        assert {r.TABLE_CAT for r in cur.catalogs().fetchall()} == {"main", "finance"}
        assert [(r.TABLE_SCHEM, r.TABLE_CATALOG) for r in cur.schemas(catalog_name="finance").fetchall()] == [
            ("quickbooks", "finance")
        ]
        tables = cur.tables(catalog_name="finance", schema_name="quick%", table_name="inv%").fetchall()
        assert [(r.TABLE_NAME, r.TABLE_TYPE) for r in tables] == [("invoices", "TABLE")]
        columns = cur.columns(
            catalog_name="finance", schema_name="quickbooks", table_name="invoices"
        ).fetchall()
    assert [(c.COLUMN_NAME, c.TYPE_NAME, c.DATA_TYPE, c.ORDINAL_POSITION) for c in columns] == [
        ("Id", "STRING", 12, 0),
        ("TotalAmt", "DECIMAL(38,9)", 3, 1),
        ("Line", "ARRAY<STRING>", 2003, 2),
    ]
    assert columns[1].COLUMN_SIZE == 38
    assert columns[1].DECIMAL_DIGITS == 9


def test_rowcount_and_dml_results(dbx: DatabricksEmulator, connect: Connect) -> None:
    with connect(dbx).cursor() as cur:
        cur.execute("CREATE TABLE main.default.t (k STRING, v BIGINT)")
        cur.execute("INSERT INTO main.default.t VALUES ('a', 1), ('b', 2), ('c', 3)")
        assert cur.rowcount == 3
        assert cur.fetchall()[0].asDict() == {"num_affected_rows": 3, "num_inserted_rows": 3}
        cur.execute("UPDATE main.default.t SET v = v * 10 WHERE k <> 'a'")
        assert cur.rowcount == 2
        cur.execute("DELETE FROM main.default.t WHERE k = 'a'")
        assert cur.rowcount == 1
        cur.execute("SELECT k, v FROM main.default.t ORDER BY k")
        assert [tuple(r) for r in cur.fetchall()] == [("b", 20), ("c", 30)]


def test_session_namespace_and_use(dbx: DatabricksEmulator, connect: Connect) -> None:
    dbx.query("CREATE SCHEMA main.quickbooks")
    dbx.query("CREATE TABLE main.quickbooks.t (x INT)")
    with connect(dbx, catalog="main", schema="quickbooks").cursor() as cur:
        cur.execute("SELECT current_catalog(), current_schema()")
        assert tuple(cur.fetchone() or ()) == ("main", "quickbooks")
        cur.execute("SELECT COUNT(*) AS n FROM t")
        assert cur.fetchone().n == 0  # type: ignore[union-attr]
        cur.execute("USE SCHEMA default")
        with pytest.raises(ServerOperationError, match=r"\[TABLE_OR_VIEW_NOT_FOUND\] .*`main`.`default`.`t`"):
            cur.execute("SELECT * FROM t")


def test_session_on_a_missing_schema_is_refused(dbx: DatabricksEmulator, connect: Connect) -> None:
    with pytest.raises(DatabaseError, match=r"\[SCHEMA_NOT_FOUND\]"):
        connect(dbx, catalog="main", schema="nope")


def test_result_encodings_follow_the_client_capabilities(dbx: DatabricksEmulator, connect: Connect) -> None:
    """Without native complex types Spark sends JSON text; without LZ4 the Arrow batches are plain."""
    query = "SELECT array(named_struct('Id', '1', 'Amount', CAST(2.5 AS DECIMAL(38,9)))) AS l"
    plain = connect(dbx, _use_arrow_native_complex_types=False, enable_query_result_lz4_compression=False)
    with plain.cursor() as cur:
        cur.execute(query)
        as_text = cur.fetchone()
        assert cur.description is not None
        assert cur.description[0][1] == "array"
    assert as_text is not None
    assert as_text.l == '[{"Id":"1","Amount":2.500000000}]'
    assert json.loads(as_text.l, parse_float=Decimal) == [{"Id": "1", "Amount": Decimal("2.5")}]
    with connect(dbx).cursor() as cur:
        cur.execute(query)
        native = cur.fetchone()
    assert native is not None
    assert [dict(x) for x in native.l] == [{"Id": "1", "Amount": Decimal("2.5")}]
