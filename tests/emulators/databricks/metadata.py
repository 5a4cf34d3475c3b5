"""The metadata RPCs (GetCatalogs/Schemas/Tables/Columns) with JDBC's result columns and LIKE patterns."""

from __future__ import annotations

import re
from typing import Any

import pyarrow as pa

from .catalog import Catalog
from .types import sql_type

_JDBC_TYPES = {
    "boolean": 16,
    "tinyint": -6,
    "smallint": 5,
    "int": 4,
    "bigint": -5,
    "float": 6,
    "double": 8,
    "decimal": 3,
    "string": 12,
    "date": 91,
    "timestamp": 93,
    "timestamp_ntz": 93,
    "binary": -2,
    "array": 2003,
    "struct": 2002,
    "map": 2000,
    "void": 0,
}


def matches(pattern: str | None, value: str) -> bool:
    """JDBC search pattern: `%` any run, `_` one character, `\\` escapes; None or `*` match everything."""
    if pattern in (None, "", "*", "%"):
        return True
    assert pattern is not None
    regex = ""
    chars = iter(pattern)
    for ch in chars:
        if ch == "\\":
            regex += re.escape(next(chars, ""))
        else:
            regex += {"%": ".*", "_": ".", "*": ".*"}.get(ch, re.escape(ch))
    return re.fullmatch(regex, value, re.I) is not None


def _table(columns: dict[str, pa.DataType], rows: list[tuple[Any, ...]]) -> pa.Table:
    return pa.table({name: pa.array([r[i] for r in rows], t) for i, (name, t) in enumerate(columns.items())})


def catalogs(cat: Catalog) -> pa.Table:
    return _table({"TABLE_CAT": pa.string()}, [(c,) for c in cat.catalogs()])


def schemas(cat: Catalog, catalog: str | None, schema: str | None) -> pa.Table:
    rows = [
        (s, c) for c in cat.catalogs() if matches(catalog, c) for s in cat.schemas(c) if matches(schema, s)
    ]
    return _table({"TABLE_SCHEM": pa.string(), "TABLE_CATALOG": pa.string()}, rows)


def tables(
    cat: Catalog, catalog: str | None, schema: str | None, table: str | None, types: list[str] | None
) -> pa.Table:
    wanted = {t.upper() for t in types or []}
    rows = [
        (c, s, t, "VIEW" if kind == "VIEW" else "TABLE", "", None, None, None, None, None)
        for c, s, t, kind in cat.tables()
        if matches(catalog, c)
        and matches(schema, s)
        and matches(table, t)
        and (not wanted or ("VIEW" if kind == "VIEW" else "TABLE") in wanted)
    ]
    names = [
        "TABLE_CAT",
        "TABLE_SCHEM",
        "TABLE_NAME",
        "TABLE_TYPE",
        "REMARKS",
        "TYPE_CAT",
        "TYPE_SCHEM",
        "TYPE_NAME",
        "SELF_REFERENCING_COL_NAME",
        "REF_GENERATION",
    ]
    return _table(dict.fromkeys(names, pa.string()), rows)


_COLUMN_FIELDS: dict[str, pa.DataType] = {
    "TABLE_CAT": pa.string(),
    "TABLE_SCHEM": pa.string(),
    "TABLE_NAME": pa.string(),
    "COLUMN_NAME": pa.string(),
    "DATA_TYPE": pa.int32(),
    "TYPE_NAME": pa.string(),
    "COLUMN_SIZE": pa.int32(),
    "BUFFER_LENGTH": pa.int8(),
    "DECIMAL_DIGITS": pa.int32(),
    "NUM_PREC_RADIX": pa.int32(),
    "NULLABLE": pa.int32(),
    "REMARKS": pa.string(),
    "COLUMN_DEF": pa.string(),
    "SQL_DATA_TYPE": pa.int32(),
    "SQL_DATETIME_SUB": pa.int32(),
    "CHAR_OCTET_LENGTH": pa.int32(),
    "ORDINAL_POSITION": pa.int32(),
    "IS_NULLABLE": pa.string(),
    "SCOPE_CATALOG": pa.string(),
    "SCOPE_SCHEMA": pa.string(),
    "SCOPE_TABLE": pa.string(),
    "SOURCE_DATA_TYPE": pa.int16(),
    "IS_AUTO_INCREMENT": pa.string(),
}


def columns(
    cat: Catalog, catalog: str | None, schema: str | None, table: str | None, column: str | None
) -> pa.Table:
    rows: list[tuple[Any, ...]] = []
    for c, s, t, _ in cat.tables():
        if not (matches(catalog, c) and matches(schema, s) and matches(table, t)):
            continue
        for pos, field in enumerate(cat.arrow_schema(c, s, t)):
            if matches(column, field.name):
                rows.append(_column_row(c, s, t, pos, field))
    return _table(_COLUMN_FIELDS, rows)


def _column_row(c: str, s: str, t: str, pos: int, field: pa.Field) -> tuple[Any, ...]:
    type_name = sql_type(field.type)
    base = type_name.split("<")[0].split("(")[0]
    precision = field.type.precision if pa.types.is_decimal(field.type) else None
    scale = field.type.scale if pa.types.is_decimal(field.type) else None
    return (
        c,
        s,
        t,
        field.name,
        _JDBC_TYPES.get(base, 1111),
        type_name.upper(),
        precision,
        None,
        scale,
        10 if precision else None,
        1,
        "",
        None,
        None,
        None,
        None,
        pos,
        "YES",
        None,
        None,
        None,
        None,
        "NO",
    )
