"""Delta MERGE semantics on duckdb: `*` actions by name, duplicate-source detection, Databricks' counts."""

from __future__ import annotations

from collections import Counter

import duckdb
import pyarrow as pa
from sqlglot import exp

from . import errors

RESULT_COLUMNS = ["num_affected_rows", "num_updated_rows", "num_deleted_rows", "num_inserted_rows"]


def _alias(node: exp.Expr) -> str:
    return node.alias_or_name


def _names(schema: pa.Schema) -> dict[str, str]:
    return {f.name.lower(): f.name for f in schema}


def expand_stars(merge: exp.Merge, target: pa.Schema, source: pa.Schema) -> None:
    """`UPDATE SET *` / `INSERT *` assign every target column from the same-named source column.

    Delta resolves by name (case-insensitively) and rejects a target column the source lacks; duckdb's own
    `*` would match by position, so the actions are spelled out.
    """
    src_alias, src_cols = _alias(merge.args["using"]), _names(source)
    for when in merge.args["whens"].expressions:
        then = when.args.get("then")
        star_update = isinstance(then, exp.Update) and any(isinstance(e, exp.Star) for e in then.expressions)
        star_insert = isinstance(then, exp.Insert) and isinstance(then.this, exp.Star)
        if not (star_update or star_insert):
            continue
        pairs = _pairs(target, src_alias, src_cols, "UPDATE" if star_update else "INSERT")
        if star_update:
            then.set("expressions", [exp.EQ(this=exp.column(t), expression=s) for t, s in pairs])
        else:
            when.set(
                "then",
                exp.Insert(
                    this=exp.Tuple(expressions=[t for t, _ in pairs]),
                    expression=exp.Tuple(expressions=[s for _, s in pairs]),
                ),
            )


def _pairs(
    target: pa.Schema, src_alias: str, src_cols: dict[str, str], clause: str
) -> list[tuple[exp.Identifier, exp.Column]]:
    """(target column, source column) for every target column, or Delta's unresolved-column error."""
    pairs = []
    for field in target:
        src = src_cols.get(field.name.lower())
        if src is None:
            raise errors.SqlError(
                "DELTA_MERGE_UNRESOLVED_EXPRESSION",
                f"Cannot resolve {src_alias}.{field.name} in {clause} clause given columns "
                f"{', '.join(f'{src_alias}.{c}' for c in src_cols.values())}.",
                "42601",
            )
        pairs.append((exp.to_identifier(field.name, quoted=True), exp.column(src, src_alias, quoted=True)))
    return pairs


def unqualify_update_targets(merge: exp.Merge) -> None:
    """`UPDATE SET t.col = …` is fine in Databricks; duckdb wants the bare column name."""
    for when in merge.args["whens"].expressions:
        then = when.args.get("then")
        if isinstance(then, exp.Update):
            for assignment in then.expressions:
                if isinstance(assignment, exp.EQ) and isinstance(assignment.this, exp.Column):
                    assignment.this.set("table", None)


def check_duplicate_sources(conn: duckdb.DuckDBPyConnection, merge: exp.Merge) -> None:
    """Delta refuses a MERGE where one target row matches several source rows (duckdb silently accepts it)."""
    matched = [w for w in merge.args["whens"].expressions if w.args.get("matched")]
    only_unconditional_delete = (
        len(matched) == 1
        and not matched[0].args.get("condition")
        and (
            isinstance(matched[0].args.get("then"), exp.Var)
            and matched[0].args["then"].name.upper() == "DELETE"
        )
    )
    if not matched or only_unconditional_delete:
        return
    target = merge.this.copy()
    target_alias = _alias(target)
    probe = (
        exp.select("1")
        .from_(target)
        .join(merge.args["using"].copy(), on=merge.args["on"].copy())
        .group_by(exp.column("rowid", target_alias))
        .having("COUNT(*) > 1")
        .limit(1)
    )
    if conn.execute(probe.sql("duckdb")).fetchall():
        raise errors.duplicate_merge_source()


def run(conn: duckdb.DuckDBPyConnection, merge: exp.Merge) -> tuple[pa.Table, int]:
    merge.set("returning", exp.Returning(expressions=[exp.column("merge_action")]))
    actions = Counter(str(action).upper() for (action,) in conn.execute(merge.sql("duckdb")).fetchall())
    updated, deleted, inserted = actions["UPDATE"], actions["DELETE"], actions["INSERT"]
    affected = updated + deleted + inserted
    values = [affected, updated, deleted, inserted]
    table = pa.table(
        {name: pa.array([v], pa.int64()) for name, v in zip(RESULT_COLUMNS, values, strict=True)}
    )
    return table, affected
