"""README's set-up on a fresh machine: only a python3 on a bare PATH, an empty HOME, empty caches.

These tests reach PyPI, as README's two commands do on a new machine (nothing else in the suite does).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# The machine's certificate trust settings (a proxy's CA, for instance) are not tooling: pass them through.
TRUST_VARIABLES = ("SSL_CERT_FILE", "SSL_CERT_DIR", "PIP_CERT", "REQUESTS_CA_BUNDLE")


def pinned_uv_version() -> str:
    match = re.search(r"^UV_VERSION=(\S+)$", (ROOT / "scripts" / "bootstrap").read_text(), re.M)
    assert match, "scripts/bootstrap must pin UV_VERSION"
    return match.group(1)


def bare_env(home: Path, bin_dir: Path) -> dict[str, str]:
    """HOME empty, PATH holding a python3 and the OS's basic tools only: no uv, no ~/.local/bin."""
    system_python = Path("/usr/bin/python3")
    if not system_python.exists():  # not Debian-like: offer the Python running the tests as "python3"
        bin_dir.mkdir(exist_ok=True)
        (bin_dir / "python3").symlink_to(getattr(sys, "_base_executable", sys.executable))
    env = {"HOME": str(home), "PATH": f"{bin_dir}:/usr/bin:/bin", "LANG": "C.UTF-8"}
    env.update({name: os.environ[name] for name in TRUST_VARIABLES if name in os.environ})
    return env


def copy_checkout(dest: Path) -> None:
    """The tracked files as they are in the working tree (what CI's fresh clone would hold)."""
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for name in filter(None, tracked.decode().split("\0")):
        source, target = ROOT / name, dest / name
        if source.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)


def run(command: list[str], cwd: Path, env: dict[str, str], timeout: float) -> str:
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, (
        f"{' '.join(command)} exited {result.returncode}\n--- stdout ---\n{result.stdout[-3000:]}"
        f"\n--- stderr ---\n{result.stderr[-6000:]}"
    )
    return result.stdout


def test_uv_installs_from_pypi_with_only_the_standard_library(tmp_path: Path) -> None:
    """bootstrap's last resort, for a Python without pip or venv: the wheel unpacked by fetch_uv.py runs."""
    env = bare_env(tmp_path / "home", tmp_path / "bin")
    (tmp_path / "home").mkdir()
    version = pinned_uv_version()
    run(["python3", str(ROOT / "scripts" / "fetch_uv.py"), version, str(tmp_path / "uv")], tmp_path, env, 300)
    assert run([str(tmp_path / "uv" / "uv"), "--version"], tmp_path, env, 60).split()[1] == version


@pytest.mark.slow
def test_bootstrap_then_meltano_install_on_a_bare_machine(tmp_path: Path) -> None:
    checkout, home = tmp_path / "checkout", tmp_path / "home"
    home.mkdir()
    copy_checkout(checkout)
    env = bare_env(home, tmp_path / "bin")

    run(["bash", "scripts/bootstrap"], checkout, env, 900)

    uv_version = run([str(checkout / ".tools/bin/uv"), "--version"], checkout, env, 60).split()[1]
    assert uv_version == pinned_uv_version()
    assert not (home / ".local" / "bin").exists(), "bootstrap must not rely on ~/.local/bin"
    run([str(checkout / ".venv/bin/python"), "-c", "import tap_quickbooks_online, target_databricks"],
        checkout, env, 120)
    # Meltano's plugin installs run uv themselves: they must work from the scripts' environment alone.
    out = run(["bash", "-c", ". scripts/env && meltano --environment dev install"], checkout, env, 900)
    plugins = checkout / ".meltano"
    assert (plugins / "extractors/tap-quickbooks-online/venv/bin/tap-quickbooks-online").exists(), out
    assert (plugins / "loaders/target-databricks/venv/bin/target-databricks").exists(), out
