"""Unity Catalog's three-level namespace over duckdb: catalogs are attached in-memory databases."""

from __future__ import annotations

import duckdb
import pyarrow as pa

from . import errors
from .clock import Clock
from .grants import METASTORE_OWNER, Grants
from .relations import Relation, Relations
from .translate import HIDDEN_SCHEMAS, dbx_catalog, duck_catalog, quoted_name


class Catalog:
    """Lookups and DDL on catalogs, schemas and tables; callers hold the engine lock."""

    def __init__(self, conn: duckdb.DuckDBPyConnection, clock: Clock) -> None:
        self.conn, self.clock = conn, clock
        self.relations = Relations()
        self.volumes: set[tuple[str, str, str]] = set()
        self.grants = Grants()

    def catalogs(self) -> list[str]:
        rows = self.conn.execute("SELECT database_name FROM duckdb_databases() ORDER BY 1").fetchall()
        return [name for (db,) in rows if (name := dbx_catalog(db))]

    def schemas(self, catalog: str) -> list[str]:
        rows = self.conn.execute(
            "SELECT schema_name FROM duckdb_schemas() WHERE database_name = ? ORDER BY 1",
            [duck_catalog(catalog)],
        ).fetchall()
        return [s for (s,) in rows if s not in HIDDEN_SCHEMAS]

    def tables(self) -> list[tuple[str, str, str, str]]:
        """(catalog, schema, table, Databricks table type) for every table and view."""
        rows = self.conn.execute(
            "SELECT database_name, schema_name, table_name, 'MANAGED' FROM duckdb_tables() "
            "UNION ALL SELECT database_name, schema_name, view_name, 'VIEW' FROM duckdb_views() "
            "WHERE NOT internal ORDER BY 1, 2, 3"
        ).fetchall()
        return [(c, s, t, k) for (db, s, t, k) in rows if (c := dbx_catalog(db)) and s not in HIDDEN_SCHEMAS]

    def require_catalog(self, catalog: str) -> None:
        if catalog not in self.catalogs():
            raise errors.catalog_not_found(catalog)

    def require_schema(self, catalog: str, schema: str) -> None:
        self.require_catalog(catalog)
        if schema not in self.schemas(catalog):
            raise errors.schema_not_found(quoted_name(catalog, schema))

    def has_table(self, catalog: str, schema: str, table: str) -> bool:
        return any(t[:3] == (catalog, schema, table) for t in self.tables())

    def require_table(self, catalog: str, schema: str, table: str) -> None:
        if not self.has_table(catalog, schema, table):
            raise errors.table_not_found(quoted_name(catalog, schema, table))

    def arrow_schema(self, catalog: str, schema: str, table: str) -> pa.Schema:
        name = f'"{duck_catalog(catalog)}"."{schema}"."{table}"'
        return self.conn.sql(f"SELECT * FROM {name} LIMIT 0").to_arrow_table().schema

    def create_catalog(self, name: str, if_not_exists: bool) -> None:
        if name in self.catalogs():
            if if_not_exists:
                return
            raise errors.already_exists("catalog", quoted_name(name))
        self.conn.execute(f"ATTACH ':memory:' AS \"{duck_catalog(name)}\"")

    def drop_catalog(self, name: str, if_exists: bool) -> None:
        if name not in self.catalogs():
            if if_exists:
                return
            raise errors.catalog_not_found(name)
        self.conn.execute(f'DETACH "{duck_catalog(name)}"')
        self.volumes.difference_update({v for v in self.volumes if v[0] == name})

    def create_volume(self, parts: tuple[str, str, str], if_not_exists: bool) -> None:
        self.require_schema(parts[0], parts[1])
        if parts in self.volumes:
            if if_not_exists:
                return
            raise errors.already_exists("volume", quoted_name(*parts))
        self.volumes.add(parts)

    def relation(self, catalog: str, schema: str, table: str, kind: str) -> Relation:
        """The relation's metadata; one made outside SQL (seeded straight into duckdb) gets defaults."""
        parts = (catalog, schema, table)
        return self.relations.ensure(parts, kind == "VIEW", METASTORE_OWNER, self.clock.now())
