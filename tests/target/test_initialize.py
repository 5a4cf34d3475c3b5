"""`target-databricks-initialize` against the warehouse emulator (objects created, grants read with SHOW
GRANTS, the exact missing GRANT statements printed, idempotent) and on local Delta folders."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from target_databricks import initialize

NAMES = {"CATALOG": "finance", "SCHEMA": "finance.quickbooks", "VOLUME": "finance.quickbooks.staging"}


def _run(tmp_path: Path, config: dict[str, Any]) -> Result:
    path = tmp_path / "target.json"
    path.write_text(json.dumps(config))
    return CliRunner().invoke(initialize.cli, ["--config", str(path)])


def _warehouse(dbx: Any, tmp_path: Path, **credentials: str) -> dict[str, Any]:
    kwargs = dbx.connect_kwargs()
    return {
        "engine": "databricks", "server_hostname": kwargs.pop("server_hostname"),
        "http_path": kwargs.pop("http_path"), "connection_options": kwargs, "catalog": "finance",
        "schema": "quickbooks", **credentials,
    }  # fmt: skip


def _admin(dbx: Any, statement: str) -> None:
    from databricks import sql as dbsql

    with dbsql.connect(**dbx.connect_kwargs(), access_token=dbx.token) as conn, conn.cursor() as cursor:
        cursor.execute(statement)


def test_service_principal_gets_exactly_the_missing_grants_then_is_ready(dbx: Any, tmp_path: Path) -> None:
    _admin(dbx, "CREATE CATALOG finance")
    _admin(dbx, "CREATE SCHEMA finance.quickbooks")  # the admin's schema: the principal owns nothing there
    config = _warehouse(dbx, tmp_path, client_id=dbx.client_id, client_secret=dbx.client_secret)
    first = _run(tmp_path, config)
    assert first.exit_code == 1, first.output
    sp = dbx.client_id
    assert "catalog finance: exists" in first.output
    assert "schema finance.quickbooks: exists" in first.output
    assert "volume finance.quickbooks.staging: created" in first.output  # it may create volumes
    expected = [
        f"GRANT USE CATALOG ON CATALOG `finance` TO `{sp}`;",
        f"GRANT USE SCHEMA, CREATE TABLE, MODIFY, SELECT ON SCHEMA `finance`.`quickbooks` TO `{sp}`;",
    ]  # the Volume is the principal's own (it created it): nothing to grant there
    printed = first.output.split("Still missing", 1)[1].splitlines()[1:]
    assert [line.strip() for line in printed if line.strip()] == expected
    assert dbx.query("SELECT count(*) FROM finance.quickbooks._audit") == [(0,)]  # the tables' home exists
    for statement in expected:
        _admin(dbx, statement.rstrip(";"))
    second = _run(tmp_path, config)
    assert second.exit_code == 0, second.output
    assert "volume finance.quickbooks.staging: exists" in second.output
    assert "grants: all present" in second.output


def test_personal_token_user_creating_everything_owns_it(dbx: Any, tmp_path: Path) -> None:
    _admin(dbx, "CREATE CATALOG finance")
    _admin(dbx, "GRANT USE CATALOG ON CATALOG finance TO `emulator-user@example.com`")
    result = _run(tmp_path, _warehouse(dbx, tmp_path, access_token=dbx.token))
    assert result.exit_code == 0, result.output
    assert "principal: emulator-user@example.com" in result.output
    assert "schema finance.quickbooks: created" in result.output
    assert dbx.token not in result.output


def test_missing_catalog_is_created_when_allowed(dbx: Any, tmp_path: Path) -> None:
    result = _run(tmp_path, _warehouse(dbx, tmp_path, access_token=dbx.token))
    assert "catalog finance: created" in result.output
    assert result.exit_code == 0, result.output  # the creator owns catalog, schema and Volume


@pytest.mark.parametrize(
    ("rows", "gaps"),
    [
        ([], [("CATALOG", ["USE CATALOG"]), ("SCHEMA", list(initialize.NEEDED["SCHEMA"])),
              ("VOLUME", ["READ VOLUME", "WRITE VOLUME"])]),
        ([("ALL PRIVILEGES", "CATALOG", "finance")], []),  # inherited by the schema and the Volume
        ([("OWN", "CATALOG", "finance")], [("SCHEMA", list(initialize.NEEDED["SCHEMA"])),
                                            ("VOLUME", ["READ VOLUME", "WRITE VOLUME"])]),
        ([("USE CATALOG", "CATALOG", "finance"), ("SELECT", "CATALOG", "finance"),
          ("USE SCHEMA", "SCHEMA", "finance.quickbooks"), ("READ VOLUME", "SCHEMA", "finance.quickbooks"),
          ("WRITE VOLUME", "VOLUME", "finance.quickbooks.staging")],
         [("SCHEMA", ["CREATE TABLE", "MODIFY"])]),
        ([("USE CATALOG", "CATALOG", "other"), ("OWN", "SCHEMA", "finance.quickbooks"),
          ("ALL PRIVILEGES", "VOLUME", "finance.quickbooks.staging")], [("CATALOG", ["USE CATALOG"])]),
    ],
)  # fmt: skip
def test_missing_grants_follow_inheritance_and_ownership(
    rows: list[tuple[str, str, str]], gaps: list[tuple[str, list[str]]]
) -> None:
    shown = [{"Principal": "sp", "ActionType": a, "ObjectType": t, "ObjectKey": k} for a, t, k in rows]
    shown.append({"Principal": "someone-else", "ActionType": "ALL PRIVILEGES", "ObjectType": "CATALOG",
                  "ObjectKey": "finance"})  # fmt: skip
    assert initialize.missing_grants(shown, "sp", NAMES) == gaps


def test_delta_creates_a_writable_home_and_is_idempotent(tmp_path: Path) -> None:
    config = {"engine": "delta", "delta_root": str(tmp_path / "lake")}
    for _ in range(2):
        result = _run(tmp_path, config)
        assert result.exit_code == 0, result.output
    assert (tmp_path / "lake" / "main" / "quickbooks").is_dir()
    assert list((tmp_path / "lake" / "main" / "quickbooks").iterdir()) == []  # the probe is cleaned up


def test_delta_root_that_cannot_be_written_is_named(tmp_path: Path) -> None:
    (tmp_path / "blocker").write_text("a file where a folder should be")
    config = {"engine": "delta", "delta_root": str(tmp_path / "blocker")}
    result = _run(tmp_path, config)
    assert result.exit_code == 1
    assert f"{tmp_path / 'blocker'}/main/quickbooks: not writable" in result.output
