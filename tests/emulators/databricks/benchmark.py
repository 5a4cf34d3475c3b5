"""Print the emulator's speed figures: `python -m tests.emulators.databricks.benchmark` (repository root)."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from databricks import sql

from .emulator import DatabricksEmulator

ROWS = 20_000


def timed(label: str, action: Callable[[], object]) -> None:
    started = time.perf_counter()
    action()
    print(f"{label:<45} {time.perf_counter() - started:8.3f} s")


def batch(path: Path, offset: int) -> None:
    ids = [str(i + offset) for i in range(ROWS)]
    amounts = pa.array([Decimal(i) / 100 for i in range(ROWS)], pa.decimal128(38, 9))
    pq.write_table(pa.table({"Id": ids, "TotalAmt": amounts, "SyncToken": ["1"] * ROWS}), path)


def main() -> None:
    timed("start + stop an emulator", lambda: DatabricksEmulator().start().stop())
    with DatabricksEmulator() as dbx, tempfile.TemporaryDirectory() as tmp:
        conn = sql.connect(**dbx.connect_kwargs(), access_token=dbx.token, staging_allowed_local_path=tmp)
        cur = conn.cursor()
        timed("SELECT 1 round trip", lambda: cur.execute("SELECT 1").fetchall())
        cur.execute("CREATE SCHEMA main.q")
        cur.execute("CREATE VOLUME main.q.v")
        cur.execute("CREATE TABLE main.q.t (Id STRING, TotalAmt DECIMAL(38,9), SyncToken STRING) USING DELTA")
        merge = (
            "MERGE INTO main.q.t AS t USING (SELECT * FROM read_files('/Volumes/main/q/v/b.parquet', "
            "format => 'parquet')) AS s ON t.Id = s.Id WHEN MATCHED THEN UPDATE SET * "
            "WHEN NOT MATCHED THEN INSERT *"
        )
        for offset, label in ((0, "inserts"), (ROWS // 2, "50 % updates")):
            batch(Path(tmp) / "b.parquet", offset)

            def flush() -> None:
                cur.execute(f"PUT '{tmp}/b.parquet' INTO '/Volumes/main/q/v/b.parquet' OVERWRITE")
                cur.execute(merge)
                cur.execute("REMOVE '/Volumes/main/q/v/b.parquet'")

            timed(f"PUT + MERGE + REMOVE of {ROWS} rows ({label})", flush)
        timed(
            f"SELECT {ROWS * 3 // 2} rows through the connector",
            lambda: cur.execute("SELECT * FROM main.q.t").fetchall(),
        )
        conn.close()


if __name__ == "__main__":
    main()
