"""singer-sdk's standard target tests, on the embedded delta engine and on the Databricks emulator."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from singer_sdk.testing import get_target_test_class
from target_databricks.target import TargetDatabricks

from tests.emulators.databricks import DatabricksEmulator

# get_target_test_class takes its config when the class is made; each test's runner reads the dict when the
# test runs. The fixture below fills both in then, so nothing is created or started at import.
DELTA: dict[str, Any] = {"delta_root": "set-by-the-fixture"}
WAREHOUSE: dict[str, Any] = {"engine": "databricks"}


@pytest.fixture(scope="module", autouse=True)
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DatabricksEmulator]:
    DELTA["delta_root"] = str(tmp_path_factory.mktemp("target-databricks-standard") / "delta")
    with DatabricksEmulator(tls=False, port=0) as dbx:
        kwargs = dbx.connect_kwargs()
        WAREHOUSE.update(
            server_hostname=kwargs.pop("server_hostname"),
            http_path=kwargs.pop("http_path"),
            access_token=dbx.token,
            connection_options={**kwargs, "_retry_stop_after_attempts_duration": 1},
        )
        yield dbx


TestTargetDatabricksDelta = get_target_test_class(TargetDatabricks, config=DELTA)
TestTargetDatabricksWarehouse = get_target_test_class(TargetDatabricks, config=WAREHOUSE)
