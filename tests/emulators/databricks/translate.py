"""Databricks SQL → duckdb SQL: name resolution, parameters, read_files and the measured dialect fix-ups."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import sqlglot
from sqlglot import exp

from . import errors

# sqlglot warns about Delta-only properties (USING DELTA, TBLPROPERTIES) that duckdb has no use for.
logging.getLogger("sqlglot").setLevel(logging.ERROR)

CATALOG_PREFIX = "uc_"  # duckdb reserves `main`, `system`, `temp` and `memory` as database names
HIDDEN_SCHEMAS = frozenset({"main", "information_schema", "pg_catalog"})
READERS = {"parquet": "read_parquet", "json": "read_json_auto", "csv": "read_csv_auto"}


@dataclass
class Namespace:
    """A session's current catalog and schema (`USE CATALOG`, `USE SCHEMA`, OpenSession namespace)."""

    catalog: str = "main"
    schema: str = "default"
    user: str = ""  # the session's principal: a user name, or a service principal's application id


@dataclass(frozen=True)
class Param:
    """A named or positional statement parameter as the connector sends it: a SQL type and a string value."""

    name: str | None
    type: str
    value: str | None


def duck_catalog(name: str) -> str:
    return CATALOG_PREFIX + name.lower()


def dbx_catalog(duck_name: str) -> str | None:
    return duck_name[len(CATALOG_PREFIX) :] if duck_name.startswith(CATALOG_PREFIX) else None


def parse(sql: str) -> exp.Expr:
    try:
        trees = [t for t in sqlglot.parse(sql, read="databricks") if t is not None]
    except sqlglot.errors.ParseError as exc:
        raise errors.parse_error(str(exc).splitlines()[0]) from exc
    if len(trees) != 1:  # one statement per execute, as on a SQL warehouse
        raise errors.parse_error("empty statement" if not trees else "more than one statement")
    return trees[0]


_LEADING_COMMENT = re.compile(r"\s*(?:/\*.*?\*/|--[^\n]*(?:\n|$))", re.S)


def strip_leading_comments(sql: str) -> str:
    """The statement without the comments before it, e.g. dbt's `/* {"app": "dbt", ...} */` query comment."""
    while m := _LEADING_COMMENT.match(sql):
        sql = sql[m.end() :]
    return sql.strip()


def quoted_name(*parts: str) -> str:
    return ".".join(f"`{p}`" for p in parts)


def table_parts(table: exp.Table, ns: Namespace) -> tuple[str, str, str]:
    """(catalog, schema, table) in Databricks' lower-case form, defaults filled from the session."""
    catalog = table.catalog or ns.catalog
    schema = table.db or ns.schema
    return catalog.lower(), schema.lower(), table.name.lower()


def schema_ref(ref: exp.Expr, ns: Namespace) -> tuple[str, str]:
    """(catalog, schema) of `[catalog.]schema` as sqlglot parses it in SCHEMA DDL and in USE."""
    if isinstance(ref, exp.Table) and not ref.name:
        return (ref.catalog or ns.catalog).lower(), ref.db.lower()
    if isinstance(ref, exp.Table):
        return (ref.db or ns.catalog).lower(), ref.name.lower()
    return ns.catalog, ref.name.lower()


def is_table_function(table: exp.Table) -> bool:
    return isinstance(table.this, exp.Func)


def cte_names(tree: exp.Expr) -> set[str]:
    return {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}


def real_tables(tree: exp.Expr) -> list[exp.Table]:
    """Table references that name a stored table (not a CTE, not a table function)."""
    ctes = cte_names(tree)
    return [
        t
        for t in tree.find_all(exp.Table)
        if not is_table_function(t) and t.name and not (not t.db and t.name.lower() in ctes)
    ]


def map_table(table: exp.Table, ns: Namespace) -> tuple[str, str, str]:
    """Rewrite a reference in place to duckdb's fully qualified name; return the Databricks parts."""
    catalog, schema, name = table_parts(table, ns)
    table.set("catalog", exp.to_identifier(duck_catalog(catalog), quoted=True))
    table.set("db", exp.to_identifier(schema, quoted=True))
    table.set("this", exp.to_identifier(name, quoted=True))
    return catalog, schema, name


def bind_parameters(tree: exp.Expr, params: list[Param]) -> exp.Expr:
    named = {p.name.lower(): p for p in params if p.name}
    positional = iter([p for p in params if not p.name])

    def replace(node: exp.Expr) -> exp.Expr:
        if not isinstance(node, exp.Placeholder):
            return node
        key = node.name.lower() if node.name and node.name != "?" else None
        param = named.get(key) if key else next(positional, None)
        if param is None:
            raise errors.unbound_parameter(key or "?")
        return _literal(param)

    return tree.transform(replace)


def _literal(param: Param) -> exp.Expr:
    if param.value is None or param.type.upper() in ("VOID", "NULL"):
        return exp.Null()
    cast = sqlglot.parse_one(f"CAST(x AS {param.type})", read="databricks")
    assert isinstance(cast, exp.Cast)
    cast.set("this", exp.Literal.string(param.value))
    return cast


def rewrite_read_files(tree: exp.Expr, volume_path: Callable[[str], Path]) -> None:
    """`read_files('/Volumes/…', format => 'parquet')` → duckdb's reader over the emulator's local file."""
    for table in list(tree.find_all(exp.Table)):
        func = table.this
        if not (isinstance(func, exp.Anonymous) and func.name.lower() == "read_files"):
            continue
        args = [a for a in func.expressions if not isinstance(a, exp.Kwarg)]
        options = {
            k.this.name.lower(): k.expression.name for k in func.expressions if isinstance(k, exp.Kwarg)
        }
        if len(args) != 1 or not isinstance(args[0], exp.Literal):
            raise errors.parse_error("read_files expects one path literal")
        fmt = options.get("format", "parquet").lower()
        if fmt not in READERS:
            raise errors.unsupported(f"read_files format {fmt!r}")
        local: Path = volume_path(args[0].name)
        matched = list(local.parent.glob(local.name)) if "*" in local.name else [local] * local.exists()
        if not matched:
            raise errors.SqlError("PATH_NOT_FOUND", f"Path does not exist: {args[0].name}.", "42K03")
        target = str(local / "*") if local.is_dir() else str(local)
        table.set("this", exp.Anonymous(this=READERS[fmt], expressions=[exp.Literal.string(target)]))


def replace_session_functions(tree: exp.Expr, ns: Namespace) -> exp.Expr:
    def replace(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.CurrentCatalog):
            return _named_literal(ns.catalog, "current_catalog()", node)
        if isinstance(node, exp.CurrentSchema | exp.CurrentDatabase):
            return _named_literal(ns.schema, "current_schema()", node)
        if isinstance(node, exp.CurrentUser):
            return _named_literal(ns.user, "current_user()", node)
        return node

    return tree.transform(replace)


DIVIDE_BY_ZERO = (
    "[DIVIDE_BY_ZERO] Division by zero. Use `try_divide` to tolerate divisor being 0 and return NULL "
    "instead. SQLSTATE: 22012"
)


def ansi_division(tree: exp.Expr) -> exp.Expr:
    """Databricks SQL runs in ANSI mode: `x / 0` is an error, where duckdb returns inf or NULL."""

    def replace(node: exp.Expr) -> exp.Expr:
        if not isinstance(node, exp.Div):
            return node
        divisor = node.expression
        guarded = exp.Case(
            ifs=[
                exp.If(
                    this=exp.EQ(this=divisor.copy(), expression=exp.Literal.number(0)),
                    true=exp.Anonymous(this="error", expressions=[exp.Literal.string(DIVIDE_BY_ZERO)]),
                )
            ],
            default=divisor.copy(),
        )
        node.set("expression", guarded)
        return node

    return tree.transform(replace)


def date_sequences(tree: exp.Expr) -> exp.Expr:
    """Databricks' `sequence(DATE, DATE [, step])` is an ARRAY<DATE> stepping a day unless told otherwise;
    duckdb's generate_series over dates needs the step and yields timestamps."""

    def replace(node: exp.Expr) -> exp.Expr:
        if not (
            isinstance(node, exp.GenerateSeries)
            and _is_date(node.args.get("start"))
            and _is_date(node.args.get("end"))
        ):
            return node
        if node.args.get("step") is None:
            node.set("step", exp.Interval(this=exp.Literal.string("1"), unit=exp.var("DAY")))
        return exp.Cast(this=node, to=exp.DataType.build("ARRAY<DATE>"))

    return tree.transform(replace)


def _is_date(node: exp.Expr | None) -> bool:
    return node is not None and (
        node.is_type(exp.DType.DATE)
        or (isinstance(node, exp.Cast) and node.to.is_type(exp.DType.DATE))
        or isinstance(node, exp.TsOrDsToDate | exp.StrToDate | exp.CurrentDate)
    )


def _named_literal(value: str, name: str, node: exp.Expr) -> exp.Expr:
    """Spark names an unaliased function column after the call, e.g. `current_catalog()`."""
    literal = exp.Literal.string(value)
    return exp.alias_(literal, name, quoted=True) if isinstance(node.parent, exp.Select) else literal


def to_duckdb(tree: exp.Expr) -> str:
    return tree.sql(dialect="duckdb")
