"""The SQL builders: exact text for the statements that matter, and every one parses as Databricks SQL."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlglot
from sqlglot import exp
from target_databricks import sql

INVOICES = sql.qualified("main", "quickbooks", "invoices")
QBO = sql.MergeSpec(
    keys=["realm_id", "Id"],
    versions=["LastUpdatedTime", "SyncToken"],
    casts={"SyncToken": "BIGINT"},
    hard_delete=False,
)
COLUMNS = ["realm_id", "Id", "SyncToken", "LastUpdatedTime", "TotalAmt", "_sdc_deleted_at"]
STAGED = "/Volumes/main/quickbooks/staging/_target_databricks/run/invoices.parquet"


def parse(statement: str) -> exp.Expr:
    return sqlglot.parse_one(statement, read="databricks")


def test_version_guard_compares_time_then_sync_token_as_integer() -> None:
    assert sql.version_guard(QBO) == (
        "(s.`LastUpdatedTime` > t.`LastUpdatedTime` OR t.`LastUpdatedTime` IS NULL OR "
        "(s.`LastUpdatedTime` = t.`LastUpdatedTime` AND "
        "(CAST(s.`SyncToken` AS BIGINT) >= CAST(t.`SyncToken` AS BIGINT) OR t.`SyncToken` IS NULL)))"
    )


def test_version_guard_without_versions_always_updates() -> None:
    assert sql.version_guard(sql.MergeSpec(["k"], [], {}, False)) == "TRUE"


def test_merge_soft_delete_text_and_parse() -> None:
    statement = sql.merge(INVOICES, STAGED, COLUMNS, QBO)
    assert statement.startswith(
        "MERGE INTO `main`.`quickbooks`.`invoices` AS t USING (SELECT `realm_id`, `Id`, `SyncToken`, "
        "`LastUpdatedTime`, `TotalAmt`, `_sdc_deleted_at` FROM read_files("
        "'/Volumes/main/quickbooks/staging/_target_databricks/run/invoices.parquet', format => 'parquet') "
        "QUALIFY ROW_NUMBER() OVER (PARTITION BY `realm_id`, `Id` ORDER BY `LastUpdatedTime` DESC "
        "NULLS LAST, CAST(`SyncToken` AS BIGINT) DESC NULLS LAST) = 1) AS s "
        "ON t.`realm_id` = s.`realm_id` AND t.`Id` = s.`Id` "
    )
    assert (
        "THEN UPDATE SET t.`_sdc_deleted_at` = s.`_sdc_deleted_at`, "
        "t.`LastUpdatedTime` = COALESCE(s.`LastUpdatedTime`, t.`LastUpdatedTime`)" in statement
    )
    assert statement.endswith(
        "WHEN NOT MATCHED THEN INSERT (`realm_id`, `Id`, `SyncToken`, `LastUpdatedTime`, `TotalAmt`, "
        "`_sdc_deleted_at`) VALUES (s.`realm_id`, s.`Id`, s.`SyncToken`, s.`LastUpdatedTime`, s.`TotalAmt`, "
        "s.`_sdc_deleted_at`)"
    )
    tree = parse(statement)
    assert isinstance(tree, exp.Merge)
    whens = tree.find_all(exp.When)
    assert len(list(whens)) == 3


def test_merge_hard_delete_deletes_and_skips_inserting_tombstones() -> None:
    spec = sql.MergeSpec(QBO.keys, QBO.versions, QBO.casts, hard_delete=True)
    statement = sql.merge(INVOICES, STAGED, COLUMNS, spec)
    assert "AND s.`_sdc_deleted_at` IS NOT NULL AND (" in statement
    assert ") THEN DELETE WHEN MATCHED AND" in statement
    assert "WHEN NOT MATCHED AND s.`_sdc_deleted_at` IS NULL THEN INSERT" in statement
    assert isinstance(parse(statement), exp.Merge)


def test_ddl_and_dml_text() -> None:
    columns = [
        ("Id", "STRING"),
        ("TotalAmt", "DECIMAL(38,9)"),
        ("Line", "ARRAY<STRUCT<`Amount`: DECIMAL(38,9)>>"),
    ]
    assert sql.create_table(INVOICES, columns) == (
        "CREATE TABLE IF NOT EXISTS `main`.`quickbooks`.`invoices` (`Id` STRING, `TotalAmt` DECIMAL(38,9), "
        "`Line` ARRAY<STRUCT<`Amount`: DECIMAL(38,9)>>) USING DELTA"
    )
    assert sql.add_columns(INVOICES, columns[:2]) == (
        "ALTER TABLE `main`.`quickbooks`.`invoices` ADD COLUMNS (`Id` STRING, `TotalAmt` DECIMAL(38,9))"
    )
    assert sql.replace_with_staged(INVOICES, STAGED, ["Id"]).startswith(
        "CREATE OR REPLACE TABLE `main`.`quickbooks`.`invoices` USING DELTA AS SELECT `Id` FROM read_files("
    )
    assert sql.retire_versions(INVOICES, 7, hard_delete=True) == (
        "DELETE FROM `main`.`quickbooks`.`invoices` WHERE (`_sdc_table_version` < 7 OR "
        "`_sdc_table_version` IS NULL)"
    )
    assert sql.put("/scratch/x.parquet", STAGED) == f"PUT '/scratch/x.parquet' INTO '{STAGED}' OVERWRITE"
    assert sql.remove(STAGED) == f"REMOVE '{STAGED}'"


@pytest.mark.parametrize(
    "statement",
    [
        sql.create_schema("main", "quickbooks"),
        sql.create_volume("main", "quickbooks", "staging"),
        sql.create_table(INVOICES, [("Id", "STRING"), ("Meta", "STRUCT<`A`: TIMESTAMP>")]),
        sql.add_columns(INVOICES, [("A", "BIGINT"), ("B", "DATE")]),
        sql.describe(INVOICES),
        sql.insert_staged(INVOICES, STAGED, ["Id", "TotalAmt"]),
        sql.replace_with_staged(INVOICES, STAGED, ["Id"]),
        sql.retire_versions(INVOICES, 3, hard_delete=False),
        sql.retire_versions(INVOICES, 3, hard_delete=True),
        sql.merge(INVOICES, STAGED, ["k", "v"], sql.MergeSpec(["k"], ["v"], {}, False)),
        sql.insert_missing(INVOICES, STAGED, ["k", "_sdc_sequence"], ["_sdc_sequence"]),
        sql.insert_missing_rows(INVOICES, ["k", "n"], [["a", 1], ["b", 2]], ["k"]),
        sql.select_where(INVOICES, "status", "pending"),
    ],
)
def test_statements_parse_as_databricks(statement: str) -> None:
    assert parse(statement) is not None


def test_literals_escape_and_round_trip() -> None:
    when = dt.datetime(2024, 3, 1, 2, 3, 4, tzinfo=dt.timezone(dt.timedelta(hours=-8)))
    row = ["it's a \\ path", None, True, 42, Decimal("1.000000001"), 0.5, when]
    columns = ["s", "n", "b", "i", "d", "f", "t"]
    statement = sql.insert_missing_rows("`a`.`b`.`_audit`", columns, [row], ["s"])
    assert (
        "SELECT 'it\\'s a \\\\ path' AS `s`, NULL AS `n`, TRUE AS `b`, 42 AS `i`, 1.000000001 AS `d`, "
        "0.5 AS `f`, TIMESTAMP '2024-03-01T10:03:04+00:00' AS `t`"
    ) in statement
    first = parse(statement).find(exp.Alias)
    assert first is not None
    assert first.this.this == "it's a \\ path"


def test_identifiers_with_backticks_are_escaped() -> None:
    assert sql.quote("we`ird") == "`we``ird`"
    assert parse(f"SELECT {sql.quote('we`ird')} FROM t") is not None


def test_a_delete_as_new_as_the_row_wins_even_without_a_sync_token() -> None:
    guard = sql.deleted_condition(QBO)
    assert guard.endswith("OR t.`SyncToken` IS NULL OR s.`SyncToken` IS NULL)))")
    # An update with no SyncToken at the same time still does not win: only deletes get the tie.
    assert "s.`SyncToken` IS NULL" not in sql.version_guard(QBO)


def test_appends_and_audit_rows_are_insert_only_merges() -> None:
    statement = sql.insert_missing(INVOICES, STAGED, ["Name", "_sdc_sequence"], ["_sdc_sequence"])
    merge = parse(statement)
    assert isinstance(merge, exp.Merge)
    assert "WHEN MATCHED" not in statement
    assert "ON t.`_sdc_sequence` = s.`_sdc_sequence`" in statement


@pytest.mark.parametrize(
    "predicate",
    [
        sql.key_match(["realm_id", "Id"], sql.ansi_quote, [sql.key_range("Id", "1", "it's", sql.ansi_quote)]),
        sql.deleted_condition(QBO, sql.ansi_quote),
        sql.version_guard(QBO, sql.ansi_quote),
        sql.insert_condition(sql.MergeSpec(["Id"], [], {}, True), sql.ansi_quote) or "",
        sql.older_versions(3, sql.ansi_quote),
        sql.retire_predicate(3, sql.ansi_quote),
    ],
)
def test_delta_rs_predicates_come_from_the_builders_and_parse(predicate: str) -> None:
    """The delta engine's MERGE/retire predicates are built here too, quoted the ANSI way for DataFusion."""
    assert '"' in predicate
    assert "`" not in predicate
    assert parse(f"SELECT 1 FROM t WHERE {predicate}") is not None
