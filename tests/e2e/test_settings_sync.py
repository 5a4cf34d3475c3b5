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
    extra = [s["name"] for s in sync_settings.MELTANO_ONLY_SETTINGS]
    assert sorted(in_meltano) == sorted([*schema["properties"], *extra]), "run scripts/sync_settings.py"
    for name, prop in schema["properties"].items():
        assert bool(in_meltano[name].get("sensitive")) == bool(prop.get("secret")), name
        if prop.get("enum"):
            assert in_meltano[name]["kind"] == "options", name
            assert [o["value"] for o in in_meltano[name]["options"]] == prop["enum"], name
        else:
            assert in_meltano[name]["kind"] == sync_settings.meltano_kind(prop), name


@pytest.mark.parametrize("executable", list(sync_settings.PLUGINS))
def test_hub_ready_definition(executable: str) -> None:
    """Every setting labelled and described, every capability the plugin reports declared."""
    about = json.loads(sync_settings.about(executable, "json"))
    plugin_type = sync_settings.PLUGINS[executable]
    (plugin,) = [p for p in PLUGIN_DOC["plugins"][plugin_type] if p["name"] == executable]
    for setting in plugin["settings"]:
        assert setting.get("label"), setting["name"]
        assert setting.get("description"), setting["name"]
    assert plugin["capabilities"] == about["capabilities"]
    groups = plugin.get("settings_group_validation") or []
    names = {s["name"] for s in plugin["settings"]}
    assert all(set(group) <= names for group in groups)
    if executable == "target-databricks":  # a warehouse by token or by service principal, or local Delta
        assert ["server_hostname", "http_path", "access_token"] in groups
        assert ["server_hostname", "http_path", "client_id", "client_secret"] in groups


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


def test_log_config_setting_gives_json_logs_with_metrics(tmp_path: Path) -> None:
    """The `log_config` setting (SINGER_SDK_LOG_CONFIG) with plugins/logging-json.yaml: every stderr line is
    a JSON object, and singer-sdk's metrics are among them."""
    import os
    import subprocess

    config = tmp_path / "target.json"
    config.write_text(
        json.dumps({"delta_root": str(tmp_path / "delta"), "quarantine_path": str(tmp_path / "q")})
    )
    schema = {"type": "SCHEMA", "stream": "things", "key_properties": ["id"],
              "schema": {"type": "object", "properties": {"id": {"type": "integer"}}}}  # fmt: skip
    lines = [schema, {"type": "RECORD", "stream": "things", "record": {"id": 1}}]
    env = {**os.environ, "SINGER_SDK_LOG_CONFIG": str(sync_settings.ROOT / "plugins" / "logging-json.yaml")}
    result = subprocess.run(
        [str(Path(sys.executable).parent / "target-databricks"), "--config", str(config)],
        input="".join(json.dumps(m) + "\n" for m in lines), env=env, capture_output=True, text=True,
        timeout=120, check=True,
    )  # fmt: skip
    records = [json.loads(line) for line in result.stderr.splitlines() if line.strip()]
    assert records, result.stderr
    assert {"level", "logger_name", "message"} <= set(records[0])
    metrics = [r["metric_info"] for r in records if r["message"] == "METRIC"]
    assert any(m["metric"] == "record_count" and m["value"] == 1 for m in metrics), metrics
