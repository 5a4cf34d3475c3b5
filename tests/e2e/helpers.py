"""Reading back what landed, and pointing the tap at an emulator, for the end-to-end tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
from deltalake import DeltaTable


def read_table(schema_dir: Path, table: str) -> pa.Table:
    return DeltaTable(str(schema_dir / table)).to_pyarrow_table()


def rows_by_id(schema_dir: Path, table: str) -> dict[str, dict[str, Any]]:
    return {row["Id"]: row for row in read_table(schema_dir, table).to_pylist()}


def tap_env(emu: Any) -> dict[str, str]:
    """The TAP_QUICKBOOKS_ONLINE_* variables that point the tap at a QBO emulator."""
    return {
        "TAP_QUICKBOOKS_ONLINE_API_BASE_URL": emu.base_url,
        "TAP_QUICKBOOKS_ONLINE_OAUTH_TOKEN_URL": emu.token_url,
        "TAP_QUICKBOOKS_ONLINE_REALM_ID": emu.realm_id,
        "TAP_QUICKBOOKS_ONLINE_CLIENT_ID": emu.client_id,
        "TAP_QUICKBOOKS_ONLINE_CLIENT_SECRET": emu.client_secret,
        "TAP_QUICKBOOKS_ONLINE_REFRESH_TOKEN": emu.issue_refresh_token(),
    }
