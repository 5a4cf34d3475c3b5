"""Statements sqlglot keeps as opaque commands: catalogs, volumes, SHOW, and Delta maintenance no-ops."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

import pyarrow as pa

from . import errors, grants
from .translate import Namespace

if TYPE_CHECKING:
    from .engine import Engine

_NAME = r"`?([\w-]+)`?"
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
    return pa.table({"databaseName": pa.array(engine.catalog.schemas(catalog), pa.string())})


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
    (rf"^SHOW\s+(?:SCHEMAS|DATABASES)(?:\s+(?:IN|FROM)\s+{_NAME})?", _show_schemas),
    (rf"^SHOW\s+TABLES(?:\s+(?:IN|FROM)\s+{_QUALIFIED})?", _show_tables),
    (rf"^SHOW\s+COLUMNS\s+(?:IN|FROM)\s+{_QUALIFIED}", _show_columns),
]
