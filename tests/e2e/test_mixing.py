"""Each plugin works with any Singer plugin: third-party taps, targets and mappers from PyPI, via Meltano."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from tests.e2e.conftest import MeltanoProject
from tests.e2e.helpers import read_table, rows_by_id, tap_env
from tests.emulators.qbo import QBOEmulator


@pytest.fixture
def emu() -> Iterator[QBOEmulator]:
    with QBOEmulator(seed=5) as emulator:
        yield emulator


def select_customers(meltano: MeltanoProject, emu: QBOEmulator) -> None:
    meltano.env.update(tap_env(emu))
    meltano.env["TAP_QUICKBOOKS_ONLINE__SELECT"] = json.dumps(["customers.*"])


def test_tap_into_target_jsonl(meltano: MeltanoProject, emu: QBOEmulator) -> None:
    select_customers(meltano, emu)
    out = meltano.workdir / "jsonl"
    out.mkdir()
    meltano.env.update(TARGET_JSONL_DESTINATION_PATH=str(out), TARGET_JSONL_DO_TIMESTAMP_FILE="false")
    meltano.run("run", "tap-quickbooks-online", "target-jsonl")
    records = [json.loads(line) for line in (out / "customers.jsonl").read_text().splitlines()]
    assert {r["Id"] for r in records} == {c["Id"] for c in emu.store.all("Customer")}
    assert all(r["realm_id"] == emu.realm_id for r in records)


def test_tap_into_target_csv(meltano: MeltanoProject, emu: QBOEmulator) -> None:
    select_customers(meltano, emu)
    out = meltano.workdir / "csv"
    meltano.env.update(TARGET_CSV_OUTPUT_PATH=str(out), TARGET_CSV_FILE_NAMING_SCHEME="{stream_name}.csv")
    meltano.run("run", "tap-quickbooks-online", "target-csv")
    with (out / "customers.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    by_id = {r["Id"]: r for r in rows}
    assert set(by_id) == {c["Id"] for c in emu.store.all("Customer")}
    sample = emu.store.all("Customer")[0]
    assert Decimal(by_id[sample["Id"]]["Balance"]) == Decimal(str(sample["Balance"]))


def test_tap_jsonl_into_target_databricks(meltano: MeltanoProject, tmp_path: Path) -> None:
    source = tmp_path / "in"
    source.mkdir()
    lines = [{"id": i, "name": f"row {i}", "amount": i * 1.5} for i in range(1, 51)]
    (source / "ledger.jsonl").write_text("\n".join(json.dumps(r) for r in lines) + "\n")
    meltano.env.update(
        TAP_JSONL_PATH=str(source / "*.jsonl"), TAP_JSONL_STREAM_NAME="ledger",
        TAP_JSONL_PRIMARY_KEYS=json.dumps(["id"]),
    )
    meltano.run("run", "tap-jsonl", "target-databricks")
    meltano.run("run", "--full-refresh", "tap-jsonl", "target-databricks")  # a replay must not duplicate
    table = read_table(meltano.delta_schema_dir, "ledger").to_pylist()
    assert sorted(r["id"] for r in table) == list(range(1, 51))
    assert {r["id"]: r["name"] for r in table}[7] == "row 7"


def test_tap_through_map_transform_into_target_databricks(meltano: MeltanoProject, emu: QBOEmulator) -> None:
    select_customers(meltano, emu)
    meltano.run("run", "tap-quickbooks-online", "mask-customer-emails", "target-databricks")
    landed = rows_by_id(meltano.delta_schema_dir, "customers")
    assert set(landed) == {c["Id"] for c in emu.store.all("Customer")}
    source = {c["Id"]: c for c in emu.store.all("Customer")}
    for customer_id, row in landed.items():
        assert row.get("PrimaryEmailAddr") is None
        assert row["DisplayName"] == source[customer_id]["DisplayName"].upper()
