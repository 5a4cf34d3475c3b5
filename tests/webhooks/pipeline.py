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


def last_state(lines: list[str]) -> dict[str, object] | None:
    """The value of the last STATE message among the target's output lines."""
    states = [json.loads(line) for line in lines if line.strip()]
    return states[-1].get("value", states[-1]) if states else None


def save_state(state_path: Path, state: dict[str, object]) -> None:
    """Replace the state file atomically, as Meltano's state backend does."""
    tmp = state_path.with_suffix(".tmp")
    tmp.write_text(json.dumps(state))
    os.replace(tmp, state_path)


def start_pipeline(
    workdir: Path, tap_json: Path, tap_log: IO[bytes], target_log: IO[bytes]
) -> tuple[subprocess.Popen[bytes], subprocess.Popen[bytes]]:
    """The tap (catalog.json and state.json of `workdir` when present) and the target (its target.json),
    each logging to the given file; the caller forwards the tap's stdout to the target's stdin. The target's
    stdout (its STATE) goes to `workdir/target.out`: a file, not a pipe, so it can never block the target."""
    tap_args = [str(BIN / "tap-quickbooks-online"), "--config", str(tap_json)]
    for flag, name in (("--catalog", "catalog.json"), ("--state", "state.json")):
        if (workdir / name).exists():
            tap_args += [flag, str(workdir / name)]
    target_args = [str(BIN / "target-databricks"), "--config", str(workdir / "target.json")]
    with (workdir / "target.out").open("wb") as target_out:
        tap = subprocess.Popen(tap_args, stdout=subprocess.PIPE, stderr=tap_log)
        target = subprocess.Popen(target_args, stdin=subprocess.PIPE, stdout=target_out, stderr=target_log)
    return tap, target


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
    with (workdir / "tap.log").open("ab") as tap_log, (workdir / "target.log").open("ab") as target_log:
        tap, target = start_pipeline(workdir, workdir / "tap.json", tap_log, target_log)
        assert tap.stdout is not None
        assert target.stdin is not None
        _copy_lines(tap.stdout, target.stdin, crash_after_records)
        if crash_after_records is not None:
            target.kill()
            tap.kill()
        target.wait(timeout)
        tap.wait(timeout)
    output = (workdir / "target.out").read_text().splitlines()
    state = last_state(output) if target.returncode == 0 and tap.returncode == 0 else None
    if state is not None:
        save_state(workdir / "state.json", state)
    logs = (workdir / "tap.log").read_text(), (workdir / "target.log").read_text()
    return PipelineResult(tap.returncode, target.returncode, state, *logs)


def main() -> None:
    result = run_pipeline(Path(sys.argv[1]))
    raise SystemExit(0 if result.state is not None else 1)


if __name__ == "__main__":
    main()
