"""JSON schema → Arrow → Databricks type mapping, declared once as a registration table.

Each JSON-schema property maps to a `Mapped`: the Arrow type stored in Delta, the "wire" Arrow type the
Python values are first loaded as (date-times stay strings so Arrow's vectorised parser turns them into
UTC in one pass), and an optional per-value fix-up for the few shapes Arrow cannot load directly.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import msgspec
import pyarrow as pa

TIMESTAMP = pa.timestamp("us", tz="UTC")
MAX_DECIMAL_PRECISION = 38

Fix = Callable[[Any], Any]


class SchemaMappingError(ValueError):
    """A JSON schema property cannot be mapped to a Delta column type."""


@dataclass(frozen=True)
class Mapped:
    arrow: pa.DataType
    wire: pa.DataType
    fix: Fix | None = None


def column_name(name: str) -> str:
    """Delta forbids ` ,;{}()\\n\\t=` in names without column mapping; keep case, replace odd characters."""
    return re.sub(r"[^0-9A-Za-z_]", "_", name) or "_"


def table_name(stream: str) -> str:
    """Databricks stores identifiers in lower case; a stream name becomes a plain lower-case name."""
    return re.sub(r"[^0-9a-z_]", "_", stream.lower()) or "_"


def _types(schema: dict) -> set[str]:
    declared = schema.get("type", [])
    found = {declared} if isinstance(declared, str) else set(declared)
    return found - {"null"}


# JSON text and the record lines handed to Arrow: Decimals are written as their exact digits.
JSON_ENCODER = msgspec.json.Encoder(decimal_format="number", enc_hook=str)


def _to_json(value: Any) -> Any:
    return None if value is None else JSON_ENCODER.encode(value).decode()


def _is_json(schema: dict) -> bool:
    kinds = _types(schema)
    return "anyOf" in schema or "oneOf" in schema or len(kinds) != 1


def _decimal(precision: int, scale: int) -> Mapped:
    if not 0 < precision <= MAX_DECIMAL_PRECISION or not 0 <= scale <= precision:
        raise SchemaMappingError(f"decimal({precision},{scale}) is outside Databricks' DECIMAL(38) range")
    dtype = pa.decimal128(precision, scale)
    return Mapped(dtype, dtype)


def _scale_of(multiple_of: Any) -> int | None:
    exponent = Decimal(str(multiple_of)).normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent <= 0 else None


SQL_DATATYPES: dict[str, Mapped] = {
    "bigint": Mapped(pa.int64(), pa.int64()),
    "long": Mapped(pa.int64(), pa.int64()),
    "int": Mapped(pa.int64(), pa.int64()),
    "integer": Mapped(pa.int64(), pa.int64()),
    "smallint": Mapped(pa.int64(), pa.int64()),
    "double": Mapped(pa.float64(), pa.float64()),
    "float": Mapped(pa.float64(), pa.float64()),
    "boolean": Mapped(pa.bool_(), pa.bool_()),
    "string": Mapped(pa.string(), pa.string()),
    "date": Mapped(pa.date32(), pa.string()),
    "timestamp": Mapped(TIMESTAMP, pa.string()),
}


def _from_sql_datatype(schema: dict) -> Mapped:
    declared = str(schema["x-sql-datatype"]).strip().lower()
    if match := re.fullmatch(r"(?:decimal|numeric)\s*\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\)", declared):
        return _decimal(int(match[1]), int(match[2] or 0))
    if declared in SQL_DATATYPES:
        return SQL_DATATYPES[declared]
    raise SchemaMappingError(f"unsupported x-sql-datatype {declared!r}")


def _from_multiple_of(schema: dict) -> Mapped:
    scale = _scale_of(schema["multipleOf"])
    if scale is None:
        return Mapped(pa.float64(), pa.float64())
    return _decimal(MAX_DECIMAL_PRECISION, scale)


def _struct(schema: dict) -> Mapped:
    children = {name: arrow_mapping(prop) for name, prop in schema["properties"].items()}
    final = pa.struct([pa.field(column_name(n), m.arrow) for n, m in children.items()])
    wire = pa.struct([pa.field(n, m.wire) for n, m in children.items()])
    fixes = {n: m.fix for n, m in children.items() if m.fix is not None}
    return Mapped(final, wire, _struct_fix(fixes) if fixes else None)


def _struct_fix(fixes: dict[str, Fix]) -> Fix:
    def fix(value: Any) -> Any:
        if isinstance(value, dict):
            for name, child_fix in fixes.items():
                if value.get(name) is not None:
                    value[name] = child_fix(value[name])
        return value

    return fix


def _array(schema: dict) -> Mapped:
    item = arrow_mapping(schema["items"])
    item_fix = item.fix
    fix = None if item_fix is None else (lambda v: [item_fix(x) if x is not None else x for x in v])
    return Mapped(pa.list_(item.arrow), pa.list_(item.wire), fix)


def _fmt(schema: dict) -> str | None:
    return schema.get("format")


# The registration table: the first rule whose predicate matches a property decides its column type.
TYPE_RULES: list[tuple[str, Callable[[dict], bool], Callable[[dict], Mapped]]] = [
    ("x-sql-datatype", lambda s: "x-sql-datatype" in s, _from_sql_datatype),
    ("mixed types", _is_json, lambda s: Mapped(pa.string(), pa.string(), _to_json)),
    (
        "date-time",
        lambda s: _types(s) == {"string"} and _fmt(s) == "date-time",
        lambda s: Mapped(TIMESTAMP, pa.string()),
    ),
    (
        "date",
        lambda s: _types(s) == {"string"} and _fmt(s) == "date",
        lambda s: Mapped(pa.date32(), pa.string()),
    ),
    ("string", lambda s: _types(s) == {"string"}, lambda s: Mapped(pa.string(), pa.string())),
    ("integer", lambda s: _types(s) == {"integer"}, lambda s: Mapped(pa.int64(), pa.int64())),
    ("number with multipleOf", lambda s: _types(s) == {"number"} and "multipleOf" in s, _from_multiple_of),
    ("number", lambda s: _types(s) == {"number"}, lambda s: Mapped(pa.float64(), pa.float64())),
    ("boolean", lambda s: _types(s) == {"boolean"}, lambda s: Mapped(pa.bool_(), pa.bool_())),
    ("object with properties", lambda s: _types(s) == {"object"} and bool(s.get("properties")), _struct),
    (
        "array with items",
        lambda s: _types(s) == {"array"} and isinstance(s.get("items"), dict) and bool(s["items"]),
        _array,
    ),
    ("anything else as JSON text", lambda s: True, lambda s: Mapped(pa.string(), pa.string(), _to_json)),
]


def arrow_mapping(schema: dict) -> Mapped:
    for _name, matches, build in TYPE_RULES:
        if matches(schema):
            return build(schema)
    raise SchemaMappingError(f"no type rule for {schema!r}")  # unreachable: the last rule matches all


def databricks_type(dtype: pa.DataType) -> str:
    """Databricks SQL type for an Arrow type, in DDL form (DESCRIBE shows the same in lower case)."""
    if pa.types.is_struct(dtype):
        fields = ", ".join(f"`{f.name}`: {databricks_type(f.type)}" for f in dtype)
        return f"STRUCT<{fields}>"
    if pa.types.is_list(dtype) or pa.types.is_large_list(dtype):
        return f"ARRAY<{databricks_type(dtype.value_type)}>"
    if pa.types.is_decimal(dtype):
        return f"DECIMAL({dtype.precision},{dtype.scale})"
    for predicate, name in _SCALARS:
        if predicate(dtype):
            return name
    raise SchemaMappingError(f"no Databricks type for Arrow {dtype}")


_SCALARS: list[tuple[Callable[[pa.DataType], bool], str]] = [
    (pa.types.is_integer, "BIGINT"),
    (pa.types.is_floating, "DOUBLE"),
    (pa.types.is_boolean, "BOOLEAN"),
    (pa.types.is_timestamp, "TIMESTAMP"),
    (pa.types.is_date, "DATE"),
    (lambda t: pa.types.is_string(t) or pa.types.is_large_string(t), "STRING"),
    (pa.types.is_binary, "BINARY"),
]


def normalise_type(sql_type: str) -> str:
    """Comparable form of a Databricks type string (DESCRIBE output or our DDL)."""
    text = re.sub(r"[\s`]", "", sql_type.lower())
    return re.sub(r"\b(long|integer|int)\b", "bigint", text)
