"""SQL semantics of the duckdb-backed engine where they follow Databricks/Delta, and the error classes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.emulators.databricks import DatabricksEmulator, SqlError


@pytest.fixture(scope="module")
def emu() -> Iterator[DatabricksEmulator]:
    with DatabricksEmulator() as emulator:
        yield emulator


@pytest.fixture
def db(emu: DatabricksEmulator, request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh schema per test inside the module's emulator (catalog `main`)."""
    schema = request.node.name.split("[")[0].lower()[:40]
    emu.query(f"CREATE SCHEMA main.{schema}")
    yield f"main.{schema}"
    emu.query(f"DROP SCHEMA main.{schema} CASCADE")


def error_class(emu: DatabricksEmulator, sql: str) -> str:
    with pytest.raises(SqlError) as info:
        emu.query(sql)
    assert info.value.message.startswith(f"[{info.value.error_class}] ")
    return info.value.error_class


def test_merge_star_matches_by_name_and_counts(emu: DatabricksEmulator, db: str) -> None:
    emu.query(f"CREATE TABLE {db}.t (k STRING, a INT, b STRING) USING DELTA")
    emu.query(f"INSERT INTO {db}.t VALUES ('x', 1, 'old'), ('gone', 0, 'z')")
    result = emu.query(f"""MERGE INTO {db}.t AS t
        USING (SELECT 'new' AS b, 2 AS a, 'x' AS k, 'extra' AS ignored UNION ALL SELECT 'n', 3, 'y', 'e') AS s
        ON t.k = s.k WHEN MATCHED THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *
        WHEN NOT MATCHED BY SOURCE THEN DELETE""")
    assert result == [(3, 1, 1, 1)]
    assert emu.query(f"SELECT k, a, b FROM {db}.t ORDER BY k") == [("x", 2, "new"), ("y", 3, "n")]


def test_merge_explicit_assignments_with_qualified_targets(emu: DatabricksEmulator, db: str) -> None:
    emu.query(f"CREATE TABLE {db}.t (k STRING, a INT)")
    emu.query(f"INSERT INTO {db}.t VALUES ('x', 1)")
    emu.query(f"""MERGE INTO {db}.t t USING (SELECT 'x' AS k, 5 AS a) s ON t.k = s.k
        WHEN MATCHED THEN UPDATE SET t.a = t.a + s.a WHEN NOT MATCHED THEN INSERT (k, a) VALUES (s.k, s.a)""")
    assert emu.query(f"SELECT a FROM {db}.t") == [(6,)]


def test_merge_duplicate_source_rows_is_delta_error(emu: DatabricksEmulator, db: str) -> None:
    emu.query(f"CREATE TABLE {db}.t (k STRING, a INT)")
    emu.query(f"INSERT INTO {db}.t VALUES ('x', 1)")
    dup = f"MERGE INTO {db}.t t USING (SELECT 'x' AS k, 2 AS a UNION ALL SELECT 'x', 3) s ON t.k = s.k "
    assert (
        error_class(emu, dup + "WHEN MATCHED THEN UPDATE SET *")
        == "DELTA_MULTIPLE_SOURCE_ROW_MATCHING_TARGET_ROW_IN_MERGE"
    )
    assert emu.query(f"SELECT a FROM {db}.t") == [(1,)]  # nothing changed
    assert emu.query(dup + "WHEN MATCHED THEN DELETE") == [(1, 0, 1, 0)]  # unconditional delete is allowed


def test_merge_star_needs_every_target_column(emu: DatabricksEmulator, db: str) -> None:
    emu.query(f"CREATE TABLE {db}.t (k STRING, a INT, added STRING)")
    sql = f"MERGE INTO {db}.t t USING (SELECT 'x' AS k, 1 AS a) s ON t.k = s.k WHEN NOT MATCHED THEN INSERT *"
    assert error_class(emu, sql) == "DELTA_MERGE_UNRESOLVED_EXPRESSION"


def test_alter_add_columns_and_describe(emu: DatabricksEmulator, db: str) -> None:
    emu.query(
        f"CREATE TABLE IF NOT EXISTS {db}.t (`Id` STRING, `TotalAmt` DECIMAL(38,9)) USING DELTA "
        "TBLPROPERTIES ('delta.enableChangeDataFeed' = 'true')"
    )
    emu.query(
        f"ALTER TABLE {db}.t ADD COLUMNS (`Line` ARRAY<STRUCT<`Id`: STRING, `Amount`: DECIMAL(38,9)>>, "
        "`TxnDate` DATE, `MetaData` STRUCT<`CreateTime`: TIMESTAMP>, `n` BIGINT)"
    )
    assert emu.query(f"DESCRIBE TABLE {db}.t") == [
        ("Id", "string", None),
        ("TotalAmt", "decimal(38,9)", None),
        ("Line", "array<struct<Id:string,Amount:decimal(38,9)>>", None),
        ("TxnDate", "date", None),
        ("MetaData", "struct<CreateTime:timestamp>", None),
        ("n", "bigint", None),
    ]
    assert error_class(emu, f"ALTER TABLE {db}.t ADD COLUMNS (`totalamt` STRING)") == "FIELDS_ALREADY_EXISTS"


def test_information_schema(emu: DatabricksEmulator, db: str) -> None:
    emu.query(f"CREATE TABLE {db}.invoices (Id STRING, TotalAmt DECIMAL(38,9))")
    schema = db.split(".")[1]
    tables = emu.query(
        "SELECT table_catalog, table_name, table_type FROM main.information_schema.tables "
        f"WHERE table_schema = '{schema}'"
    )
    assert tables == [("main", "invoices", "MANAGED")]
    columns = emu.query(
        "SELECT column_name, data_type, full_data_type, ordinal_position, numeric_scale "
        f"FROM main.information_schema.columns WHERE table_schema = '{schema}' "
        "ORDER BY ordinal_position"
    )
    assert columns == [("Id", "STRING", "string", 0, None), ("TotalAmt", "DECIMAL", "decimal(38,9)", 1, 9)]
    assert (schema,) in emu.query("SELECT schema_name FROM system.information_schema.schemata")


def test_identifiers_are_case_insensitive_and_stored_lower_case(emu: DatabricksEmulator, db: str) -> None:
    emu.query(f"CREATE TABLE {db.upper()}.`Invoices` (`Id` STRING)")
    emu.query(f"INSERT INTO {db}.INVOICES (ID) VALUES ('1')")
    assert emu.query(f"SELECT id FROM {db}.invoices") == [("1",)]
    assert ("invoices",) in [(r[1],) for r in emu.query(f"SHOW TABLES IN {db}")]


def test_catalogs_schemas_and_volumes(emu: DatabricksEmulator) -> None:
    emu.query("CREATE CATALOG IF NOT EXISTS finance")
    emu.query("CREATE CATALOG IF NOT EXISTS finance")
    assert error_class(emu, "CREATE CATALOG finance") == "CATALOG_ALREADY_EXISTS"
    assert error_class(emu, "CREATE SCHEMA nowhere.s") == "NO_SUCH_CATALOG_EXCEPTION"
    assert error_class(emu, "CREATE TABLE finance.nope.t (x INT)") == "SCHEMA_NOT_FOUND"
    assert error_class(emu, "CREATE VOLUME finance.nope.v") == "SCHEMA_NOT_FOUND"
    emu.query("CREATE SCHEMA finance.s")
    emu.query("CREATE VOLUME finance.s.v")
    assert error_class(emu, "CREATE VOLUME finance.s.v") == "VOLUME_ALREADY_EXISTS"
    assert ("finance", "s", "v", "MANAGED") in emu.query("SELECT * FROM finance.information_schema.volumes")
    assert ("finance",) in emu.query("SHOW CATALOGS")
    emu.query("DROP CATALOG finance")
    assert error_class(emu, "SELECT * FROM finance.s.t") == "NO_SUCH_CATALOG_EXCEPTION"


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SELECT * FROM main.default.missing", "TABLE_OR_VIEW_NOT_FOUND"),
        ("SELECT * FROM main.missing.t", "SCHEMA_NOT_FOUND"),
        ("SELEC 1", "PARSE_SYNTAX_ERROR"),
        ("SELECT 1; SELECT 2", "PARSE_SYNTAX_ERROR"),
        ("SELECT CAST(1e40 AS DECIMAL(38,9))", "NUMERIC_VALUE_OUT_OF_RANGE"),
        ("SELECT 1 / (2 - 2) AS q", "DIVIDE_BY_ZERO"),
        ("SELECT nope FROM range(1)", "UNRESOLVED_COLUMN.WITHOUT_SUGGESTION"),
        ("SELECT CAST('abc' AS INT)", "CAST_INVALID_INPUT"),
        ("SELECT :p", "UNBOUND_SQL_PARAMETER"),
        (
            "SELECT * FROM read_files('/Volumes/main/default/none/x.parquet', format => 'parquet')",
            "UC_VOLUME_NOT_FOUND",
        ),
        ("DROP TABLE main.default.missing", "TABLE_OR_VIEW_NOT_FOUND"),
        ("COPY INTO main.default.t FROM '/x'", "UNSUPPORTED_FEATURE"),
    ],
)
def test_error_classes(emu: DatabricksEmulator, sql: str, expected: str) -> None:
    assert error_class(emu, sql) == expected


def test_read_files_over_a_directory(emu: DatabricksEmulator, db: str) -> None:
    catalog, schema = db.split(".")
    emu.query(f"CREATE VOLUME {db}.v")
    folder: Path = emu.engine.volumes.root / catalog / schema / "v" / "batch"
    folder.mkdir(parents=True)
    for i in range(2):
        pq.write_table(pa.table({"x": [i]}), folder / f"part-{i}.parquet")
    got = emu.query(
        f"SELECT x FROM read_files('/Volumes/{catalog}/{schema}/v/batch', format => 'parquet') ORDER BY x"
    )
    assert got == [(0,), (1,)]
    pattern = f"/Volumes/{catalog}/{schema}/v/batch/part-*.parquet"
    glob = f"SELECT COUNT(*) FROM read_files('{pattern}', format => 'parquet')"
    assert emu.query(glob) == [(2,)]
    missing = f"SELECT * FROM read_files('/Volumes/{catalog}/{schema}/v/none.parquet', format => 'parquet')"
    assert error_class(emu, missing) == "PATH_NOT_FOUND"


def test_maintenance_statements_are_accepted(emu: DatabricksEmulator, db: str) -> None:
    emu.query(f"CREATE TABLE {db}.t (x INT)")
    for sql in (
        f"OPTIMIZE {db}.t",
        f"VACUUM {db}.t",
        f"GRANT SELECT ON TABLE {db}.t TO `analysts`",
        f"ALTER TABLE {db}.t SET TBLPROPERTIES ('delta.enableChangeDataFeed' = 'true')",
        f"COMMENT ON TABLE {db}.t IS 'QuickBooks invoices'",
    ):
        assert emu.query(sql) == []
    assert emu.query("SET spark.sql.ansi.enabled = true") == [("spark.sql.ansi.enabled", "true")]


def test_drop_schema_needs_cascade_when_not_empty(emu: DatabricksEmulator) -> None:
    emu.query("CREATE SCHEMA main.full")
    emu.query("CREATE TABLE main.full.t (x INT)")
    emu.query("CREATE VOLUME main.full.v")
    assert error_class(emu, "DROP SCHEMA main.full") == "SCHEMA_NOT_EMPTY"
    emu.query("DROP SCHEMA main.full CASCADE")
    assert error_class(emu, "SELECT * FROM main.full.t") == "SCHEMA_NOT_FOUND"
    assert ("main", "full", "v") not in emu.engine.catalog.volumes


def test_sequence_of_dates_is_an_array_of_dates(emu: DatabricksEmulator) -> None:
    """Databricks' sequence(DATE, DATE, step) is ARRAY<DATE> (a day apart without a step); duckdb's own series
    over dates would give timestamps."""
    months = emu.query(
        "SELECT explode(sequence(CAST('2025-11-01' AS DATE), CAST('2026-01-01' AS DATE), INTERVAL 1 MONTH))"
        " AS m"
    )
    assert months == [(date(2025, 11, 1),), (date(2025, 12, 1),), (date(2026, 1, 1),)]
    (days,) = emu.query("SELECT sequence(DATE'2026-02-27', DATE'2026-03-01') AS d")[0]
    assert days == [date(2026, 2, 27), date(2026, 2, 28), date(2026, 3, 1)]
