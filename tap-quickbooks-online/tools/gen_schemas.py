"""Generate the tap's JSON schema files from Intuit's QBO v3 XSDs.

Usage (from the repo root; the output is committed, and tests/tap/test_schemas.py checks it is current):
    uv run python tap-quickbooks-online/tools/gen_schemas.py [XSD_DIR]

XSD_DIR defaults to the copy of Intuit's XSDs vendored next to this file (qbo-xsd/, Apache-2.0, see its
NOTICE.md).

Rules, chosen so that no field the API returns is dropped:
- element and attribute names are kept verbatim (the JSON API uses the XSD names);
- xs:decimal becomes an exact decimal column; dates and timestamps get their formats;
- a complexType with simple content becomes {"value": ..., <attributes>} (QBO's JSON form of ReferenceType);
- IntuitAnyType extension points stay open objects;
- a type used by two or more entities becomes a shared fragment in schemas/shared/ and is referenced by
  "$ref": "shared/<Type>.json";
- a recursive use (GroupLineDetail.Line) is inlined one level deep without the recursive element, as
  Intuit documents that a group line cannot itself contain group lines.
"""

from __future__ import annotations

import json
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from tap_quickbooks_online.entities import ENTITIES  # noqa: E402

XS = "{http://www.w3.org/2001/XMLSchema}"
DEFAULT_XSD_DIR = HERE / "qbo-xsd"
OUT_DIR = HERE.parent / "tap_quickbooks_online" / "schemas"
DECIMAL = {"type": ["number", "null"], "x-sql-datatype": "decimal(38,9)"}
PRIMITIVES: dict[str, dict[str, Any]] = {
    "xs:string": {"type": ["string", "null"]},
    "xs:anyURI": {"type": ["string", "null"]},
    "xs:base64Binary": {"type": ["string", "null"]},
    "xs:time": {"type": ["string", "null"]},
    "xs:boolean": {"type": ["boolean", "null"]},
    "xs:int": {"type": ["integer", "null"]},
    "xs:long": {"type": ["integer", "null"]},
    "xs:integer": {"type": ["integer", "null"]},
    "xs:positiveInteger": {"type": ["integer", "null"]},
    "xs:decimal": DECIMAL,
    "xs:date": {"type": ["string", "null"], "format": "date"},
    "xs:dateTime": {"type": ["string", "null"], "format": "date-time"},
}
# The transaction types a RecurringTransaction element can wrap (Intuit's RecurringTransaction page); the
# XSD says only `<xs:element ref="IntuitObject"/>`. Kept as open objects: inlining twelve transaction
# schemas would multiply the catalog for a handful of templates.
RECURRING_TYPES = (
    "Bill",
    "CreditMemo",
    "Deposit",
    "Estimate",
    "Invoice",
    "JournalEntry",
    "Purchase",
    "PurchaseOrder",
    "RefundReceipt",
    "SalesReceipt",
    "Transfer",
    "VendorCredit",
)
FLAT = "<flattened>"  # stack marker: inside a recursive re-expansion, recursive elements are dropped
OPEN_OBJECT = {"type": ["object", "null"], "additionalProperties": True}
# Columns every record carries (docs/architecture.md), added on top of the XSD fields.
EXTRA_COLUMNS = {
    "realm_id": {"type": "string"},
    "LastUpdatedTime": {"type": ["string", "null"], "format": "date-time"},
    "_sdc_deleted_at": {"type": ["string", "null"], "format": "date-time"},
}


class Registry:
    """Named XSD definitions from every file in the directory (one shared namespace)."""

    def __init__(self, xsd_dir: Path) -> None:
        self.complex: dict[str, ET.Element] = {}
        self.simple: dict[str, ET.Element] = {}
        self.groups: dict[str, ET.Element] = {}
        for path in sorted(xsd_dir.glob("*.xsd")):
            root = ET.parse(path).getroot()  # noqa: S314 - Intuit's published XSDs, a local trusted input
            for node in root:
                name = node.get("name")
                if name is None:
                    continue
                table = {
                    f"{XS}complexType": self.complex,
                    f"{XS}simpleType": self.simple,
                    f"{XS}group": self.groups,
                }.get(node.tag)
                if table is not None:
                    table[name] = node

    def simple_base(self, name: str) -> str:
        """Follow simpleType restrictions down to a built-in xs: type."""
        while name in self.simple:
            restriction = self.simple[name].find(f"{XS}restriction")
            name = restriction.get("base", "xs:string") if restriction is not None else "xs:string"
        return name if name in PRIMITIVES else "xs:string"


class Generator:
    """Turns complexTypes into JSON schema; counts type uses to pick shared fragments."""

    def __init__(self, registry: Registry, shared: set[str]) -> None:
        self.reg = registry
        self.shared = shared
        self.uses: Counter[str] = Counter()
        self.cyclic: set[str] = set()

    def type_schema(self, type_name: str, stack: tuple[str, ...]) -> dict[str, Any] | None:
        if type_name == "IntuitAnyType":
            return dict(OPEN_OBJECT)
        if type_name not in self.reg.complex:
            return dict(PRIMITIVES[self.reg.simple_base(type_name)])
        if type_name in stack:
            if FLAT not in stack:
                self.cyclic.update(stack[stack.index(type_name) + 1 :])
            return None  # recursion: the caller flattens or drops the element
        self.uses[type_name] += 1
        if type_name in self.shared and stack:
            return {"$ref": f"shared/{type_name}.json"}
        return self.object_schema(type_name, (*stack, type_name))

    def object_schema(self, type_name: str, stack: tuple[str, ...]) -> dict[str, Any]:
        props: dict[str, Any] = {}
        self.collect(self.reg.complex[type_name], props, stack)
        return {"type": ["object", "null"], "properties": props}

    def collect(self, node: ET.Element, props: dict[str, Any], stack: tuple[str, ...]) -> None:
        """Walk a content model (extension bases first, as XML serialises them) into props."""
        for child in node:
            tag = child.tag.removeprefix(XS)
            if tag in {"sequence", "choice", "complexContent", "all"}:
                self.collect(child, props, stack)
            elif tag == "extension":
                self.extension(child, props, stack)
            elif tag == "simpleContent":
                self.simple_content(child, props, stack)
            elif tag == "group":
                self.collect(self.reg.groups[child.get("ref", "")], props, stack)
            elif tag == "element":
                self.element(child, props, stack)
            elif tag == "attribute":
                props[child.get("name", "")] = dict(PRIMITIVES[self.reg.simple_base(child.get("type", ""))])

    def extension(self, node: ET.Element, props: dict[str, Any], stack: tuple[str, ...]) -> None:
        base = node.get("base", "")
        if base in self.reg.complex:
            self.collect(self.reg.complex[base], props, stack)
        self.collect(node, props, stack)

    def simple_content(self, node: ET.Element, props: dict[str, Any], stack: tuple[str, ...]) -> None:
        ext = node.find(f"{XS}extension")
        if ext is None:
            props["value"] = {"type": ["string", "null"]}
            return
        base = ext.get("base", "xs:string")
        if base in self.reg.complex:
            self.collect(self.reg.complex[base], props, stack)
        else:
            props["value"] = dict(PRIMITIVES[self.reg.simple_base(base)])
        self.collect(ext, props, stack)

    def element(self, node: ET.Element, props: dict[str, Any], stack: tuple[str, ...]) -> None:
        if node.get("ref") == "IntuitObject":  # RecurringTransaction: the wrapped transaction, by type
            props.update({name: dict(OPEN_OBJECT) for name in RECURRING_TYPES})
            return
        name, type_name = node.get("name", ""), node.get("type", "xs:string")
        schema = self.type_schema(type_name, stack)
        if schema is None:
            if FLAT in stack:
                return
            schema = self.flattened(type_name, stack)
        if node.get("maxOccurs", "1") != "1":
            schema = {"type": ["array", "null"], "items": schema}
        props[name] = schema

    def flattened(self, type_name: str, stack: tuple[str, ...]) -> dict[str, Any]:
        """A recursive type, expanded once more with every recursive element dropped."""
        props: dict[str, Any] = {}
        self.collect(self.reg.complex[type_name], props, (*stack, FLAT, type_name))
        return {"type": ["object", "null"], "properties": props}


def entity_schema(gen: Generator, type_name: str) -> dict[str, Any]:
    schema = gen.object_schema(type_name, (type_name,))
    schema["type"] = "object"
    schema["properties"] = {**EXTRA_COLUMNS, **schema["properties"]}
    schema["additionalProperties"] = False
    return schema


def choose_shared(registry: Registry) -> set[str]:
    """Types reached from two or more entities (counted once per entity), minus recursion interiors.

    A type met only inside a recursion (GroupLineDetail inside Line) stays inline in the fragment that
    owns the recursion, so fragments never reference each other in a cycle.
    """
    reach: Counter[str] = Counter()
    cyclic: set[str] = set()
    for entity in ENTITIES:
        probe = Generator(registry, shared=set())
        probe.object_schema(entity.key, (entity.key,))
        reach.update(set(probe.uses))
        cyclic |= probe.cyclic
    return {name for name, count in reach.items() if count >= 2} - cyclic


def write(path: Path, schema: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(schema, indent=2, sort_keys=False) + "\n", encoding="utf-8")


def main(xsd_dir: Path, out_dir: Path = OUT_DIR) -> None:
    registry = Registry(xsd_dir)
    shared = choose_shared(registry)
    gen = Generator(registry, shared)
    for stale in out_dir.glob("**/*.json"):
        stale.unlink()
    for entity in ENTITIES:
        write(out_dir / f"{entity.stream_name}.json", entity_schema(gen, entity.key))
    for type_name in sorted(shared):
        write(out_dir / "shared" / f"{type_name}.json", gen.object_schema(type_name, (type_name,)))
    print(f"wrote {len(ENTITIES)} entity schemas and {len(shared)} shared fragments to {out_dir}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_XSD_DIR)
