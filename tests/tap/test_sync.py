"""Full and incremental syncs against the QBO emulator: what lands must be exactly what QBO holds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import msgspec
from tap_quickbooks_online.entities import BY_NAME, BY_STREAM, ENTITIES, load_schema
from tap_quickbooks_online.token_store import TokenStore

from tests.emulators.qbo import QBOEmulator
from tests.tap.harness import RunResult, run_tap
from tests.tap.test_schemas import missing_keys

ADDED = ("realm_id", "LastUpdatedTime", "_sdc_deleted_at")
_ENC = msgspec.json.Encoder(decimal_format="number")
_DEC = msgspec.json.Decoder(float_hook=Decimal)
CDC_STREAMS = [e.stream_name for e in ENTITIES if e.cdc]
# Entities a US company without multicurrency does not have (docs/qbo-entities.md): synced as nothing.
ABSENT_HERE = {"CompanyCurrency", "ExchangeRate", "JournalCode", "TaxPayment"}


def normal(record: dict[str, Any]) -> dict[str, Any]:
    """A record as QBO JSON (tap columns removed), with every number as an exact Decimal."""
    out: dict[str, Any] = _DEC.decode(_ENC.encode({k: v for k, v in record.items() if k not in ADDED}))
    return out


def expected(emu: QBOEmulator, stream: str) -> dict[str, dict[str, Any]]:
    """What the stream must bring: QBO's records (a wrapped RecurringTransaction with its inner Id and
    MetaData copied to the top, as the tap does)."""
    records = emu.store.all(BY_STREAM[stream].name)
    if BY_STREAM[stream].wrapped:
        inner = [next(iter(r.values())) for r in records]
        records = [
            {"Id": i["Id"], "MetaData": i["MetaData"], **r} for i, r in zip(inner, records, strict=True)
        ]
    return {r["Id"]: normal(r) for r in records}


def test_full_sync_equals_the_emulator_and_fits_the_schema(emu: QBOEmulator, config: dict[str, Any]) -> None:
    result = run_tap(config)
    for entity in ENTITIES:
        got = {i: normal(r) for i, r in result.by_id(entity.stream_name).items()}
        want = expected(emu, entity.stream_name)
        assert bool(want) != (entity.name in ABSENT_HERE), (
            f"{entity.name}: the comparison would prove nothing"
        )
        assert got == want, entity.stream_name
        if not want:
            continue
        schema = load_schema(entity)
        for record in want.values():
            assert missing_keys(record, schema, entity.name) == []
        sample = result.records[entity.stream_name][0]
        assert sample["realm_id"] == emu.realm_id
        assert sample["LastUpdatedTime"] == sample["MetaData"]["LastUpdatedTime"]
        assert sample["_sdc_deleted_at"] is None
    amounts = [r["TotalAmt"] for r in result.records["invoices"]]
    assert all(isinstance(a, Decimal | int) for a in amounts)
    assert any(isinstance(a, Decimal) for a in amounts), "money must arrive as Decimal, never float"
    inactive = [c for c in result.records["customers"] if c.get("Active") is False]
    assert len(inactive) == sum(1 for c in emu.store.all("Customer") if c.get("Active") is False)
    for name in ("JournalCode", "TaxPayment"):
        assert (
            f"{BY_NAME[name].stream_name}: skipped: QBO has {name} only for companies in" in result.log_text
        )
    # Nothing changed: one CDC call for the entities with CDC, one /batch for those without; the company's
    # country, read once for the region-only streams, is not asked again.
    before = emu.counters()
    again = run_tap(config, state=result.state)
    delta = {k: v - before.get(k, 0) for k, v in emu.counters().items() if v != before.get(k, 0)}
    assert delta == {"cdc": 1, "batch": 1}
    assert not any(again.records.values())


def _mutate(emu: QBOEmulator) -> dict[str, set[str]]:
    """One of every mutation kind; returns the ids each stream must bring next."""
    invoices = emu.store.all("Invoice")
    customers = [c for c in emu.store.all("Customer") if c.get("Active", True)]
    vendors = [v for v in emu.store.all("Vendor") if v.get("Active", True)]
    template = invoices[0]
    created = emu.mutate.create("Invoice", {"CustomerRef": template["CustomerRef"], "Line": template["Line"]})
    emu.mutate.update("Customer", customers[0]["Id"], {"Notes": "updated by test"})
    emu.mutate.delete("Invoice", invoices[1]["Id"])
    emu.mutate.void("Invoice", invoices[2]["Id"])
    emu.mutate.deactivate("Vendor", vendors[0]["Id"])
    emu.mutate.merge("Customer", customers[1]["Id"], customers[2]["Id"])
    newer = _mutate_newer_entities(emu)
    return {
        **newer,
        "invoices": {created["Id"], invoices[1]["Id"], invoices[2]["Id"]},
        "customers": {customers[0]["Id"], customers[1]["Id"], customers[2]["Id"]},
        "vendors": {vendors[0]["Id"]},
    }


def _mutate_newer_entities(emu: QBOEmulator) -> dict[str, set[str]]:
    """A create, an update, a delete and a deactivation on the entities added for issue 11."""
    bill = emu.store.all("Bill")[3]["Id"]
    note = emu.mutate.create(
        "Attachable",
        {"Note": "Approved", "AttachableRef": [{"EntityRef": {"type": "Bill", "value": bill}}]},
    )
    gone = emu.store.all("Attachable")[0]["Id"]
    emu.mutate.delete("Attachable", gone)
    card = emu.store.all("CreditCardPayment")[0]
    paid = emu.mutate.create(
        "CreditCardPayment", {k: card[k] for k in ("CreditCardAccountRef", "BankAccountRef")} | {"Amount": 12}
    )
    emu.mutate.delete("CreditCardPayment", card["Id"])
    charge = emu.store.all("ReimburseCharge")[1]["Id"]
    emu.mutate.update("ReimburseCharge", charge, {"HasBeenInvoiced": True})
    kind = emu.store.all("CustomerType")[0]["Id"]
    emu.mutate.deactivate("CustomerType", kind)
    template = next(iter(emu.store.all("RecurringTransaction")[1].values()))["Id"]
    emu.mutate.delete("RecurringTransaction", template)
    return {
        "recurring_transactions": {template},
        "attachables": {note["Id"], gone},
        "credit_card_payments": {card["Id"], paid["Id"]},
        "reimburse_charges": {charge},
        "customer_types": {kind},
    }


def test_incremental_brings_exactly_the_mutations(emu: QBOEmulator, config: dict[str, Any]) -> None:
    first = run_tap(config, streams=CDC_STREAMS)
    emu.clock.advance(5)
    changed = _mutate(emu)
    before = emu.counters()
    second = run_tap(config, state=first.state, streams=CDC_STREAMS)
    after = emu.counters()
    assert after.get("cdc", 0) - before.get("cdc", 0) == 1, "one CDC call covers every entity"
    assert after.get("query", 0) == before.get("query", 0)
    got = {s: {r["Id"] for r in recs} for s, recs in second.records.items() if recs}
    assert got == changed
    invoices = second.by_id("invoices")
    deleted_id, voided_id = sorted(changed["invoices"] - {max(changed["invoices"], key=int)}, key=int)
    assert invoices[deleted_id]["_sdc_deleted_at"] == invoices[deleted_id]["MetaData"]["LastUpdatedTime"]
    assert invoices[voided_id]["TotalAmt"] == 0
    assert invoices[voided_id]["_sdc_deleted_at"] is None
    assert second.by_id("vendors").popitem()[1]["Active"] is False
    for stream, ids in (
        ("attachables", changed["attachables"]),
        ("credit_card_payments", changed["credit_card_payments"]),
    ):
        gone = [i for i in ids if i not in expected(emu, stream)]
        assert len(gone) == 1
        assert second.by_id(stream)[gone[0]]["_sdc_deleted_at"] is not None
    assert second.by_id("customer_types").popitem()[1]["Active"] is False
    merged_away = second.by_id("customers")
    assert sum(1 for r in merged_away.values() if r["_sdc_deleted_at"]) == 1
    for stream, ids in changed.items():
        want = expected(emu, stream)
        for record_id in ids:
            if record_id in want:
                assert normal(second.by_id(stream)[record_id]) == want[record_id]


def test_no_change_incremental_makes_at_most_two_calls(emu: QBOEmulator, config: dict[str, Any]) -> None:
    first = run_tap(config, streams=CDC_STREAMS)
    expire_access_token(config)  # the worst case: the next run must refresh first
    before = emu.counters()
    second = run_tap(config, state=first.state, streams=CDC_STREAMS)
    delta = {k: v - before.get(k, 0) for k, v in emu.counters().items() if v != before.get(k, 0)}
    assert delta == {"token": 1, "cdc": 1}
    assert not any(second.records.values())
    # Within cdc_interval nothing is due: no call at all, not even for a token.
    before = emu.counters()
    third = run_tap({**config, "cdc_interval": 3600}, state=second.state, streams=CDC_STREAMS)
    assert emu.counters() == before
    assert third.state["bookmarks"] == second.state["bookmarks"]


def test_bookmark_older_than_cdc_window_reads_the_stream_whole_as_one_version(
    emu: QBOEmulator, config: dict[str, Any]
) -> None:
    """Past CDC's 30 days deletes are unseen: the stream is read whole between two ACTIVATE_VERSIONs, so
    the target flags every row not re-sent (docs/deletes.md); streams still in the window keep CDC."""
    first = run_tap(config, streams=["invoices", "customers"])
    old = (datetime.now(UTC) - timedelta(days=40)).isoformat()
    state = first.state
    state["bookmarks"]["invoices"]["replication_key_value"] = old
    emu.mutate.update("Customer", emu.store.all("Customer")[0]["Id"], {"Notes": "cdc still used"})
    before = emu.counters()
    second = run_tap(config, state=state, streams=["invoices", "customers"])
    delta = {k: v - before.get(k, 0) for k, v in emu.counters().items()}
    assert delta.get("cdc") == 1, "customers stay on CDC"
    assert {r["Id"] for r in second.records["invoices"]} == {r["Id"] for r in emu.store.all("Invoice")}
    versions = [m for m in second.messages if m["type"] == "ACTIVATE_VERSION"]
    assert [m["stream"] for m in versions] == ["invoices", "invoices"]
    assert versions[0]["version"] == versions[1]["version"]
    kinds = [m["type"] for m in second.messages if m.get("stream") == "invoices"]
    assert kinds.index("ACTIVATE_VERSION") < kinds.index("RECORD")
    assert kinds[::-1].index("ACTIVATE_VERSION") < kinds[::-1].index("RECORD")  # the closing one: after
    assert "older than CDC's 30-day window" in second.log_text
    assert datetime.fromisoformat(second.state["bookmarks"]["invoices"]["replication_key_value"]) > (
        datetime.fromisoformat(old)
    )
    assert "reconciled_at" in second.state["bookmarks"]["invoices"]


def expire_access_token(config: dict[str, Any]) -> None:
    store = TokenStore(config["token_store_path"], config["token_store_key"])
    with store.locked():
        tokens = store.read()
        assert tokens is not None
        tokens.access_expires_at = 0
        store.write(tokens)


def _apply(view: dict[str, dict[str, Any]], result: RunResult, stream: str) -> None:
    for record in result.records[stream]:
        if record["_sdc_deleted_at"]:
            view.pop(record["Id"], None)
        else:
            view[record["Id"]] = normal(record)


def test_money_stays_exact_to_38_digits(emu: QBOEmulator, config: dict[str, Any]) -> None:
    template = emu.store.all("Invoice")[0]
    line = {**template["Line"][0], "Amount": Decimal("12345678901234567890123456789.123456789")}
    line.pop("Id", None)
    created = emu.mutate.create("Invoice", {"CustomerRef": template["CustomerRef"], "Line": [line]})
    result = run_tap(config, streams=["invoices"])
    record = result.by_id("invoices")[created["Id"]]
    assert record["Line"][0]["Amount"] == Decimal("12345678901234567890123456789.123456789")
    stored = next(r for r in emu.store.all("Invoice") if r["Id"] == created["Id"])
    assert isinstance(record["TotalAmt"], Decimal)
    assert str(record["TotalAmt"]) == str(stored["TotalAmt"])  # whatever QBO computed, to the digit
