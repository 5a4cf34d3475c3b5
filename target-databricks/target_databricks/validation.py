"""Record validation: fastjsonschema decides, msgspec answers first for the common, valid case.

msgspec checks a record against a typed mirror of the JSON schema in C, about three times faster than
fastjsonschema's generated Python. The mirror is built only for schemas made of `type`, `properties` and
`items` (plus annotations), and it is never more lenient than the schema: whatever it refuses, or any
schema it cannot mirror, goes to fastjsonschema, which gives the verdict and the error message.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any, Required, TypedDict, Union

import fastjsonschema
import msgspec
from singer_sdk.exceptions import InvalidJSONSchema, InvalidRecord
from singer_sdk.sinks.core import BaseJSONSchemaValidator

# Keywords that do not constrain values here (formats are not checked: the SDK's default too).
ANNOTATIONS = frozenset(
    {"title", "description", "format", "x-sql-datatype", "default", "examples", "$comment", "$schema", "$id"}
)
OBJECT_KEYWORDS = frozenset({"properties", "additionalProperties", "required"})
MIRRORED_KEYWORDS = OBJECT_KEYWORDS | {"type", "items"}
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
    if "type" not in keywords or keywords - MIRRORED_KEYWORDS:
        raise Unmirrored(f"keywords {sorted(keywords)}")
    declared = schema["type"]
    kinds = [declared] if isinstance(declared, str) else list(declared)
    if (keywords & OBJECT_KEYWORDS and "object" not in kinds) or ("items" in schema and "array" not in kinds):
        raise Unmirrored("object or array keywords on another type")
    members: list[Any] = []
    for kind in kinds:
        if kind == "object":
            members.append(_object(schema, name))
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


def _object(schema: dict[str, Any], name: str) -> Any:
    """An open object is a TypedDict (extra keys pass); a closed one (`additionalProperties: false`) a
    Struct that forbids unknown fields. `required` keys must be present in both."""
    properties = schema.get("properties")
    required = schema.get("required", [])
    extra = schema.get("additionalProperties", True)
    extra = True if extra == {} else extra  # the empty schema allows anything
    if extra not in (True, False) or not isinstance(required, list):
        raise Unmirrored("additionalProperties schema, or required is not a list")
    if properties is None and not required and extra is True:
        return dict
    if not isinstance(properties, dict) or not set(required) <= set(properties):
        raise Unmirrored("required names a key without a property schema")
    fields = {key: mirror(value, f"{name}_{i}") for i, (key, value) in enumerate(properties.items())}
    if extra is False:
        return _closed(fields, set(required), name)
    typed = {key: Required[value] if key in required else value for key, value in fields.items()}
    return TypedDict(name, typed, total=False)  # type: ignore[operator]


def _closed(fields: dict[str, Any], required: set[str], name: str) -> Any:
    """Struct fields get placeholder names (QBO keys are not all identifiers), renamed to the real keys."""
    spec: list[Any] = []
    rename: dict[str, str] = {}
    for i, (key, kind) in enumerate(fields.items()):
        rename[f"f{i}"] = key
        spec.append((f"f{i}", kind) if key in required else (f"f{i}", kind, msgspec.UNSET))
    return msgspec.defstruct(name, spec, kw_only=True, forbid_unknown_fields=True, rename=rename)


def _mirror_or_none(schema: dict[str, Any]) -> Any | None:
    try:
        mirrored = mirror(schema)
        msgspec.convert({}, mirrored, builtin_types=NATIVE)  # msgspec checks the type (e.g. unions)
    except msgspec.ValidationError:
        return mirrored  # the type is usable; `{}` lacks required keys
    except (Unmirrored, TypeError, RecursionError):
        return None
    return mirrored


class FastValidator(BaseJSONSchemaValidator):
    """The SDK's validator contract, with fastjsonschema's verdicts and a msgspec fast path.

    Both are built at the first record (an incremental run that touches two streams out of thirty builds
    two), and fastjsonschema only when msgspec refuses a record or cannot mirror the schema: compiling it
    costs about 0.3 s per QBO transaction schema, the mirror a few milliseconds.
    """

    def __init__(self, schema: dict[str, Any]) -> None:
        super().__init__(schema)
        self._compiled: Callable[[dict], Any] | None = None
        self._mirror: Any | None = None
        self._mirrored = False  # the mirror was attempted

    def _compile(self) -> Callable[[dict], Any]:
        try:
            # Formats are not checked (the SDK's default too); Arrow parses date-times and refuses bad ones.
            return fastjsonschema.compile(self.schema, use_default=False, use_formats=False)
        except fastjsonschema.JsonSchemaDefinitionException as exc:
            raise InvalidJSONSchema(f"Schema Validation Error: {exc}") from exc

    def validate(self, record: dict) -> None:
        if not self._mirrored:
            self._mirror, self._mirrored = _mirror_or_none(self.schema), True
        if self._mirror is not None:
            try:
                msgspec.convert(record, self._mirror, builtin_types=NATIVE)
                return
            except msgspec.ValidationError:
                pass  # refused: fastjsonschema decides (and names the problem)
        if self._compiled is None:
            self._compiled = self._compile()
        try:
            self._compiled(record)
        except fastjsonschema.JsonSchemaValueException as exc:
            raise InvalidRecord(f"Record Message Validation Error: {exc.message}", record) from exc
