"""One emulator, several companies: one OAuth client, a refresh token per realm, each token good for its own
company only, and each company's data its own."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator

import pytest
import requests

from tests.emulators.qbo import QBOEmulator

from .conftest import START

SECOND = "9341453050298742"


@pytest.fixture
def two() -> Iterator[QBOEmulator]:
    with QBOEmulator(seed=7, scale=0.05, port=0, start=START) as emulator:
        emulator.add_realm(SECOND, seed=11, scale=0.1, multicurrency=True)
        yield emulator


def _token(emu: QBOEmulator, refresh_token: str) -> dict[str, str]:
    response = requests.post(
        emu.token_url,
        data={"grant_type": "refresh_token", "refresh_token": refresh_token},
        auth=(emu.client_id, emu.client_secret),
        headers={"Accept": "application/json"},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    body: dict[str, str] = response.json()
    return body


def _query(emu: QBOEmulator, realm: str, access: str, text: str) -> requests.Response:
    return requests.get(
        f"{emu.base_url}/v3/company/{realm}/query",
        params={"query": text},
        headers={"Authorization": f"Bearer {access}", "Accept": "application/json"},
        timeout=10,
    )


def test_each_realm_has_its_own_token_and_company(two: QBOEmulator) -> None:
    first, second = two.realm(None), two.realm(SECOND)
    a = _token(two, first.issue_refresh_token())["access_token"]
    b = _token(two, second.issue_refresh_token())["access_token"]
    invoices = {}
    for realm, access in ((first.realm_id, a), (SECOND, b)):
        response = _query(two, realm, access, "select count(*) from invoice")
        assert response.status_code == 200
        invoices[realm] = response.json()["QueryResponse"]["totalCount"]
    assert invoices == {
        first.realm_id: len(first.store.all("Invoice")),
        SECOND: len(second.store.all("Invoice")),
    }
    assert invoices[first.realm_id] != invoices[SECOND]
    # A token works for its own company only: another realm is Intuit's 403 AuthorizationFault.
    crossed = _query(two, SECOND, a, "select * from Term")
    assert crossed.status_code == 403
    assert crossed.json()["Fault"]["Error"][0]["code"] == "3100"
    prefs = requests.get(
        f"{two.base_url}/v3/company/{SECOND}/preferences",
        headers={"Authorization": f"Bearer {b}", "Accept": "application/json"},
        timeout=10,
    ).json()["Preferences"]
    assert prefs["CurrencyPrefs"]["MultiCurrencyEnabled"] is True
    # Mutating one company leaves the other alone.
    second.mutate.create("Customer", {"DisplayName": "Only In The Second Company"})
    assert not [c for c in first.store.all("Customer") if c["DisplayName"].startswith("Only In")]


def test_admin_api_and_cli_serve_several_realms(two: QBOEmulator) -> None:
    token = requests.post(f"{two.admin_url}/refresh_token", json={"realm": SECOND}, timeout=10).json()
    assert token["realmId"] == SECOND
    assert _token(two, token["refresh_token"])["access_token"]
    store = requests.get(
        f"{two.admin_url}/store", params={"entity": "CompanyCurrency", "realm": SECOND}, timeout=10
    )
    assert {c["Code"] for c in store.json()["CompanyCurrency"]} == {"EUR", "GBP", "CAD"}
    cli = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.emulators.qbo",
            "--port",
            "0",
            "--scale",
            "0.05",
            "--realm",
            f"{SECOND}:11:0.05",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert cli.stdout is not None
        announced = json.loads(cli.stdout.readline())
        assert set(announced["realms"]) == {announced["realm_id"], SECOND}
        for realm, refresh in announced["realms"].items():
            access = requests.post(
                announced["token_url"],
                data={"grant_type": "refresh_token", "refresh_token": refresh},
                auth=(announced["client_id"], announced["client_secret"]),
                timeout=10,
            ).json()["access_token"]
            found = requests.get(
                f"{announced['base_url']}/v3/company/{realm}/query",
                params={"query": "select * from CompanyInfo"},
                headers={"Authorization": f"Bearer {access}", "Accept": "application/json"},
                timeout=10,
            )
            assert found.status_code == 200
    finally:
        cli.terminate()
        cli.wait(timeout=10)
