"""DESCRIBE TABLE [EXTENDED] [AS JSON], SHOW TABLE EXTENDED, SHOW VIEWS and SHOW TBLPROPERTIES: the shapes
Databricks returns (and dbt-databricks parses), from duckdb's columns and the recorded relation metadata."""

from __future__ import annotations

import json
from typing import Any

import pyarrow as pa

from .catalog import Catalog
from .relations import Relation
from .types import sql_type

Parts = tuple[str, str, str]
STRINGS = ("col_name", "data_type", "comment")


def _kind(cat: Catalog, parts: Parts) -> str:
    cat.require_table(*parts)
    return next(k for c, s, t, k in cat.tables() if (c, s, t) == parts)


def _time(relation: Relation, altered: bool = False) -> str:
    moment = relation.altered if altered else relation.created
    return moment.strftime("%a %b %d %H:%M:%S UTC %Y")


def table(cat: Catalog, parts: Parts, extended: bool) -> pa.Table:
    """Column rows; with EXTENDED, a blank row and the `# Detailed Table Information` section after them."""
    kind = _kind(cat, parts)
    fields = list(cat.arrow_schema(*parts))
    rows: list[tuple[str, str, str | None]] = [(f.name, sql_type(f.type), None) for f in fields]
    if extended:
        relation = cat.relation(*parts, kind)
        rows += [("", "", ""), ("# Detailed Table Information", "", "")]
        rows += [(k, v, "") for k, v in _details(parts, kind, relation)]
    return pa.table({name: pa.array([r[i] for r in rows], pa.string()) for i, name in enumerate(STRINGS)})


def _details(parts: Parts, kind: str, relation: Relation) -> list[tuple[str, str]]:
    out = [
        ("Catalog", parts[0]), ("Database", parts[1]), ("Table", parts[2]), ("Created Time", _time(relation)),
        ("Last Access", "UNKNOWN"), ("Created By", "Spark "), ("Type", kind),
    ]  # fmt: skip
    if relation.comment:
        out.append(("Comment", relation.comment))
    if kind == "VIEW":
        return [*out, ("View Text", relation.view_text or ""), ("Owner", relation.owner)]
    properties = ",".join(f"{k}={v}" for k, v in sorted(relation.properties.items()))
    return [*out, ("Provider", "delta"), ("Owner", relation.owner), ("Is_managed_location", "true"),
            ("Table Properties", f"[{properties}]")]  # fmt: skip


def as_json(cat: Catalog, parts: Parts) -> pa.Table:
    """`DESCRIBE TABLE EXTENDED … AS JSON`: one `json_metadata` string (Spark's DESCRIBE AS JSON schema)."""
    kind = _kind(cat, parts)
    relation = cat.relation(*parts, kind)
    doc: dict[str, Any] = {
        "table_name": parts[2], "catalog_name": parts[0], "schema_name": parts[1], "namespace": [parts[1]],
        "type": kind,
        "columns": [
            {"name": f.name, "type": type_json(f.type), "nullable": f.nullable}
            for f in cat.arrow_schema(*parts)
        ],
        "owner": relation.owner, "created_time": relation.created.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "last_access": "UNKNOWN", "created_by": "Spark ",
    }  # fmt: skip
    if relation.comment:
        doc["comment"] = relation.comment
    if kind == "VIEW":
        doc["view_text"] = relation.view_text or ""
    else:
        doc.update(provider="delta", table_properties=dict(sorted(relation.properties.items())))
    return pa.table({"json_metadata": pa.array([json.dumps(doc)], pa.string())})


def type_json(t: pa.DataType) -> dict[str, Any]:
    """A column type in DESCRIBE AS JSON's form, e.g. {"name": "decimal", "precision": 38, "scale": 9}."""
    if pa.types.is_decimal(t):
        return {"name": "decimal", "precision": t.precision, "scale": t.scale}
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        return {"name": "array", "element_type": type_json(t.value_type), "element_nullable": True}
    if pa.types.is_struct(t):
        fields = [{"name": f.name, "type": type_json(f.type), "nullable": True} for f in t]
        return {"name": "struct", "fields": fields}
    if pa.types.is_map(t):
        return {"name": "map", "key_type": type_json(t.key_type), "value_type": type_json(t.item_type),
                "value_nullable": True}  # fmt: skip
    if pa.types.is_timestamp(t):
        return {"name": "timestamp_ltz" if t.tz else "timestamp_ntz"}
    return {"name": sql_type(t)}


def show_table_extended(cat: Catalog, catalog: str, schema: str, pattern: str) -> pa.Table:
    """`SHOW TABLE EXTENDED IN schema LIKE 'pattern'`: one row per match with its `information` text."""
    from .metadata import matches  # the JDBC-style pattern (`*` and `%` match any run)

    cat.require_schema(catalog, schema)
    rows = []
    for c, s, t, kind in cat.tables():
        if (c, s) == (catalog, schema) and matches(pattern.replace("*", "%"), t):
            relation = cat.relation(c, s, t, kind)
            details = "\n".join(f"{k}: {v}" for k, v in _details((c, s, t), kind, relation))
            fields = cat.arrow_schema(c, s, t)
            tree = "\n".join(f" |-- {f.name}: {sql_type(f.type)} (nullable = true)" for f in fields)
            rows.append((s, t, False, f"{details}\nSchema: root\n{tree}\n"))
    return pa.table({
        "database": pa.array([r[0] for r in rows], pa.string()),
        "tableName": pa.array([r[1] for r in rows], pa.string()),
        "isTemporary": pa.array([r[2] for r in rows], pa.bool_()),
        "information": pa.array([r[3] for r in rows], pa.string()),
    })  # fmt: skip


def show_views(cat: Catalog, catalog: str, schema: str) -> pa.Table:
    cat.require_schema(catalog, schema)
    names = [t for c, s, t, kind in cat.tables() if (c, s) == (catalog, schema) and kind == "VIEW"]
    return pa.table({
        "namespace": pa.array([schema] * len(names), pa.string()),
        "viewName": pa.array(names, pa.string()),
        "isTemporary": pa.array([False] * len(names), pa.bool_()),
    })  # fmt: skip


def show_tblproperties(cat: Catalog, parts: Parts) -> pa.Table:
    properties = sorted(cat.relation(*parts, _kind(cat, parts)).properties.items())
    return pa.table({
        "key": pa.array([k for k, _ in properties], pa.string()),
        "value": pa.array([v for _, v in properties], pa.string()),
    })  # fmt: skip
