"""Unity Catalog's information_schema views over the emulator's catalog, with Databricks' column names.

`tables` has every column Databricks documents (TABLE_TYPE `MANAGED` or `VIEW`, DATA_SOURCE_FORMAT `DELTA`,
or `UNKNOWN_DATA_SOURCE_FORMAT` for a view); `columns`, `schemata`, `catalogs`, `volumes` and `views` carry
the columns listed here only (KNOWN-DIFFERENCES.md)."""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from . import errors
from .catalog import Catalog
from .translate import quoted_name
from .types import sql_type

INT_COLUMNS = frozenset({"ordinal_position", "numeric_precision", "numeric_scale"})
TIME_COLUMNS = frozenset({"created", "last_altered"})
TABLES = [
    "table_catalog", "table_schema", "table_name", "table_type", "is_insertable_into", "commit_action",
    "table_owner", "comment", "created", "created_by", "last_altered", "last_altered_by",
    "data_source_format", "storage_path", "storage_sub_directory",
]  # fmt: skip
COLUMNS = [
    "table_catalog", "table_schema", "table_name", "column_name", "ordinal_position", "data_type",
    "full_data_type", "is_nullable", "numeric_precision", "numeric_scale", "comment",
]  # fmt: skip


def view(cat: Catalog, name: str, catalog: str | None) -> pa.Table:
    """Databricks' information_schema view `name`, limited to `catalog` (None: system, all catalogs)."""
    builders = {
        "tables": _tables, "columns": _columns, "schemata": _schemata, "catalogs": _catalogs,
        "volumes": _volumes, "views": _views,
    }  # fmt: skip
    if name not in builders:
        raise errors.table_not_found(quoted_name(catalog or "system", "information_schema", name))
    return builders[name](cat, catalog)


def _tables(cat: Catalog, catalog: str | None) -> pa.Table:
    rows = []
    for c, s, t, kind in cat.tables():
        if catalog not in (None, c):
            continue
        rel = cat.relation(c, s, t, kind)
        view = kind == "VIEW"
        fmt = "UNKNOWN_DATA_SOURCE_FORMAT" if view else "DELTA"
        rows.append((
            c, s, t, kind, "NO" if view else "YES", "PRESERVE", rel.owner, rel.comment, rel.created,
            rel.owner,
            rel.altered, rel.owner, fmt, None, None,
        ))  # fmt: skip
    return _table(TABLES, rows)


def _views(cat: Catalog, catalog: str | None) -> pa.Table:
    rows = [
        (c, s, t, cat.relation(c, s, t, kind).view_text)
        for c, s, t, kind in cat.tables()
        if kind == "VIEW" and catalog in (None, c)
    ]
    return _table(["table_catalog", "table_schema", "table_name", "view_definition"], rows)


def _columns(cat: Catalog, catalog: str | None) -> pa.Table:
    rows: list[tuple[Any, ...]] = []
    for c, s, t, _ in cat.tables():
        if catalog not in (None, c):
            continue
        for pos, f in enumerate(cat.arrow_schema(c, s, t)):
            precision = f.type.precision if pa.types.is_decimal(f.type) else None
            scale = f.type.scale if pa.types.is_decimal(f.type) else None
            base = sql_type(f.type).split("<")[0].split("(")[0].upper()
            rows.append((c, s, t, f.name, pos, base, sql_type(f.type), "YES", precision, scale, None))
    return _table(COLUMNS, rows)


def _schemata(cat: Catalog, catalog: str | None) -> pa.Table:
    rows = [(c, s) for c in cat.catalogs() if catalog in (None, c) for s in cat.schemas(c)]
    rows += [(c, "information_schema") for c in cat.catalogs() if catalog in (None, c)]
    return _table(["catalog_name", "schema_name"], sorted(rows))


def _catalogs(cat: Catalog, catalog: str | None) -> pa.Table:
    return _table(["catalog_name"], [(c,) for c in cat.catalogs() if catalog in (None, c)])


def _volumes(cat: Catalog, catalog: str | None) -> pa.Table:
    rows = [(*v, "MANAGED") for v in sorted(cat.volumes) if catalog in (None, v[0])]
    return _table(["volume_catalog", "volume_schema", "volume_name", "volume_type"], rows)


def _type(name: str) -> pa.DataType:
    if name in INT_COLUMNS:
        return pa.int32()
    return pa.timestamp("us", tz="UTC") if name in TIME_COLUMNS else pa.string()


def _table(names: list[str], rows: list[tuple[Any, ...]]) -> pa.Table:
    return pa.table({name: pa.array([r[i] for r in rows], _type(name)) for i, name in enumerate(names)})


