"""Smoke run of benchmarks/meltano_run.py: a tiny company, one run of each kind. Figures are printed, never
asserted."""

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
def test_meltano_run_benchmark_prints_three_figures(meltano_installed: Path) -> None:  # noqa: F811
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "meltano_run.py"), "--scale", "0.01", "--repeat", "1"],
        cwd=ROOT, capture_output=True, text=True, timeout=880,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    summary = result.stdout.strip().splitlines()[-1]
    run = r"[\d.]+ s \([\d.]+ CPU-s\)"
    figures = rf"full sync {run}, no-change run {run}, one changed record {run}; goals (met|NOT met)"
    assert re.search(figures, summary), result.stdout
