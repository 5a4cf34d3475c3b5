"""Ground truth: the landed Delta tables compared with the QBO emulator's store, exactly.

For every selected entity: each record QBO still has is in its table once, not flagged deleted, with the
same SyncToken and the same money (every decimal amount at the top level and on each Line, compared as
Decimal); each table row whose Id QBO no longer has is flagged (`_sdc_deleted_at` set). Name-list records
are never gone in QBO (a delete makes them inactive), so they must stay live with Active = false.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from deltalake import DeltaTable

from tests.emulators.qbo import QBOEmulator

MONEY_FIELDS = ("TotalAmt", "Balance", "HomeTotalAmt", "HomeBalance", "Amount", "UnappliedAmt", "Hours")


def table_rows(delta_root: Path, stream: str) -> dict[str, dict[str, Any]]:
    """The rows of one landed table by Id ({} when the table was never created)."""
    path = delta_root / "main" / "quickbooks" / stream
    if not (path / "_delta_log").exists():
        return {}
    rows = DeltaTable(str(path)).to_pyarrow_table().to_pylist()
    by_id: dict[str, dict[str, Any]] = {}
    for row in rows:
        assert row["Id"] not in by_id, f"{stream}: Id {row['Id']} landed twice"
        by_id[row["Id"]] = row
    return by_id


def _money(record: dict[str, Any]) -> dict[str, Decimal | None]:
    out = {f: _dec(record.get(f)) for f in MONEY_FIELDS if record.get(f) is not None}
    for n, line in enumerate(record.get("Line") or []):
        if isinstance(line, dict) and line.get("Amount") is not None:
            out[f"Line[{n}].Amount"] = _dec(line["Amount"])
    return out


def _dec(value: Any) -> Decimal | None:
    if value is None:
        return None
    assert not isinstance(value, float), f"money arrived as float: {value!r}"
    return Decimal(str(value)).normalize()


def differences(emu: QBOEmulator, delta_root: Path, entities: dict[str, str]) -> list[str]:
    """Every way the tables differ from QBO; `entities` maps QBO entity name -> stream name."""
    problems: list[str] = []
    for entity, stream in entities.items():
        live = {r["Id"]: r for r in emu.store.all(entity)}
        rows = table_rows(delta_root, stream)
        for record_id, record in live.items():
            row = rows.get(record_id)
            if row is None:
                problems.append(f"{stream} {record_id}: in QBO, missing from the table")
                continue
            if row["_sdc_deleted_at"] is not None:
                problems.append(f"{stream} {record_id}: live in QBO, flagged deleted in the table")
            if row.get("SyncToken") != record.get("SyncToken"):
                problems.append(
                    f"{stream} {record_id}: SyncToken {row.get('SyncToken')} in the table, "
                    f"{record.get('SyncToken')} in QBO"
                )
            if _money(row) != _money(record):
                problems.append(f"{stream} {record_id}: money {_money(row)} != QBO {_money(record)}")
        for record_id, row in rows.items():
            if record_id not in live and row["_sdc_deleted_at"] is None:
                problems.append(f"{stream} {record_id}: gone from QBO, still live in the table")
    return problems


def assert_matches(emu: QBOEmulator, delta_root: Path, entities: dict[str, str]) -> None:
    problems = differences(emu, delta_root, entities)
    assert not problems, f"{len(problems)} differences from QBO:\n" + "\n".join(problems[:40])
