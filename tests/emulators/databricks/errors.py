"""Databricks-style SQL errors: an `[ERROR_CLASS]` prefix, a message and a SQLSTATE, as Databricks sends."""

from __future__ import annotations


class SqlError(Exception):
    """A statement failure reported to the client as ERROR_STATE with Databricks' message layout."""

    def __init__(self, error_class: str, message: str, sqlstate: str = "XX000") -> None:
        self.error_class = error_class
        self.sqlstate = sqlstate
        self.message = f"[{error_class}] {message} SQLSTATE: {sqlstate}"
        super().__init__(self.message)


def table_not_found(name: str) -> SqlError:
    return SqlError(
        "TABLE_OR_VIEW_NOT_FOUND",
        f"The table or view {name} cannot be found. Verify the spelling and correctness of the schema and "
        "catalog. If you did not qualify the name with a schema, verify the current_schema() output, or "
        "qualify the name with the correct schema and catalog.",
        "42P01",
    )


def schema_not_found(name: str) -> SqlError:
    return SqlError(
        "SCHEMA_NOT_FOUND",
        f"The schema {name} cannot be found. Verify the spelling and correctness of the schema and catalog.",
        "42704",
    )


def catalog_not_found(name: str) -> SqlError:
    return SqlError("NO_SUCH_CATALOG_EXCEPTION", f"Catalog '{name}' was not found.", "42704")


def already_exists(kind: str, name: str) -> SqlError:
    classes = {
        "table": ("TABLE_OR_VIEW_ALREADY_EXISTS", "42P07"),
        "schema": ("SCHEMA_ALREADY_EXISTS", "42P06"),
        "catalog": ("CATALOG_ALREADY_EXISTS", "42P04"),
        "volume": ("VOLUME_ALREADY_EXISTS", "42000"),
    }
    error_class, state = classes[kind]
    return SqlError(error_class, f"Cannot create {kind} {name} because it already exists.", state)


def volume_not_found(name: str) -> SqlError:
    return SqlError("UC_VOLUME_NOT_FOUND", f"Volume {name} does not exist.", "42704")


def parse_error(detail: str) -> SqlError:
    return SqlError("PARSE_SYNTAX_ERROR", f"Syntax error: {detail}.", "42601")


def unresolved_column(name: str) -> SqlError:
    return SqlError(
        "UNRESOLVED_COLUMN.WITHOUT_SUGGESTION",
        f"A column, variable, or function parameter with name {name} cannot be resolved.",
        "42703",
    )


def duplicate_merge_source() -> SqlError:
    return SqlError(
        "DELTA_MULTIPLE_SOURCE_ROW_MATCHING_TARGET_ROW_IN_MERGE",
        "Cannot perform Merge as multiple source rows matched and attempted to modify the same target row "
        "in the Delta table in possibly conflicting ways. By SQL semantics of Merge, when multiple source "
        "rows match on the same target row, the result may be ambiguous as it is unclear which source row "
        "should be used to update or delete the matching target row. You can preprocess the source table "
        "to eliminate the possibility of multiple matches.",
        "21506",
    )


def unbound_parameter(name: str) -> SqlError:
    return SqlError("UNBOUND_SQL_PARAMETER", f"Found the unbound parameter: {name}.", "42P02")


def column_exists(name: str, table: str) -> SqlError:
    return SqlError(
        "FIELDS_ALREADY_EXISTS", f"Cannot add column, because {name} already exists in {table}.", "42710"
    )


def unsupported(what: str) -> SqlError:
    return SqlError("UNSUPPORTED_FEATURE", f"The emulator does not support {what}.", "0A000")


def quota_exceeded() -> SqlError:
    return SqlError(
        "RESOURCE_EXHAUSTED",
        "The SQL warehouse has reached its limit of concurrently running and queued statements. "
        "Retry the statement later.",
        "53400",
    )
