"""`tap-quickbooks-online | target-databricks` as two processes, with the state file Meltano would keep.

Used by the end-to-end webhook tests and as the receiver's trigger command in the latency benchmark:
    python -m tests.webhooks.pipeline WORKDIR
WORKDIR holds tap.json, target.json and (after a successful run) state.json; catalog.json is used when
present. The state file is replaced only after the target has emitted STATE, i.e. after its commit,
exactly like Meltano: a run that dies earlier leaves the previous state, so its events are replayed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import IO

BIN = Path(sys.executable).parent


@dataclass
class PipelineResult:
    tap_code: int
    target_code: int
    state: dict[str, object] | None
    tap_log: str
    target_log: str


def _last_state(lines: list[str]) -> dict[str, object] | None:
    states = [json.loads(line) for line in lines if line.strip()]
    return states[-1].get("value", states[-1]) if states else None


def _copy_lines(source: IO[bytes], sink: IO[bytes], crash_after_records: int | None) -> None:
    """Pass the tap's output to the target; stop after that many RECORD messages (a crash mid-stream)."""
    records = 0
    for line in source:
        sink.write(line)
        records += b'"type":"RECORD"' in line.replace(b" ", b"")
        if crash_after_records is not None and records >= crash_after_records:
            sink.flush()
            return
    sink.close()


def run_pipeline(
    workdir: Path, crash_after_records: int | None = None, timeout: float = 300
) -> PipelineResult:
    """One sync. With `crash_after_records`, the target is SIGKILLed after reading that many records."""
    state_path = workdir / "state.json"
    tap_args = [str(BIN / "tap-quickbooks-online"), "--config", str(workdir / "tap.json")]
    if (workdir / "catalog.json").exists():
        tap_args += ["--catalog", str(workdir / "catalog.json")]
    if state_path.exists():
        tap_args += ["--state", str(state_path)]
    target_args = [str(BIN / "target-databricks"), "--config", str(workdir / "target.json")]
    out_path = workdir / "target.out"
    with (workdir / "tap.log").open("ab") as tap_log, (workdir / "target.log").open("ab") as target_log:
        with out_path.open("wb") as target_out:  # a file, not a pipe: STATE output can never block the target
            tap = subprocess.Popen(tap_args, stdout=subprocess.PIPE, stderr=tap_log)
            target = subprocess.Popen(
                target_args, stdin=subprocess.PIPE, stdout=target_out, stderr=target_log
            )
        assert tap.stdout is not None
        assert target.stdin is not None
        _copy_lines(tap.stdout, target.stdin, crash_after_records)
        if crash_after_records is not None:
            target.kill()
            tap.kill()
        target.wait(timeout)
        tap.wait(timeout)
    output = out_path.read_text().splitlines()
    state = _last_state(output) if target.returncode == 0 and tap.returncode == 0 else None
    if state is not None:
        tmp = state_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(state))
        os.replace(tmp, state_path)
    logs = (workdir / "tap.log").read_text(), (workdir / "target.log").read_text()
    return PipelineResult(tap.returncode, target.returncode, state, *logs)


def main() -> None:
    result = run_pipeline(Path(sys.argv[1]))
    raise SystemExit(0 if result.state is not None else 1)


if __name__ == "__main__":
    main()
