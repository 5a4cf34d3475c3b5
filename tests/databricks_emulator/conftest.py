"""Fixtures for the Databricks emulator tests: emulators on ephemeral ports and connector connections."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from databricks import sql
from databricks.sql.client import Connection

from tests.emulators.databricks import DatabricksEmulator

# Small retry budget so fault tests finish in about a second (the connector's minimums are 0.1 s / 1 s / 5 s).
FAST_RETRIES: dict[str, Any] = {
    "_retry_delay_min": 0.1,
    "_retry_delay_default": 1,
    "_retry_delay_max": 5,
    "_retry_stop_after_attempts_count": 3,
}


@pytest.fixture
def dbx() -> Iterator[DatabricksEmulator]:
    with DatabricksEmulator() as emulator:
        yield emulator


@pytest.fixture
def dbx_tls() -> Iterator[DatabricksEmulator]:
    with DatabricksEmulator(tls=True) as emulator:
        yield emulator


Connect = Callable[..., Connection]


@pytest.fixture
def connect(tmp_path: Path) -> Iterator[Connect]:
    """connect(emulator, **kwargs) → an open connector connection (PAT auth unless credentials are given)."""
    opened: list[tuple[DatabricksEmulator, Connection]] = []

    def _connect(emulator: DatabricksEmulator, **kwargs: Any) -> Connection:
        if "credentials_provider" not in kwargs:
            kwargs.setdefault("access_token", emulator.token)
        kwargs.setdefault("staging_allowed_local_path", str(tmp_path))
        conn = sql.connect(**{**emulator.connect_kwargs(), **FAST_RETRIES, **kwargs})
        opened.append((emulator, conn))
        return conn

    yield _connect
    for emulator, conn in opened:
        emulator.faults.reset()  # a fault left armed would slow down closing the session
        if conn.open:
            conn.close()
