"""Two QBO companies into one set of Delta tables: the second company is a Meltano plugin that inherits
from tap-quickbooks-online (README, "Several companies"), served by the same emulator. Rows are keyed by
(realm_id, Id), so equal Ids of two companies never collide, and each company's rows stay exactly its own;
the second company is multicurrency, so its foreign amounts, rates and home amounts land exactly."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import ROOT, MeltanoProject
from tests.e2e.helpers import read_table, tap_env
from tests.emulators.qbo import QBOEmulator

SECOND = "9341453050298742"
PLUGIN = "tap-quickbooks-online--second-company"
PREFIX = "TAP_QUICKBOOKS_ONLINE__SECOND_COMPANY_"
CHECKED = {"Invoice": "invoices", "Customer": "customers", "Payment": "payments", "Bill": "bills"}
# Meltano's `select` extra, per plugin, as an environment variable: only the streams checked here.
SELECT = '["invoices.*", "customers.*", "payments.*", "bills.*", "exchange_rates.*"]'


@pytest.fixture
def emu() -> Iterator[QBOEmulator]:
    with QBOEmulator(seed=11, scale=0.05) as emulator:
        emulator.add_realm(SECOND, seed=12, scale=0.05, multicurrency=True)
        yield emulator


@pytest.fixture
def project(meltano: MeltanoProject, tmp_path: Path) -> MeltanoProject:
    """The repository's project with the README's second-company plugin added (in a copy, so the
    repository's own project is untouched); plugin venvs are the installed ones."""
    copy = tmp_path / "project"
    copy.mkdir()
    shutil.copy(ROOT / "meltano.yml", copy / "meltano.yml")
    shutil.copytree(ROOT / "plugins", copy / "plugins")
    (copy / "plugins" / "second-company.meltano.yml").write_text(
        f"plugins:\n  extractors:\n  - name: {PLUGIN}\n    inherit_from: tap-quickbooks-online\n"
    )
    for package in ("tap-quickbooks-online", "target-databricks"):
        (copy / package).symlink_to(ROOT / package)
    return MeltanoProject(workdir=meltano.workdir, env=meltano.env, cwd=copy)


def _landed(project: MeltanoProject, table: str) -> dict[tuple[str, str], dict[str, Any]]:
    rows = read_table(project.delta_schema_dir, table).to_pylist()
    keyed = {(r["realm_id"], r["Id"]): r for r in rows}
    assert len(keyed) == len(rows), f"{table}: two rows share a (realm_id, Id) key"
    return keyed


def test_two_realms_land_in_one_set_of_tables(
    project: MeltanoProject, emu: QBOEmulator, tmp_path: Path
) -> None:
    project.env.update(tap_env(emu))
    second = emu.realm(SECOND)
    project.env.update(
        {
            f"{PREFIX}REALM_ID": SECOND,
            f"{PREFIX}REFRESH_TOKEN": second.issue_refresh_token(),
            f"{PREFIX}TOKEN_STORE_PATH": str(tmp_path / "second-company.tokens"),
            "TAP_QUICKBOOKS_ONLINE__SELECT": SELECT,
            "TAP_QUICKBOOKS_ONLINE__SECOND_COMPANY__SELECT": SELECT,
        }
    )
    project.run("run", "tap-quickbooks-online", "target-databricks")
    project.run("run", PLUGIN, "target-databricks")

    realms = {emu.realm_id: emu.realm(None).store, SECOND: second.store}
    for entity, table in CHECKED.items():
        landed = _landed(project, table)
        shared_ids = set.intersection(*({i for r, i in landed if r == realm} for realm in realms))
        assert shared_ids, f"{table}: the companies share no Id, so a collision could not show"
        for realm, store in realms.items():
            source = {r["Id"]: r for r in store.all(entity)}
            mine = {i: row for (r, i), row in landed.items() if r == realm}
            assert set(mine) == set(source), f"{table} of {realm}"
            for record_id, record in source.items():
                assert mine[record_id]["SyncToken"] == record["SyncToken"]
                if "TotalAmt" in record:
                    assert mine[record_id]["TotalAmt"] == Decimal(str(record["TotalAmt"])), (table, realm)

    invoices = {i: row for (r, i), row in _landed(project, "invoices").items() if r == SECOND}
    foreign = [r for r in second.store.all("Invoice") if r["CurrencyRef"]["value"] != "USD"]
    assert foreign
    for record in foreign:
        row = invoices[record["Id"]]
        assert row["CurrencyRef"]["value"] == record["CurrencyRef"]["value"]
        assert row["ExchangeRate"] == record["ExchangeRate"]
        assert row["HomeTotalAmt"] == record["HomeTotalAmt"]
    assert not (project.delta_schema_dir / "vendors").exists(), "only the selected streams ran"
    rates = read_table(project.delta_schema_dir, "exchange_rates").to_pylist()
    assert {r["realm_id"] for r in rates} == {SECOND}
    source_rates = {
        (r["SourceCurrencyCode"], r["AsOfDate"]): r["Rate"] for r in second.store.all("ExchangeRate")
    }
    start = project.env.get("TAP_QUICKBOOKS_ONLINE_START_DATE", "2024-01-01")[:10]
    landed_rates = {(r["SourceCurrencyCode"], str(r["AsOfDate"])): r["Rate"] for r in rates}
    assert landed_rates == {k: v for k, v in source_rates.items() if k[1] >= start}
