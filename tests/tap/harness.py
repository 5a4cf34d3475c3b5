"""Running the tap in-process against the QBO emulator and collecting what it emitted."""

from __future__ import annotations

import contextlib
import functools
import io
import json
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import msgspec
from cryptography.fernet import Fernet
from tap_quickbooks_online.reports import BY_STREAM as REPORT_STREAMS
from tap_quickbooks_online.tap import TapQuickBooksOnline

_DECODER = msgspec.json.Decoder(float_hook=Decimal)


def tap_config(emu: Any, tmp_path: Path, **overrides: Any) -> dict[str, Any]:
    """Config pointing at the emulator, with a fresh token store under tmp_path."""
    key_file = tmp_path / "store.key"
    if not key_file.exists():
        key_file.write_text(Fernet.generate_key().decode())
    config = {
        "realm_id": emu.realm_id,
        "client_id": emu.client_id,
        "client_secret": emu.client_secret,
        "refresh_token": emu.issue_refresh_token(),
        "token_store_path": str(tmp_path / "qbo.tokens"),
        "token_store_key": key_file.read_text(),
        "api_base_url": emu.base_url,
        "oauth_token_url": emu.token_url,
        "cdc_interval": 0,
        "settle_seconds": 0,
    }
    config.update(overrides)
    return config


@dataclass
class RunResult:
    records: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    state: dict[str, Any] = field(default_factory=dict)
    messages: list[dict[str, Any]] = field(default_factory=list)
    log_text: str = ""

    def by_id(self, stream: str) -> dict[str, dict[str, Any]]:
        """Last record per Id (a re-emitted boundary row counts once)."""
        return {r["Id"]: r for r in self.records[stream]}


@functools.cache
def _discovered() -> str:
    config = {"realm_id": "1", "client_id": "x", "client_secret": "y"}
    return json.dumps(TapQuickBooksOnline(config=config, validate_config=False).catalog_dict)


def catalog_for(streams: list[str] | None) -> dict[str, Any]:
    """The discovered catalog with only `streams` selected (when None: every entity stream, no report)."""
    catalog: dict[str, Any] = json.loads(_discovered())
    for entry in catalog["streams"]:
        name = entry["tap_stream_id"]
        chosen = name not in REPORT_STREAMS if streams is None else name in streams
        for meta in entry["metadata"]:
            if meta["breadcrumb"] == []:
                meta["metadata"]["selected"] = chosen
    return catalog


def run_tap(
    config: dict[str, Any],
    state: dict[str, Any] | None = None,
    streams: list[str] | None = None,
    log_level: int = logging.INFO,
) -> RunResult:
    """One tap run; returns records per stream, the last STATE and every log line it wrote."""
    log_stream = io.StringIO()
    handler = logging.StreamHandler(log_stream)
    handler.setLevel(log_level)
    root = logging.getLogger()
    root.addHandler(handler)
    previous_level = root.level
    root.setLevel(log_level)
    out = io.BytesIO()
    fake_stdout = io.TextIOWrapper(out, encoding="utf-8")
    try:
        tap = TapQuickBooksOnline(config=config, state=state or {}, catalog=catalog_for(streams))
        with contextlib.redirect_stdout(fake_stdout):
            tap.sync_all()
            fake_stdout.flush()
    finally:
        root.removeHandler(handler)
        root.setLevel(previous_level)
    result = RunResult(log_text=log_stream.getvalue())
    for line in out.getvalue().splitlines():
        message = _DECODER.decode(line)
        result.messages.append(message)
        if message["type"] == "RECORD":
            result.records[message["stream"]].append(message["record"])
        elif message["type"] == "STATE":
            result.state = message["value"]
    return result
