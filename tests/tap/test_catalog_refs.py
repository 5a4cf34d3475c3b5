"""The discovered catalog writes deep QBO types as $refs; SCHEMA messages always carry them inlined."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tap_quickbooks_online.entities import BY_STREAM, load_schema
from tap_quickbooks_online.tap import TapQuickBooksOnline

from tests.emulators.qbo import QBOEmulator
from tests.tap.harness import catalog_for, run_tap


def _schema_messages(result: Any) -> dict[str, dict[str, Any]]:
    return {m["stream"]: m["schema"] for m in result.messages if m["type"] == "SCHEMA"}


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [node["$ref"]] if set(node) == {"$ref"} else [r for v in node.values() for r in _refs(v)]
    return [r for v in node for r in _refs(v)] if isinstance(node, list) else []


def test_the_catalog_refers_to_deep_types_and_types_every_top_level_property() -> None:
    catalog = catalog_for([])
    schemas = {entry["tap_stream_id"]: entry["schema"] for entry in catalog["streams"]}
    invoice = schemas["invoices"]
    assert invoice["properties"]["Line"]["items"] == {"$ref": "shared/Line.json"}
    assert invoice["properties"]["TotalAmt"]["type"] == ["number", "null"]
    assert all(set(node) != {"$ref"} for node in invoice["properties"].values())  # top level is typed
    assert "shared/Line.json" in _refs(schemas["bills"])
    # Meltano reads, applies rules to and rewrites the whole catalog every run: it stays small.
    assert len(json.dumps(catalog)) < 1_200_000
    assert max(len(json.dumps(schema)) for schema in schemas.values()) < 40_000


def test_schema_messages_carry_the_inlined_types_minus_deselected_properties(
    config: dict[str, Any],
) -> None:
    catalog = catalog_for(["invoices"])
    entry = next(e for e in catalog["streams"] if e["tap_stream_id"] == "invoices")
    for meta in entry["metadata"]:
        if meta["breadcrumb"] == ["properties", "PrivateNote"]:
            meta["metadata"]["selected"] = False
    entry["schema"]["properties"]["DocNumber"] = {"type": ["string", "null"], "maxLength": 21}  # an override
    tap = TapQuickBooksOnline(config=config, catalog=catalog)
    schema = tap.mapper.stream_maps["invoices"][0].transformed_schema
    expected = load_schema(BY_STREAM["invoices"])
    del expected["properties"]["PrivateNote"]
    expected["properties"]["DocNumber"] = {"type": ["string", "null"], "maxLength": 21}
    assert schema == expected
    assert not _refs(schema)
    line = schema["properties"]["Line"]["items"]["properties"]
    assert line["SalesItemLineDetail"]["properties"]["UnitPrice"]["x-sql-datatype"]


def test_a_run_from_the_catalog_file_sends_inlined_schemas(
    emu: QBOEmulator, config: dict[str, Any], tmp_path: Path
) -> None:
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps(catalog_for(["bills", "accounts"])))
    sent = _schema_messages(run_tap(config, streams=["bills", "accounts"]))
    from_file = TapQuickBooksOnline(config=config, catalog=str(path))
    assert from_file.mapper.stream_maps["bills"][0].transformed_schema == sent["bills"]
    assert not _refs(sent["bills"])
    assert sent["bills"]["properties"]["Line"]["items"]["properties"]["ItemBasedExpenseLineDetail"]


@pytest.mark.parametrize("ref", ["shared/NoSuchType.json", "../tap.py", "/etc/passwd"])
def test_a_catalog_ref_the_tap_does_not_have_is_refused_by_name(config: dict[str, Any], ref: str) -> None:
    catalog = catalog_for(["invoices"])
    entry = next(e for e in catalog["streams"] if e["tap_stream_id"] == "invoices")
    entry["schema"]["properties"]["Line"]["items"] = {"$ref": ref}
    tap = TapQuickBooksOnline(config=config, catalog=catalog)
    with pytest.raises(ValueError, match="not one of the tap's schema files"):
        tap.mapper  # noqa: B018


def test_discovery_prints_one_line_per_stream_within_meltanos_line_limit(
    config: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    """Meltano reads discovery output line by line through asyncio, whose default limit is 64 KiB a line."""
    tap = TapQuickBooksOnline(config=config, validate_config=False)
    text = tap.run_discovery()
    assert capsys.readouterr().out.rstrip("\n") == text
    lines = text.splitlines()
    catalog = json.loads(text)
    assert len(lines) == len(catalog["streams"]) + 2
    assert max(len(line.encode()) for line in lines) < 64 * 1024
    assert catalog == json.loads(json.dumps(tap.catalog_dict))
