"""The table mapping (stream → table name, required columns) and the pre-write check of a batch.

`table_mapping` is a path to a YAML/JSON file or an inline object, shaped as
`{stream: {table: name, required_columns: [col, ...] | {col: "decimal(38,9)", ...}}}` (a bare string
value is just the table name; an optional top-level `streams:` key may wrap it all).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import yaml

from target_databricks.types import databricks_type, normalise_type, table_name


class MappingError(ValueError):
    """The table_mapping setting cannot be read or has the wrong shape."""


@dataclass(frozen=True)
class StreamMapping:
    table: str
    required: dict[str, str | None] = field(default_factory=dict)  # column → type (None: any type)


@dataclass
class Verdict:
    """What the batch needs before it can be written, or why it cannot be."""

    add: list[pa.Field] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def load_mapping(setting: str | Mapping[str, Any] | None) -> dict[str, StreamMapping]:
    raw = _read(setting)
    raw = raw.get("streams", raw) if isinstance(raw, dict) else raw
    if not isinstance(raw, dict):
        raise MappingError("table_mapping must be an object of stream → table settings")
    return {str(stream): _stream_mapping(str(stream), spec) for stream, spec in raw.items()}


def _read(setting: str | Mapping[str, Any] | None) -> Any:
    if setting is None or setting == "":
        return {}
    if isinstance(setting, Mapping):
        return dict(setting)
    if setting.lstrip().startswith("{"):
        return json.loads(setting)
    path = Path(setting)
    if not path.is_file():
        raise MappingError(f"table_mapping file not found: {path}")
    text = path.read_text(encoding="utf-8")
    return json.loads(text) if path.suffix == ".json" else yaml.safe_load(text) or {}


def _stream_mapping(stream: str, spec: Any) -> StreamMapping:
    if isinstance(spec, str):
        return StreamMapping(table=_valid_table(stream, spec))
    if not isinstance(spec, dict):
        raise MappingError(f"table_mapping[{stream!r}] must be a table name or an object")
    required = spec.get("required_columns") or {}
    if isinstance(required, list):
        required = dict.fromkeys(required)
    if not isinstance(required, dict):
        raise MappingError(f"table_mapping[{stream!r}].required_columns must be a list or an object")
    return StreamMapping(
        table=_valid_table(stream, spec.get("table") or table_name(stream)),
        required={str(k): (str(v) if v else None) for k, v in required.items()},
    )


def _valid_table(stream: str, name: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9_]+", name):
        raise MappingError(f"table_mapping[{stream!r}]: table name {name!r} must be letters, digits or _")
    return name.lower()


def compatible(existing: str, incoming: str) -> bool:
    """An incoming column fits an existing one: same type, or a decimal that widens without loss."""
    old, new = normalise_type(existing), normalise_type(incoming)
    if old == new:
        return True
    old_dec = re.fullmatch(r"decimal\((\d+),(\d+)\)", old)
    new_dec = re.fullmatch(r"decimal\((\d+),(\d+)\)", new)
    if old_dec and new_dec:
        (op, os_), (np_, ns) = map(int, old_dec.groups()), map(int, new_dec.groups())
        return os_ >= ns and op - os_ >= np_ - ns
    return False


def check_batch(
    mapping: StreamMapping, existing: Mapping[str, str] | None, batch: pa.Schema, *, evolve: bool
) -> Verdict:
    """Required columns present with compatible types; new columns allowed only when evolving."""
    verdict = Verdict()
    table = {k.lower(): v for k, v in (existing or {}).items()}
    incoming = {f.name.lower(): (f, databricks_type(f.type)) for f in batch}
    for name, (fld, sql_type) in incoming.items():
        if existing is None:
            continue
        if name not in table:
            if not evolve:
                verdict.problems.append(f"column {fld.name!r} is not in the table (schema_evolution: strict)")
            else:
                verdict.add.append(fld)
        elif not compatible(table[name], sql_type):
            verdict.problems.append(
                f"column {fld.name!r} is {table[name]} in the table, batch has {sql_type}"
            )
    for name, wanted in mapping.required.items():
        have = table.get(name.lower()) or (incoming[name.lower()][1] if name.lower() in incoming else None)
        if have is None:
            verdict.problems.append(f"required column {name!r} is missing")
        elif wanted and not compatible(wanted, have):
            verdict.problems.append(f"required column {name!r} is {have}, expected {wanted}")
    return verdict
