"""Settings are declared once, in config_jsonschema; Meltano and the READMEs must agree with it."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
import sync_settings

PLUGIN_DOC = yaml.safe_load(sync_settings.PLUGIN_FILE.read_text())


def declared(executable: str) -> dict[str, dict[str, Any]]:
    plugin_type = sync_settings.PLUGINS[executable]
    (plugin,) = [p for p in PLUGIN_DOC["plugins"][plugin_type] if p["name"] == executable]
    return {s["name"]: s for s in plugin["settings"]}


@pytest.mark.parametrize("executable", list(sync_settings.PLUGINS))
def test_meltano_settings_match_config_jsonschema(executable: str) -> None:
    schema = json.loads(sync_settings.about(executable, "json"))["settings"]
    in_meltano = declared(executable)
    assert sorted(in_meltano) == sorted(schema["properties"]), "run scripts/sync_settings.py"
    for name, prop in schema["properties"].items():
        assert bool(in_meltano[name].get("sensitive")) == bool(prop.get("secret")), name
        assert in_meltano[name]["kind"] == sync_settings.meltano_kind(prop), name


@pytest.mark.parametrize("executable", list(sync_settings.PLUGINS))
def test_secrets_are_sensitive_and_not_defaulted(executable: str) -> None:
    schema = json.loads(sync_settings.about(executable, "json"))["settings"]
    secrets = {n for n, p in schema["properties"].items() if p.get("secret")}
    assert secrets, f"{executable} declares no secret setting at all"
    for name in secrets:
        assert "default" not in schema["properties"][name], f"{name} is secret but has a default"
        assert "value" not in declared(executable)[name], f"{name} has a value in plugins/*.meltano.yml"


@pytest.mark.parametrize("executable", list(sync_settings.PLUGINS))
def test_readme_settings_match_about_markdown(executable: str) -> None:
    readme = (sync_settings.ROOT / executable / "README.md").read_text()
    assert sync_settings.readme_section(executable) in readme, "run scripts/sync_settings.py"


def test_meltano_yml_holds_no_secret_values() -> None:
    text = (sync_settings.ROOT / "meltano.yml").read_text()
    secrets = set()
    for executable in sync_settings.PLUGINS:
        schema = json.loads(sync_settings.about(executable, "json"))["settings"]
        secrets |= {n for n, p in schema["properties"].items() if p.get("secret")}
    for name in secrets:
        assert f"{name}:" not in text, f"secret setting {name} has a value in meltano.yml"
