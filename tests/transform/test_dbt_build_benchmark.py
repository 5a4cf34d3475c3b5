"""Smoke run of benchmarks/dbt_build.py: the smallest company on dbt-duckdb (dbt-databricks on the warehouse
emulator is covered by test_dbt_databricks.py). Figures are printed, never asserted."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.transform.dbt import ROOT

pytestmark = pytest.mark.slow


@pytest.mark.timeout(900)
def test_dbt_build_benchmark_prints_its_figures() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "dbt_build.py"), "--scales", "0.02",
         "--engines", "duckdb"],
        cwd=ROOT, capture_output=True, text=True, timeout=880, check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    lines = result.stdout.strip().splitlines()
    figure = r"^scale 0\.02 \(\d+ records\): duckdb +landing +[\d.]+ s +dbt build +[\d.]+ s$"
    assert re.search(figure, lines[-2])
    assert re.search(r"^dbt build \(load [\d.]+ on \d+ cores\): scale 0\.02: duckdb [\d.]+ s$", lines[-1])
