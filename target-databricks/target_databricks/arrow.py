"""Singer records → a typed Arrow table, and the batch-level operations on it (dedupe, casts)."""

from __future__ import annotations

import array
import datetime as dt
import io
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj

from target_databricks import sql
from target_databricks.types import JSON_ENCODER, Fix, Mapped, arrow_mapping, column_name

SEQUENCE_COLUMN = sql.SEQUENCE
DELETED_COLUMN = sql.DELETED
TABLE_VERSION_COLUMN = sql.TABLE_VERSION


class RecordConversionError(ValueError):
    """A value does not fit its declared type (e.g. more decimals than the column's scale)."""


class DuplicateColumnError(ValueError):
    """Two properties map to the same column name (names differ only by case or odd characters)."""


@dataclass(frozen=True)
class StreamTypes:
    """The Arrow shape of one stream: what is stored, what Python values load as, and value fix-ups."""

    schema: pa.Schema
    wire: pa.Schema
    fixes: dict[str, Fix]

    @classmethod
    def from_json_schema(cls, json_schema: dict) -> StreamTypes:
        mapped: dict[str, Mapped] = {n: _property_mapping(p) for n, p in json_schema["properties"].items()}
        _check_unique([column_name(n) for n in mapped])
        return cls(
            schema=pa.schema([pa.field(column_name(n), m.arrow) for n, m in mapped.items()]),
            wire=pa.schema([pa.field(n, m.wire) for n, m in mapped.items()]),
            fixes={n: m.fix for n, m in mapped.items() if m.fix is not None},
        )

    def to_table(self, records: list[dict]) -> pa.Table:
        """Records → JSON lines → Arrow's C++ JSON reader: exact decimals and no per-value Python work."""
        for name, fix in self.fixes.items():  # only JSON-text columns need Python
            for record in records:
                if (value := record.get(name)) is not None:
                    record[name] = fix(value)
        data = JSON_ENCODER.encode_lines(records)  # one call for the batch: no per-record Python
        try:
            loaded = _read_json(data, self.wire)
            columns = [
                conform(loaded.column(w.name).combine_chunks(), f.type)
                for w, f in zip(self.wire, self.schema, strict=True)
            ]
        except (pa.ArrowInvalid, pa.ArrowTypeError, ValueError, TypeError) as exc:
            raise RecordConversionError(self._culprit(data, exc)) from exc
        return pa.Table.from_arrays(columns, schema=self.schema)

    def _culprit(self, data: bytes, exc: Exception) -> str:
        """Name the column whose values do not fit (slow path, only after a failure)."""
        for wire, final in zip(self.wire, self.schema, strict=True):
            try:
                conform(_read_json(data, pa.schema([wire])).column(0).combine_chunks(), final.type)
            except (pa.ArrowInvalid, pa.ArrowTypeError, ValueError, TypeError) as column_exc:
                return f"column {wire.name!r} ({final.type}): {column_exc}"
        return str(exc)


# Mappings of the top-level properties seen in this process, by their schema's JSON: a QBO transaction's
# `Line` (every line-detail type, ~40k schema nodes) is the same in ~17 streams and is mapped once.
_MAPPED: dict[bytes, Mapped] = {}


def _property_mapping(schema: dict) -> Mapped:
    key = JSON_ENCODER.encode(schema)
    found = _MAPPED.get(key)
    if found is None:
        found = _MAPPED[key] = arrow_mapping(schema)
    return found


# The whole batch is one block unless it is over 1 GiB (a record must fit in one block).
MAX_BLOCK = 1 << 30


def _read_json(data: bytes, schema: pa.Schema) -> pa.Table:
    table = pj.read_json(
        io.BytesIO(data),
        # One thread: measured no faster on 2 cores and ~70 MB more peak RSS with the parallel reader.
        read_options=pj.ReadOptions(block_size=min(len(data) + 1, MAX_BLOCK), use_threads=False),
        parse_options=pj.ParseOptions(explicit_schema=schema, unexpected_field_behavior="ignore"),
    )
    table.validate(full=True)  # the reader does not check decimal precision (39 digits into DECIMAL(38))
    return table


def _check_unique(names: list[str]) -> None:
    seen: dict[str, str] = {}
    for name in names:
        if (folded := name.lower()) in seen:
            raise DuplicateColumnError(
                f"properties map to the same column {name!r} and {seen[folded]!r} "
                "(Databricks column names are case-insensitive); rename one with a stream map"
            )
        seen[folded] = name


def conform(array: pa.Array, target: pa.DataType) -> pa.Array:
    """Cast a loaded array to its stored type: renames nested fields, parses date/time strings as UTC."""
    if array.type == target:
        return array
    if pa.types.is_struct(target):
        # flatten() (unlike field()) masks children under null parents: Arrow fills those slots with ""
        children = [conform(child, f.type) for child, f in zip(array.flatten(), target, strict=True)]
        return pa.StructArray.from_arrays(children, fields=list(target), mask=array.is_null())
    if pa.types.is_list(target):
        values = conform(array.values, target.value_type)
        return pa.ListArray.from_arrays(array.offsets, values, type=target, mask=array.is_null())
    if pa.types.is_string(array.type) and (pa.types.is_timestamp(target) or pa.types.is_date(target)):
        return _parse_temporal(array, target)
    return array.cast(target)


def _parse_temporal(array: pa.Array, target: pa.DataType) -> pa.Array:
    try:
        return array.cast(target)
    except pa.ArrowInvalid:
        # Rare shapes (no offset, date-times in date fields): parse value by value, naive means UTC.
        parse = _to_date if pa.types.is_date(target) else _to_utc
        return pa.array([None if v is None else parse(v) for v in array.to_pylist()], type=target)


def _to_utc(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(text)
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _to_date(text: str) -> dt.date:
    return dt.date.fromisoformat(text[:10])


def newest_per_key(table: pa.Table, keys: list[str], versions: list[str], casts: dict[str, str]) -> pa.Table:
    """Keep one row per key: the newest version, and the latest arrival among equal versions."""
    if not keys or table.num_rows < 2:
        return table
    order = _arange(table.num_rows)
    work = table.select(keys).append_column("__arrival", order)
    sort: list[tuple[str, str, str]] = [(k, "ascending", "at_end") for k in keys]
    for i, name in enumerate(versions):
        work = work.append_column(f"__v{i}", version_values(table.column(name), casts.get(name)))
        sort.append((f"__v{i}", "descending", "at_end"))  # a null version is the oldest
    sort.append(("__arrival", "descending", "at_end"))
    ranked = work.take(pc.sort_indices(work, sort_keys=sort))
    firsts = ranked.column("__arrival").filter(_group_starts(ranked, keys))
    return table.take(pc.take(firsts, pc.sort_indices(firsts)))


# Built from buffers, not Python values, and no `Table.group_by` (pyarrow.acero → pyarrow.dataset): both make
# pyarrow import pandas, ~0.8 s of a delta run that otherwise never needs it.
def _arange(n: int) -> pa.Array:
    return pa.Array.from_buffers(pa.int64(), n, [None, pa.py_buffer(array.array("q", range(n)))])


def _group_starts(ranked: pa.Table, keys: list[str]) -> pa.Array:
    """True where a row's key differs from the previous row's, in a table sorted by key (null = null)."""
    changed: pa.Array | None = None
    for key in keys:
        column = ranked.column(key).combine_chunks()
        current, previous = column.slice(1), column.slice(0, len(column) - 1)
        unequal = pc.not_equal(current, previous)
        differs = pc.if_else(pc.is_null(unequal), pc.xor(pc.is_null(current), pc.is_null(previous)), unequal)
        changed = differs if changed is None else pc.or_(changed, differs)
    first = pa.Array.from_buffers(pa.bool_(), 1, [None, pa.py_buffer(b"\x01")])
    return pa.concat_arrays([first, changed])


def version_values(column: pa.ChunkedArray, cast: str | None) -> pa.ChunkedArray:
    """Version values as compared by the guard (SyncToken-style digit strings compare as integers)."""
    return column.cast(pa.int64()) if cast == "BIGINT" else column


def cast_to(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """Cast batch columns to the (compatible) types of the existing table columns of the same name."""
    fields = [schema.field(f.name) if f.name in schema.names else f for f in table.schema]
    if all(a.type == b.type for a, b in zip(fields, table.schema, strict=True)):
        return table
    return pa.Table.from_arrays(
        [col.cast(f.type) for col, f in zip(table.columns, fields, strict=True)], schema=pa.schema(fields)
    )
