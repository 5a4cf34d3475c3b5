"""A multicurrency company through the tap: foreign documents keep their currency, rate and home amounts
exactly; exchange rates (no Id: keyed by currencies and date) and company currencies arrive whole."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from tap_quickbooks_online.entities import BY_NAME

from tests.emulators.qbo import QBOEmulator
from tests.tap.harness import run_tap, tap_config
from tests.tap.test_sync import normal

STREAMS = [
    "invoices",
    "payments",
    "bills",
    "bill_payments",
    "exchange_rates",
    "company_currencies",
    "accounts",
]


@pytest.fixture
def mc() -> Iterator[QBOEmulator]:
    with QBOEmulator(seed=7, scale=0.05, port=0, multicurrency=True) as emulator:
        yield emulator


def _key(record: dict[str, Any]) -> str:
    return "|".join(record[k] for k in ("SourceCurrencyCode", "TargetCurrencyCode", "AsOfDate"))


def test_multicurrency_company_lands_exact_home_and_foreign_amounts(mc: QBOEmulator, tmp_path: Path) -> None:
    config = tap_config(mc, tmp_path)
    result = run_tap(config, streams=STREAMS)
    for stream in STREAMS:
        entity = BY_NAME[next(e for e in BY_NAME if BY_NAME[e].stream_name == stream)]
        source = mc.store.all(entity.name)
        assert source, stream
        ident = _key if entity.name == "ExchangeRate" else (lambda r: r["Id"])
        got = {ident(r): normal(r) for r in result.records[stream]}
        assert got == {ident(r): normal(r) for r in source}, stream
    foreign = [r for r in result.records["invoices"] if r["CurrencyRef"]["value"] != "USD"]
    assert foreign
    for invoice in foreign:
        assert isinstance(invoice["ExchangeRate"], Decimal)
        assert invoice["HomeTotalAmt"] == (invoice["TotalAmt"] * invoice["ExchangeRate"]).quantize(
            Decimal("0.01")
        )
    rates = result.records["exchange_rates"]
    assert len({_key(r) for r in rates}) == 3 * 365  # a page boundary row may come twice (merged by key)
    schema = next(m for m in result.messages if m["type"] == "SCHEMA" and m["stream"] == "exchange_rates")
    assert schema["key_properties"] == ["realm_id", "SourceCurrencyCode", "TargetCurrencyCode", "AsOfDate"]
    # Incremental: nothing changed, so nothing comes again (rates included, through CDC).
    again = run_tap(config, state=result.state, streams=STREAMS)
    assert not any(again.records.values())
