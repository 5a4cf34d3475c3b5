"""Chaos runs of target-databricks: a known history of invoices in, faults injected, tables compared.

The ground truth is the input itself: for every invoice Id the newest version (LastUpdatedTime, then
SyncToken as an integer; a delete as new as the row wins), with its money as Decimal. A run is either
in-process (fast, faults from the warehouse emulator) or a real `target-databricks` process (kill -9,
exit codes), started through this module so that a test can make it pause or fail at a chosen write:

    CHAOS_HOOK=pause_before_write:2   the 2nd data write blocks (the batch is taken, nothing written)
    CHAOS_HOOK=pause_after_write:2    the 2nd data write commits, then blocks (no audit row, no STATE)
    CHAOS_HOOK=fail_write:2           the 2nd data write raises an error the target does not classify

A paused process touches CHAOS_MARKER so the test knows when to kill it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import io
import json
import os
import signal
import struct
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import simplejson

from tests.target.conftest import DatabricksHarness, Harness, schema_message
from tests.waiting import WaitTimedOut, wait_until

ROOT = Path(__file__).resolve().parents[2]
REALM = "9341453050298741"


def invoice(id_: int, sync: int, day: int, amount: str, *, deleted: bool = False) -> dict[str, Any]:
    updated = f"2024-03-{day:02d}T10:00:00Z"
    fields: dict[str, Any] = {"realm_id": REALM, "Id": str(id_), "LastUpdatedTime": updated}
    if deleted:  # a CDC delete stub: the id and the time, no SyncToken or data
        fields["_sdc_deleted_at"] = updated
    else:
        fields |= {
            "SyncToken": str(sync),
            "DocNumber": f"INV-{id_}",
            "TotalAmt": Decimal(amount),
            "Line": [{"Id": "1", "Amount": Decimal(amount), "DetailType": "SalesItemLineDetail"}],
        }
    return {"type": "RECORD", "stream": "invoices", "record": fields}


def history(ids: int = 60) -> list[dict[str, Any]]:
    """Creates, then updates of every third invoice, then deletes of every seventh (some at the same
    LastUpdatedTime as the stored row, as CDC reports them): exact amounts with nine decimals."""
    records = [invoice(i, 0, 1 + i % 5, f"{i * 101}.{i:09d}") for i in range(1, ids + 1)]
    records += [invoice(i, 1, 10, f"{i * 7}.000000001") for i in range(3, ids + 1, 3)]
    for i in range(7, ids + 1, 7):  # odd ids: deleted later; even ids: at the row's own LastUpdatedTime
        day = 12 if i % 2 else (10 if i % 3 == 0 else 1 + i % 5)
        records.append(invoice(i, 0, day, "0", deleted=True))
    return records


def chunks(records: list[dict[str, Any]], size: int) -> list[list[dict[str, Any]]]:
    """The tap's view: records in chunks, each followed by a STATE naming the chunk."""
    out = []
    for n, start in enumerate(range(0, len(records), size)):
        state = {"type": "STATE", "value": {"bookmarks": {"invoices": {"chunk": n}}}}
        out.append([*records[start : start + size], state])
    return out


def messages_from(parts: list[list[dict[str, Any]]], after_chunk: int | None) -> list[dict[str, Any]]:
    """What a tap re-sends after the last STATE the target emitted (everything when there was none)."""
    start = 0 if after_chunk is None else after_chunk + 1
    return [schema_message(), *[m for part in parts[start:] for m in part]]


@dataclasses.dataclass
class Truth:
    live: dict[str, tuple[str, Decimal]]  # Id → (SyncToken, TotalAmt)
    deleted: set[str]

    @classmethod
    def of(cls, records: list[dict[str, Any]]) -> Truth:
        newest: dict[str, dict[str, Any]] = {}
        for message in records:
            row = message["record"]
            old = newest.get(row["Id"])
            if old is None or _newer(row, old):
                newest[row["Id"]] = row
        live = {i: (r["SyncToken"], r["TotalAmt"]) for i, r in newest.items() if not r.get("_sdc_deleted_at")}
        return cls(live, {i for i, r in newest.items() if r.get("_sdc_deleted_at")})


def _newer(row: dict[str, Any], old: dict[str, Any]) -> bool:
    if row["LastUpdatedTime"] != old["LastUpdatedTime"]:
        return bool(row["LastUpdatedTime"] > old["LastUpdatedTime"])
    if row.get("_sdc_deleted_at"):
        return True  # a delete as new as the row wins
    return int(row.get("SyncToken") or -1) >= int(old.get("SyncToken") or -1)


def assert_tables_match(rows: list[dict[str, Any]], truth: Truth) -> None:
    """Live rows with their SyncToken and exact money, deleted ids flagged, no id twice."""
    ids = [r["Id"] for r in rows]
    assert len(ids) == len(set(ids)), f"duplicated ids: {sorted(i for i in ids if ids.count(i) > 1)}"
    live = {r["Id"]: (r["SyncToken"], r["TotalAmt"]) for r in rows if r["_sdc_deleted_at"] is None}
    assert live == truth.live
    assert all(isinstance(amount, Decimal) for _, amount in live.values())
    assert {r["Id"] for r in rows if r["_sdc_deleted_at"] is not None} == truth.deleted


@dataclasses.dataclass
class Outcome:
    states: list[dict[str, Any]]
    error: str | None = None  # the exception (in-process) or stderr (process) of a failed run
    returncode: int = 0
    log: str = ""  # a process's whole stderr

    @property
    def last_chunk(self) -> int | None:
        return self.states[-1]["bookmarks"]["invoices"]["chunk"] if self.states else None


def _unread(pipe: Any) -> int:
    """Bytes written to the pipe that its reader has not read yet (Linux FIONREAD)."""
    return int(struct.unpack("i", fcntl.ioctl(pipe.fileno(), termios.FIONREAD, b"\0\0\0\0"))[0])


def encode(messages: list[dict[str, Any]]) -> str:
    return "".join(simplejson.dumps(m, use_decimal=True) + "\n" for m in messages)


def run_in_process(config: dict[str, Any], messages: list[dict[str, Any]]) -> Outcome:
    """One target run in this process; a failure is returned, with the STATE lines emitted before it."""
    from target_databricks.target import TargetDatabricks

    out = io.StringIO()
    error = None
    try:
        with contextlib.redirect_stdout(out):
            TargetDatabricks(config=config, validate_config=True).listen(io.StringIO(encode(messages)))
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
    return Outcome(_states(out.getvalue()), error, 1 if error else 0)


def _states(stdout: str) -> list[dict[str, Any]]:
    """A target writes each state it confirms as one JSON line (the STATE's value)."""
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


class TargetProcess:
    """A real target process fed from a file, optionally with a CHAOS_HOOK."""

    def __init__(
        self,
        workdir: Path,
        config: dict[str, Any],
        messages: list[dict[str, Any]],
        hook: str = "",
        *,
        gaps: tuple[list[list[dict[str, Any]]], float] | None = None,
    ):
        """`gaps=(parts, seconds)` feeds the parts through a pipe with a pause after each, as a tap paging
        an API does, so that `max_flush_seconds` flushes (and STATE) happen between them."""
        workdir.mkdir(parents=True, exist_ok=True)
        self.config_file, self.input_file = workdir / "config.json", workdir / "input.jsonl"
        self.marker = workdir / f"paused-{time.monotonic_ns()}"
        self.config_file.write_text(json.dumps(config))
        self.input_file.write_text(encode(messages))
        env = {**os.environ, "CHAOS_HOOK": hook, "CHAOS_MARKER": str(self.marker), "PYTHONPATH": str(ROOT)}
        with self.input_file.open() as stdin:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "tests.chaos.target_harness", "--config", str(self.config_file)],
                stdin=subprocess.PIPE if gaps else stdin,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                cwd=ROOT,
                env=env,
            )
        if gaps:
            threading.Thread(target=self._feed, args=gaps, daemon=True).start()

    def _feed(self, parts: list[list[dict[str, Any]]], seconds: float) -> None:
        pipe = self.process.stdin
        assert pipe is not None
        # The process may be killed while we write, or end before it reads.
        with contextlib.suppress(OSError, ValueError, WaitTimedOut):
            pipe.write(encode([schema_message()]))
            pipe.flush()
            # The gaps count from when the target reads (its start-up is slow on a busy machine): parts
            # piling up unread in the pipe would land in one flush instead of one flush each.
            wait_until(
                lambda: _unread(pipe) == 0,
                120,
                "the target to read its input",
                interval=0.02,
                alive=lambda: self.process.poll() is None,
            )
            for part in parts:
                pipe.write(encode(part))
                pipe.flush()
                time.sleep(seconds)
            pipe.close()

    def wait_paused(self, timeout: float = 120) -> None:
        wait_until(
            self.marker.exists,
            timeout,
            lambda: f"the target's pause point: {self.finish().log[-3000:]}",
            interval=0.05,
            alive=lambda: self.process.poll() is None,
        )

    def kill9(self) -> Outcome:
        self.process.send_signal(signal.SIGKILL)
        return self.finish()

    def finish(self, timeout: float = 240) -> Outcome:
        if self.process.stdin is not None:  # fed by a thread: communicate() must not touch it
            with contextlib.suppress(OSError, ValueError):
                self.process.stdin.close()
            self.process.stdin = None
        stdout, stderr = self.process.communicate(timeout=timeout)
        rc = self.process.returncode
        return Outcome(_states(stdout), stderr if rc else None, rc, stderr)


@contextlib.contextmanager
def warehouse(tmp_path: Path, engine: str) -> Iterator[Harness]:
    """A fresh place to land: a delta root, or a warehouse emulator (stopped afterwards)."""
    if engine == "delta":
        yield Harness(tmp_path)
        return
    from tests.emulators.databricks import DatabricksEmulator

    with DatabricksEmulator(tls=False, port=0) as dbx:
        yield DatabricksHarness(tmp_path, dbx)


def _install_hook(spec: str, marker: str) -> None:
    """Wrap both engines' data writes (not the audit or quarantine tables) with the requested fault."""
    from target_databricks.engines.databricks import DatabricksEngine
    from target_databricks.engines.delta import DeltaEngine

    action, _, nth = spec.partition(":")
    calls = {"n": 0}

    def pause() -> None:
        Path(marker).touch()
        time.sleep(3600)

    for cls in (DeltaEngine, DatabricksEngine):
        original = cls.write

        def write(self: Any, table: Any, batch: Any, plan: Any, _original: Any = original) -> Any:
            if table.name.startswith("_"):
                return _original(self, table, batch, plan)
            calls["n"] += 1
            hit = calls["n"] == int(nth)
            if hit and action == "pause_before_write":
                pause()
            if hit and action == "fail_write":
                raise KeyError("chaos: an error the target does not know")
            result = _original(self, table, batch, plan)
            if hit and action == "pause_after_write":
                pause()
            return result

        cls.write = write  # type: ignore[method-assign]


if __name__ == "__main__":
    if os.environ.get("CHAOS_HOOK"):
        _install_hook(os.environ["CHAOS_HOOK"], os.environ["CHAOS_MARKER"])
    from target_databricks.target import TargetDatabricks

    TargetDatabricks.cli()
