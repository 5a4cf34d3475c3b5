"""The demo's "what the last run changed" read-back (scripts/summary.py) names the records a run deleted."""

from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path

import pytest

from tests.target.conftest import Harness, invoice, schema_message

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
import summary


def test_last_run_lists_the_deleted_record(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    harness = Harness(tmp_path)
    harness.run([schema_message(), invoice("7", DocNumber="INV-7", TotalAmt=Decimal("12.5")), invoice("8")])
    deleted_at = "2024-03-09T00:00:00Z"
    harness.run([schema_message(), invoice("7", sync="1", updated=deleted_at, _sdc_deleted_at=deleted_at)])
    summary.last_run(tmp_path / "delta" / "main" / "quickbooks")
    out = capsys.readouterr().out
    changed = next(line.split() for line in out.splitlines() if "main.quickbooks.invoices" in line)
    assert changed[1:] == ["1", "0", "0", "1", "0"]  # rows in, inserted, updated, deleted, rejected
    deleted = out.split("Deleted in the last run", 1)[1].splitlines()
    assert [line.split()[:4] for line in deleted[2:] if line.strip()] == [["invoices", "7", "INV-7", "12.50"]]
