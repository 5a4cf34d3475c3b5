"""Pure builders of the Databricks SQL statements the target runs; no I/O, tested as text and parsed.

Identifiers are always backtick-quoted (Databricks folds unquoted names to lower case and PascalCase
QBO names must survive). Values are never spliced in except through `literal`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

DELETED = "_sdc_deleted_at"
TABLE_VERSION = "_sdc_table_version"
SEQUENCE = "_sdc_sequence"  # unique per record (the target stamps it): the key of an idempotent append

Quote = Callable[[str], str]


def quote(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def ansi_quote(name: str) -> str:
    """DataFusion (delta-rs predicates) quotes identifiers the ANSI way."""
    return '"' + name.replace('"', '""') + '"'


def qualified(catalog: str, schema: str, table: str) -> str:
    return ".".join(quote(part) for part in (catalog, schema, table))


def literal(value: Any) -> str:
    """A SQL literal; strings use Databricks' backslash escapes."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dt.datetime):
        return f"TIMESTAMP '{value.astimezone(dt.UTC).isoformat()}'"
    text = str(value).replace("\\", "\\\\").replace("'", "\\'")
    return f"'{text}'"


@dataclass(frozen=True)
class MergeSpec:
    """What a version-guarded MERGE needs to know about the stream."""

    keys: Sequence[str]
    versions: Sequence[str]
    casts: Mapping[str, str]
    hard_delete: bool


def version_guard(
    spec: MergeSpec, q: Quote = quote, source: str = "s", target: str = "t", *, delete: bool = False
) -> str:
    """`source` is not older than `target`, comparing version columns in order (the first decides).

    For a delete (`delete=True`) a version the source lacks after a tie counts as a tie: a CDC delete stub
    carries the entity's LastUpdatedTime but no SyncToken, and a delete as new as the row must win.
    """

    def value(alias: str, name: str) -> str:
        ref = f"{alias}.{q(name)}"
        return f"CAST({ref} AS {spec.casts[name]})" if name in spec.casts else ref

    if not spec.versions:
        return "TRUE"
    *leading, last = spec.versions
    missing = f" OR {source}.{q(last)} IS NULL" if delete and leading else ""
    guard = f"({value(source, last)} >= {value(target, last)} OR {target}.{q(last)} IS NULL{missing})"
    for name in reversed(leading):
        s, t = value(source, name), value(target, name)
        guard = f"({s} > {t} OR {target}.{q(name)} IS NULL OR ({s} = {t} AND {guard}))"
    return guard


def dotted(name: str) -> str:
    """`a.b.c` with every part quoted (a securable named by its dotted path)."""
    return ".".join(quote(part) for part in name.split("."))


def create_catalog(catalog: str) -> str:
    return f"CREATE CATALOG IF NOT EXISTS {quote(catalog)}"


def show_schemas(catalog: str) -> str:
    return f"SHOW SCHEMAS IN {quote(catalog)}"


def show_tables(catalog: str, schema: str) -> str:
    return f"SHOW TABLES IN {quote(catalog)}.{quote(schema)}"


def volume_exists(catalog: str, schema: str, volume: str) -> str:
    return (
        f"SELECT volume_name FROM {quote(catalog)}.information_schema.volumes "
        f"WHERE volume_schema = {literal(schema)} AND volume_name = {literal(volume)}"
    )


def current_user() -> str:
    return "SELECT current_user() AS user"


def show_grants(principal: str, kind: str, name: str) -> str:
    """The principal's grants on a securable (`kind` CATALOG, SCHEMA, VOLUME, TABLE), inherited ones too."""
    return f"SHOW GRANTS {quote(principal)} ON {kind} {dotted(name)}"


def grant(privileges: Sequence[str], kind: str, name: str, principal: str) -> str:
    return f"GRANT {', '.join(privileges)} ON {kind} {dotted(name)} TO {quote(principal)}"


def create_schema(catalog: str, schema: str) -> str:
    return f"CREATE SCHEMA IF NOT EXISTS {quote(catalog)}.{quote(schema)}"


def create_volume(catalog: str, schema: str, volume: str) -> str:
    return f"CREATE VOLUME IF NOT EXISTS {qualified(catalog, schema, volume)}"


def column_list(columns: Sequence[tuple[str, str]]) -> str:
    return ", ".join(f"{quote(name)} {sql_type}" for name, sql_type in columns)


def create_table(table: str, columns: Sequence[tuple[str, str]]) -> str:
    return f"CREATE TABLE IF NOT EXISTS {table} ({column_list(columns)}) USING DELTA"


def drop_table(table: str) -> str:
    return f"DROP TABLE IF EXISTS {table}"


def add_columns(table: str, columns: Sequence[tuple[str, str]]) -> str:
    return f"ALTER TABLE {table} ADD COLUMNS ({column_list(columns)})"


def describe(table: str) -> str:
    return f"DESCRIBE TABLE {table}"


def read_staged(path: str, columns: Sequence[str], where: str = "") -> str:
    cols = ", ".join(quote(c) for c in columns)
    condition = f" WHERE {where}" if where else ""
    return f"SELECT {cols} FROM read_files({literal(path)}, format => 'parquet'){condition}"


def deletes_only(deletes: bool | None) -> str:
    """The source filter of one half of a split MERGE: delete records only (True), the rest (False), all."""
    if deletes is None:
        return ""
    return f"{quote(DELETED)} IS {'NOT NULL' if deletes else 'NULL'}"


def newest_source(path: str, columns: Sequence[str], spec: MergeSpec, where: str = "") -> str:
    """The staged batch, one row per key: the newest version (the batch is deduped already; this guards)."""
    partition = ", ".join(quote(k) for k in spec.keys)
    order = (
        ", ".join(
            (f"CAST({quote(v)} AS {spec.casts[v]})" if v in spec.casts else quote(v)) + " DESC NULLS LAST"
            for v in spec.versions
        )
        or "1"
    )
    return (
        f"{read_staged(path, columns, where)} "
        f"QUALIFY ROW_NUMBER() OVER (PARTITION BY {partition} ORDER BY {order}) = 1"
    )


def merge(table: str, path: str, columns: Sequence[str], spec: MergeSpec, deletes: bool | None = None) -> str:
    """One MERGE: deletes (hard or soft) and updates only when the source version is not older.

    `deletes` restricts the source to delete records (True) or to the others (False): a soft delete is
    an UPDATE to Delta, so the target runs the two halves apart to count soft deletes as deletes.
    """
    guard = version_guard(spec)
    on = key_match(spec.keys)
    assignments = ", ".join(f"t.{quote(c)} = s.{quote(c)}" for c in columns)
    names = ", ".join(quote(c) for c in columns)
    values = ", ".join(f"s.{quote(c)}" for c in columns)
    clauses = []
    if DELETED in columns:
        deleted = deleted_condition(spec)
        clauses.append(
            f"WHEN MATCHED AND {deleted} THEN "
            + ("DELETE" if spec.hard_delete else f"UPDATE SET {soft_delete_assignments(spec)}")
        )
    clauses.append(f"WHEN MATCHED AND {guard} THEN UPDATE SET {assignments}")
    condition = insert_condition(spec) if DELETED in columns else None
    insert_if = f" AND {condition}" if condition else ""
    clauses.append(f"WHEN NOT MATCHED{insert_if} THEN INSERT ({names}) VALUES ({values})")
    source = newest_source(path, columns, spec, deletes_only(deletes))
    return f"MERGE INTO {table} AS t USING ({source}) AS s ON {on} " + " ".join(clauses)


def key_match(keys: Sequence[str], q: Quote = quote, ranges: Sequence[str] = ()) -> str:
    """The MERGE's ON clause: keys equal (plus optional range terms that only help file skipping)."""
    return " AND ".join([f"t.{q(k)} = s.{q(k)}" for k in keys] + list(ranges))


def key_range(key: str, low: str | int, high: str | int, q: Quote = quote) -> str:
    """`t.key BETWEEN low AND high`, with literals in DataFusion's form (no backslash escapes)."""
    return f"t.{q(key)} BETWEEN {plain_literal(low)} AND {plain_literal(high)}"


def plain_literal(value: str | int) -> str:
    """A literal without backslash escapes: DataFusion's form (delta-rs predicates)."""
    return str(value) if isinstance(value, int) else "'" + value.replace("'", "''") + "'"


def deleted_condition(spec: MergeSpec, q: Quote = quote) -> str:
    """When a source delete applies to the stored row: flagged and at least as new (ties go to the delete)."""
    return f"s.{q(DELETED)} IS NOT NULL AND {version_guard(spec, q, delete=True)}"


def insert_condition(spec: MergeSpec, q: Quote = quote) -> str | None:
    """With hard deletes, an unknown deleted key is not inserted."""
    return f"s.{q(DELETED)} IS NULL" if spec.hard_delete else None


def soft_delete_updates(spec: MergeSpec, q: Quote = quote) -> list[tuple[str, str]]:
    """A soft delete keeps the row's data: only the flag and the (non-null) versions move."""
    updates = [(DELETED, f"s.{q(DELETED)}")]
    updates += [(v, f"COALESCE(s.{q(v)}, t.{q(v)})") for v in spec.versions if v != DELETED]
    return updates


def soft_delete_assignments(spec: MergeSpec) -> str:
    return ", ".join(f"t.{quote(column)} = {expression}" for column, expression in soft_delete_updates(spec))


def insert_staged(table: str, path: str, columns: Sequence[str]) -> str:
    names = ", ".join(quote(c) for c in columns)
    return f"INSERT INTO {table} ({names}) {read_staged(path, columns)}"


def replace_with_staged(table: str, path: str, columns: Sequence[str]) -> str:
    """Atomic overwrite: readers see the old table or the new one, never an empty one."""
    return f"CREATE OR REPLACE TABLE {table} USING DELTA AS {read_staged(path, columns)}"


def older_versions(version: int, q: Quote = quote) -> str:
    """Rows of a full-table version older than `version` (ACTIVATE_VERSION)."""
    return f"({q(TABLE_VERSION)} < {int(version)} OR {q(TABLE_VERSION)} IS NULL)"


def retire_predicate(version: int, q: Quote = quote) -> str:
    """Rows a soft retire flags: older versions not flagged yet."""
    return f"{older_versions(version, q)} AND {q(DELETED)} IS NULL"


def retire_versions(table: str, version: int, hard_delete: bool) -> str:
    """After ACTIVATE_VERSION: rows not re-sent in the active version are deleted or flagged."""
    if hard_delete:
        return f"DELETE FROM {table} WHERE {older_versions(version)}"
    return f"UPDATE {table} SET {quote(DELETED)} = current_timestamp() WHERE {retire_predicate(version)}"


def insert_missing(table: str, path: str, columns: Sequence[str], keys: Sequence[str]) -> str:
    """An append that is safe to run twice (a retry after a lost reply): rows whose key is already in
    the table are skipped. Keyless streams use the target's unique `_sdc_sequence` as the key."""
    names = ", ".join(quote(c) for c in columns)
    values = ", ".join(f"s.{quote(c)}" for c in columns)
    return (
        f"MERGE INTO {table} AS t USING ({read_staged(path, columns)}) AS s ON {key_match(keys)} "
        f"WHEN NOT MATCHED THEN INSERT ({names}) VALUES ({values})"
    )


def insert_missing_rows(
    table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]], keys: Sequence[str]
) -> str:
    """Literal rows inserted once per key (audit rows keyed by run, batch and status): idempotent."""
    selects = " UNION ALL ".join(
        "SELECT " + ", ".join(f"{literal(v)} AS {quote(c)}" for v, c in zip(row, columns, strict=True))
        for row in rows
    )
    names = ", ".join(quote(c) for c in columns)
    values = ", ".join(f"s.{quote(c)}" for c in columns)
    return (
        f"MERGE INTO {table} AS t USING ({selects}) AS s ON {key_match(keys)} "
        f"WHEN NOT MATCHED THEN INSERT ({names}) VALUES ({values})"
    )


def select_where(table: str, column: str, value: str) -> str:
    return f"SELECT * FROM {table} WHERE {quote(column)} = {literal(value)}"


def put(local_path: str, volume_path: str) -> str:
    return f"PUT {literal(local_path)} INTO {literal(volume_path)} OVERWRITE"


def remove(volume_path: str) -> str:
    return f"REMOVE {literal(volume_path)}"
