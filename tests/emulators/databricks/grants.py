"""Unity Catalog privileges: GRANT, REVOKE, SHOW GRANTS and ownership, recorded but not enforced.

The principal that creates a catalog, schema or volume owns it (`OWN`); objects the warehouse starts with
belong to `METASTORE_OWNER`. `SHOW GRANTS [principal] ON <CATALOG|SCHEMA|VOLUME|TABLE> name` lists the grants
on the object and those inherited from its parents (their ObjectType/ObjectKey say where they sit), as
Databricks documents it. Statements are never refused for lack of a privilege (KNOWN-DIFFERENCES.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pyarrow as pa

from . import errors
from .translate import Namespace, quoted_name

if TYPE_CHECKING:
    from .engine import Engine

METASTORE_OWNER = "metastore-admins"
KINDS = ("CATALOG", "SCHEMA", "VOLUME", "TABLE")
_PRINCIPAL = r"(`[^`]+`|[\w.@-]+)"
_OBJECT = r"(CATALOG|SCHEMA|DATABASE|VOLUME|TABLE)\s+((?:`[^`]+`|[\w-]+)(?:\.(?:`[^`]+`|[\w-]+))*)"
GRANT = rf"^GRANT\s+(.+?)\s+ON\s+{_OBJECT}\s+TO\s+{_PRINCIPAL}$"
REVOKE = rf"^REVOKE\s+(.+?)\s+ON\s+{_OBJECT}\s+FROM\s+{_PRINCIPAL}$"
SHOW = rf"^SHOW\s+GRANTS?(?:\s+{_PRINCIPAL})?\s+ON\s+{_OBJECT}$"
Key = tuple[str, tuple[str, ...]]  # (kind, name parts)
PRIVILEGES = frozenset(
    {
        "ALL PRIVILEGES", "BROWSE", "MANAGE", "APPLY TAG", "USE CATALOG", "USE SCHEMA", "CREATE SCHEMA",
        "CREATE TABLE", "CREATE VOLUME", "CREATE FUNCTION", "CREATE MATERIALIZED VIEW", "CREATE MODEL",
        "EXECUTE", "MODIFY", "SELECT", "REFRESH", "READ VOLUME", "WRITE VOLUME", "EXTERNAL USE SCHEMA",
    }
)  # fmt: skip


@dataclass
class Grants:
    granted: set[tuple[str, str, Key]] = field(default_factory=set)  # (principal, privilege, object)
    owners: dict[Key, str] = field(default_factory=dict)

    def own(self, kind: str, parts: tuple[str, ...], principal: str) -> None:
        self.owners.setdefault((kind, parts), principal or METASTORE_OWNER)

    def disown(self, kind: str, parts: tuple[str, ...]) -> None:
        """A dropped object takes its grants (and those of its children) with it."""
        n = len(parts)
        self.owners = {k: v for k, v in self.owners.items() if k[1][:n] != parts}
        self.granted = {g for g in self.granted if g[2][1][:n] != parts}


def _key(engine: Engine, kind: str, name: str, ns: Namespace) -> Key:
    kind = "SCHEMA" if kind.upper() == "DATABASE" else kind.upper()
    parts = tuple(p.strip("`").lower() for p in re.findall(r"`[^`]+`|[\w-]+", name))
    depth = {"CATALOG": 1, "SCHEMA": 2, "VOLUME": 3, "TABLE": 3}[kind]
    full = tuple([ns.catalog, ns.schema][: depth - len(parts)]) + parts
    if len(full) != depth:
        raise errors.parse_error(f"'{name}' does not name a {kind.lower()}")
    if kind == "CATALOG":
        engine.catalog.require_catalog(full[0])
    elif kind == "SCHEMA":
        engine.catalog.require_schema(full[0], full[1])
    elif kind == "VOLUME" and full not in engine.catalog.volumes:
        raise errors.volume_not_found(quoted_name(*full))
    elif kind == "TABLE":
        engine.catalog.require_table(*full)
    return kind, full


def _privileges(text: str) -> list[str]:
    privileges = [" ".join(p.split()).upper() for p in text.split(",") if p.strip()]
    unknown = [p for p in privileges if p not in PRIVILEGES]
    if unknown:
        raise errors.SqlError(
            "INVALID_PARAMETER_VALUE", f"Unknown privilege(s): {', '.join(unknown)}.", "22023"
        )
    return privileges


def _principal(text: str) -> str:
    return text.strip("`")


def grant(engine: Engine, m: re.Match[str], ns: Namespace) -> pa.Table:
    key = _key(engine, m.group(2), m.group(3), ns)
    for privilege in _privileges(m.group(1)):
        engine.catalog.grants.granted.add((_principal(m.group(4)), privilege, key))
    return pa.table({})


def revoke(engine: Engine, m: re.Match[str], ns: Namespace) -> pa.Table:
    key = _key(engine, m.group(2), m.group(3), ns)
    for privilege in _privileges(m.group(1)):
        engine.catalog.grants.granted.discard((_principal(m.group(4)), privilege, key))
    return pa.table({})


def show(engine: Engine, m: re.Match[str], ns: Namespace) -> pa.Table:
    kind, parts = _key(engine, m.group(2), m.group(3), ns)
    who = _principal(m.group(1)) if m.group(1) else None
    depth = {"CATALOG": 1, "SCHEMA": 2}.get(kind, 3)
    lineage = [("CATALOG", parts[:1]), ("SCHEMA", parts[:2]), (kind, parts)][:depth]
    store = engine.catalog.grants
    rows: list[tuple[str, str, str, str]] = []
    for obj in lineage:
        owner = store.owners.get(obj, METASTORE_OWNER)
        if obj == (kind, parts) and who in (None, owner):
            rows.append((owner, "OWN", obj[0], ".".join(obj[1])))
        rows += sorted(
            (p, privilege, obj[0], ".".join(obj[1]))
            for p, privilege, on in store.granted
            if on == obj and who in (None, p)
        )
    names = ["Principal", "ActionType", "ObjectType", "ObjectKey"]
    return pa.table({n: pa.array([r[i] for r in rows], pa.string()) for i, n in enumerate(names)})
