"""Statements sqlglot keeps as opaque commands: catalogs, volumes, SHOW, and Delta maintenance no-ops."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

import pyarrow as pa

from . import describe, errors, grants
from .translate import Namespace

if TYPE_CHECKING:
    from .engine import Engine

_NAME = r"`?([\w-]+)`?"
_LIKE = r"(?:\s+(?:LIKE\s+)?'([^']*)')?"
_UNSET = r"UNSET\s+TBLPROPERTIES\s+(?:IF\s+EXISTS\s+)?\((.*)\)"
_QUALIFIED = r"((?:`[^`]+`|[\w-]+)(?:\.(?:`[^`]+`|[\w-]+))*)"
# Maintenance and governance statements change nothing an emulated test can observe.
NO_OPS = (
    "OPTIMIZE",
    "VACUUM",
    "ANALYZE",
    "COMMENT",
    "REFRESH",
    "MSCK",
    "CACHE",
    "UNCACHE",
)


def _parts(qualified: str) -> list[str]:
    return [p.strip("`").lower() for p in re.findall(r"`[^`]+`|[\w-]+", qualified)]


def run_command(engine: Engine, sql: str, ns: Namespace) -> pa.Table:
    """Run a statement sqlglot could only keep as text (it still parsed as Databricks SQL)."""
    text = sql.strip().rstrip(";").strip()
    for pattern, handler in _HANDLERS:
        if m := re.match(pattern, text, re.I | re.S):
            return handler(engine, m, ns)
    if text.split()[0].upper() in NO_OPS:
        return pa.table({})
    raise errors.unsupported(f"the statement {text.split()[0].upper()!r}")


def _create_catalog(engine: Engine, m: re.Match[str], ns: Namespace) -> pa.Table:
    engine.catalog.create_catalog(m.group(2).lower(), if_not_exists=bool(m.group(1)))
    engine.catalog.grants.own("CATALOG", (m.group(2).lower(),), ns.user)
    return pa.table({})


def _drop_catalog(engine: Engine, m: re.Match[str], ns: Namespace) -> pa.Table:
    engine.catalog.drop_catalog(m.group(2).lower(), if_exists=bool(m.group(1)))
    engine.catalog.grants.disown("CATALOG", (m.group(2).lower(),))
    return pa.table({})


def _volume_parts(qualified: str, ns: Namespace) -> tuple[str, str, str]:
    parts = _parts(qualified)
    full = [ns.catalog, ns.schema][: 3 - len(parts)] + parts
    return full[0], full[1], full[2]


def _create_volume(engine: Engine, m: re.Match[str], ns: Namespace) -> pa.Table:
    parts = _volume_parts(m.group(2), ns)
    engine.catalog.create_volume(parts, if_not_exists=bool(m.group(1)))
    engine.catalog.grants.own("VOLUME", parts, ns.user)
    engine.volumes.root.joinpath(*parts).mkdir(parents=True, exist_ok=True)
    return pa.table({})


def _drop_volume(engine: Engine, m: re.Match[str], ns: Namespace) -> pa.Table:
    parts = _volume_parts(m.group(2), ns)
    if parts not in engine.catalog.volumes and not m.group(1):
        raise errors.volume_not_found(".".join(f"`{p}`" for p in parts))
    engine.catalog.volumes.discard(parts)
    engine.catalog.grants.disown("VOLUME", parts)
    return pa.table({})


def _show_catalogs(engine: Engine, m: re.Match[str], ns: Namespace) -> pa.Table:
    return pa.table({"catalog": pa.array(engine.catalog.catalogs(), pa.string())})


def _show_schemas(engine: Engine, m: re.Match[str], ns: Namespace) -> pa.Table:
    catalog = (m.group(1) or ns.catalog).lower()
    engine.catalog.require_catalog(catalog)
    names = [s for s in engine.catalog.schemas(catalog) if _like(m.group(2), s)]
    return pa.table({"databaseName": pa.array(names, pa.string())})


def _like(pattern: str | None, name: str) -> bool:
    """SHOW ... LIKE 'pattern': `*` matches any run and `|` separates alternatives, case-insensitively."""
    if pattern is None:
        return True
    alternatives = [re.escape(p.strip()).replace(r"\*", ".*") for p in pattern.split("|")]
    return re.fullmatch("|".join(alternatives), name, re.I) is not None


def _schema_of(qualified: str, ns: Namespace) -> tuple[str, str]:
    parts = _parts(qualified)
    return (parts[0], parts[-1]) if len(parts) > 1 else (ns.catalog, parts[0])


def _show_table_extended(engine: Engine, m: re.Match[str], ns: Namespace) -> pa.Table:
    catalog, schema = _schema_of(m.group(1), ns) if m.group(1) else (ns.catalog, ns.schema)
    return describe.show_table_extended(engine.catalog, catalog, schema, m.group(2))


def _show_views(engine: Engine, m: re.Match[str], ns: Namespace) -> pa.Table:
    catalog, schema = _schema_of(m.group(1), ns) if m.group(1) else (ns.catalog, ns.schema)
    return describe.show_views(engine.catalog, catalog, schema)


def _unset_tblproperties(engine: Engine, m: re.Match[str], ns: Namespace) -> pa.Table:
    parts = _volume_parts(m.group(1), ns)
    engine.catalog.require_table(*parts)
    keys = [k.strip().strip("'\"`") for k in m.group(2).split(",") if k.strip()]
    engine.catalog.relations.altered(parts, {}, keys, engine.clock.now())
    return pa.table({})


def _show_tblproperties(engine: Engine, m: re.Match[str], ns: Namespace) -> pa.Table:
    parts = _volume_parts(m.group(1), ns)
    return describe.show_tblproperties(engine.catalog, parts)


def _show_tables(engine: Engine, m: re.Match[str], ns: Namespace) -> pa.Table:
    parts = _parts(m.group(1)) if m.group(1) else []
    catalog, schema = {0: (ns.catalog, ns.schema), 1: (ns.catalog, parts[-1] if parts else "")}.get(
        len(parts), (parts[0], parts[-1])
    )
    engine.catalog.require_schema(catalog, schema)
    names = [t for c, s, t, _ in engine.catalog.tables() if (c, s) == (catalog, schema)]
    return pa.table(
        {
            "database": pa.array([schema] * len(names), pa.string()),
            "tableName": pa.array(names, pa.string()),
            "isTemporary": pa.array([False] * len(names), pa.bool_()),
        }
    )


def _show_columns(engine: Engine, m: re.Match[str], ns: Namespace) -> pa.Table:
    parts = _parts(m.group(1))
    full = [ns.catalog, ns.schema][: 3 - len(parts)] + parts
    engine.catalog.require_table(full[0], full[1], full[2])
    fields = engine.catalog.arrow_schema(full[0], full[1], full[2])
    return pa.table({"col_name": pa.array([f.name for f in fields], pa.string())})


_Handler = Callable[["Engine", re.Match[str], Namespace], pa.Table]
_HANDLERS: list[tuple[str, _Handler]] = [
    (rf"^CREATE\s+CATALOG\s+(IF\s+NOT\s+EXISTS\s+)?{_NAME}", _create_catalog),
    (rf"^DROP\s+CATALOG\s+(IF\s+EXISTS\s+)?{_NAME}", _drop_catalog),
    (rf"^CREATE\s+(?:EXTERNAL\s+)?VOLUME\s+(IF\s+NOT\s+EXISTS\s+)?{_QUALIFIED}", _create_volume),
    (rf"^DROP\s+VOLUME\s+(IF\s+EXISTS\s+)?{_QUALIFIED}", _drop_volume),
    (grants.GRANT, grants.grant),
    (grants.REVOKE, grants.revoke),
    (grants.SHOW, grants.show),
    (r"^SHOW\s+CATALOGS", _show_catalogs),
    (rf"^SHOW\s+(?:SCHEMAS|DATABASES)(?:\s+(?:IN|FROM)\s+{_NAME})?{_LIKE}", _show_schemas),
    (rf"^SHOW\s+TABLE\s+EXTENDED(?:\s+(?:IN|FROM)\s+{_QUALIFIED})?\s+LIKE\s+'([^']*)'", _show_table_extended),
    (rf"^SHOW\s+VIEWS(?:\s+(?:IN|FROM)\s+{_QUALIFIED})?", _show_views),
    (rf"^SHOW\s+TBLPROPERTIES\s+{_QUALIFIED}", _show_tblproperties),
    (rf"^ALTER\s+(?:TABLE|VIEW)\s+{_QUALIFIED}\s+{_UNSET}", _unset_tblproperties),
    (rf"^SHOW\s+TABLES(?:\s+(?:IN|FROM)\s+{_QUALIFIED})?", _show_tables),
    (rf"^SHOW\s+COLUMNS\s+(?:IN|FROM)\s+{_QUALIFIED}", _show_columns),
]
