"""Demo driver (see scripts/demo): start the QBO emulator, sync twice, print what landed, close the month.

The close: the finance models (transform/, dbt-duckdb) are built over the landed tables and tied out against
QuickBooks' own reports (scripts/tieout.py), and the month-end pack is written (scripts/month_end_pack.py).
The last line printed starts with `Tie-out:`. Everything it starts it stops, and everything it writes lives
under output/demo/ and .meltano/.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from datetime import date
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "output" / "demo"
MELTANO = str(ROOT / ".tools" / "bin" / "meltano")
sys.path.insert(0, str(ROOT / "scripts"))
import month_end_pack  # noqa: E402
import summary  # noqa: E402
import tieout  # noqa: E402


def start_emulator() -> tuple[subprocess.Popen[str], dict[str, str]]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.emulators.qbo", "--port", "0"],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line:
        proc.wait(timeout=10)
        raise SystemExit(f"the QBO emulator did not start (exit code {proc.returncode})")
    return proc, json.loads(line)


def admin(emu: dict[str, str], route: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(
        f"{emu['admin_url']}/{route}", data=json.dumps(body).encode(), method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return dict(json.load(response))


def meltano_env(emu: dict[str, str]) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        MELTANO_DATABASE_URI=f"sqlite:///{OUT / 'meltano.db'}",
        TAP_QUICKBOOKS_ONLINE_API_BASE_URL=emu["base_url"],
        TAP_QUICKBOOKS_ONLINE_OAUTH_TOKEN_URL=emu["token_url"],
        TAP_QUICKBOOKS_ONLINE_REALM_ID=emu["realm_id"],
        TAP_QUICKBOOKS_ONLINE_CLIENT_ID=emu["client_id"],
        TAP_QUICKBOOKS_ONLINE_CLIENT_SECRET=emu["client_secret"],
        TAP_QUICKBOOKS_ONLINE_REFRESH_TOKEN=emu["refresh_token"],
        TAP_QUICKBOOKS_ONLINE_TOKEN_STORE_PATH=str(OUT / "token-store.enc"),
        TAP_QUICKBOOKS_ONLINE_TOKEN_STORE_KEY=Fernet.generate_key().decode(),
        TAP_QUICKBOOKS_ONLINE_WEBHOOK_INBOX_PATH=str(OUT / "inbox.sqlite"),
        TARGET_DATABRICKS_DELTA_ROOT=str(OUT / "delta"),
        TARGET_DATABRICKS_QUARANTINE_PATH=str(OUT / "quarantine"),
    )
    return env


def meltano(env: dict[str, str], *args: str) -> float:
    started = time.monotonic()
    command = [MELTANO, "--environment", "dev", "--log-level", "warning", *args]
    subprocess.run(command, cwd=ROOT, env=env, check=True)
    return time.monotonic() - started


def stored(emu: dict[str, str], entity: str) -> list[dict[str, Any]]:
    url = f"{emu['admin_url']}/store?entity={entity}"
    records: list[dict[str, Any]] = json.load(urllib.request.urlopen(url))[entity]
    return records


def newest(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(records, key=lambda r: (r["TxnDate"], int(r["Id"])), reverse=True)


def months_back(day: str) -> int:
    """Whole months from `day`'s month to this one: the report lookback that re-reads `day`."""
    then, today = date.fromisoformat(day), date.today()
    return max(0, (today.year - then.year) * 12 + today.month - then.month)


def mutate(emu: dict[str, str]) -> int:
    """A day at the office: a new invoice, a deleted bill and a voided invoice, among the newest documents.

    Returns the report lookback (months) that covers every date they touched."""
    invoices = newest(stored(emu, "Invoice"))
    bills = newest(stored(emu, "Bill"))
    template, to_void, to_delete = invoices[0], invoices[1], bills[0]
    new = admin(emu, "mutate/create", {"entity": "Invoice", "fields": {
        "CustomerRef": template["CustomerRef"], "Line": template["Line"], "TxnDate": template["TxnDate"]}})
    admin(emu, "mutate/void", {"entity": "Invoice", "id": to_void["Id"]})
    admin(emu, "mutate/delete", {"entity": "Bill", "id": to_delete["Id"]})
    print(f"\nIn QuickBooks: created invoice {new['record']['Id']}, voided invoice {to_void['Id']}, "
          f"deleted bill {to_delete['Id']}.")
    return max(months_back(r["TxnDate"]) for r in (template, to_void, to_delete))


def main() -> None:
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    proc, emu = start_emulator()
    try:
        env = meltano_env(emu)
        subprocess.run([MELTANO, "install"], cwd=ROOT, env=env, check=True, capture_output=True)
        print(f"QBO emulator at {emu['base_url']} (company {emu['realm_id']}); full sync running...")
        took = meltano(env, "run", "tap-quickbooks-online", "target-databricks")
        print(f"Full sync took {took:.1f} s.")
        took = meltano(env, "run", "tap-quickbooks-online--reports", "target-databricks")
        print(f"QuickBooks' own reports (every month since start_date) took {took:.1f} s.")
        summary.summarise(OUT / "delta" / "main" / "quickbooks")
        lookback = mutate(emu)
        env["TAP_QUICKBOOKS_ONLINE_CDC_INTERVAL"] = "0"  # poll CDC now rather than in 3 hours
        # Read QBO's reports again now (not tomorrow), back to the oldest month the changes touched.
        env["TAP_QUICKBOOKS_ONLINE_REPORT_INTERVAL"] = "0"
        env["TAP_QUICKBOOKS_ONLINE_REPORT_LOOKBACK_MONTHS"] = str(lookback)
        took = meltano(env, "run", "tap-quickbooks-online--reports", "target-databricks")
        print(f"Reports of the last {lookback + 1} month(s) re-read in {took:.1f} s.")
        took = meltano(env, "run", "tap-quickbooks-online", "target-databricks")
        print(f"Incremental sync took {took:.1f} s.")
        summary.last_run(OUT / "delta" / "main" / "quickbooks")
        print(f"\nThe Delta tables are in {OUT / 'delta' / 'main' / 'quickbooks'}.")
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    close_the_month()


def close_the_month() -> None:
    """Build and tie out the finance models, write the month-end pack; the tie-out line comes last."""
    print("\nBuilding the finance models and tying them out against QuickBooks' own reports...")
    code, line = tieout.tie_out(OUT / "delta", OUT / "finance")
    pack = month_end_pack.build(OUT / "finance" / "finance.duckdb", OUT / "month-end-pack.html")
    print(f"\nMonth-end pack: {pack}")
    print(line)
    if code:
        sys.exit(code)


if __name__ == "__main__":
    main()
