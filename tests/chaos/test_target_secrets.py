"""No secret in any log line of the end-to-end runs, at DEBUG, on success and on failure.

The runs: the webhook rig (QBO emulator → signed webhooks → receiver → inbox → tap | target) landing on
the Databricks emulator with OAuth M2M, twice; a target refused by the warehouse (wrong token, wrong M2M
secret); a chaos target process; and `meltano run` of the project. Every line they log is collected, plus
the tap/target logs other tests of this session left in its temporary folder. The secrets are the actual
values in play (checked: the emulators saw them used), in the forms a log could show them.
"""

from __future__ import annotations

import base64
import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.chaos.target_harness import chunks, history, messages_from, run_in_process
from tests.e2e.conftest import MeltanoProject, meltano, meltano_installed  # noqa: F401 (fixtures)
from tests.e2e.helpers import tap_env
from tests.emulators.databricks import DatabricksEmulator
from tests.emulators.qbo import QBOEmulator
from tests.webhooks.e2e import webhook_rig
from tests.webhooks.helpers import VERIFIER_TOKEN


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """Everything logged in this process (the webhook receiver runs here, in a thread), at DEBUG."""
    sink = io.StringIO()
    handler = logging.StreamHandler(sink)
    handler.setLevel(logging.DEBUG)
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield sink
    root.removeHandler(handler)
    root.setLevel(level)


def _warehouse_config(dbx: DatabricksEmulator, **credentials: str) -> dict[str, Any]:
    kwargs = dbx.connect_kwargs()
    return {
        "engine": "databricks",
        "server_hostname": kwargs.pop("server_hostname"),
        "http_path": kwargs.pop("http_path"),
        "connection_options": kwargs,
        "connect_timeout_seconds": 5,
        **credentials,
    }


def _forms(secret: str) -> set[str]:
    """The value and the encodings a log line could carry it in."""
    return {secret, base64.b64encode(secret.encode()).decode(), json.dumps(secret)[1:-1]}


def _basic(user: str, password: str) -> str:
    return base64.b64encode(f"{user}:{password}".encode()).decode()


def _emulator_secrets(emu: QBOEmulator, dbx: DatabricksEmulator) -> set[str]:
    """Every credential the emulators know or issued during the runs (refresh and access tokens too)."""
    qbo = {emu.client_secret, _basic(emu.client_id, emu.client_secret), VERIFIER_TOKEN}
    qbo |= {grant.refresh_token for grant in emu.oauth._grants.values()}
    qbo |= set(emu.oauth._access)
    warehouse = {dbx.token, dbx.client_secret, _basic(dbx.client_id, dbx.client_secret)}
    warehouse |= set(dbx.auth._oauth)
    return qbo | warehouse


@pytest.mark.slow
def test_no_secret_in_any_log_line(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    captured: io.StringIO,
    meltano: MeltanoProject,  # noqa: F811
) -> None:
    monkeypatch.setenv("LOGLEVEL", "DEBUG")  # every plugin process started below logs at DEBUG
    logs: list[str] = []
    with DatabricksEmulator(tls=False, port=0) as dbx, webhook_rig(tmp_path / "rig", scale=0.005) as rig:
        target = _warehouse_config(dbx, client_id=dbx.client_id, client_secret=dbx.client_secret)
        (rig.workdir / "target.json").write_text(json.dumps(target))
        rig.sync()
        rig.webhooks("cloudevents")
        invoice = rig.emu.store.all("Invoice")[0]["Id"]
        rig.emu.mutate.update("Invoice", invoice, {"PrivateNote": "changed"})
        rig.deliver()
        rig.sync()
        logs += [(rig.workdir / "tap.log").read_text(), (rig.workdir / "target.log").read_text()]
        landed = dbx.query(f"SELECT PrivateNote FROM main.quickbooks.invoices WHERE Id = '{invoice}'")
        assert landed == [("changed",)]

        # Refused by the warehouse (in this process, logged through `captured`): error paths leak most.
        parts = chunks(history(10), 10)
        for credentials in (
            {"access_token": "dapi" + "0" * 32},
            {"client_id": dbx.client_id, "client_secret": "dose-wrong-" + "1" * 24},
            {"access_token": dbx.token},
        ):
            outcome = run_in_process(_warehouse_config(dbx, **credentials), messages_from(parts, None))
            assert (outcome.error is None) == (credentials.get("access_token") == dbx.token), outcome.error
            logs.append(outcome.error or "")
        extra_secrets = {"dapi" + "0" * 32, "dose-wrong-" + "1" * 24}

        # `meltano run` of the project against the QBO emulator (at INFO: DEBUG through Meltano is slow).
        meltano.env.update(tap_env(rig.emu), TAP_QUICKBOOKS_ONLINE_SETTLE_SECONDS="0")
        meltano.env["TAP_QUICKBOOKS_ONLINE__SELECT"] = json.dumps(["invoices.*"])
        run = meltano.run("run", "tap-quickbooks-online", "target-databricks")
        logs += [run.stdout, run.stderr]
        extra_secrets |= {
            meltano.env["TAP_QUICKBOOKS_ONLINE_TOKEN_STORE_KEY"],
            meltano.env["TAP_QUICKBOOKS_ONLINE_REFRESH_TOKEN"],
        }
        extra_secrets.add(rig.tap_config["token_store_key"])
        secrets = _emulator_secrets(rig.emu, dbx) | extra_secrets
        in_play = dbx.counters()
        qbo_calls = rig.emu.counters()

    logs.append(captured.getvalue())
    logs += [p.read_text(errors="replace") for p in tmp_path.parent.parent.rglob("*.log") if p.is_file()]
    lines = [line for text in logs for line in text.splitlines()]

    # Not vacuous: the runs logged plenty, and every kind of secret was used.
    assert len(lines) > 1000
    assert sum("DEBUG" in line for line in lines) > 100
    assert in_play.get("oauth.tokens_issued", 0) >= 1  # the M2M secret was exchanged for tokens
    assert in_play.get("http.401", 0) >= 1  # the wrong token was sent and refused
    assert qbo_calls.get("token", 0) >= 2  # the client secret and refresh tokens went to Intuit's endpoint
    assert any("intuit-signature" in line or "webhook" in line.lower() for line in lines)
    assert len(secrets) >= 10

    leaks = sorted(
        {form[:6] + "…" for secret in secrets for form in _forms(secret) for line in lines if form in line}
    )
    assert not leaks, f"secrets found in logs (first characters shown): {leaks}"
