"""Smoke run of benchmarks/webhook_latency.py as shipped: a few events, then one mutation through the real
trigger (`meltano invoke …:webhooks` → `meltano run`). Figures are printed, never asserted."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.conftest import meltano_installed  # noqa: F401 - fixture

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


@pytest.mark.timeout(900)
def test_webhook_latency_benchmark_runs_as_shipped(meltano_installed: Path) -> None:  # noqa: F811
    args = ["--events", "40", "--concurrency", "2", "--mutations", "1", "--scale", "0.01"]
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "webhook_latency.py"), *args],
        cwd=ROOT, capture_output=True, text=True, timeout=880,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert re.search(r"stored 40 of 40", result.stdout), result.stdout
    assert re.search(r"1 of 1 mutations queryable in Delta; p50 [\d.]+ s, p95 [\d.]+ s", result.stdout)
    assert "kept in" not in result.stdout  # a successful run cleans up its folder
