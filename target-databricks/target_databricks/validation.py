"""Record validation: fastjsonschema decides, msgspec answers first for the common, valid case.

msgspec checks a record against a typed mirror of the JSON schema in C, about three times faster than
fastjsonschema's generated Python. The mirror is built only for schemas made of `type`, `properties` and
`items` (plus annotations), and it is never more lenient than the schema: whatever it refuses, or any
schema it cannot mirror, goes to fastjsonschema, which gives the verdict and the error message.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypedDict, Union

import fastjsonschema
import msgspec
from singer_sdk.exceptions import InvalidJSONSchema, InvalidRecord
from singer_sdk.sinks.core import BaseJSONSchemaValidator

# Keywords that do not constrain values here (formats are not checked: the SDK's default too).
ANNOTATIONS = frozenset(
    {"title", "description", "format", "x-sql-datatype", "default", "examples", "$comment"}
)
JSON_TYPES: dict[str, tuple[Any, ...]] = {
    "string": (str,),
    "integer": (int,),  # msgspec refuses bool and 1.0; the schema refuses bool and allows 1.0 (fallback)
    "number": (int, float, Decimal),
    "boolean": (bool,),
    "null": (type(None),),
}
# Decimal as a native type: msgspec must not turn the text "1.5" into a number for a `number` property.
NATIVE = (Decimal,)


class Unmirrored(Exception):
    """The schema uses something the msgspec mirror does not express."""


def mirror(schema: dict[str, Any], name: str = "Record") -> Any:
    """A msgspec type accepting a subset of what `schema` accepts (raises Unmirrored otherwise)."""
    keywords = set(schema) - ANNOTATIONS
    if not keywords:
        return Any
    if "type" not in keywords or keywords - {"type", "properties", "items"}:
        raise Unmirrored(f"keywords {sorted(keywords)}")
    declared = schema["type"]
    kinds = [declared] if isinstance(declared, str) else list(declared)
    if ("properties" in schema and "object" not in kinds) or ("items" in schema and "array" not in kinds):
        raise Unmirrored("properties or items on a non-object, non-array")
    members: list[Any] = []
    for kind in kinds:
        if kind == "object":
            members.append(_object(schema.get("properties"), name))
        elif kind == "array":
            items = schema.get("items", {})
            if not isinstance(items, dict):
                raise Unmirrored("tuple-style items")
            members.append(list[mirror(items, name + "Item")])  # type: ignore[misc]
        elif kind in JSON_TYPES:
            members.extend(JSON_TYPES[kind])
        else:
            raise Unmirrored(f"type {kind!r}")
    return Union[tuple(members)]  # noqa: UP007 (built at run time)


def _object(properties: dict[str, Any] | None, name: str) -> Any:
    if properties is None:
        return dict
    if not isinstance(properties, dict):
        raise Unmirrored("properties is not an object")
    fields = {key: mirror(value, f"{name}_{i}") for i, (key, value) in enumerate(properties.items())}
    return TypedDict(name, fields, total=False)  # type: ignore[operator]  # extra keys are allowed


def _mirror_or_none(schema: dict[str, Any]) -> Any | None:
    try:
        mirrored = mirror(schema)
        msgspec.convert({}, mirrored, builtin_types=NATIVE)  # msgspec checks the type (e.g. unions)
    except (Unmirrored, TypeError, RecursionError, msgspec.ValidationError):
        return None
    return mirrored


class FastValidator(BaseJSONSchemaValidator):
    """The SDK's validator contract, with fastjsonschema's verdicts and a msgspec fast path.

    Compiling is the expensive part (about 0.3 s for a QBO transaction schema), so it waits for the first
    record: an incremental run that touches two streams out of thirty compiles two validators, not thirty.
    """

    def __init__(self, schema: dict[str, Any]) -> None:
        super().__init__(schema)
        self._compiled: Callable[[dict], Any] | None = None
        self._mirror: Any | None = None

    def _compile(self) -> Callable[[dict], Any]:
        try:
            # Formats are not checked (the SDK's default too); Arrow parses date-times and refuses bad ones.
            compiled = fastjsonschema.compile(self.schema, use_default=False, use_formats=False)
        except fastjsonschema.JsonSchemaDefinitionException as exc:
            raise InvalidJSONSchema(f"Schema Validation Error: {exc}") from exc
        self._mirror = _mirror_or_none(self.schema)
        return compiled

    def validate(self, record: dict) -> None:
        if self._compiled is None:
            self._compiled = self._compile()
        if self._mirror is not None:
            try:
                msgspec.convert(record, self._mirror, builtin_types=NATIVE)
                return
            except msgspec.ValidationError:
                pass  # refused: fastjsonschema decides (and names the problem)
        try:
            self._compiled(record)
        except fastjsonschema.JsonSchemaValueException as exc:
            raise InvalidRecord(f"Record Message Validation Error: {exc.message}", record) from exc
