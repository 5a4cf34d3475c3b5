"""Land an emulator company in local Delta tables by piping the tap into the target (no Meltano)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet

from tests.emulators.qbo import QBOEmulator

BIN = Path(sys.executable).parent


def land(emu: QBOEmulator, workdir: Path, start_date: str = "2020-01-01T00:00:00Z") -> Path:
    """Full sync of `emu` into `<workdir>/delta/main/quickbooks`; returns the Delta root."""
    workdir.mkdir(parents=True, exist_ok=True)
    tap_config = {
        "realm_id": emu.realm_id, "client_id": emu.client_id, "client_secret": emu.client_secret,
        "refresh_token": emu.issue_refresh_token(), "api_base_url": emu.base_url,
        "oauth_token_url": emu.token_url, "start_date": start_date,
        "token_store_path": str(workdir / "tokens.enc"), "token_store_key": Fernet.generate_key().decode(),
        "webhook_inbox_path": str(workdir / "inbox.sqlite"),
    }
    root = workdir / "delta"
    target_config = {
        "engine": "delta", "delta_root": str(root), "catalog": "main", "schema": "quickbooks",
        "quarantine_path": str(workdir / "quarantine"),
    }
    (workdir / "tap.json").write_text(json.dumps(tap_config))
    (workdir / "target.json").write_text(json.dumps(target_config))
    with (workdir / "tap.log").open("w") as tap_log, (workdir / "target.log").open("w") as target_log:
        tap = subprocess.Popen(
            [str(BIN / "tap-quickbooks-online"), "--config", str(workdir / "tap.json")],
            stdout=subprocess.PIPE, stderr=tap_log,
        )
        target = subprocess.run(
            [str(BIN / "target-databricks"), "--config", str(workdir / "target.json")],
            stdin=tap.stdout, stdout=subprocess.DEVNULL, stderr=target_log, check=False, timeout=600,
        )
        assert tap.stdout is not None
        tap.stdout.close()
        tap_rc = tap.wait(timeout=600)
    if tap_rc or target.returncode:
        logs = (workdir / "tap.log").read_text()[-3000:] + (workdir / "target.log").read_text()[-3000:]
        raise AssertionError(f"tap exited {tap_rc}, target exited {target.returncode}\n{logs}")
    return root
