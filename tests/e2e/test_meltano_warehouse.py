"""The production path through Meltano: QBO emulator -> tap -> target-databricks on the warehouse emulator,
authenticated as a service principal (OAuth M2M), staging Parquet in a Volume."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal

import pytest

from tests.e2e.conftest import MeltanoProject
from tests.e2e.helpers import tap_env
from tests.emulators.databricks import DatabricksEmulator
from tests.emulators.qbo import QBOEmulator


@pytest.fixture
def emu() -> Iterator[QBOEmulator]:
    with QBOEmulator(seed=3) as emulator:
        yield emulator


@pytest.fixture
def dbx() -> Iterator[DatabricksEmulator]:
    with DatabricksEmulator(tls=True) as emulator:
        yield emulator


def test_meltano_run_into_the_warehouse_with_m2m(
    meltano: MeltanoProject, emu: QBOEmulator, dbx: DatabricksEmulator
) -> None:
    for statement in (  # what an admin runs once (README, "Going to production")
        "CREATE CATALOG IF NOT EXISTS finance",
        "CREATE SCHEMA IF NOT EXISTS finance.quickbooks",
        "CREATE VOLUME IF NOT EXISTS finance.quickbooks.staging",
    ):
        dbx.query(statement)
    kwargs = dbx.connect_kwargs()
    meltano.env.update(tap_env(emu))
    meltano.env.update(
        TAP_QUICKBOOKS_ONLINE__SELECT=json.dumps(["invoices.*", "customers.*"]),
        TARGET_DATABRICKS_ENGINE="databricks",
        TARGET_DATABRICKS_SERVER_HOSTNAME=kwargs.pop("server_hostname"),
        TARGET_DATABRICKS_HTTP_PATH=kwargs.pop("http_path"),
        TARGET_DATABRICKS_CLIENT_ID=dbx.client_id,
        TARGET_DATABRICKS_CLIENT_SECRET=dbx.client_secret,
        TARGET_DATABRICKS_CONNECTION_OPTIONS=json.dumps(kwargs),
        TARGET_DATABRICKS_CATALOG="finance",
        REQUESTS_CA_BUNDLE=str(dbx.ca_file),  # databricks-sdk's OIDC calls trust the emulator's certificate
    )
    meltano.run("run", "tap-quickbooks-online", "target-databricks")

    invoices = {r[0]: r[1] for r in dbx.query("SELECT Id, TotalAmt FROM finance.quickbooks.invoices")}
    source = {r["Id"]: Decimal(str(r["TotalAmt"])) for r in emu.store.all("Invoice")}
    assert invoices == source
    customers = dbx.query("SELECT count(*) FROM finance.quickbooks.customers")[0][0]
    assert customers == len(emu.store.all("Customer"))
    counters = dbx.counters()
    assert counters["oauth.tokens_issued"] >= 1
    assert counters.get("http.401", 0) == 0
    assert counters["volume.PUT"] >= 2
    audit = dbx.query("SELECT stream, status, rows_in FROM finance.quickbooks._audit")
    assert {(s, st) for s, st, _ in audit} == {("invoices", "loaded"), ("customers", "loaded")}
