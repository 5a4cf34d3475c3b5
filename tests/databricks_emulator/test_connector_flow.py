"""The unmodified connector over plain HTTP and TLS: DDL, Volume PUT, MERGE from read_files, REMOVE."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from databricks.sql.exc import ProgrammingError, ServerOperationError

from tests.emulators.databricks import DatabricksEmulator

from .conftest import Connect

UTC = dt.UTC
LINE = pa.struct(
    [
        ("Id", pa.string()),
        ("Amount", pa.decimal128(38, 9)),
        ("SalesItemLineDetail", pa.struct([("Qty", pa.decimal128(38, 9))])),
    ]
)
SCHEMA = pa.schema(
    [
        ("realm_id", pa.string()),
        ("Id", pa.string()),
        ("SyncToken", pa.string()),
        ("TotalAmt", pa.decimal128(38, 9)),
        ("Line", pa.list_(LINE)),
        ("LastUpdatedTime", pa.timestamp("us", tz="UTC")),
        ("_sdc_deleted_at", pa.timestamp("us", tz="UTC")),
    ]
)
DDL = """CREATE TABLE IF NOT EXISTS `main`.`quickbooks`.`invoices` (`realm_id` STRING, `Id` STRING,
  `SyncToken` STRING, `TotalAmt` DECIMAL(38,9),
  `Line` ARRAY<STRUCT<`Id`: STRING, `Amount`: DECIMAL(38,9),
                     `SalesItemLineDetail`: STRUCT<`Qty`: DECIMAL(38,9)>>>,
  `LastUpdatedTime` TIMESTAMP, `_sdc_deleted_at` TIMESTAMP) USING DELTA"""
MERGE = """MERGE INTO `main`.`quickbooks`.`invoices` AS t
USING (SELECT * FROM read_files('{path}', format => 'parquet')
       QUALIFY ROW_NUMBER() OVER (PARTITION BY realm_id, Id
                                  ORDER BY LastUpdatedTime DESC, CAST(SyncToken AS BIGINT) DESC) = 1) AS s
ON t.realm_id = s.realm_id AND t.Id = s.Id
WHEN MATCHED AND s._sdc_deleted_at IS NOT NULL THEN DELETE
WHEN MATCHED AND (s.LastUpdatedTime > t.LastUpdatedTime OR (s.LastUpdatedTime = t.LastUpdatedTime
                  AND CAST(s.SyncToken AS BIGINT) > CAST(t.SyncToken AS BIGINT))) THEN UPDATE SET *
WHEN NOT MATCHED AND s._sdc_deleted_at IS NULL THEN INSERT *"""
BIG = Decimal("12345678901234567890123456789.123456789")  # 38 digits, 9 decimals


def invoice(id_: str, sync: str, total: str, day: int, deleted: bool = False) -> dict[str, object]:
    return {
        "realm_id": "9341453050298741",
        "Id": id_,
        "SyncToken": sync,
        "TotalAmt": Decimal(total),
        "Line": [
            {"Id": "1", "Amount": Decimal(total), "SalesItemLineDetail": {"Qty": Decimal("0.000000001")}}
        ],
        "LastUpdatedTime": dt.datetime(2024, 5, day, 12, tzinfo=UTC),
        "_sdc_deleted_at": dt.datetime(2024, 5, day, 12, tzinfo=UTC) if deleted else None,
    }


def write_batch(path: Path, rows: list[dict[str, object]]) -> Path:
    pq.write_table(pa.Table.from_pylist(rows, schema=SCHEMA), path)
    return path


@pytest.fixture(params=["http", "tls"])
def emulator(request: pytest.FixtureRequest) -> DatabricksEmulator:
    return request.getfixturevalue("dbx" if request.param == "http" else "dbx_tls")


def test_ddl_put_merge_remove_round_trip(
    emulator: DatabricksEmulator, connect: Connect, tmp_path: Path
) -> None:
    conn = connect(emulator)
    with conn.cursor() as cur:
        cur.execute("CREATE SCHEMA IF NOT EXISTS `main`.`quickbooks`")
        cur.execute("CREATE VOLUME IF NOT EXISTS `main`.`quickbooks`.`staging`")
        cur.execute(DDL)
        remote = "/Volumes/main/quickbooks/staging/batch-1.parquet"
        first = write_batch(
            tmp_path / "b1.parquet",
            [invoice("1", "0", str(BIG), 1), invoice("2", "0", "10.5", 1), invoice("2", "1", "11.25", 2)],
        )
        cur.execute(f"PUT '{first}' INTO '{remote}' OVERWRITE")
        cur.execute(MERGE.format(path=remote))
        assert cur.fetchall()[0].asDict() == {
            "num_affected_rows": 2,
            "num_updated_rows": 0,
            "num_deleted_rows": 0,
            "num_inserted_rows": 2,
        }
        assert cur.rowcount == 2
        cur.execute(f"REMOVE '{remote}'")
        second = write_batch(
            tmp_path / "b2.parquet",
            [
                invoice("1", "1", "0.01", 3),
                invoice("2", "0", "99", 1),
                invoice("3", "0", "7", 3, deleted=True),
            ],
        )
        cur.execute(f"PUT '{second}' INTO '{remote}'")
        cur.execute(MERGE.format(path=remote))
        assert [tuple(r) for r in cur.fetchall()] == [
            (1, 1, 0, 0)
        ]  # stale Id 2 ignored, deleted Id 3 skipped
        cur.execute(f"REMOVE '{remote}'")
        cur.execute(
            "SELECT Id, SyncToken, TotalAmt, Line, LastUpdatedTime FROM main.quickbooks.invoices ORDER BY Id"
        )
        rows = cur.fetchall()
    assert [(r.Id, r.SyncToken, r.TotalAmt) for r in rows] == [
        ("1", "1", Decimal("0.010000000")),
        ("2", "1", Decimal("11.250000000")),
    ]
    assert rows[1].Line[0]["SalesItemLineDetail"]["Qty"] == Decimal("0.000000001")
    assert rows[0].LastUpdatedTime == dt.datetime(2024, 5, 3, 12, tzinfo=UTC)
    assert not any((emulator.engine.volumes.root / "main/quickbooks/staging").iterdir())
    assert emulator.counters()["volume.PUT"] == 2
    assert emulator.counters()["volume.DELETE"] == 2


def test_decimal_38_and_nested_arrays_round_trip_exactly(
    dbx: DatabricksEmulator, connect: Connect, tmp_path: Path
) -> None:
    conn = connect(dbx)
    with conn.cursor() as cur:
        cur.execute("CREATE SCHEMA main.quickbooks")
        cur.execute("CREATE VOLUME main.quickbooks.staging")
        cur.execute(DDL)
        rows = [invoice("1", "0", str(BIG), 1), invoice("2", "0", "-0.000000001", 1)]
        rows[0]["Line"] = [
            {"Id": "1", "Amount": BIG, "SalesItemLineDetail": None},
            {"Id": "2", "Amount": Decimal("-1.5"), "SalesItemLineDetail": {"Qty": BIG}},
        ]
        write_batch(tmp_path / "b.parquet", rows)
        cur.execute(f"PUT '{tmp_path / 'b.parquet'}' INTO '/Volumes/main/quickbooks/staging/b.parquet'")
        cur.execute(MERGE.format(path="/Volumes/main/quickbooks/staging/b.parquet"))
        cur.execute("SELECT TotalAmt, Line FROM main.quickbooks.invoices ORDER BY Id")
        got = cur.fetchall()
        description = {d[0]: (d[1], d[4], d[5]) for d in cur.description or []}
    assert got[0].TotalAmt == BIG
    assert got[1].TotalAmt == Decimal("-0.000000001")
    assert [dict(x) for x in got[0].Line] == rows[0]["Line"]
    assert description == {"TotalAmt": ("decimal", 38, 9), "Line": ("array", None, None)}


def test_get_and_input_stream_put(dbx: DatabricksEmulator, connect: Connect, tmp_path: Path) -> None:
    conn = connect(dbx)
    with conn.cursor() as cur:
        cur.execute("CREATE SCHEMA main.quickbooks")
        cur.execute("CREATE VOLUME main.quickbooks.staging")
        cur.execute(
            "PUT '__input_stream__' INTO '/Volumes/main/quickbooks/staging/a.bin'",
            input_stream=io.BytesIO(b"\x00payload\xff"),
        )
        cur.execute(f"GET '/Volumes/main/quickbooks/staging/a.bin' TO '{tmp_path / 'copy.bin'}'")
    assert (tmp_path / "copy.bin").read_bytes() == b"\x00payload\xff"


def test_staging_refusals(dbx: DatabricksEmulator, connect: Connect, tmp_path: Path) -> None:
    outside = tmp_path.parent / f"{tmp_path.name}-outside.parquet"
    outside.write_bytes(b"x")
    conn = connect(dbx, staging_allowed_local_path=str(tmp_path / "allowed"))
    with conn.cursor() as cur:
        cur.execute("CREATE SCHEMA main.quickbooks")
        cur.execute("CREATE VOLUME main.quickbooks.staging")
        with pytest.raises(ProgrammingError, match="staging_allowed_local_path"):
            cur.execute(f"PUT '{outside}' INTO '/Volumes/main/quickbooks/staging/x.parquet'")
        cur.execute(
            "PUT '__input_stream__' INTO '/Volumes/main/quickbooks/staging/x'", input_stream=io.BytesIO(b"1")
        )
        with pytest.raises(ServerOperationError, match=r"\[FILE_ALREADY_EXISTS\]"):
            cur.execute(
                "PUT '__input_stream__' INTO '/Volumes/main/quickbooks/staging/x'",
                input_stream=io.BytesIO(b"2"),
            )
        with pytest.raises(ServerOperationError, match=r"\[UC_VOLUME_NOT_FOUND\]"):
            cur.execute(
                "PUT '__input_stream__' INTO '/Volumes/main/quickbooks/nope/x'", input_stream=io.BytesIO(b"1")
            )
        dbx.clock.advance(1000)  # presigned URLs expire after 15 minutes on the emulator clock
        cur.execute("REMOVE '/Volumes/main/quickbooks/staging/x'")
        assert not (dbx.engine.volumes.root / "main/quickbooks/staging/x").exists()
        with pytest.raises(ServerOperationError, match=r"\[PATH_NOT_FOUND\]"):
            cur.execute(f"GET '/Volumes/main/quickbooks/staging/x' TO '{tmp_path / 'x'}'")
    outside.unlink()


def test_presigned_url_is_signed_and_expires(dbx: DatabricksEmulator) -> None:
    import urllib.error
    import urllib.request

    dbx.query("CREATE SCHEMA main.s")
    dbx.query("CREATE VOLUME main.s.v")
    url = dbx.engine.volumes.presign("PUT", "/Volumes/main/s/v/f")
    unsigned_header = urllib.request.Request(url, data=b"x", method="PUT")
    with pytest.raises(urllib.error.HTTPError) as missing_header:
        urllib.request.urlopen(unsigned_header)
    assert missing_header.value.code == 403
    tampered = urllib.request.Request(
        url.replace("/f?", "/g?"), data=b"x", method="PUT", headers={"x-amz-server-side-encryption": "AES256"}
    )
    with pytest.raises(urllib.error.HTTPError) as bad_signature:
        urllib.request.urlopen(tampered)
    assert bad_signature.value.code == 403
    dbx.clock.advance(901)
    late = urllib.request.Request(
        url, data=b"x", method="PUT", headers={"x-amz-server-side-encryption": "AES256"}
    )
    with pytest.raises(urllib.error.HTTPError) as expired:
        urllib.request.urlopen(late)
    assert expired.value.code == 403
