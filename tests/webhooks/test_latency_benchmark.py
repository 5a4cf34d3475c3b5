"""Smoke run of benchmarks/webhook_latency.py as shipped: a few events, then one mutation through the real
trigger (`meltano invoke …:webhooks` → `meltano run`). Figures are printed, never asserted."""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

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


def _benchmark_module(monkeypatch: pytest.MonkeyPatch) -> Any:
    path = ROOT / "benchmarks" / "webhook_latency.py"
    spec = importlib.util.spec_from_file_location("webhook_latency", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "webhook_latency", module)  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("outcome", ["not all landed", "crashed"])
def test_a_failed_latency_run_keeps_its_folder(
    outcome: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    module = _benchmark_module(monkeypatch)
    seen: list[Path] = []

    def measure(args: argparse.Namespace, workdir: Path) -> bool:
        seen.append(workdir)
        (workdir / "receiver.log").write_text("what went wrong")
        if outcome == "crashed":
            raise RuntimeError("initial sync failed")
        return False

    monkeypatch.setattr(module, "_measure", measure)
    try:
        with contextlib.suppress(RuntimeError):
            assert module.latency(argparse.Namespace(keep=False)) is False
        assert f"kept in {seen[0]}" in capsys.readouterr().out
        assert (seen[0] / "receiver.log").read_text() == "what went wrong"
    finally:
        shutil.rmtree(seen[0], ignore_errors=True)
