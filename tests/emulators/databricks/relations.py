"""What Unity Catalog records about each table and view beyond its columns: owner, times, comment,
TBLPROPERTIES and a view's text. duckdb keeps none of it, so the engine records it on CREATE, ALTER and DROP,
and information_schema, SHOW TABLE EXTENDED and DESCRIBE TABLE EXTENDED read it from here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlglot import exp

from .grants import METASTORE_OWNER

Parts = tuple[str, str, str]
# Delta's table properties on a new managed table, as DESCRIBE TABLE EXTENDED lists them.
DELTA_DEFAULTS = {"delta.minReaderVersion": "1", "delta.minWriterVersion": "2"}


@dataclass
class Relation:
    owner: str
    created: datetime
    is_view: bool = False
    comment: str | None = None
    properties: dict[str, str] = field(default_factory=dict)
    view_text: str | None = None
    last_altered: datetime | None = None

    @property
    def altered(self) -> datetime:
        return self.last_altered or self.created


class Relations:
    """Metadata by (catalog, schema, name); callers hold the engine lock."""

    def __init__(self) -> None:
        self.by_name: dict[Parts, Relation] = {}

    def get(self, parts: Parts) -> Relation | None:
        return self.by_name.get(parts)

    def created(self, parts: Parts, tree: exp.Create, owner: str, now: float) -> None:
        """Record CREATE [OR REPLACE] TABLE/VIEW: a replaced table keeps its owner and creation time."""
        at = datetime.fromtimestamp(now, UTC)
        is_view = (tree.kind or "").upper() == "VIEW"
        previous = self.by_name.get(parts)
        keep = previous is not None and tree.args.get("replace") and previous.is_view == is_view
        relation = Relation(
            owner=previous.owner if keep and previous else owner or METASTORE_OWNER,
            created=previous.created if keep and previous else at,
            is_view=is_view,
            comment=_comment(tree),
            properties={} if is_view else {**DELTA_DEFAULTS, **table_properties(tree)},
            view_text=tree.expression.sql("databricks") if is_view and tree.expression else None,
            last_altered=at if keep else None,
        )
        self.by_name[parts] = relation

    def ensure(self, parts: Parts, is_view: bool, owner: str, now: float) -> Relation:
        """A relation made outside SQL (e.g. seeded straight into duckdb) gets default metadata."""
        if parts not in self.by_name:
            at = datetime.fromtimestamp(now, UTC)
            self.by_name[parts] = Relation(
                owner or "unknown", at, is_view, properties={} if is_view else dict(DELTA_DEFAULTS)
            )
        return self.by_name[parts]

    def altered(self, parts: Parts, properties: dict[str, str], unset: list[str], now: float) -> None:
        relation = self.by_name.get(parts)
        if relation is None:
            return
        relation.properties.update(properties)
        for key in unset:
            relation.properties.pop(key, None)
        relation.last_altered = datetime.fromtimestamp(now, UTC)

    def commented(self, parts: Parts, comment: str | None, now: float) -> None:
        if relation := self.by_name.get(parts):
            relation.comment = comment
            relation.last_altered = datetime.fromtimestamp(now, UTC)

    def dropped(self, parts: Parts) -> None:
        self.by_name.pop(parts, None)

    def dropped_schema(self, catalog: str, schema: str) -> None:
        self.by_name = {k: v for k, v in self.by_name.items() if k[:2] != (catalog, schema)}


def table_properties(tree: exp.Expr) -> dict[str, str]:
    """`TBLPROPERTIES ('k' = 'v', ...)` of a CREATE or ALTER ... SET TBLPROPERTIES, as strings."""
    out: dict[str, str] = {}
    for prop in tree.find_all(exp.Property):
        if type(prop) is not exp.Property:  # USING DELTA, COMMENT, ... are subclasses
            continue
        key = prop.this.name if isinstance(prop.this, exp.Expr) else str(prop.this)
        value = prop.args.get("value")
        out[key] = value.name if isinstance(value, exp.Literal) else (value.sql() if value else "")
    return out


def _comment(tree: exp.Create) -> str | None:
    props = tree.args.get("properties")
    found = props.find(exp.SchemaCommentProperty) if props else None
    return found.this.name if found else None
