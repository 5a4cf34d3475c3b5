"""The target's only contact with singer-sdk's private names is target_databricks/sdk_compat.py.

A singer-sdk upgrade that renames one of them fails here, naming it; and no other target module may use a
private singer-sdk name (override a private hook, read a private attribute, import a private module).
"""

from __future__ import annotations

import ast
import inspect
import re
import textwrap
import tomllib
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

import pytest
import target_databricks
from singer_sdk.contrib.msgspec import MsgSpecReader
from singer_sdk.sinks import BatchSink
from singer_sdk.sinks.core import BaseJSONSchemaValidator
from singer_sdk.target_base import Target
from target_databricks import sdk_compat

PACKAGE = Path(target_databricks.__file__).parent
SEAM = PACKAGE / "sdk_compat.py"
# The singer-sdk classes the target subclasses: their private names are what the scan looks for.
SDK_BASES = (Target, BatchSink, BaseJSONSchemaValidator, MsgSpecReader)


def _private(name: str) -> bool:
    return name.startswith("_") and not name.endswith("__")


def _defined_in(cls: type) -> set[str]:
    """Private names a singer-sdk class defines: its attributes and methods, and the `self._x` it sets."""
    names = {name for name in vars(cls) if _private(name)}
    tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store) and _private(node.attr):
            names.add(node.attr)
    return names


def sdk_private_names() -> set[str]:
    names: set[str] = set()
    for base in SDK_BASES:
        for cls in base.__mro__:
            if cls.__module__.split(".")[0] == "singer_sdk":
                names |= _defined_in(cls)
    return names


def private_uses(path: Path, private: set[str]) -> Iterator[str]:
    """`line: what` for each use of a singer-sdk private name in the module at `path`."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "singer_sdk":
            parts = (node.module or "").split(".") + [alias.name for alias in node.names]
            yield from (f"{node.lineno}: imports {part}" for part in parts if _private(part))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "singer_sdk" and any(map(_private, alias.name.split("."))):
                    yield f"{node.lineno}: imports {alias.name}"
        elif isinstance(node, ast.Attribute) and node.attr in private:
            yield f"{node.lineno}: uses {node.attr}"
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name in private:
            yield f"{node.lineno}: overrides {node.name}"


def test_every_private_name_the_seam_uses_exists_in_the_installed_singer_sdk() -> None:
    missing = sdk_compat.missing_private_names()
    assert not missing, (
        f"singer-sdk {metadata.version('singer-sdk')} no longer has {missing}: adapt "
        "target_databricks/sdk_compat.py to the new version before upgrading"
    )


def test_the_seam_declares_every_private_name_it_uses() -> None:
    used = {use.split()[-1] for use in private_uses(SEAM, sdk_private_names())}
    declared = {name for names in sdk_compat.PRIVATE_NAMES.values() for name in names}
    assert used == declared, "sdk_compat.PRIVATE_NAMES must list exactly the private names the seam uses"


def test_a_missing_name_is_reported_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sdk_compat.PRIVATE_NAMES, Target, ("_process_schema_message", "_gone_in_next_sdk"))
    assert sdk_compat.missing_private_names() == ["singer_sdk.target_base.Target._gone_in_next_sdk"]


@pytest.mark.parametrize(
    "path", sorted(p for p in PACKAGE.rglob("*.py") if p != SEAM), ids=lambda p: str(p.relative_to(PACKAGE))
)
def test_no_other_target_module_uses_a_singer_sdk_private_name(path: Path) -> None:
    uses = list(private_uses(path, sdk_private_names()))
    assert not uses, f"{path.name} uses singer-sdk private names {uses}: go through sdk_compat.py"


def test_the_scan_finds_a_private_hook_and_a_private_import(tmp_path: Path) -> None:
    module = tmp_path / "bad.py"
    module.write_text(
        "from singer_sdk.helpers._util import utc_now\n"
        "class S:\n"
        "    def _process_schema_message(self, m):\n"
        "        self._MAX_RECORD_AGE_IN_MINUTES = 1\n"
    )
    assert sorted(private_uses(module, sdk_private_names())) == [
        "1: imports _util",
        "3: overrides _process_schema_message",
        "4: uses _MAX_RECORD_AGE_IN_MINUTES",
    ]


def test_singer_sdk_is_pinned_exactly() -> None:
    project = tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text(encoding="utf-8"))
    pins = [d for d in project["project"]["dependencies"] if re.match(r"singer-sdk\b", d)]
    assert len(pins) == 1, pins
    assert re.search(r"==\s*[\d.]+$", pins[0]), pins
