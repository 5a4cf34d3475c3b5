"""Schema files: generated from Intuit's XSDs, complete for real payloads, money exact."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest
from tap_quickbooks_online.entities import BY_NAME, BY_STREAM, ENTITIES, SCHEMA_DIR, load_schema

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "tests" / "fixtures" / "qbo-samples"
XSD_DIR = ROOT / "tap-quickbooks-online" / "tools" / "qbo-xsd"
MONEY = {"type": ["number", "null"], "x-sql-datatype": "decimal(38,9)"}


def missing_keys(value: Any, schema: dict[str, Any], path: str) -> list[str]:
    """Every key of `value` that `schema` does not declare (recursively), as dotted paths."""
    out: list[str] = []
    if isinstance(value, dict) and "properties" in schema:
        for key, item in value.items():
            if key not in schema["properties"]:
                out.append(f"{path}.{key}")
            else:
                out.extend(missing_keys(item, schema["properties"][key], f"{path}.{key}"))
    elif isinstance(value, list) and "items" in schema:
        for item in value:
            out.extend(missing_keys(item, schema["items"], f"{path}[]"))
    return out


@pytest.mark.parametrize("entity", ENTITIES, ids=lambda e: e.stream_name)
def test_every_stream_has_the_contract_columns(entity: Any) -> None:
    props = load_schema(entity)["properties"]
    for column in ("realm_id", "Id", "SyncToken", "MetaData", "LastUpdatedTime", "_sdc_deleted_at"):
        assert column in props, column
    assert props["LastUpdatedTime"]["format"] == "date-time"
    assert ("Active" in props) == (entity.kind == "list"), "Active filter and list kind must agree"


def test_money_is_exact_decimal_and_shared_fragments_are_used() -> None:
    invoice = load_schema(BY_NAME["Invoice"])["properties"]
    assert invoice["TotalAmt"] == MONEY
    assert invoice["Balance"] == MONEY
    line = invoice["Line"]["items"]["properties"]
    assert line["Amount"] == MONEY
    assert line["SalesItemLineDetail"]["properties"]["UnitPrice"] == MONEY
    assert line["GroupLineDetail"]["properties"]["Line"]["items"]["properties"]["Amount"] == MONEY
    raw = json.loads((SCHEMA_DIR / "invoices.json").read_text())
    assert raw["properties"]["Line"]["items"] == {"$ref": "shared/Line.json"}
    for fragment in ("Line", "ReferenceType", "PhysicalAddress", "ModificationMetaData"):
        assert (SCHEMA_DIR / "shared" / f"{fragment}.json").exists()


def _invoice(payload: dict[str, Any]) -> dict[str, Any]:
    return payload.get("Invoice") or payload["QueryResponse"]["Invoice"][0]


@pytest.mark.parametrize(
    "name",
    [
        "query-invoice-response.intuit-apiref.json",
        "read-invoice-response.intuit-apiref.json",
        "invoice-void-response.intuit-apiref.json",
    ],
)
def test_intuit_invoice_samples_fit_the_schema(name: str) -> None:
    record = _invoice(json.loads((SAMPLES / name).read_text()))
    assert missing_keys(record, load_schema(BY_NAME["Invoice"]), "Invoice") == []


def test_real_sandbox_records_fit_the_schema() -> None:
    for line in (SAMPLES / "airbyte-expected-records.subset.jsonl").read_text().splitlines():
        message = json.loads(line)
        data = {k: v for k, v in message["data"].items() if k != "airbyte_cursor"}  # Airbyte's own column
        assert missing_keys(data, load_schema(BY_STREAM[message["stream"]]), message["stream"]) == []


def test_committed_schemas_are_what_the_generator_writes(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location(
        "gen_schemas", ROOT / "tap-quickbooks-online/tools/gen_schemas.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(XSD_DIR, tmp_path)
    generated = {p.relative_to(tmp_path): p.read_text() for p in tmp_path.glob("**/*.json")}
    committed = {p.relative_to(SCHEMA_DIR): p.read_text() for p in SCHEMA_DIR.glob("**/*.json")}
    assert generated == committed
