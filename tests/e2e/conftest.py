"""Fixtures for end-to-end runs through Meltano: the real CLI, real plugin venvs, the offline emulators."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from filelock import FileLock

ROOT = Path(__file__).resolve().parents[2]
MELTANO = ROOT / ".tools" / "bin" / "meltano"


@dataclass
class MeltanoProject:
    """The repository's Meltano project, run with per-test state, output and secrets."""

    workdir: Path
    env: dict[str, str] = field(default_factory=dict)
    cwd: Path = ROOT  # the Meltano project's directory (a copy for tests that add plugins)

    def run(self, *args: str, check: bool = True, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [str(MELTANO), "--environment", "dev", *args],
            cwd=self.cwd, env=self.env, capture_output=True, text=True, timeout=timeout,
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"meltano {' '.join(args)} exited {result.returncode}\n"
                f"--- stdout ---\n{result.stdout[-4000:]}\n--- stderr ---\n{result.stderr[-8000:]}"
            )
        return result

    @property
    def delta_schema_dir(self) -> Path:
        return self.workdir / "delta" / "main" / "quickbooks"


@pytest.fixture(scope="session")
def meltano_installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`meltano install` once per machine run; xdist workers share it under a file lock."""
    if not MELTANO.exists():
        pytest.fail(f"{MELTANO} is missing: run ./scripts/bootstrap (./scripts/test does)")
    with FileLock(str(ROOT / ".meltano.install.lock")):
        subprocess.run(
            [str(MELTANO), "install"], cwd=ROOT, check=True, capture_output=True, text=True, timeout=900,
        )
    return MELTANO


def private_sys_dir(tmp_path: Path) -> Path:
    """A .meltano of the test's own that shares the installed plugin venvs: Meltano writes each run's catalog
    and config under .meltano/run/<plugin>/, which concurrent runs would otherwise overwrite."""
    sys_dir = tmp_path / "meltano-sys"
    sys_dir.mkdir()
    for plugin_type in ("extractors", "loaders", "mappers", "utilities"):
        (sys_dir / plugin_type).symlink_to(ROOT / ".meltano" / plugin_type)
    return sys_dir


@pytest.fixture
def meltano(meltano_installed: Path, tmp_path: Path) -> Iterator[MeltanoProject]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TAP_", "TARGET_", "MELTANO_"))}
    env.update(
        MELTANO_DATABASE_URI=f"sqlite:///{tmp_path / 'meltano.db'}",
        MELTANO_SYS_DIR_ROOT=str(private_sys_dir(tmp_path)),
        MELTANO_SEND_ANONYMOUS_USAGE_STATS="false",
        TAP_QUICKBOOKS_ONLINE_TOKEN_STORE_PATH=str(tmp_path / "tokens.enc"),
        TAP_QUICKBOOKS_ONLINE_TOKEN_STORE_KEY=Fernet.generate_key().decode(),
        TAP_QUICKBOOKS_ONLINE_WEBHOOK_INBOX_PATH=str(tmp_path / "inbox.sqlite"),
        TARGET_DATABRICKS_DELTA_ROOT=str(tmp_path / "delta"),
    )
    yield MeltanoProject(workdir=tmp_path, env=env)
    shutil.rmtree(tmp_path / "delta", ignore_errors=True)
