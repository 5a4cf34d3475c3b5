"""`target-databricks-initialize`: prepare where the target writes, once, before the first run (see
docs/onboarding.md). Safe to run again: it only creates what is missing.

databricks engine: creates the catalog (when the principal may), the schema, the staging Volume and the
audit table (the tables' home), then reads the principal's grants with SHOW GRANTS and prints the exact GRANT
statements still missing. delta engine: creates `<delta_root>/<catalog>/<schema>` (which also holds
the audit and quarantine tables) and proves it writable. Exits 1 while anything is missing, so a
deployment script can stop there.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from target_databricks import audit, sql
from target_databricks.engines import make_engine
from target_databricks.engines.databricks import DatabricksEngine
from target_databricks.errors import describe
from target_databricks.settings import Settings

# What the target needs on each securable (README "Going to production"): privileges inherit downwards.
NEEDED = {
    "CATALOG": ("USE CATALOG",),
    "SCHEMA": ("USE SCHEMA", "CREATE TABLE", "MODIFY", "SELECT"),
    "VOLUME": ("READ VOLUME", "WRITE VOLUME"),
}
LEVELS = ("CATALOG", "SCHEMA", "VOLUME")


@dataclass
class Report:
    lines: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # statements someone must run

    def say(self, line: str) -> None:
        self.lines.append(line)


def missing_grants(
    rows: Iterable[Mapping[str, Any]], principal: str, names: Mapping[str, str]
) -> list[tuple[str, list[str]]]:
    """(level, privileges) the principal lacks, from SHOW GRANTS rows of the catalog, schema and Volume
    (each includes the grants inherited from above); `names` maps each level to its dotted name. A
    privilege counts on its own level and every level below (Unity Catalog inheritance), ALL PRIVILEGES
    counts for all, and an owner (OWN) holds every privilege of what it owns. Grants through a group are
    not visible here."""
    held: dict[str, set[str]] = {level: set() for level in LEVELS}
    for row in rows:
        kind, key = str(row.get("ObjectType")).upper(), str(row.get("ObjectKey")).replace("`", "")
        if str(row.get("Principal")) != principal or kind not in LEVELS or key.lower() != names[kind].lower():
            continue
        action = str(row.get("ActionType")).upper()
        below = LEVELS[LEVELS.index(kind) :]
        for level in below[:1] if action == "OWN" else below:
            held[level].add(action)
    gaps = []
    for level in LEVELS:
        if not {"OWN", "ALL PRIVILEGES"} & held[level]:
            lacking = [p for p in NEEDED[level] if p not in held[level]]
            if lacking:
                gaps.append((level, lacking))
    return gaps


def _create(
    engine: DatabricksEngine, statement: str, what: str, report: Report, done: str = "created"
) -> bool:
    try:
        engine.connection.execute(statement)
    except Exception as exc:
        reason = describe(exc, engine.connection.secrets)
        report.say(f"{what}: missing, and this principal may not create it ({reason})")
        report.missing.append(statement + ";")
        return False
    report.say(f"{what}: {done}")
    return True


def _existing(engine: DatabricksEngine, catalog: str, schema: str, volume: str) -> tuple[bool, bool, bool]:
    """Which of catalog, schema and Volume exist (creating only what is missing needs no CREATE right)."""
    try:
        schemas = engine.connection.execute(sql.show_schemas(catalog))
    except Exception as exc:
        if "NO_SUCH_CATALOG" in str(exc) or "CATALOG_NOT_FOUND" in str(exc):
            return False, False, False
        raise
    if schema not in {str(next(iter(row.values()))).lower() for row in schemas}:
        return True, False, False
    return True, True, bool(engine.connection.execute(sql.volume_exists(catalog, schema, volume)))


def initialize_databricks(engine: DatabricksEngine, settings: Settings) -> Report:
    report = Report()
    catalog, schema, volume = settings.catalog, settings.schema, settings.volume
    principal = settings.client_id if not settings.access_token else None
    principal = principal or str(engine.connection.execute(sql.current_user())[0]["user"])
    report.say(f"principal: {principal}")
    names = {"CATALOG": catalog, "SCHEMA": f"{catalog}.{schema}", "VOLUME": f"{catalog}.{schema}.{volume}"}
    steps = [
        (sql.create_catalog(catalog), f"catalog {names['CATALOG']}"),
        (sql.create_schema(catalog, schema), f"schema {names['SCHEMA']}"),
        (sql.create_volume(catalog, schema, volume), f"volume {names['VOLUME']}"),
    ]
    for exists, (statement, what) in zip(_existing(engine, catalog, schema, volume), steps, strict=True):
        if exists:
            report.say(f"{what}: exists")
        elif not _create(engine, statement, what, report):
            return report  # what follows lives inside it
    audit_name = sql.qualified(catalog, schema, settings.audit_table)
    home = f"tables' home (audit table {audit_name})"
    _create(engine, sql.create_table(audit_name, _audit_columns()), home, report, done="ready")
    rows: list[dict[str, Any]] = []
    try:  # one level at a time: each answer holds the grants inherited from above, and its owner
        for level in LEVELS:
            rows += engine.connection.execute(sql.show_grants(principal, level, names[level]))
    except Exception as exc:
        report.say(f"grants: could not read them ({describe(exc, engine.connection.secrets)})")
        report.missing.append(f"-- let {principal} read its grants, or check them by hand")
        return report
    gaps = missing_grants(rows, principal, names)
    report.missing += [
        sql.grant(privileges, level, names[level], principal) + ";" for level, privileges in gaps
    ]
    report.say("grants: " + (f"{len(gaps)} missing" if gaps else "all present"))
    return report


def _audit_columns() -> list[tuple[str, str]]:
    from target_databricks.types import databricks_type

    return [(f.name, databricks_type(f.type)) for f in audit.AUDIT_SCHEMA]


def initialize_delta(settings: Settings) -> Report:
    """The delta engine's home (tables, audit and quarantine tables) exists and takes a write."""
    from pyarrow import fs

    report = Report()
    uri = f"{settings.delta_root.rstrip('/')}/{settings.catalog}/{settings.schema}"
    absolute = uri if "://" in uri else str(Path(uri).resolve())
    try:
        filesystem, path = fs.FileSystem.from_uri(absolute)
        filesystem.create_dir(path, recursive=True)
        probe = f"{path}/.target-databricks-write-check-{uuid.uuid4().hex}"
        with filesystem.open_output_stream(probe) as stream:
            stream.write(b"ok")
        filesystem.delete_file(probe)
    except Exception as exc:
        report.say(f"tables' home {uri}: not writable ({describe(exc)})")
        report.missing.append(f"make {uri} writable for this user")
        return report
    report.say(f"tables' home {uri}: ready (writable)")
    return report


@click.command()
@click.option(
    "--config", "config_paths", multiple=True, help="Target config JSON (repeatable); env vars apply."
)
def cli(config_paths: tuple[str, ...]) -> None:
    """Create the target's catalog/schema/Volume/tables' home (or Delta folders) and check its grants."""
    from target_databricks.target import TargetDatabricks

    paths = [Path(p) for p in config_paths if p != "ENV"]
    settings = TargetDatabricks(config=paths or None, parse_env_config=True, validate_config=True).settings
    engine = make_engine(settings)
    try:
        if isinstance(engine, DatabricksEngine):
            report = initialize_databricks(engine, settings)
        else:
            report = initialize_delta(settings)
    finally:
        engine.close()
    for line in report.lines:
        click.echo(line)
    if report.missing:
        click.echo("\nStill missing; run as the catalog owner or a metastore admin:")
        for statement in report.missing:
            click.echo(f"  {statement}")
        raise SystemExit(1)
    click.echo("\nReady: the target can write here.")
