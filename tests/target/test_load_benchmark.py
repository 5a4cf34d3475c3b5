"""Smoke run of benchmarks/target_load.py: a few hundred records through the no-op targets and the delta
engine; the table and the summary line are printed, never judged."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_target_load_benchmark_prints_the_share_of_the_noop_ceiling() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "target_load.py"), "--records", "300", "--engines=delta"],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    lines = done.stdout.strip().splitlines()
    assert [line.split()[0] for line in lines[1:-1]] == ["noop-sdk-defaults", "noop-msgspec", "delta"]
    share = r"delta \d+ rows/s = \d+% of noop-msgspec by wall time, \d+% by CPU time; goal >= 90 % \(wall\)"
    assert re.search(rf"^target load \(300 records, .*\): {share} (met|NOT met)$", lines[-1]), done.stdout
