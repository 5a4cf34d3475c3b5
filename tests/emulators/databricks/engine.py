"""The SQL engine: Databricks statements executed on duckdb, with Databricks' result shapes and errors."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
from sqlglot import exp

from . import describe, errors, information_schema, merge, translate
from .catalog import Catalog
from .clock import Clock
from .commands import run_command
from .relations import table_properties
from .staging import VolumeStore, parse_staging
from .translate import Namespace, Param, quoted_name

EMPTY = pa.table({})
# Governance and maintenance statements that sqlglot parses but that change nothing a test can observe.
NO_OP_EXPRESSIONS = frozenset({"Analyze", "Comment", "Refresh", "Cache", "Uncache", "Optimize"})


@dataclass
class Result:
    table: pa.Table
    num_modified_rows: int | None = None
    is_staging: bool = False


class Engine:
    """One duckdb connection behind a lock: Delta has no multi-statement transactions, so neither do we."""

    def __init__(self, volume_root: Path, clock: Clock) -> None:
        self.conn = duckdb.connect(":memory:")
        self.conn.execute("SET TimeZone = 'UTC'")
        self.lock = threading.RLock()
        self._registered: list[str] = []
        self.clock = clock
        self.catalog = Catalog(self.conn, clock)
        self.volumes = VolumeStore(volume_root, clock, self.catalog.volumes)
        self.catalog.create_catalog("main", if_not_exists=True)
        self.conn.execute(f'CREATE SCHEMA "{translate.duck_catalog("main")}"."default"')

    def execute(self, sql: str, ns: Namespace, params: list[Param] | None = None) -> Result:
        with self.lock:
            try:
                return self._execute(sql, ns, params or [])
            except duckdb.Error as exc:
                raise _map_duckdb_error(exc) from exc
            finally:
                while self._registered:
                    self.conn.unregister(self._registered.pop())

    def _execute(self, sql: str, ns: Namespace, params: list[Param]) -> Result:
        text = translate.strip_leading_comments(sql)  # SHOW, PUT, SET: matched as text, after dbt's comment
        staging = parse_staging(text)
        if staging is not None:
            return Result(self.volumes.command_result(staging), is_staging=True)
        tree = translate.bind_parameters(translate.parse(sql), params)
        if isinstance(tree, exp.Command | exp.Grant | exp.Revoke):  # sqlglot parses some GRANTs, not all
            return Result(run_command(self, text, ns))
        if isinstance(tree, exp.Use):
            return Result(self._use(tree, ns))
        if isinstance(tree, exp.Describe) and isinstance(tree.this, exp.Table):
            return Result(self._describe(tree, ns))
        if isinstance(tree, exp.Set):
            return Result(_set_result(text))
        if isinstance(tree, exp.Comment) and (tree.args.get("kind") or "").upper() in ("TABLE", "VIEW"):
            return Result(self._comment(tree, ns))
        if type(tree).__name__ in NO_OP_EXPRESSIONS:
            return Result(EMPTY)
        if isinstance(tree, exp.Copy):
            raise errors.unsupported("COPY INTO (stage files in a Volume and MERGE from read_files instead)")
        if isinstance(tree, exp.Create | exp.Drop) and (tree.kind or "").upper() in ("SCHEMA", "DATABASE"):
            return Result(self._schema_ddl(tree, ns))
        return self._run_sql(tree, ns)

    def _describe(self, tree: exp.Describe, ns: Namespace) -> pa.Table:
        """DESCRIBE [TABLE] [EXTENDED|FORMATTED] t [AS JSON]; DESCRIBE HISTORY needs a Delta log we lack."""
        style = (tree.args.get("style") or "").upper()
        parts = translate.table_parts(tree.this, ns)
        if style == "HISTORY":
            raise errors.unsupported("DESCRIBE HISTORY (no Delta transaction log)")
        if tree.args.get("as_json"):
            return describe.as_json(self.catalog, parts)
        return describe.table(self.catalog, parts, extended=style in ("EXTENDED", "FORMATTED"))

    def _comment(self, tree: exp.Comment, ns: Namespace) -> pa.Table:
        """COMMENT ON TABLE t IS 'text' (or NULL): kept for DESCRIBE and information_schema."""
        parts = translate.table_parts(tree.this, ns)
        self.catalog.require_table(*parts)
        text = tree.expression.name if isinstance(tree.expression, exp.Literal) else None
        self.catalog.relations.commented(parts, text, self.clock.now())
        return EMPTY

    def _schema_ddl(self, tree: exp.Create | exp.Drop, ns: Namespace) -> pa.Table:
        ref = tree.this if isinstance(tree, exp.Create) else (tree.args.get("tables") or [tree.this])[0]
        catalog, schema = translate.schema_ref(ref, ns)
        self.catalog.require_catalog(catalog)
        exists = schema in self.catalog.schemas(catalog)
        if isinstance(tree, exp.Create) and exists and not tree.args.get("exists"):
            raise errors.already_exists("schema", quoted_name(catalog, schema))
        if isinstance(tree, exp.Drop) and not exists and not tree.args.get("exists"):
            raise errors.schema_not_found(quoted_name(catalog, schema))
        if isinstance(tree, exp.Create):
            self.conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{translate.duck_catalog(catalog)}"."{schema}"')
            self.catalog.grants.own("SCHEMA", (catalog, schema), ns.user)
            return EMPTY
        in_schema = [t for t in self.catalog.tables() if t[:2] == (catalog, schema)]
        if in_schema and not tree.args.get("cascade"):
            raise errors.SqlError(
                "SCHEMA_NOT_EMPTY",
                f"Cannot drop a schema {quoted_name(catalog, schema)} "
                "because it contains objects. Use DROP SCHEMA ... CASCADE.",
                "2BP01",
            )
        self.conn.execute(f'DROP SCHEMA IF EXISTS "{translate.duck_catalog(catalog)}"."{schema}" CASCADE')
        self.catalog.grants.disown("SCHEMA", (catalog, schema))
        self.catalog.relations.dropped_schema(catalog, schema)
        self.catalog.volumes.difference_update(
            {v for v in self.catalog.volumes if v[:2] == (catalog, schema)}
        )
        return EMPTY

    def _use(self, tree: exp.Use, ns: Namespace) -> pa.Table:
        kind = ((tree.args.get("kind") and tree.args["kind"].name) or "").upper()
        target = tree.this
        if kind == "CATALOG":
            self.catalog.require_catalog(target.name.lower())
            ns.catalog, ns.schema = target.name.lower(), "default"
        else:
            catalog, schema = translate.schema_ref(target, ns)
            self.catalog.require_schema(catalog, schema)
            ns.catalog, ns.schema = catalog, schema
        return EMPTY

    def _run_sql(self, tree: exp.Expr, ns: Namespace) -> Result:
        original = tree.copy()
        tree = translate.ansi_division(translate.replace_session_functions(tree, ns))
        tree = translate.date_sequences(tree)
        translate.rewrite_read_files(tree, self.volumes.local_path)
        self._resolve_tables(tree, ns)
        if isinstance(tree, exp.Merge):
            return self._merge(tree)
        if isinstance(tree, exp.Alter):
            assert isinstance(original, exp.Alter)
            return self._alter(tree, original, ns)
        if isinstance(tree, exp.Create | exp.Drop):
            tree.set("properties", None)
            self.conn.execute(translate.to_duckdb(tree))
            assert isinstance(original, exp.Create | exp.Drop)
            self._record_relation(original, ns)
            return Result(EMPTY)
        if isinstance(tree, exp.Insert | exp.Update | exp.Delete):
            return self._dml(tree)
        return Result(self.conn.sql(translate.to_duckdb(tree)).to_arrow_table())

    def _resolve_tables(self, tree: exp.Expr, ns: Namespace) -> None:
        """Check every referenced object exists (Databricks' errors) and map names to duckdb's."""
        for table in translate.real_tables(tree):
            catalog, schema, name = translate.table_parts(table, ns)
            if schema == "information_schema":
                self._bind_information_schema(table, catalog, name)
                continue
            self.catalog.require_schema(catalog, schema)
            creating = isinstance(tree, exp.Create) and table is tree.find(exp.Table)
            dropping = isinstance(tree, exp.Drop) and tree.args.get("exists")
            if (
                creating
                and self.catalog.has_table(catalog, schema, name)
                and not tree.args.get("exists")
                and not tree.args.get("replace")
            ):
                raise errors.already_exists("table", quoted_name(catalog, schema, name))
            if not creating and not dropping:
                self.catalog.require_table(catalog, schema, name)
            translate.map_table(table, ns)

    def _bind_information_schema(self, table: exp.Table, catalog: str, view: str) -> None:
        scope = None if catalog == "system" else catalog
        if scope is not None:
            self.catalog.require_catalog(scope)
        name = f"__information_schema_{catalog}_{view}"
        self.conn.register(name, information_schema.view(self.catalog, view, scope))
        self._registered.append(name)
        alias = table.alias or view
        table.set("catalog", None)
        table.set("db", None)
        table.set("this", exp.to_identifier(name, quoted=True))
        table.set("alias", exp.TableAlias(this=exp.to_identifier(alias)))

    def _merge(self, tree: exp.Merge) -> Result:
        target = tree.this
        target_schema = (
            self.conn.sql(f"SELECT * FROM {target.copy().sql('duckdb')} LIMIT 0").to_arrow_table().schema
        )
        using = tree.args["using"]
        source_sql = (
            using.this.sql("duckdb") if isinstance(using, exp.Subquery) else using.copy().sql("duckdb")
        )
        source_sql = source_sql if isinstance(using, exp.Subquery) else f"SELECT * FROM {source_sql}"
        source_schema = self.conn.sql(f"SELECT * FROM ({source_sql}) LIMIT 0").to_arrow_table().schema
        merge.expand_stars(tree, target_schema, source_schema)
        merge.unqualify_update_targets(tree)
        merge.check_duplicate_sources(self.conn, tree)
        table, affected = merge.run(self.conn, tree)
        return Result(table, affected)

    def _record_relation(self, original: exp.Create | exp.Drop, ns: Namespace) -> None:
        """Keep owner, times, comment, TBLPROPERTIES and view text of what was created or dropped."""
        kind = (original.kind or "").upper()
        target = original.this.this if isinstance(original.this, exp.Schema) else original.this
        if kind not in ("TABLE", "VIEW") or not isinstance(target, exp.Table):
            return
        parts = translate.table_parts(target, ns)
        if isinstance(original, exp.Create):
            self.catalog.relations.created(parts, original, ns.user, self.clock.now())
        else:
            self.catalog.relations.dropped(parts)

    def _alter(self, tree: exp.Alter, original: exp.Alter, ns: Namespace) -> Result:
        """`ADD COLUMNS (a T, b T)` adds several columns; duckdb takes one per statement."""
        table_sql = tree.this.sql("duckdb")
        existing = {
            f.name.lower()
            for f in self.conn.sql(f"SELECT * FROM {table_sql} LIMIT 0").to_arrow_table().schema
        }
        display = quoted_name(translate.dbx_catalog(tree.this.catalog) or "", tree.this.db, tree.this.name)
        actions = tree.args.get("actions") or []
        if all(isinstance(a, exp.AlterSet) for a in actions):  # SET TBLPROPERTIES: recorded, no duckdb effect
            parts = translate.table_parts(original.this, ns)
            self.catalog.relations.altered(parts, table_properties(original), [], self.clock.now())
            return Result(EMPTY)
        for action in actions:
            defs = action.expressions if isinstance(action, exp.Schema) else [action]
            if not all(isinstance(col, exp.ColumnDef) for col in defs):
                self.conn.execute(translate.to_duckdb(tree))
                return Result(EMPTY)
            for col in defs:
                if col.name.lower() in existing:
                    raise errors.column_exists(f"`{col.name}`", display)
                self.conn.execute(f"ALTER TABLE {table_sql} ADD COLUMN {col.sql('duckdb')}")
                existing.add(col.name.lower())
        return Result(EMPTY)

    def _dml(self, tree: exp.Insert | exp.Update | exp.Delete) -> Result:
        (count,) = self.conn.execute(translate.to_duckdb(tree)).fetchone() or (0,)
        columns = {"num_affected_rows": pa.array([count], pa.int64())}
        if isinstance(tree, exp.Insert):
            columns["num_inserted_rows"] = pa.array([count], pa.int64())
        return Result(pa.table(columns), int(count))


def _set_result(sql: str) -> pa.Table:
    """`SET key = value` echoes the pair, as Spark does; session settings have no effect on duckdb."""
    m = re.match(r"^\s*SET\s+(.+?)\s*=\s*(.*?)\s*;?\s*$", sql, re.I | re.S)
    key, value = (m.group(1), m.group(2).strip("'\"")) if m else (sql.strip()[3:].strip(), "")
    return pa.table({"key": [key], "value": [value]})


_DUCK_ERRORS: list[tuple[type[duckdb.Error], re.Pattern[str], str, str]] = [
    (
        duckdb.BinderException,
        re.compile(r'Referenced column "?([^"\s]+)"? not found', re.I),
        "UNRESOLVED_COLUMN.WITHOUT_SUGGESTION",
        "42703",
    ),
    (
        duckdb.ConversionException,
        re.compile(r"out of range|overflow|to DECIMAL", re.I),
        "NUMERIC_VALUE_OUT_OF_RANGE",
        "22003",
    ),
    (duckdb.ConversionException, re.compile(r".*"), "CAST_INVALID_INPUT", "22018"),
    (duckdb.OutOfRangeException, re.compile(r".*"), "NUMERIC_VALUE_OUT_OF_RANGE", "22003"),
    (duckdb.ParserException, re.compile(r".*"), "PARSE_SYNTAX_ERROR", "42601"),
    (duckdb.ConstraintException, re.compile(r".*"), "DELTA_NOT_NULL_CONSTRAINT_VIOLATED", "23502"),
]


def _map_duckdb_error(exc: duckdb.Error) -> errors.SqlError:
    text = str(exc).splitlines()[0]
    if raised := re.search(r"\[([A-Z_.]+)\] (.*) SQLSTATE: (\w+)$", text):  # errors the translation raises
        return errors.SqlError(raised.group(1), raised.group(2), raised.group(3))
    for kind, pattern, error_class, state in _DUCK_ERRORS:
        if isinstance(exc, kind) and (m := pattern.search(text)):
            if error_class.startswith("UNRESOLVED_COLUMN"):
                return errors.unresolved_column(f"`{m.group(1)}`")
            return errors.SqlError(error_class, text, state)
    return errors.SqlError("INTERNAL_ERROR", f"[emulator:duckdb] {text}", "XX000")
