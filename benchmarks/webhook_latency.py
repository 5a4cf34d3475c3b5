"""Webhook path benchmark: receiver throughput, and mutation-to-queryable latency through local Delta.

Part 1: the receiver runs as its own process (`tap-quickbooks-online-webhooks serve`) and concurrent
keep-alive clients send it pre-signed CloudEvents; prints accepted requests/s and events/s, and the
receiver's own CPU time per event (its capacity when it has a core to itself).
Part 2, as in production: N mutations in the QBO emulator -> signed webhooks -> the receiver under
`meltano invoke tap-quickbooks-online:webhooks` -> its debounced trigger `meltano run tap-quickbooks-online
target-databricks` (dev environment) into a local Delta root; prints p50/p95 of the time from each mutation
to its new version being queryable in Delta, and fails unless every mutation landed. Its folder (Meltano
database, logs, tables) is under output/benchmarks/ and is kept, and printed, when the run fails.
Goals: >= 500 events/s and p95 <= 10 s.

    uv run python benchmarks/webhook_latency.py [--events 5000] [--mutations 30] [--interval 0.5]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet
from deltalake import DeltaTable
from filelock import FileLock

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tap_quickbooks_online.inbox import Inbox  # noqa: E402
from tap_quickbooks_online.webhooks import sign  # noqa: E402

from tests.e2e.conftest import private_sys_dir  # noqa: E402
from tests.emulators.qbo import QBOEmulator  # noqa: E402
from tests.webhooks.helpers import receiver_url  # noqa: E402

TOKEN = "benchmark-verifier-token"  # noqa: S105 - a throwaway token of this local run
REALM = "9341453050298741"
MELTANO = str(ROOT / ".tools" / "bin" / "meltano")
Request = tuple[bytes, dict[str, str]]


@dataclass
class Receiver:
    url: str
    pid: int


@contextmanager
def receiver_process(config: dict[str, Any], workdir: Path) -> Iterator[Receiver]:
    """`tap-quickbooks-online-webhooks serve --config <tap config>` on an ephemeral port."""
    config_path = workdir / "receiver.json"
    config_path.write_text(json.dumps(config))
    script = Path(sys.executable).parent / "tap-quickbooks-online-webhooks"
    log_path = workdir / "receiver.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [str(script), "serve", "--config", str(config_path), "--port", "0"], stderr=log
        )
    try:
        yield Receiver(receiver_url(process, log_path), process.pid)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(120)


def _requests(count: int, per_request: int) -> list[Request]:
    requests = []
    for r in range(count // per_request):
        events = [
            {"specversion": "1.0", "id": f"bench-{r}-{i}", "source": "intuit.bench",
             "type": "qbo.invoice.updated.v1", "time": "2026-03-01T18:00:00.123Z",
             "intuitentityid": str(r * per_request + i), "intuitaccountid": REALM}
            for i in range(per_request)
        ]  # fmt: skip
        body = json.dumps(events).encode()
        requests.append((body, {"intuit-signature": sign(body, TOKEN), "content-type": "application/json"}))
    return requests


def _post_all(url: str, requests: list[Request], concurrency: int) -> list[int]:
    """Keep-alive senders on stdlib http.client, light enough not to hide the server's speed."""
    queue, lock, statuses = iter(requests), threading.Lock(), []
    host, port = url.removeprefix("http://").split(":")

    def worker() -> None:
        connection = http.client.HTTPConnection(host, int(port), timeout=30)
        while True:
            with lock:
                item = next(queue, None)
            if item is None:
                break
            connection.request("POST", "/webhooks", body=item[0], headers=item[1])
            response = connection.getresponse()
            response.read()
            statuses.append(response.status)
        connection.close()

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def throughput(events: int, per_request: int, concurrency: int) -> None:
    requests, warmup = _requests(events, per_request), 50
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        config = {"webhook_verifier_token": TOKEN, "webhook_inbox_path": str(workdir / "inbox.sqlite")}
        with receiver_process(config, workdir) as receiver:
            _post_all(receiver.url, requests[:warmup], concurrency)
            cpu, started = _cpu_seconds(receiver.pid), time.perf_counter()
            statuses = _post_all(receiver.url, requests[warmup:], concurrency)
            elapsed, cpu = time.perf_counter() - started, _cpu_seconds(receiver.pid) - cpu
        with Inbox(workdir / "inbox.sqlite") as inbox:
            stored = inbox.count()
    ok = statuses.count(200)
    print(f"receiver, {per_request} event(s)/request, {concurrency} senders on the same 2 cores: "
          f"{ok / elapsed:.0f} requests/s = {ok * per_request / elapsed:.0f} signed events/s accepted; "
          f"receiver CPU {1000 * cpu / max(ok, 1):.2f} ms/request; non-200: {len(statuses) - ok}; "
          f"stored {stored} of {len(requests) * per_request}")  # fmt: skip


@dataclass
class LatencyRun:
    ids: list[str]
    table: Path
    markers: dict[str, str] = field(default_factory=dict)
    sent_at: dict[str, float] = field(default_factory=dict)
    landed_at: dict[str, float] = field(default_factory=dict)

    def mutate_next(self, emu: QBOEmulator) -> None:
        invoice_id = self.ids[len(self.sent_at)]
        self.markers[invoice_id] = f"latency benchmark {len(self.sent_at)}"
        emu.mutate.update("Invoice", invoice_id, {"PrivateNote": self.markers[invoice_id]})
        self.sent_at[invoice_id] = time.monotonic()

    def poll(self) -> None:
        """Note ids whose row in Delta carries its marker (a table mid-commit counts as not yet)."""
        try:
            rows = DeltaTable(str(self.table)).to_pyarrow_table(columns=["Id", "PrivateNote"]).to_pylist()
        except Exception:
            return
        now = time.monotonic()
        for row in rows:
            marker = self.markers.get(row["Id"])
            if marker is not None and marker == row["PrivateNote"] and row["Id"] not in self.landed_at:
                self.landed_at[row["Id"]] = now


def _drive(emu: QBOEmulator, run: LatencyRun, interval: float) -> None:
    deadline = time.monotonic() + 180 + len(run.ids) * interval
    next_mutation = time.monotonic()
    while len(run.landed_at) < len(run.ids) and time.monotonic() < deadline:
        if len(run.sent_at) < len(run.ids) and time.monotonic() >= next_mutation:
            run.mutate_next(emu)
            next_mutation += interval
        run.poll()
        time.sleep(0.1)


def meltano_env(emu: QBOEmulator, workdir: Path, debounce: int) -> dict[str, str]:
    """The dev environment pointed at this emulator and workdir; the receiver's trigger is the production
    one, `meltano run tap-quickbooks-online target-databricks`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TAP_", "TARGET_", "MELTANO_"))}
    trigger = f"{MELTANO} --environment dev run tap-quickbooks-online target-databricks"
    env.update(
        MELTANO_DATABASE_URI=f"sqlite:///{workdir / 'meltano.db'}",
        MELTANO_SYS_DIR_ROOT=str(private_sys_dir(workdir)),
        MELTANO_SEND_ANONYMOUS_USAGE_STATS="false",
        TAP_QUICKBOOKS_ONLINE_API_BASE_URL=emu.base_url,
        TAP_QUICKBOOKS_ONLINE_OAUTH_TOKEN_URL=emu.token_url,
        TAP_QUICKBOOKS_ONLINE_REALM_ID=emu.realm_id,
        TAP_QUICKBOOKS_ONLINE_CLIENT_ID=emu.client_id,
        TAP_QUICKBOOKS_ONLINE_CLIENT_SECRET=emu.client_secret,
        TAP_QUICKBOOKS_ONLINE_REFRESH_TOKEN=emu.issue_refresh_token(),
        TAP_QUICKBOOKS_ONLINE_TOKEN_STORE_PATH=str(workdir / "tokens.enc"),
        TAP_QUICKBOOKS_ONLINE_TOKEN_STORE_KEY=Fernet.generate_key().decode(),
        TAP_QUICKBOOKS_ONLINE_WEBHOOK_INBOX_PATH=str(workdir / "inbox.sqlite"),
        TAP_QUICKBOOKS_ONLINE_WEBHOOK_VERIFIER_TOKEN=TOKEN,
        TAP_QUICKBOOKS_ONLINE_WEBHOOK_PORT="0",
        TAP_QUICKBOOKS_ONLINE_WEBHOOK_TRIGGER_COMMAND=trigger,
        TAP_QUICKBOOKS_ONLINE_WEBHOOK_TRIGGER_DEBOUNCE_SECONDS=str(debounce),
        TARGET_DATABRICKS_DELTA_ROOT=str(workdir / "delta"),
        TARGET_DATABRICKS_QUARANTINE_PATH=str(workdir / "quarantine"),
    )
    return env


def meltano_install() -> None:
    """`meltano install` once (a no-op when the plugins are installed), under the test suite's lock."""
    with FileLock(str(ROOT / ".meltano.install.lock")):
        subprocess.run([MELTANO, "install"], cwd=ROOT, check=True, capture_output=True, timeout=900)


@contextmanager
def meltano_receiver(env: dict[str, str], workdir: Path) -> Iterator[str]:
    """`meltano invoke tap-quickbooks-online:webhooks`, as in production; its trigger runs log here too."""
    log_path = workdir / "receiver.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [MELTANO, "--environment", "dev", "invoke", "tap-quickbooks-online:webhooks"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        yield receiver_url(process, log_path)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(300)  # the receiver lets a running sync finish


def latency(args: argparse.Namespace) -> bool:
    """Mutations → signed webhooks → receiver → `meltano run` → Delta; True when every mutation landed."""
    name = f"webhook-latency-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}"
    workdir = ROOT / "output" / "benchmarks" / name
    workdir.mkdir(parents=True)
    landed = False
    try:
        landed = _measure(args, workdir)
    finally:
        if landed and not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"logs and tables kept in {workdir} (initial-sync.log, receiver.log)")
    return landed


def _measure(args: argparse.Namespace, workdir: Path) -> bool:
    meltano_install()
    with QBOEmulator(seed=7, scale=args.scale, port=0) as emu:
        env = meltano_env(emu, workdir, args.debounce)
        started = time.perf_counter()
        with (workdir / "initial-sync.log").open("w") as log:
            command = [MELTANO, "--environment", "dev", "run", "tap-quickbooks-online", "target-databricks"]
            code = subprocess.run(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT).returncode
        if code != 0:
            print(f"initial sync (meltano run) failed with exit code {code}")
            return False
        print(f"initial full sync through meltano run: {time.perf_counter() - started:.1f} s")
        with meltano_receiver(env, workdir) as url:
            emu.configure_webhooks(f"{url}/webhooks", TOKEN, fmt=args.format)
            ids = [r["Id"] for r in emu.store.all("Invoice")][: args.mutations]
            run = LatencyRun(ids, workdir / "delta" / "main" / "quickbooks" / "invoices")
            _drive(emu, run, args.interval)
    return _report(run, args)


def _report(run: LatencyRun, args: argparse.Namespace) -> bool:
    seconds = sorted(run.landed_at[i] - run.sent_at[i] for i in run.landed_at)
    if not seconds:
        print(f"latency: none of {len(run.ids)} mutations became queryable")
        return False
    p50 = statistics.median(seconds)
    p95 = statistics.quantiles(seconds, n=20, method="inclusive")[18] if len(seconds) > 1 else seconds[0]
    print(f"latency ({args.format}, trigger `meltano run`, debounce {args.debounce} s, a mutation every "
          f"{args.interval} s): {len(seconds)} of {len(run.ids)} mutations queryable in Delta; "
          f"p50 {p50:.1f} s, p95 {p95:.1f} s, max {seconds[-1]:.1f} s "
          "(goal: p95 <= 10 s, all landed)")  # fmt: skip
    return len(seconds) == len(run.ids)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--events", type=int, default=5000, help="events sent in the throughput part (0: skip)"
    )
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent senders")
    parser.add_argument("--mutations", type=int, default=30, help="mutations in the latency part (0: skip)")
    parser.add_argument("--interval", type=float, default=0.5, help="seconds between mutations")
    parser.add_argument("--debounce", type=int, default=1, help="webhook_trigger_debounce_seconds")
    parser.add_argument("--format", default="cloudevents", choices=["cloudevents", "legacy"])
    parser.add_argument("--scale", type=float, default=0.05, help="size of the emulated company (1: demo)")
    parser.add_argument("--keep", action="store_true", help="keep the latency run's folder on success too")
    args = parser.parse_args()
    if args.events:
        throughput(args.events, 1, args.concurrency)  # worst case: Intuit sent every event alone
        throughput(args.events, 10, args.concurrency)  # Intuit batches events of a short window
    if args.mutations and not latency(args):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
