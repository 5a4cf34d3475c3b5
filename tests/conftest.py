"""Shared pytest configuration: offline by default; `live` tests need an explicit opt-in."""

from __future__ import annotations

import os

import pytest


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("QBO_LIVE") or os.environ.get("DATABRICKS_LIVE"):
        return
    skip_live = pytest.mark.skip(reason="live test: set QBO_LIVE=1 or DATABRICKS_LIVE=1 with real credentials")
    for item in items:
        if "live" in item.keywords:
            item.add_marker(skip_live)
