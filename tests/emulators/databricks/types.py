"""Type mapping between Arrow (duckdb's result format), Databricks SQL type names and Thrift TTypeDesc."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pyarrow as pa
from databricks.sql.thrift_api.TCLIService import ttypes

_SIMPLE: list[tuple[Any, str, int]] = [
    (pa.types.is_boolean, "boolean", ttypes.TTypeId.BOOLEAN_TYPE),
    (pa.types.is_int8, "tinyint", ttypes.TTypeId.TINYINT_TYPE),
    (pa.types.is_int16, "smallint", ttypes.TTypeId.SMALLINT_TYPE),
    (pa.types.is_int32, "int", ttypes.TTypeId.INT_TYPE),
    (pa.types.is_int64, "bigint", ttypes.TTypeId.BIGINT_TYPE),
    (pa.types.is_unsigned_integer, "bigint", ttypes.TTypeId.BIGINT_TYPE),
    (pa.types.is_float32, "float", ttypes.TTypeId.FLOAT_TYPE),
    (pa.types.is_float64, "double", ttypes.TTypeId.DOUBLE_TYPE),
    (pa.types.is_string, "string", ttypes.TTypeId.STRING_TYPE),
    (pa.types.is_large_string, "string", ttypes.TTypeId.STRING_TYPE),
    (pa.types.is_binary, "binary", ttypes.TTypeId.BINARY_TYPE),
    (pa.types.is_large_binary, "binary", ttypes.TTypeId.BINARY_TYPE),
    (pa.types.is_date, "date", ttypes.TTypeId.DATE_TYPE),
    (pa.types.is_null, "void", ttypes.TTypeId.NULL_TYPE),
]


def sql_type(t: pa.DataType) -> str:
    """The Databricks type name as DESCRIBE prints it, e.g. `array<struct<Id:string,Amt:decimal(38,9)>>`."""
    for check, name, _ in _SIMPLE:
        if check(t):
            return name
    if pa.types.is_decimal(t):
        return f"decimal({t.precision},{t.scale})"
    if pa.types.is_timestamp(t):
        return "timestamp" if t.tz else "timestamp_ntz"
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        return f"array<{sql_type(t.value_type)}>"
    if pa.types.is_struct(t):
        return "struct<" + ",".join(f"{f.name}:{sql_type(f.type)}" for f in t) + ">"
    if pa.types.is_map(t):
        return f"map<{sql_type(t.key_type)},{sql_type(t.item_type)}>"
    return "string"


def type_id(t: pa.DataType) -> int:
    for check, _, tid in _SIMPLE:
        if check(t):
            return tid
    if pa.types.is_decimal(t):
        return ttypes.TTypeId.DECIMAL_TYPE
    if pa.types.is_timestamp(t):
        return ttypes.TTypeId.TIMESTAMP_TYPE
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        return ttypes.TTypeId.ARRAY_TYPE
    if pa.types.is_struct(t):
        return ttypes.TTypeId.STRUCT_TYPE
    if pa.types.is_map(t):
        return ttypes.TTypeId.MAP_TYPE
    return ttypes.TTypeId.STRING_TYPE


def type_desc(t: pa.DataType) -> ttypes.TTypeDesc:
    qualifiers = None
    if pa.types.is_decimal(t):
        qualifiers = ttypes.TTypeQualifiers(
            qualifiers={
                "precision": ttypes.TTypeQualifierValue(i32Value=t.precision),
                "scale": ttypes.TTypeQualifierValue(i32Value=t.scale),
            }
        )
    entry = ttypes.TPrimitiveTypeEntry(type=type_id(t), typeQualifiers=qualifiers)
    return ttypes.TTypeDesc(types=[ttypes.TTypeEntry(primitiveEntry=entry)])


def table_schema(schema: pa.Schema) -> ttypes.TTableSchema:
    return ttypes.TTableSchema(
        columns=[
            ttypes.TColumnDesc(columnName=f.name, typeDesc=type_desc(f.type), position=i + 1, comment="")
            for i, f in enumerate(schema)
        ]
    )


def _is_complex(t: pa.DataType) -> bool:
    return pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_struct(t) or pa.types.is_map(t)


def to_json(value: Any) -> str:
    """Spark's JSON text for a complex value: decimals stay exact numbers, timestamps ISO-8601 strings."""
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(str(k))}:{to_json(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(to_json(v) for v in value) + "]"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.datetime | dt.date):
        return json.dumps(value.isoformat())
    return json.dumps(value)


def wire_table(table: pa.Table, complex_as_arrow: bool, decimal_as_arrow: bool) -> pa.Table:
    """Shape a result the way the warehouse sends it for the client's `useArrowNativeTypes` choices.

    Spark serialises complex values as JSON text and decimals as strings when the client cannot take
    them natively; every field carries its SQL type name as Spark does.
    """
    columns: list[pa.Array | pa.ChunkedArray] = []
    fields: list[pa.Field] = []
    for field, column in zip(table.schema, table.columns, strict=True):
        meta = {b"Spark:DataType:SqlName": sql_type(field.type).upper().encode()}
        if _is_complex(field.type) and not complex_as_arrow:
            text = [None if v is None else to_json(v) for v in column.to_pylist()]
            column, field = pa.chunked_array([pa.array(text, pa.string())]), field.with_type(pa.string())
        elif pa.types.is_decimal(field.type) and not decimal_as_arrow:
            column, field = column.cast(pa.string()), field.with_type(pa.string())
        columns.append(column)
        fields.append(field.with_metadata(meta))
    return pa.Table.from_arrays(columns, schema=pa.schema(fields))
