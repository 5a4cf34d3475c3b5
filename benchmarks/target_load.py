"""Load QBO-shaped invoices from a Singer file into target-databricks; print rows/s, statements, peak RSS.

    uv run python benchmarks/target_load.py [--records 200000] [--engines delta,databricks] [--sizes 50000]

Each run is a fresh child process (so peak RSS is its own). The no-op rows are singer-sdk targets whose
sink does nothing: `noop-msgspec` (singer-sdk's msgspec reader, no record validation) is the framework's
ceiling on the same input, and the summary line gives the delta engine's throughput (default settings,
records validated) as a share of it; the goal is >= 90 %. rows/s is by wall time; CPU s (user + system of
the child, every thread) is steadier on a busy machine, so the share is given on both.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import simplejson

ROOT = Path(__file__).resolve().parents[1]
GOAL = 0.9  # delta's share of the no-op msgspec target's throughput
MONEY = {"type": ["number", "null"], "x-sql-datatype": "decimal(38,9)"}
REF = {
    "type": ["object", "null"],
    "properties": {"value": {"type": ["string", "null"]}, "name": {"type": ["string", "null"]}},
}
SCHEMA = {
    "type": "object",
    "properties": {
        "realm_id": {"type": "string"},
        "Id": {"type": "string"},
        "SyncToken": {"type": ["string", "null"]},
        "LastUpdatedTime": {"type": ["string", "null"], "format": "date-time"},
        "TxnDate": {"type": ["string", "null"], "format": "date"},
        "DocNumber": {"type": ["string", "null"]},
        "TotalAmt": MONEY,
        "Balance": MONEY,
        "CustomerRef": REF,
        "CurrencyRef": REF,
        "MetaData": {
            "type": ["object", "null"],
            "properties": {
                "CreateTime": {"type": ["string", "null"], "format": "date-time"},
                "LastUpdatedTime": {"type": ["string", "null"], "format": "date-time"},
            },
        },
        "Line": {
            "type": ["array", "null"],
            "items": {
                "type": "object",
                "properties": {
                    "Id": {"type": ["string", "null"]},
                    "LineNum": {"type": ["integer", "null"]},
                    "Amount": MONEY,
                    "DetailType": {"type": ["string", "null"]},
                    "Description": {"type": ["string", "null"]},
                    "SalesItemLineDetail": {
                        "type": ["object", "null"],
                        "properties": {"ItemRef": REF, "Qty": MONEY, "UnitPrice": MONEY},
                    },
                },
            },
        },
        "CustomField": {"type": ["array", "null"]},
        "_sdc_deleted_at": {"type": ["string", "null"], "format": "date-time"},
    },
}


def invoice(i: int, rng: random.Random) -> dict[str, Any]:
    lines = []
    for n in range(1, 4):
        qty, price = Decimal(rng.randint(1, 20)), Decimal(rng.randint(100, 99999)) / 100
        lines.append(
            {
                "Id": str(n),
                "LineNum": n,
                "Amount": qty * price,
                "DetailType": "SalesItemLineDetail",
                "Description": f"Consulting hours {n}",
                "SalesItemLineDetail": {
                    "ItemRef": {"value": str(rng.randint(1, 40)), "name": "Services"},
                    "Qty": qty,
                    "UnitPrice": price,
                },
            }
        )
    total = sum((ln["Amount"] for ln in lines), Decimal(0))
    stamp = f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}T{i % 24:02d}:15:00-08:00"
    return {
        "realm_id": "9341453050298741",
        "Id": str(i),
        "SyncToken": str(i % 5),
        "LastUpdatedTime": stamp,
        "TxnDate": stamp[:10],
        "DocNumber": f"INV-{i:07d}",
        "TotalAmt": total,
        "Balance": total / 2,
        "CustomerRef": {"value": str(i % 500), "name": f"Customer {i % 500}"},
        "CurrencyRef": {"value": "USD", "name": "United States Dollar"},
        "MetaData": {"CreateTime": stamp, "LastUpdatedTime": stamp},
        "Line": lines,
        "CustomField": [{"DefinitionId": "1", "Name": "PO", "Type": "StringType", "StringValue": f"PO{i}"}],
    }


def write_input(path: Path, records: int) -> None:
    rng = random.Random(7)
    with path.open("w") as out:
        out.write(
            json.dumps(
                {
                    "type": "SCHEMA",
                    "stream": "invoices",
                    "schema": SCHEMA,
                    "key_properties": ["realm_id", "Id"],
                    "bookmark_properties": ["LastUpdatedTime"],
                }
            )
        )
        out.write("\n")
        for i in range(records):
            out.write(
                simplejson.dumps(
                    {"type": "RECORD", "stream": "invoices", "record": invoice(i, rng)}, use_decimal=True
                )
            )
            out.write("\n")
        out.write('{"type": "STATE", "value": {"bookmarks": {"invoices": {"replication_key_value": "x"}}}}\n')


def noop_target(fast: bool) -> Any:
    from singer_sdk import typing as th
    from singer_sdk.contrib.msgspec import MsgSpecReader
    from singer_sdk.sinks import BatchSink
    from singer_sdk.target_base import Target

    class NoopSink(BatchSink):
        def process_batch(self, context: dict) -> None:
            """Drop the batch: measures the framework alone."""

    class NoopTarget(Target):
        name = "target-noop"
        config_jsonschema = th.PropertiesList().to_dict()
        default_sink_class = NoopSink
        if fast:
            message_reader_class = MsgSpecReader

    return NoopTarget


def child(kind: str, input_path: str, workdir: str, config: dict[str, Any]) -> None:
    """Run one target on the input in this process and print its figures as one JSON line."""
    import contextlib
    import io
    import logging

    logging.disable(logging.INFO)
    if kind.startswith("noop"):
        fast = kind == "noop-msgspec"
        target = noop_target(fast)(config={"validate_records": not fast})
    else:
        from target_databricks.target import TargetDatabricks

        if kind == "delta-no-validation":
            config = {**config, "validate_records": False}
        target = TargetDatabricks(
            config={"delta_root": f"{workdir}/delta", "quarantine_path": f"{workdir}/q", **config}
        )
    started, cpu = time.perf_counter(), time.process_time()
    with open(input_path) as source, contextlib.redirect_stdout(io.StringIO()):
        target.listen(source)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "cpu_seconds": cpu_seconds, "rss_mb": rss_mb}))


def run_child(kind: str, input_path: Path, config: dict[str, Any]) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as workdir:
        out = subprocess.run(
            [sys.executable, __file__, "--child", kind, str(input_path), workdir, json.dumps(config)],
            check=True,
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure(kind: str, input_path: Path, records: int, dbx: Any = None) -> dict[str, Any]:
    config: dict[str, Any] = {}
    before = 0
    if kind == "databricks":
        kwargs = dbx.connect_kwargs()
        config = {
            "engine": "databricks",
            "server_hostname": kwargs.pop("server_hostname"),
            "http_path": kwargs.pop("http_path"),
            "access_token": dbx.token,
            "connection_options": kwargs,
        }
        before = dbx.counters().get("statements", 0)
    figures = run_child(kind, input_path, config)
    figures["rows_per_s"] = records / figures["seconds"]
    figures["statements"] = dbx.counters().get("statements", 0) - before if dbx else None
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument(
        "--sizes", default="", help="extra smaller sizes (comma separated) to show RSS is flat"
    )
    parser.add_argument(
        "--engines",
        default="delta,delta-no-validation,databricks",
        help="delta, delta-no-validation, databricks",
    )
    args = parser.parse_args()
    sizes = sorted({args.records, *(int(s) for s in args.sizes.split(",") if s)})
    kinds = ["noop-sdk-defaults", "noop-msgspec", *args.engines.split(",")]
    header = f"{'target':<20}{'records':>10}{'seconds':>10}{'CPU s':>8}{'rows/s':>10}{'peak RSS MB':>13}"
    print(f"{header}{'statements':>12}")
    results: dict[tuple[str, int], dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            input_path = Path(tmp) / f"invoices-{size}.singer"
            write_input(input_path, size)
            for kind in kinds:
                dbx = _emulator() if kind == "databricks" else None
                try:
                    f = measure(kind, input_path, size, dbx)
                finally:
                    if dbx is not None:
                        dbx.stop()
                results[kind, size] = f
                statements = "-" if f["statements"] is None else str(f["statements"])
                print(
                    f"{kind:<20}{size:>10}{f['seconds']:>10.2f}{f['cpu_seconds']:>8.2f}{f['rows_per_s']:>10.0f}"
                    f"{f['rss_mb']:>13.0f}{statements:>12}",
                    flush=True,
                )
    print(summary(results, args.records))


def summary(results: dict[tuple[str, int], dict[str, Any]], records: int) -> str:
    """One line: the delta engine's throughput as a share of the no-op msgspec target's (goal >= 90 %)."""
    ceiling, delta = results["noop-msgspec", records], results.get(("delta", records))
    if delta is None:
        return f"target load ({records} records): noop-msgspec {ceiling['rows_per_s']:.0f} rows/s (no delta)"
    wall = ceiling["seconds"] / delta["seconds"]
    cpu = ceiling["cpu_seconds"] / delta["cpu_seconds"]
    return (
        f"target load ({records} records, load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores): delta "
        f"{delta['rows_per_s']:.0f} rows/s = {wall:.0%} of noop-msgspec by wall time, {cpu:.0%} by CPU time; "
        f"goal >= 90 % (wall) {'met' if wall >= GOAL else 'NOT met'}"
    )


def _emulator() -> Any:
    sys.path.insert(0, str(ROOT))
    from tests.emulators.databricks import DatabricksEmulator

    return DatabricksEmulator(tls=False, port=0).start()


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3], sys.argv[4], json.loads(sys.argv[5]))
    else:
        main()
