"""Type mapping, Arrow conversion, dedupe, mapping checks and error classification."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest
from target_databricks.arrow import DuplicateColumnError, RecordConversionError, StreamTypes, newest_per_key
from target_databricks.errors import ErrorKind, classify
from target_databricks.mapping import MappingError, StreamMapping, check_batch, compatible, load_mapping
from target_databricks.types import SchemaMappingError, arrow_mapping, databricks_type


@pytest.mark.parametrize(
    ("schema", "expected"),
    [
        ({"type": ["number", "null"], "x-sql-datatype": "decimal(38,9)"}, pa.decimal128(38, 9)),
        ({"type": "number", "multipleOf": 0.01}, pa.decimal128(38, 2)),
        ({"type": "number"}, pa.float64()),
        ({"type": ["integer", "null"]}, pa.int64()),
        ({"type": "string", "format": "date-time"}, pa.timestamp("us", tz="UTC")),
        ({"type": "string", "format": "date"}, pa.date32()),
        ({"type": ["string", "integer"]}, pa.string()),
        ({"anyOf": [{"type": "string"}, {"type": "object"}]}, pa.string()),
        ({"type": "object"}, pa.string()),
        ({"type": "array"}, pa.string()),
        ({"type": "object", "properties": {"a b": {"type": "integer"}}}, pa.struct([("a_b", pa.int64())])),
        ({"type": "array", "items": {"type": "boolean"}}, pa.list_(pa.bool_())),
    ],
)
def test_registration_table(schema: dict, expected: pa.DataType) -> None:
    assert arrow_mapping(schema).arrow == expected


def test_unsupported_sql_datatype_is_a_clear_error() -> None:
    with pytest.raises(SchemaMappingError, match="decimal\\(40,2\\)"):
        arrow_mapping({"type": "number", "x-sql-datatype": "decimal(40,2)"})
    with pytest.raises(SchemaMappingError, match="geography"):
        arrow_mapping({"type": "string", "x-sql-datatype": "geography"})


def test_databricks_types() -> None:
    dtype = pa.struct([("A", pa.list_(pa.decimal128(18, 2))), ("B", pa.timestamp("us", tz="UTC"))])
    assert databricks_type(dtype) == "STRUCT<`A`: ARRAY<DECIMAL(18,2)>, `B`: TIMESTAMP>"


def test_records_to_arrow_exact_and_utc() -> None:
    types = StreamTypes.from_json_schema(
        {
            "properties": {
                "Amt": {"type": ["number", "null"], "x-sql-datatype": "decimal(38,9)"},
                "When": {"type": "string", "format": "date-time"},
                "Meta": {
                    "type": "object",
                    "properties": {"Created Time": {"type": "string", "format": "date-time"}},
                },
                "Rate": {"type": "number"},
            }
        }
    )
    table = types.to_table(
        [
            {
                "Amt": Decimal("12345678901234567890123456789.123456789"),
                "When": "2024-01-01T00:00:00-08:00",
                "Meta": {"Created Time": "2024-01-01T00:00:00"},
                "Rate": Decimal("0.5"),
            },
        ]
    )
    row = table.to_pylist()[0]
    assert row["Amt"] == Decimal("12345678901234567890123456789.123456789")
    assert row["When"] == dt.datetime(2024, 1, 1, 8, tzinfo=dt.UTC)
    assert row["Meta"] == {"Created_Time": dt.datetime(2024, 1, 1, tzinfo=dt.UTC)}  # naive means UTC
    assert row["Rate"] == 0.5


def test_too_many_decimals_is_refused_not_rounded() -> None:
    types = StreamTypes.from_json_schema(
        {"properties": {"Amt": {"type": "number", "x-sql-datatype": "decimal(38,2)"}}}
    )
    with pytest.raises(RecordConversionError, match="column 'Amt' \\(decimal128\\(38, 2\\)\\)"):
        types.to_table([{"Amt": Decimal("1.005")}])


def test_case_collisions_are_refused() -> None:
    with pytest.raises(DuplicateColumnError, match="case-insensitive"):
        StreamTypes.from_json_schema({"properties": {"Id": {"type": "string"}, "ID": {"type": "string"}}})


def test_newest_per_key_prefers_version_then_arrival() -> None:
    table = pa.table({"k": ["a", "a", "b", "a"], "v": ["9", "10", "1", "10"], "n": [1, 2, 3, 4]})
    kept = newest_per_key(table, ["k"], ["v"], {"v": "BIGINT"})
    assert sorted(kept.to_pylist(), key=lambda r: r["k"]) == [
        {"k": "a", "v": "10", "n": 4},
        {"k": "b", "v": "1", "n": 3},
    ]


def test_mapping_from_yaml_file(tmp_path: Path) -> None:
    path = tmp_path / "mapping.yml"
    path.write_text(
        "streams:\n  invoices:\n    table: qbo_invoices\n    required_columns: [Id, TotalAmt]\n"
        "  bills: qbo_bills\n"
    )
    mapping = load_mapping(str(path))
    assert mapping["invoices"] == StreamMapping("qbo_invoices", {"Id": None, "TotalAmt": None})
    assert mapping["bills"].table == "qbo_bills"
    with pytest.raises(MappingError, match="not found"):
        load_mapping(str(tmp_path / "missing.yml"))
    with pytest.raises(MappingError, match="letters"):
        load_mapping({"invoices": "bad name; drop"})


def test_check_batch_reports_every_problem() -> None:
    batch = pa.schema([("Id", pa.string()), ("TotalAmt", pa.decimal128(38, 9)), ("New", pa.string())])
    mapping = StreamMapping("invoices", {"TotalAmt": "decimal(38,9)", "Memo": None})
    existing = {"id": "string", "totalamt": "double"}
    verdict = check_batch(mapping, existing, batch, evolve=False)
    assert len(verdict.problems) == 4, verdict.problems
    verdict = check_batch(
        StreamMapping("invoices"), {"id": "string", "totalamt": "decimal(38,9)"}, batch, evolve=True
    )
    assert verdict.problems == []
    assert [f.name for f in verdict.add] == ["New"]
    assert compatible("decimal(38,9)", "DECIMAL(18,2)")
    assert not compatible("decimal(18,2)", "decimal(38,9)")


def test_error_classification() -> None:
    from databricks.sql.exc import RequestError, ServerOperationError

    assert classify(ServerOperationError("[TEMPORARILY_UNAVAILABLE] try later")) is ErrorKind.TRANSIENT
    assert classify(ServerOperationError("[DELTA_CONCURRENT_APPEND] conflict")) is ErrorKind.TRANSIENT
    assert classify(ServerOperationError("[TABLE_OR_VIEW_NOT_FOUND] nope")) is ErrorKind.TERMINAL
    assert classify(RequestError("x", context={"http-code": 503})) is ErrorKind.TRANSIENT
    assert classify(RequestError("x", context={"http-code": 429})) is ErrorKind.TRANSIENT
    assert classify(RequestError("x", context={"http-code": 401})) is ErrorKind.AUTH
    assert classify(RequestError("x", context={"http-code": 403})) is ErrorKind.AUTH
    assert classify(RequestError("x", context={"http-code": 400})) is ErrorKind.TERMINAL
    assert classify(ConnectionResetError()) is ErrorKind.TRANSIENT
    assert classify(ValueError("bad")) is ErrorKind.TERMINAL


def test_precision_overflow_is_refused() -> None:
    types = StreamTypes.from_json_schema(
        {"properties": {"Amt": {"type": "number", "x-sql-datatype": "decimal(38,9)"}}}
    )
    with pytest.raises(RecordConversionError, match="column 'Amt'"):
        types.to_table([{"Amt": Decimal("123456789012345678901234567890.1")}])  # 30 + 9 digits > 38


def test_fields_absent_from_every_record_load_as_nulls() -> None:
    types = StreamTypes.from_json_schema(
        {
            "properties": {
                "Id": {"type": "string"},
                "Note": {"type": ["string", "null"]},
                "Meta": {
                    "type": ["object", "null"],
                    "properties": {"T": {"type": "string", "format": "date-time"}},
                },
            }
        }
    )
    table = types.to_table([{"Id": "1", "Unknown": 5}, {"Id": "2"}])
    assert table.column_names == ["Id", "Note", "Meta"]
    assert table.to_pylist() == [
        {"Id": "1", "Note": None, "Meta": None},
        {"Id": "2", "Note": None, "Meta": None},
    ]
