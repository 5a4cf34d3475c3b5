"""Every statement an emulator executes must also be valid Databricks SQL to sqlglot.

The duckdb engine tolerates syntax Databricks rejects; checking each statement with
`sqlglot.parse_one(sql, read="databricks")` keeps such syntax from slipping through the tests.
"""

from __future__ import annotations

import sqlglot

from .staging import parse_staging

# Every statement any emulator in this process received, in order (emulators append to it).
ALL_STATEMENTS: list[str] = []


def unparseable(statements: list[str]) -> list[tuple[str, str]]:
    """(statement, error) for each statement sqlglot cannot parse; PUT/GET/REMOVE are not SQL to sqlglot."""
    bad = []
    for sql in statements:
        if parse_staging(sql) is not None:
            continue
        try:
            sqlglot.parse_one(sql, read="databricks")
        except sqlglot.errors.SqlglotError as exc:
            bad.append((sql, str(exc).splitlines()[0]))
    return bad
