"""Fixtures for the QBO emulator's own tests: a started emulator and an authorised HTTP session."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.emulators.qbo import QBOEmulator

SAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "qbo-samples"
# A fixed start keeps dates stable across test runs (the company's history ends the day before).
START = datetime(2026, 3, 10, 18, 0, tzinfo=UTC)


def sample(name: str) -> Any:
    return json.loads((SAMPLES / name).read_text())


def record(emu: QBOEmulator, entity: str, record_id: str) -> dict[str, Any]:
    found = emu.store.get(entity, record_id)
    assert found is not None, f"{entity} {record_id} is missing"
    return found


class Api:
    """A bearer-authorised session on the emulator's v3 API."""

    def __init__(self, emu: QBOEmulator) -> None:
        self.emu = emu
        self.session = requests.Session()
        self.session.headers.update(
            {"Accept": "application/json", "Authorization": f"Bearer {emu.issue_access_token()}"}
        )

    def get(self, path: str, **params: Any) -> requests.Response:
        return self.session.get(
            f"{self.emu.api_url}/{path}", params={"minorversion": "75", **params}, timeout=10
        )

    def post(self, path: str, params: dict[str, str] | None = None, **kwargs: Any) -> requests.Response:
        return self.session.post(
            f"{self.emu.api_url}/{path}",
            params={"minorversion": "75", **(params or {})},
            timeout=10,
            **kwargs,
        )

    def query(self, text: str) -> requests.Response:
        return self.post("query", data=text, headers={"Content-Type": "application/text"})

    def rows(self, text: str) -> list[dict[str, Any]]:
        response = self.query(text)
        assert response.status_code == 200, response.text
        body = response.json(parse_float=Decimal)["QueryResponse"]
        return next((v for k, v in body.items() if isinstance(v, list)), [])


@pytest.fixture
def emu() -> Iterator[QBOEmulator]:
    with QBOEmulator(seed=7, start=START) as emulator:
        yield emulator


@pytest.fixture
def api(emu: QBOEmulator) -> Api:
    return Api(emu)
