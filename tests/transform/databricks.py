"""dbt-databricks for the transform/ project, in a virtual environment of its own.

dbt-databricks 1.10 needs databricks-sql-connector < 4.0.6 and target-databricks >= 4.9, so it cannot share
the workspace .venv. The environment is made with uv from the pins of the Meltano `dbt` utility
(plugins/transform.meltano.yml, the one place they are written) and kept under .tools/, so it is built once
per machine and rebuilt only when the pins change. Only PyPI is needed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml
from filelock import FileLock

from tests.emulators.databricks import DatabricksEmulator
from tests.transform.dbt import ROOT, TRANSFORM

PLUGIN = ROOT / "plugins" / "transform.meltano.yml"
VENV = ROOT / ".tools" / "dbt-databricks"
PACKAGES = ("dbt-core", "dbt-databricks")


def pins() -> list[str]:
    """dbt-core and dbt-databricks as the utility pins them (e.g. `dbt-databricks==1.10.19`)."""
    utility = yaml.safe_load(PLUGIN.read_text())["plugins"]["utilities"][0]
    return [p for p in utility["pip_url"].split() if p.split("==")[0] in PACKAGES]


def dbt_databricks() -> Path:
    """The `dbt` executable of the dbt-databricks environment, made under a file lock if missing or stale."""
    wanted = "\n".join(pins())
    marker = VENV / "pins.txt"
    with FileLock(str(ROOT / ".tools" / "dbt-databricks.lock")):
        if not (marker.exists() and marker.read_text() == wanted):
            shutil.rmtree(VENV, ignore_errors=True)
            uv = shutil.which("uv", path=str(ROOT / ".tools" / "bin")) or "uv"
            subprocess.run([uv, "venv", "-q", "--python", sys.executable, str(VENV)], check=True, timeout=300)
            subprocess.run(
                [uv, "pip", "install", "-q", "--python", str(VENV / "bin" / "python"), *pins()],
                check=True, timeout=900,
            )
            marker.write_text(wanted)
    return VENV / "bin" / "dbt"


def databricks_env(
    dbx: DatabricksEmulator, workdir: Path, catalog: str, schema: str, **extra: str
) -> dict[str, str]:
    """The environment Meltano's `dbt` utility gives dbt in prod: the profile's `databricks` output, pointed
    at the emulator through the target's settings (host, HTTP path, PAT, connection options with the CA)."""
    kwargs = dbx.connect_kwargs()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DBT_", "QBO_", "TARGET_DATABRICKS_"))}
    env.update(
        DBT_TARGET="databricks", DBT_SOURCE_CATALOG=catalog, DBT_SOURCE_SCHEMA=schema,
        TARGET_DATABRICKS_SERVER_HOSTNAME=kwargs.pop("server_hostname"),
        TARGET_DATABRICKS_HTTP_PATH=kwargs.pop("http_path"),
        TARGET_DATABRICKS_ACCESS_TOKEN=dbx.token,
        TARGET_DATABRICKS_CONNECTION_OPTIONS=json.dumps(kwargs),
        DBT_TARGET_PATH=str(workdir / "dbt-target"), DBT_LOG_PATH=str(workdir / "dbt-logs"),
        DBT_PROFILES_DIR=str(TRANSFORM / "profiles"), DBT_PROJECT_DIR=str(TRANSFORM),
        DBT_SEND_ANONYMOUS_USAGE_STATS="false", **extra,
    )  # fmt: skip
    return env


def run_dbt(
    dbt: Path, env: dict[str, str], *args: str, timeout: float = 1200
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(dbt), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def results(workdir: Path) -> dict[str, str]:
    """unique_id -> status of the last dbt invocation (run_results.json)."""
    data = json.loads((workdir / "dbt-target" / "run_results.json").read_text())
    return {r["unique_id"]: r["status"] for r in data["results"]}
