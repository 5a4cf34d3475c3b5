"""singer-sdk's standard target tests, on the embedded delta engine and on the Databricks emulator."""

from __future__ import annotations

import atexit
import shutil
import tempfile

from singer_sdk.testing import get_target_test_class
from target_databricks.target import TargetDatabricks

from tests.emulators.databricks import DatabricksEmulator

_delta_dir = tempfile.mkdtemp(prefix="target-databricks-standard-")
_dbx = DatabricksEmulator(tls=False, port=0).start()
atexit.register(_dbx.stop)
atexit.register(shutil.rmtree, _delta_dir, True)
_kwargs = _dbx.connect_kwargs()

TestTargetDatabricksDelta = get_target_test_class(
    TargetDatabricks,
    config={"delta_root": f"{_delta_dir}/delta"},
)

TestTargetDatabricksWarehouse = get_target_test_class(
    TargetDatabricks,
    config={
        "engine": "databricks",
        "server_hostname": _kwargs.pop("server_hostname"),
        "http_path": _kwargs.pop("http_path"),
        "access_token": _dbx.token,
        "connection_options": {**_kwargs, "_retry_stop_after_attempts_duration": 1},
    },
)
