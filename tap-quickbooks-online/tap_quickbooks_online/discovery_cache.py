"""The tap's console entry point, with discovery answered from a cache of its own output.

Discovery is static (tap.discover_streams: schemas come from the package's files and reports.py, never
from the config or the API), so its output is a pure function of the code: this package's files, the
singer-sdk release and the Python version. Meltano runs `--discover` before every sync of an editable
install (it cannot know the code did not change), which cost ~1.3 CPU-seconds a run: importing
singer-sdk, building 46 streams and serialising a 10 MB catalog. Here the first discovery stores its output
under a hash of everything it depends on and later ones print it back without importing singer-sdk; any
edit to a schema or module changes the hash, so a stale catalog is never served.

The cache lives in $XDG_CACHE_HOME/tap-quickbooks-online (default ~/.cache/...), one file per hash, the
newest few kept; set TAP_QUICKBOOKS_ONLINE_DISCOVERY_CACHE=0 to always discover afresh.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import sys
from functools import cache
from importlib import metadata
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
SWITCH_ENV = "TAP_QUICKBOOKS_ONLINE_DISCOVERY_CACHE"
KEEP = 4  # catalogs kept (~11 MB each): other checkouts or recent code versions
# Any of these makes the invocation something other than plain discovery: leave it to singer-sdk. (Meltano
# passes --state with --discover; singer-sdk's discovery ignores it.)
OTHER_MODES = {"--about", "--help", "--version", "--test", "--catalog", "--properties"}


def enabled() -> bool:
    return os.environ.get(SWITCH_ENV, "1").strip().lower() not in {"0", "false", "no", "off"}


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "tap-quickbooks-online"


@cache
def cache_key() -> str:
    """Hash of what discovery's output depends on: the package's code and schemas, singer-sdk, Python."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(f"{sys.version}|singer-sdk {metadata.version('singer-sdk')}".encode())
    for path in sorted(PACKAGE_DIR.rglob("*")):
        if path.suffix in {".py", ".json"} and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(PACKAGE_DIR)).encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def cache_path() -> Path:
    return cache_dir() / f"catalog-{cache_key()}.json"


def cached() -> bytes | None:
    """The stored discovery output for the code as it is now, or None."""
    try:
        return cache_path().read_bytes()
    except OSError:
        return None


def store(catalog_text: str) -> None:
    """Keep a discovery's output (exactly as printed) for the next run; a cache that cannot be written
    (read-only home) only means the next run discovers again."""
    if not enabled():
        return
    path = cache_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        partial.write_text(catalog_text + "\n")
        os.replace(partial, path)
        older = sorted(path.parent.glob("catalog-*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
        for stale in older[KEEP:]:
            stale.unlink(missing_ok=True)
    except OSError:
        return


def is_plain_discovery(argv: list[str]) -> bool:
    """`--discover` alone, with config files that exist (singer-sdk names a missing one)."""
    if "--discover" not in argv or OTHER_MODES.intersection(argv):
        return False
    configs = [value for flag, value in itertools.pairwise(argv) if flag == "--config"]
    return all(value == "ENV" or Path(value).is_file() for value in configs)


def cli() -> None:
    """`tap-quickbooks-online`: plain `--discover` from the cache when it holds this code's catalog, every
    other invocation (and a cache miss) through singer-sdk's CLI (tap.cli)."""
    if enabled() and is_plain_discovery(sys.argv[1:]) and (catalog := cached()) is not None:
        sys.stdout.buffer.write(catalog)
        sys.stdout.flush()
        return
    cache_key()  # hashed before the code is imported: what is stored matches the code that ran
    from .tap import cli as tap_cli

    tap_cli()
