"""singer-sdk's standard tap test suites, run against a QBO emulator the module's fixture starts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from cryptography.fernet import Fernet
from singer_sdk.testing import SuiteConfig, get_tap_test_class
from tap_quickbooks_online.tap import TapQuickBooksOnline

from tests.emulators.qbo import QBOEmulator
from tests.tap.conftest import SCALE
from tests.tap.harness import tap_config

# get_tap_test_class builds a tap from this config when the class is made (to list the streams, which do
# not depend on it), and its runner reads the same dict again when the tests run: the fixture below fills
# in the emulator's address and a fresh token store then, so nothing starts at import.
CONFIG: dict[str, Any] = {
    "realm_id": "0",
    "client_id": "set-by-the-emulator-fixture",
    "client_secret": "set-by-the-emulator-fixture",
    "refresh_token": "set-by-the-emulator-fixture",
    "token_store_path": "set-by-the-emulator-fixture",
    "token_store_key": Fernet.generate_key().decode(),
    "api_base_url": "http://127.0.0.1:9",
    "oauth_token_url": "http://127.0.0.1:9/oauth2/v1/tokens/bearer",
}


@pytest.fixture(scope="module", autouse=True)
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[QBOEmulator]:
    """Multicurrency, so company_currencies and exchange_rates have rows; the company is in the US, so the
    region-only streams (France; Australia, Canada, UK) have none, by design (docs/qbo-entities.md)."""
    with QBOEmulator(seed=11, scale=SCALE, port=0, multicurrency=True) as emu:
        CONFIG.update(tap_config(emu, tmp_path_factory.mktemp("tap-qbo-standard")))
        yield emu


TestTapQuickBooksOnline = get_tap_test_class(
    tap_class=TapQuickBooksOnline,
    config=CONFIG,
    suite_config=SuiteConfig(
        max_records_limit=60, ignore_no_records_for_streams=["journal_codes", "tax_payments"]
    ),
)
