"""Pointing the transform/ dbt project (dbt-duckdb) at a Delta root, and reading its tables back."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[2]
TRANSFORM = ROOT / "transform"


def dbt_env(delta_root: Path, workdir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DBT_", "QBO_", "TARGET_DATABRICKS_"))}
    env.update(
        DBT_DELTA_ROOT=str(delta_root), DBT_DUCKDB_PATH=str(workdir / "finance.duckdb"),
        DBT_TARGET_PATH=str(workdir / "dbt-target"), DBT_LOG_PATH=str(workdir / "dbt-logs"),
        DBT_PROFILES_DIR=str(TRANSFORM / "profiles"), DBT_PROJECT_DIR=str(TRANSFORM),
        DBT_SEND_ANONYMOUS_USAGE_STATS="false", DBT_TARGET="duckdb", **extra,
    )
    return env


@contextmanager
def warehouse(workdir: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """The models' DuckDB file, read-only, with the marts' schema as the default."""
    con = duckdb.connect(str(workdir / "finance.duckdb"), read_only=True)
    try:
        con.execute("use finance.finance")
        yield con
    finally:
        con.close()
