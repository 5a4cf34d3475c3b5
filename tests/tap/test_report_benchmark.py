"""Smoke run of benchmarks/report_backfill.py: it runs, and its call count is the one it predicts."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

BENCHMARK = Path(__file__).resolve().parents[2] / "benchmarks" / "report_backfill.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("report_backfill", BENCHMARK)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_report_backfill_smoke(capsys: pytest.CaptureFixture[str]) -> None:
    bench = _load()
    line = bench.main(["--smoke"])
    out = capsys.readouterr().out
    assert out.strip().splitlines()[-1] == line
    assert f"report calls: {bench.expected_calls(2)} (expected {bench.expected_calls(2)})" in out
    assert bench.limit_bound(1000, 0.2) == 60.0
