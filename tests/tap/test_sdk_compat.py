"""The tap's one seam with singer-sdk internals (sdk_compat.py): what it relies on still exists in the
installed singer-sdk, and no other module of the tap reaches past singer-sdk's public API."""

from __future__ import annotations

import ast
import inspect
import re
import tomllib
from pathlib import Path

import pytest
import singer_sdk
import tap_quickbooks_online
from singer_sdk import Stream, Tap
from singer_sdk.contrib.msgspec import MsgSpecWriter
from singer_sdk.plugin_base import PluginBase
from tap_quickbooks_online import sdk_compat
from tap_quickbooks_online.sdk_compat import PrivateName, missing_private_names

PACKAGE = Path(tap_quickbooks_online.__file__).parent
SEAM = PACKAGE / "sdk_compat.py"
SDK_CLASSES = (PluginBase, Tap, Stream, MsgSpecWriter)
# Names that are private in effect though spelled without an underscore: Tap's __init__ switch that the
# seam replaces, and the flag of singer-sdk's (private) state manager.
ALSO_PRIVATE = {"setup_mapper", "is_flushed", "state_manager"}


def sdk_private_names() -> set[str]:
    """Every `_name` the singer-sdk base classes the tap builds on define or set on self."""
    names: set[str] = set()
    for cls in SDK_CLASSES:
        for base in cls.__mro__:
            if not base.__module__.startswith("singer_sdk"):
                continue
            names.update(n for n in vars(base) if n.startswith("_") and not n.startswith("__"))
            names.update(re.findall(r"self\.(_[a-zA-Z]\w*)", inspect.getsource(base)))
    return names


def final_methods() -> dict[str, set[str]]:
    """Per base class name the tap subclasses, the methods singer-sdk marks final there."""
    finals = {
        cls.__name__: {n for b in cls.__mro__ for n, v in vars(b).items() if getattr(v, "__final__", False)}
        for cls in SDK_CLASSES
    }
    return {**finals, "LazyMapperTap": finals["Tap"], "SelfBookmarkedStream": finals["Stream"]}


def violations(source: str, private: set[str], final: dict[str, set[str]]) -> list[tuple[int, str, str]]:
    """Uses of a singer-sdk private name in one module's source: (line, name, how)."""
    found: list[tuple[int, str, str]] = []
    tree = ast.parse(source)
    own_self: set[int] = set()  # `self` nodes inside classes that do not derive from singer-sdk's
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("singer_sdk"):
            parts = (node.module or "").split(".") + [a.name for a in node.names]
            found += [(node.lineno, p, f"imported from {node.module}") for p in parts if p.startswith("_")]
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "singer_sdk" and any(p.startswith("_") for p in parts):
                    found.append((node.lineno, alias.name, "imported"))
        elif isinstance(node, ast.ClassDef):
            bases = {b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in node.bases}
            if not bases & set(final):
                own_self.update(id(n) for n in ast.walk(node) if isinstance(n, ast.Name) and n.id == "self")
                continue
            overridable = private.union(*(final[b] for b in bases & set(final)))
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef) and item.name in overridable:
                    found.append((item.lineno, item.name, "overridden"))
        elif isinstance(node, ast.keyword) and node.arg in ALSO_PRIVATE:
            found.append((node.value.lineno, node.arg, "passed"))
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr in private | ALSO_PRIVATE
            and id(node.value) not in own_self
        ):
            found.append((node.lineno, node.attr, "used"))
    return found


def test_every_private_name_the_seam_uses_still_exists() -> None:
    missing = missing_private_names()
    assert not missing, (
        f"singer-sdk {singer_sdk.__version__ if hasattr(singer_sdk, '__version__') else ''} no longer has "
        f"{', '.join(missing)}: re-read tap_quickbooks_online/sdk_compat.py against it"
    )


def test_a_vanished_name_is_reported_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    gone = PrivateName(Stream, "_sync_records_renamed", "an attribute a later singer-sdk dropped")
    monkeypatch.setattr(sdk_compat, "PRIVATE_NAMES", (*sdk_compat.PRIVATE_NAMES, gone))
    assert missing_private_names() == ["Stream._sync_records_renamed"]


def test_the_seam_declares_what_it_uses() -> None:
    """Each singer-sdk private name sdk_compat.py uses is in PRIVATE_NAMES, so the test above watches it."""
    used = {name for _, name, _ in violations(SEAM.read_text(), sdk_private_names(), final_methods())}
    declared = {p.name for p in sdk_compat.PRIVATE_NAMES} | {
        p.owner_name for p in sdk_compat.PRIVATE_NAMES
    }
    undeclared = used - declared - {"setup_mapper", "_state"}  # a public Tap parameter; the module of
    assert not undeclared, sorted(undeclared)  # StreamStateManager (declared by its class)


def test_no_other_module_uses_a_singer_sdk_private_name() -> None:
    private, final = sdk_private_names(), final_methods()
    found = {
        path.name: [f"line {line}: {name} {how}" for line, name, how in hits]
        for path in sorted(PACKAGE.rglob("*.py"))
        if path != SEAM and (hits := violations(path.read_text(), private, final))
    }
    assert not found, f"singer-sdk private names outside sdk_compat.py (move them there): {found}"


def test_the_scan_finds_private_uses() -> None:
    private, final = sdk_private_names(), final_methods()
    source = (
        "from singer_sdk.helpers._util import utc_now\n"
        "from singer_sdk import Stream\n"
        "class S(Stream):\n"
        "    def _sync_records(self): self.state_manager.is_flushed = False\n"
        "    def sync(self): pass\n"
        "def f(stream): return stream._stream_version\n"
    )
    found = {(name, how) for _, name, how in violations(source, private, final)}
    assert ("_util", "imported from singer_sdk.helpers._util") in found
    assert {("_sync_records", "overridden"), ("sync", "overridden")} <= found
    assert {("is_flushed", "used"), ("state_manager", "used"), ("_stream_version", "used")} <= found


def test_singer_sdk_is_pinned_exactly() -> None:
    pyproject = tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text())
    (pin,) = [d for d in pyproject["project"]["dependencies"] if d.startswith("singer-sdk")]
    assert re.fullmatch(r"singer-sdk(\[[\w,]+\])?==[\d.]+", pin), pin
