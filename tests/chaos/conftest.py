"""The chaos rig: QBO emulator -> `tap-quickbooks-online | target-databricks` (two real processes) -> Delta.

State is kept as Meltano keeps it: every STATE the target emits is saved, also when the run fails
(Meltano stores each STATE as it arrives), so a killed run leaves whatever its target committed. Each
scenario ends with a normal run and `truth.assert_matches`, the exact comparison with the emulator's store.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import pytest
from tap_quickbooks_online.entities import BY_STREAM

from tests.chaos import truth
from tests.emulators.qbo import QBOEmulator
from tests.tap.harness import catalog_for, tap_config
from tests.webhooks.pipeline import last_state, save_state, start_pipeline

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
        (self.workdir / "catalog.json").write_text(json.dumps(catalog_for(list(streams))))

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


def run_pipeline(workdir: Path, kill_tap_after_records: int | None, tap_json: Path) -> Run:
    with (workdir / "tap.log").open("wb") as tap_log, (workdir / "target.log").open("wb") as target_log:
        tap, target = start_pipeline(workdir, tap_json, tap_log, target_log)
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
    # Meltano keeps every STATE the target emitted, also from a run that failed.
    if (state := last_state((workdir / "target.out").read_text().splitlines())) is not None:
        save_state(workdir / "state.json", state)
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
        (tmp_path / "target.json").write_text(json.dumps({"delta_root": str(tmp_path / "delta")}))
        rig = Rig(emu, tmp_path)
        rig.configure(**tap_config(emu, tmp_path, page_size=50))
        rig.select(*STREAMS)
        yield rig
