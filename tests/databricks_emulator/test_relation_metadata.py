"""What dbt-databricks 1.10 asks a warehouse about its relations, through the real connector: its query
comment before SHOW, information_schema.tables with Databricks' columns, DESCRIBE TABLE EXTENDED (report and
AS JSON), SHOW TABLE EXTENDED / VIEWS / TBLPROPERTIES, COMMENT ON and CREATE OR REPLACE keeping the owner."""

from __future__ import annotations

import json

from tests.databricks_emulator.conftest import Connect
from tests.emulators.databricks import DatabricksEmulator

COMMENT = '/* {"app": "dbt", "dbt_version": "1.10.19", "connection_name": "list_main"} */\n\n  '
TABLE = (
    "create or replace table `main`.`fin`.`t` using delta tblproperties ('team' = 'finance') as "
    "select cast(1.5 as decimal(38, 9)) as amt, named_struct('Id', '1') as ref, current_timestamp() as ts"
)


def test_dbt_relation_metadata(dbx_tls: DatabricksEmulator, connect: Connect) -> None:
    with connect(dbx_tls) as conn, conn.cursor() as cur:
        cur.execute(COMMENT + "create schema if not exists `main`.`fin`")
        cur.execute(COMMENT + "SHOW SCHEMAS IN `main` LIKE 'fin'")
        assert [r[0] for r in cur.fetchall()] == ["fin"]
        cur.execute(COMMENT + TABLE)
        cur.execute(COMMENT + "create or replace view `main`.`fin`.`v` as (select amt from `main`.`fin`.`t`)")
        cur.execute("COMMENT ON TABLE `main`.`fin`.`t` IS 'ledger'")
        cur.execute(
            COMMENT + "SELECT table_name, table_type, lower(data_source_format), table_owner, comment "
            "FROM `system`.`information_schema`.`tables` "
            "WHERE table_catalog = 'main' AND table_schema = 'fin' "
            "ORDER BY table_name"
        )
        owner = dbx_tls.auth.user
        assert [tuple(r) for r in cur.fetchall()] == [
            ("t", "MANAGED", "delta", owner, "ledger"),
            ("v", "VIEW", "unknown_data_source_format", owner, None),
        ]
        cur.execute("DESCRIBE TABLE EXTENDED `main`.`fin`.`t` AS JSON")
        doc = json.loads(cur.fetchone()[0])
        assert [(c["name"], c["type"]["name"]) for c in doc["columns"]] == [
            ("amt", "decimal"), ("ref", "struct"), ("ts", "timestamp_ltz"),
        ]
        assert doc["columns"][0]["type"] == {"name": "decimal", "precision": 38, "scale": 9}
        assert (doc["type"], doc["provider"], doc["owner"]) == ("MANAGED", "delta", owner)
        assert doc["table_properties"]["team"] == "finance"
        cur.execute("DESCRIBE TABLE EXTENDED `main`.`fin`.`v`")
        report = {r[0]: r[1] for r in cur.fetchall()}
        assert report["Type"] == "VIEW"
        assert "main.fin.t" in report["View Text"].replace("`", "")
        cur.execute("SHOW TABLE EXTENDED IN `main`.`fin` LIKE 't'")
        (row,) = cur.fetchall()
        assert f"Owner: {owner}" in row[3]
        assert " |-- amt: decimal(38,9) (nullable = true)" in row[3]
        cur.execute("SHOW VIEWS IN `main`.`fin`")
        assert [r[1] for r in cur.fetchall()] == ["v"]
        cur.execute("ALTER TABLE `main`.`fin`.`t` SET TBLPROPERTIES ('quality' = 'gold')")
        cur.execute("SHOW TBLPROPERTIES `main`.`fin`.`t`")
        properties = dict(cur.fetchall())
        assert properties["team"] == "finance"
        assert properties["quality"] == "gold"
        cur.execute("ALTER TABLE `main`.`fin`.`t` UNSET TBLPROPERTIES IF EXISTS ('quality')")
        cur.execute("SHOW TBLPROPERTIES `main`.`fin`.`t`")
        assert "quality" not in dict(cur.fetchall())
        cur.execute(TABLE.replace("'finance'", "'ops'"))  # replacing keeps owner and creation time
        cur.execute("DESCRIBE TABLE EXTENDED `main`.`fin`.`t` AS JSON")
        again = json.loads(cur.fetchone()[0])
        assert (again["created_time"], again["owner"]) == (doc["created_time"], owner)
        assert again["table_properties"]["team"] == "ops"
        assert "quality" not in again["table_properties"]
