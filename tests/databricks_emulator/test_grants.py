"""Unity Catalog privileges as the emulator keeps them: GRANT/REVOKE recorded, SHOW GRANTS with inherited
rows and the owner, current_user() per session principal."""

from __future__ import annotations

import pytest

from tests.emulators.databricks import DatabricksEmulator

from .conftest import Connect
from .test_auth import m2m


def _rows(conn: object, statement: str) -> list[tuple[object, ...]]:
    with conn.cursor() as cursor:  # type: ignore[attr-defined]
        cursor.execute(statement)
        return [tuple(row) for row in cursor.fetchall()] if cursor.description else []


def test_current_user_is_the_session_principal(dbx: DatabricksEmulator, connect: Connect) -> None:
    assert _rows(connect(dbx), "SELECT current_user()") == [(dbx.auth.user,)]
    assert _rows(connect(dbx, credentials_provider=m2m(dbx)), "SELECT current_user()") == [(dbx.client_id,)]


def test_show_grants_lists_inherited_grants_and_the_owner(dbx: DatabricksEmulator, connect: Connect) -> None:
    admin, sp = connect(dbx), connect(dbx, credentials_provider=m2m(dbx))
    _rows(admin, "CREATE SCHEMA main.qb")
    _rows(sp, "CREATE VOLUME main.qb.staging")  # the service principal owns what it creates
    _rows(admin, f"GRANT USE CATALOG ON CATALOG main TO `{dbx.client_id}`")
    _rows(admin, f"GRANT USE SCHEMA, SELECT ON SCHEMA main.qb TO `{dbx.client_id}`")
    _rows(admin, "GRANT READ VOLUME ON VOLUME main.qb.staging TO `analysts`")
    assert _rows(admin, "SHOW GRANTS ON VOLUME main.qb.staging") == [
        (dbx.client_id, "USE CATALOG", "CATALOG", "main"),
        (dbx.client_id, "SELECT", "SCHEMA", "main.qb"),
        (dbx.client_id, "USE SCHEMA", "SCHEMA", "main.qb"),
        (dbx.client_id, "OWN", "VOLUME", "main.qb.staging"),
        ("analysts", "READ VOLUME", "VOLUME", "main.qb.staging"),
    ]
    assert _rows(admin, "SHOW GRANTS `analysts` ON SCHEMA main.qb") == []
    assert (dbx.auth.user, "OWN", "SCHEMA", "main.qb") in _rows(admin, "SHOW GRANTS ON SCHEMA main.qb")
    _rows(admin, f"REVOKE SELECT ON SCHEMA main.qb FROM `{dbx.client_id}`")
    assert _rows(admin, f"SHOW GRANTS `{dbx.client_id}` ON SCHEMA main.qb") == [
        (dbx.client_id, "USE CATALOG", "CATALOG", "main"),
        (dbx.client_id, "USE SCHEMA", "SCHEMA", "main.qb"),
    ]


@pytest.mark.parametrize(
    ("statement", "error"),
    [
        ("SHOW GRANTS ON SCHEMA main.missing", "SCHEMA_NOT_FOUND"),
        ("SHOW GRANTS ON VOLUME main.default.missing", "UC_VOLUME_NOT_FOUND"),
        ("GRANT USE CATALOG ON CATALOG nope TO `x`", "NO_SUCH_CATALOG_EXCEPTION"),
        ("GRANT FLY ON SCHEMA main.default TO `x`", "INVALID_PARAMETER_VALUE"),
    ],
)
def test_grants_on_missing_objects_or_unknown_privileges_fail(
    dbx: DatabricksEmulator, connect: Connect, statement: str, error: str
) -> None:
    with pytest.raises(Exception, match=error):
        _rows(connect(dbx), statement)
