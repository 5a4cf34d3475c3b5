"""Fixtures for target-databricks: one harness per engine, so behaviour tests run on both."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import simplejson
from deltalake import DeltaTable, Field
from target_databricks import errors
from target_databricks.target import TargetDatabricks

INVOICE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "realm_id": {"type": "string"},
        "Id": {"type": "string"},
        "SyncToken": {"type": ["string", "null"]},
        "LastUpdatedTime": {"type": ["string", "null"], "format": "date-time"},
        "TxnDate": {"type": ["string", "null"], "format": "date"},
        "DocNumber": {"type": ["string", "null"]},
        "TotalAmt": {"type": ["number", "null"], "x-sql-datatype": "decimal(38,9)"},
        "CustomerRef": {
            "type": ["object", "null"],
            "properties": {"value": {"type": ["string", "null"]}, "name": {"type": ["string", "null"]}},
        },
        "Line": {
            "type": ["array", "null"],
            "items": {
                "type": "object",
                "properties": {
                    "Id": {"type": ["string", "null"]},
                    "Amount": {"type": ["number", "null"], "x-sql-datatype": "decimal(38,9)"},
                    "DetailType": {"type": ["string", "null"]},
                },
            },
        },
        "CustomField": {"type": ["array", "null"]},
        "_sdc_deleted_at": {"type": ["string", "null"], "format": "date-time"},
    },
}


def schema_message(
    stream: str = "invoices",
    schema: dict | None = None,
    keys: list[str] | None = None,
    bookmarks: list[str] | None = None,
) -> dict:
    message = {
        "type": "SCHEMA",
        "stream": stream,
        "schema": schema or INVOICE_SCHEMA,
        "key_properties": ["realm_id", "Id"] if keys is None else keys,
    }
    if bookmarks is not None or schema is None:
        message["bookmark_properties"] = ["LastUpdatedTime"] if bookmarks is None else bookmarks
    return message


def record(stream: str = "invoices", **fields: Any) -> dict:
    return {"type": "RECORD", "stream": stream, "record": fields}


def invoice(id_: str, sync: str = "0", updated: str = "2024-03-01T10:00:00Z", **extra: Any) -> dict:
    fields = {
        "realm_id": "9341453050298741",
        "Id": id_,
        "SyncToken": sync,
        "LastUpdatedTime": updated,
        **extra,
    }
    return record(**fields)


class Harness:
    """Runs the target in-process against one engine and reads back what landed."""

    engine = "delta"

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.config: dict[str, Any] = {
            "delta_root": str(tmp_path / "delta"),
        }

    def run(self, messages: list[dict], **config: Any) -> str:
        text = "".join(simplejson.dumps(m, use_decimal=True) + "\n" for m in messages)
        target = TargetDatabricks(config={**self.config, **config}, validate_config=True)
        out = io.StringIO()
        import contextlib

        with contextlib.redirect_stdout(out):
            target.listen(io.StringIO(text))
        return out.getvalue()

    def rows(self, table: str = "invoices", order: str = "Id") -> list[dict[str, Any]]:
        path = Path(self.config["delta_root"]) / "main" / "quickbooks" / table
        rows = DeltaTable(str(path)).to_pyarrow_table().to_pylist()
        return sorted(rows, key=lambda r: str(r.get(order)))

    def audit(self) -> list[dict[str, Any]]:
        rows = self.rows("_audit", order="finished_at")
        return sorted(rows, key=lambda r: r["finished_at"])

    def columns(self, table: str = "invoices") -> list[str]:
        return list(self.rows(table)[0]) if self.rows(table) else []

    def column_types(self, table: str) -> dict[str, str]:
        """Column → Databricks type (lower case), as the table declares them (rows or none)."""
        import pyarrow as pa
        from target_databricks.types import databricks_type

        path = Path(self.config["delta_root"]) / "main" / "quickbooks" / table
        schema = pa.schema(DeltaTable(str(path)).schema().to_arrow())
        return {f.name: databricks_type(f.type).lower() for f in schema}

    def add_column(self, table: str, name: str, arrow_type: Any) -> None:
        import pyarrow as pa

        path = Path(self.config["delta_root"]) / "main" / "quickbooks" / table
        DeltaTable(str(path)).alter.add_columns([Field.from_arrow(pa.field(name, arrow_type))])


class DatabricksHarness(Harness):
    engine = "databricks"

    def __init__(self, tmp_path: Path, dbx: Any) -> None:
        super().__init__(tmp_path)
        self.dbx = dbx
        kwargs = dbx.connect_kwargs()
        self.config = {
            "engine": "databricks",
            "server_hostname": kwargs.pop("server_hostname"),
            "http_path": kwargs.pop("http_path"),
            "access_token": dbx.token,
            "connection_options": {**kwargs, "_retry_stop_after_attempts_duration": 1},
        }

    def sql(self, statement: str) -> list[dict[str, Any]]:
        from databricks import sql as dbsql

        kwargs = self.dbx.connect_kwargs()
        with dbsql.connect(**kwargs, access_token=self.dbx.token) as conn, conn.cursor() as cursor:
            cursor.execute(statement)
            if cursor.description is None:
                return []
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def rows(self, table: str = "invoices", order: str = "Id") -> list[dict[str, Any]]:
        rows = self.sql(f"SELECT * FROM `main`.`quickbooks`.`{table}`")
        return sorted(rows, key=lambda r: str(r.get(order)))

    def column_types(self, table: str) -> dict[str, str]:
        rows = self.sql(f"DESCRIBE TABLE `main`.`quickbooks`.`{table}`")
        return {
            r["col_name"]: r["data_type"].lower() for r in rows if r["col_name"] and r["col_name"][0] != "#"
        }

    def add_column(self, table: str, name: str, arrow_type: Any) -> None:
        from target_databricks.types import databricks_type

        self.sql(
            f"ALTER TABLE `main`.`quickbooks`.`{table}` ADD COLUMNS (`{name}` {databricks_type(arrow_type)})"
        )


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(errors.RETRY_SETTINGS, "base_seconds", 0.01)
    monkeypatch.setitem(errors.RETRY_SETTINGS, "max_seconds", 0.05)


@pytest.fixture
def dbx() -> Iterator[Any]:
    from tests.emulators.databricks import DatabricksEmulator

    with DatabricksEmulator(tls=False, port=0) as emulator:
        yield emulator


@pytest.fixture(params=["delta", "databricks"])
def harness(request: pytest.FixtureRequest, tmp_path: Path) -> Harness:
    if request.param == "delta":
        return Harness(tmp_path)
    return DatabricksHarness(tmp_path, request.getfixturevalue("dbx"))
