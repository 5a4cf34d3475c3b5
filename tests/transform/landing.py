"""Landing one emulated company twice from the same Singer output: the real tap once, then the real
target-databricks per engine (local Delta for dbt-duckdb, the warehouse emulator for dbt-databricks), so both
dbt runs read exactly the same rows."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml
from tap_quickbooks_online.reports import BY_STREAM as REPORT_STREAMS

from tests.emulators.databricks import DatabricksEmulator
from tests.emulators.qbo import QBOEmulator
from tests.tap.harness import catalog_for, tap_config
from tests.transform.dbt import TRANSFORM

BIN = Path(sys.executable).parent
TIMEOUT = 900


def model_sources() -> set[str]:
    """The raw tables the models read (transform/models/staging/_sources.yml)."""
    sources = yaml.safe_load((TRANSFORM / "models" / "staging" / "_sources.yml").read_text())["sources"]
    return {table["name"] for source in sources for table in source["tables"]}


def entity_catalog(reports: bool = False) -> dict[str, Any]:
    """The tap's catalog with the entity streams the models read selected (a stream lands as the table of
    its name), and with `reports` the report streams the reconciliation compares with as well."""
    wanted = model_sources() if reports else model_sources() - set(REPORT_STREAMS)
    return catalog_for(sorted(wanted))


def extract(emu: QBOEmulator, workdir: Path, reports: bool = False) -> Path:
    """Run the tap over the emulator's company once; its Singer output goes to a file."""
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "tap.json").write_text(json.dumps(tap_config(emu, workdir)))
    (workdir / "catalog.json").write_text(json.dumps(entity_catalog(reports)))
    singer = workdir / "company.singer"
    args = [str(BIN / "tap-quickbooks-online"), "--config", str(workdir / "tap.json")]
    with singer.open("wb") as out, (workdir / "tap.log").open("wb") as log:
        subprocess.run(
            [*args, "--catalog", str(workdir / "catalog.json")], stdout=out, stderr=log, check=True,
            timeout=TIMEOUT,
        )
    return singer


def load(singer: Path, config: dict[str, Any], workdir: Path, name: str) -> None:
    """Feed the Singer file to target-databricks with `config`; fail with the target's log tail."""
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / f"{name}.json"
    path.write_text(json.dumps({"quarantine_path": str(workdir / f"{name}-quarantine"), **config}))
    with singer.open("rb") as stdin:
        done = subprocess.run(
            [str(BIN / "target-databricks"), "--config", str(path)], stdin=stdin, capture_output=True,
            timeout=TIMEOUT, check=False,
        )
    if done.returncode != 0:
        raise AssertionError(f"target-databricks ({name}) exited {done.returncode}:\n{done.stderr[-6000:]!r}")


def load_delta(singer: Path, workdir: Path) -> Path:
    """Local Delta under <workdir>/delta/main/quickbooks (dbt-duckdb's source layout)."""
    load(singer, {"delta_root": str(workdir / "delta")}, workdir, "target-delta")
    return workdir / "delta"


def load_warehouse(singer: Path, dbx: DatabricksEmulator, workdir: Path, catalog: str, schema: str) -> None:
    """The warehouse engine over TLS with a PAT, into <catalog>.<schema>, staging through a Volume. What an
    admin sets up once (the target's README, "Going to production") is created first, plus the schema the
    models are written to: a session cannot open on a schema that does not exist."""
    for statement in (
        f"CREATE CATALOG IF NOT EXISTS {catalog}",
        f"CREATE SCHEMA IF NOT EXISTS {catalog}.{schema}",
        f"CREATE VOLUME IF NOT EXISTS {catalog}.{schema}.staging",
        f"CREATE SCHEMA IF NOT EXISTS {catalog}.finance",
    ):
        dbx.query(statement)
    kwargs = dbx.connect_kwargs()
    config = {
        "engine": "databricks", "server_hostname": kwargs.pop("server_hostname"),
        "http_path": kwargs.pop("http_path"), "access_token": dbx.token, "connection_options": kwargs,
        "catalog": catalog, "schema": schema,
    }  # fmt: skip
    load(singer, config, workdir, "target-warehouse")
