"""Shared pytest configuration: offline by default; `live` tests need an explicit opt-in."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("QBO_LIVE") or os.environ.get("DATABRICKS_LIVE"):
        return
    reason = "live test: set QBO_LIVE=1 or DATABRICKS_LIVE=1 and real credentials"
    skip_live = pytest.mark.skip(reason=reason)
    for item in items:
        if "live" in item.keywords:
            item.add_marker(skip_live)


@pytest.fixture(scope="session", autouse=True)
def _every_warehouse_statement_parses_as_databricks_sql() -> Iterator[None]:
    """Whatever any Databricks emulator executed in this process must parse with sqlglot's databricks dialect,
    so syntax that only DuckDB tolerates cannot slip through the emulator."""
    from tests.emulators.databricks.sqlcheck import ALL_STATEMENTS, unparseable

    yield
    bad = unparseable(ALL_STATEMENTS)
    assert not bad, f"statements Databricks would not parse: {bad}"
