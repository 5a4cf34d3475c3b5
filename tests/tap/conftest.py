"""Fixtures for the tap tests: a small emulated company per test (ephemeral port, no shared files)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.emulators.qbo import QBOEmulator
from tests.tap.harness import tap_config

SCALE = 0.05


@pytest.fixture
def emu() -> Iterator[QBOEmulator]:
    with QBOEmulator(seed=7, scale=SCALE, port=0) as emulator:
        yield emulator


@pytest.fixture
def config(emu: QBOEmulator, tmp_path: Path) -> dict[str, Any]:
    return tap_config(emu, tmp_path)
