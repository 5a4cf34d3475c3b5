"""The target's settings: declared once in config_jsonschema, read once into the typed Settings."""

from __future__ import annotations

import dataclasses

import pytest
from singer_sdk.exceptions import ConfigValidationError
from target_databricks.settings import SDK_SETTINGS, Settings, declared_settings
from target_databricks.target import TargetDatabricks


def test_every_setting_is_a_field_of_settings() -> None:
    declared = set(declared_settings()["properties"]) - set(SDK_SETTINGS)
    assert declared == {f.name for f in dataclasses.fields(Settings)}


def test_every_numeric_setting_is_bounded() -> None:
    for name, spec in declared_settings()["properties"].items():
        if "integer" in spec["type"] or "number" in spec["type"]:
            assert {"minimum", "maximum"} <= set(spec), f"{name} needs a minimum and a maximum"


def test_settings_carry_the_schema_defaults_and_are_frozen() -> None:
    settings = TargetDatabricks(config={"delta_root": "lake"}).settings
    defaults = {n: s["default"] for n, s in declared_settings()["properties"].items() if "default" in s}
    assert {n: getattr(settings, n) for n in defaults} == {**defaults, "delta_root": "lake"}
    assert (settings.engine_name, settings.evolve, settings.secrets) == ("delta", True, ())
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.catalog = "other"  # type: ignore[misc]


def test_a_warehouse_with_credentials_is_the_databricks_engine() -> None:
    config = {"server_hostname": "h", "http_path": "/p", "access_token": "t", "schema_evolution": "strict"}
    settings = TargetDatabricks(config=config).settings
    assert (settings.engine_name, settings.evolve, settings.secrets) == ("databricks", False, ("t",))


def test_an_out_of_bounds_setting_is_refused_by_name() -> None:
    with pytest.raises(ConfigValidationError) as caught:
        TargetDatabricks(config={"batch_size_rows": 0})
    assert "batch_size_rows" in str(caught.value.errors)
