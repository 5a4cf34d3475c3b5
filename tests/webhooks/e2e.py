"""End-to-end webhook rig: QBO emulator -> signed webhooks -> receiver -> inbox -> tap | target -> Delta."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from deltalake import DeltaTable
from tap_quickbooks_online.inbox import Inbox

from tests.emulators.qbo import QBOEmulator
from tests.tap.harness import catalog_for, tap_config

from .helpers import VERIFIER_TOKEN, make_settings, running_receiver
from .pipeline import PipelineResult, run_pipeline

STREAMS = ("invoices", "customers")
NO_CDC = 2_592_000  # cdc_interval at its maximum (30 days): only the inbox can deliver changes


@dataclass
class Rig:
    emu: QBOEmulator
    workdir: Path
    receiver_url: str
    tap_config: dict[str, Any] = field(default_factory=dict)

    def inbox_count(self) -> int:
        with Inbox(self.workdir / "inbox.sqlite") as inbox:
            return inbox.count()

    def configure(self, **tap_overrides: Any) -> None:
        """Change tap settings for the following runs."""
        self.tap_config.update(tap_overrides)
        (self.workdir / "tap.json").write_text(json.dumps(self.tap_config))

    def webhooks(self, fmt: str = "cloudevents", **faults: Any) -> None:
        self.emu.configure_webhooks(f"{self.receiver_url}/webhooks", VERIFIER_TOKEN, fmt=fmt, **faults)

    def deliver(self) -> None:
        assert self.emu.webhooks.wait_idle(timeout=30), "the emulator did not finish sending webhooks"

    def sync(self, **kwargs: Any) -> PipelineResult:
        result = run_pipeline(self.workdir, **kwargs)
        if not kwargs:
            assert (result.tap_code, result.target_code) == (0, 0), (
                result.tap_log[-3000:] + result.target_log[-3000:]
            )
            assert result.state is not None
        return result

    def table(self, stream: str) -> dict[str, dict[str, Any]]:
        path = self.workdir / "delta" / "main" / "quickbooks" / stream
        return {row["Id"]: row for row in DeltaTable(str(path)).to_pyarrow_table().to_pylist()}

    def state(self) -> dict[str, Any]:
        return json.loads((self.workdir / "state.json").read_text())


def prepare_workdir(emu: QBOEmulator, workdir: Path, **tap_overrides: Any) -> dict[str, Any]:
    """tap.json (pointing at the emulator and the inbox), target.json (local Delta) and catalog.json."""
    config = tap_config(
        emu,
        workdir,
        cdc_interval=NO_CDC,
        webhook_inbox_path=str(workdir / "inbox.sqlite"),
        webhook_verifier_token=VERIFIER_TOKEN,
        **tap_overrides,
    )
    (workdir / "tap.json").write_text(json.dumps(config))
    (workdir / "target.json").write_text(json.dumps({"delta_root": str(workdir / "delta")}))
    (workdir / "catalog.json").write_text(json.dumps(catalog_for(list(STREAMS))))
    return config


@contextmanager
def webhook_rig(workdir: Path, scale: float = 0.02) -> Iterator[Rig]:
    """Emulator and receiver (in a thread) running, configs written; no sync run yet."""
    with ExitStack() as stack:
        emu = stack.enter_context(QBOEmulator(seed=7, scale=scale, port=0))
        settings = make_settings(workdir / "inbox.sqlite", realm_id=emu.realm_id)
        receiver_url = stack.enter_context(running_receiver(settings))
        yield Rig(emu, workdir, receiver_url, prepare_workdir(emu, workdir))
