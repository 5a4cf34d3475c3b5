"""The chaos rig: QBO emulator -> `tap-quickbooks-online | target-databricks` (two real processes) -> Delta.

State is kept as Meltano keeps it: every STATE the target emits is saved, also when the run fails
(Meltano stores each STATE as it arrives), so a killed run leaves whatever its target committed. Each
scenario ends with a normal run and `truth.assert_matches`, the exact comparison with the emulator's store.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import pytest
from cryptography.fernet import Fernet
from tap_quickbooks_online.entities import BY_STREAM

from tests.chaos import truth
from tests.emulators.qbo import QBOEmulator
from tests.webhooks.e2e import catalog_selecting

BIN = Path(sys.executable).parent
STREAMS = ("customers", "invoices", "time_activities")
SCALE = 0.05  # ~120 invoices, 180 customers, 30 time activities: several pages at page_size 50
RUN_TIMEOUT = 120.0


@dataclass
class Run:
    tap_code: int
    target_code: int
    records: int
    tap_log: str
    target_log: str

    @property
    def ok(self) -> bool:
        return self.tap_code == 0 and self.target_code == 0


@dataclass
class Rig:
    emu: QBOEmulator
    workdir: Path
    streams: tuple[str, ...] = STREAMS
    tap_config: dict[str, Any] = field(default_factory=dict)

    @property
    def delta_root(self) -> Path:
        return self.workdir / "delta"

    @property
    def entities(self) -> dict[str, str]:
        return {BY_STREAM[s].name: s for s in self.streams}

    def configure(self, **overrides: Any) -> None:
        self.tap_config.update(overrides)
        (self.workdir / "tap.json").write_text(json.dumps(self.tap_config))

    def select(self, *streams: str) -> None:
        self.streams = streams
        (self.workdir / "catalog.json").write_text(json.dumps(catalog_selecting(streams)))

    def state(self) -> dict[str, Any]:
        path = self.workdir / "state.json"
        return json.loads(path.read_text()) if path.exists() else {}

    def set_state(self, state: dict[str, Any] | None) -> None:
        """Replace the saved state; None clears it (`meltano state clear`)."""
        path = self.workdir / "state.json"
        if state is None:
            path.unlink(missing_ok=True)
        else:
            path.write_text(json.dumps(state))

    def run(self, kill_tap_after_records: int | None = None, config: Path | None = None) -> Run:
        """One sync. With `kill_tap_after_records`, the tap is SIGKILLed once that many records passed;
        the target then sees the end of its input and commits what it got, as under Meltano."""
        return run_pipeline(self.workdir, kill_tap_after_records, config or self.workdir / "tap.json")

    def sync(self) -> Run:
        """A run that must succeed."""
        result = self.run()
        assert result.ok, f"tap {result.tap_code}, target {result.target_code}:\n" + (
            result.tap_log[-4000:] + "\n----\n" + result.target_log[-3000:]
        )
        return result

    def table(self, stream: str) -> dict[str, dict[str, Any]]:
        return truth.table_rows(self.delta_root, stream)

    def assert_matches_qbo(self) -> None:
        truth.assert_matches(self.emu, self.delta_root, self.entities)


def tap_settings(emu: QBOEmulator, workdir: Path, **overrides: Any) -> dict[str, Any]:
    config = {
        "realm_id": emu.realm_id, "client_id": emu.client_id, "client_secret": emu.client_secret,
        "refresh_token": emu.issue_refresh_token(), "token_store_path": str(workdir / "qbo.tokens"),
        "token_store_key": Fernet.generate_key().decode(), "api_base_url": emu.base_url,
        "oauth_token_url": emu.token_url, "settle_seconds": 0, "cdc_interval": 0, "page_size": 50,
    }  # fmt: skip
    config.update(overrides)
    return config


def run_pipeline(workdir: Path, kill_tap_after_records: int | None, tap_json: Path) -> Run:
    state_path = workdir / "state.json"
    tap_args = [str(BIN / "tap-quickbooks-online"), "--config", str(tap_json)]
    tap_args += ["--catalog", str(workdir / "catalog.json")]
    if state_path.exists():
        tap_args += ["--state", str(state_path)]
    target_args = [str(BIN / "target-databricks"), "--config", str(workdir / "target.json")]
    out_path = workdir / "target.out"
    with (workdir / "tap.log").open("wb") as tap_log, (workdir / "target.log").open("wb") as target_log:
        with out_path.open("wb") as target_out:
            tap = subprocess.Popen(tap_args, stdout=subprocess.PIPE, stderr=tap_log)
            target = subprocess.Popen(
                target_args, stdin=subprocess.PIPE, stdout=target_out, stderr=target_log
            )
        assert tap.stdout is not None
        assert target.stdin is not None
        try:
            records = _forward(tap.stdout, target.stdin, tap, kill_tap_after_records)
            target.wait(RUN_TIMEOUT)
            tap.wait(RUN_TIMEOUT)
        finally:
            for process in (tap, target):
                if process.poll() is None:
                    process.kill()
                    process.wait()
    states = [json.loads(line) for line in out_path.read_text().splitlines() if line.strip()]
    if states:  # Meltano keeps every STATE the target emitted, also from a run that failed
        last = states[-1].get("value", states[-1])
        tmp = state_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(last))
        os.replace(tmp, state_path)
    logs = (workdir / "tap.log").read_text(), (workdir / "target.log").read_text()
    return Run(tap.returncode, target.returncode, records, *logs)


def _forward(source: IO[bytes], sink: IO[bytes], tap: subprocess.Popen[bytes], kill_after: int | None) -> int:
    records = 0
    try:
        for line in source:
            sink.write(line)
            records += b'"type":"RECORD"' in line
            if kill_after is not None and records >= kill_after:
                tap.kill()  # SIGKILL: no cleanup, no final STATE; what is still in the pipe is lost
                break
    finally:
        sink.close()
    return records


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    with QBOEmulator(seed=11, scale=SCALE, port=0) as emu:
        tmp_path.mkdir(exist_ok=True)
        target = {"delta_root": str(tmp_path / "delta"), "quarantine_path": str(tmp_path / "quarantine")}
        (tmp_path / "target.json").write_text(json.dumps(target))
        rig = Rig(emu, tmp_path)
        rig.configure(**tap_settings(emu, tmp_path))
        rig.select(*STREAMS)
        yield rig
