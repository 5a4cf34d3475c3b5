"""Records built from QBO's JSON as sent: the same records as singer-sdk's per-record path, and every odd
object (an unknown field, pretty-printed JSON, no Id) handled loudly."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import msgspec
import pytest
from singer_sdk.contrib.msgspec import MsgSpecWriter
from singer_sdk.singerlib.encoding.simple import RecordMessage
from tap_quickbooks_online.entities import ENTITIES
from tap_quickbooks_online.errors import FatalError
from tap_quickbooks_online.query import parse_ts
from tap_quickbooks_online.records import RecordLines, Row, rows_from
from tap_quickbooks_online.responses import decode

from tests.emulators.qbo import QBOEmulator
from tests.tap.harness import run_tap
from tests.tap.test_schemas import SAMPLES

_DEC = msgspec.json.Decoder(float_hook=Decimal)
_ENC = msgspec.json.Encoder(decimal_format="number")
STAMP = "2026-11-25T00:00:00+00:00"
EXTRACTED = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)


def lines_of(rows: list[Row], stream: str = "invoices") -> list[dict[str, Any]]:
    block = RecordLines(stream, "4620816365").build(rows, EXTRACTED)
    assert block.endswith(b"\n")
    assert block.count(b"\n") == len(rows)
    return [_DEC.decode(line) for line in block.splitlines()]


def _objects(emu: QBOEmulator, mc: QBOEmulator, name: str) -> list[dict[str, Any]]:
    """Records of an entity: the US company's, else the multicurrency company's, else Intuit's sample
    (region-only entities)."""
    found = emu.store.all(name)[:50] or mc.store.all(name)[:50]
    if found:
        return found
    body = json.loads((SAMPLES / "entities" / f"{name}.json").read_text())
    return [body[name]]


def test_lines_hold_exactly_the_records_of_the_dict_path(emu: QBOEmulator) -> None:
    with QBOEmulator(seed=7, scale=0.05, port=0, multicurrency=True) as mc:
        objects = {entity.name: _objects(emu, mc, entity.name) for entity in ENTITIES}
    for entity in ENTITIES:
        raws = [msgspec.Raw(_ENC.encode(r)) for r in objects[entity.name]]
        rows = rows_from(entity.name, raws)
        assert rows, f"the emulator has no {entity.name}: the comparison would prove nothing"
        messages = lines_of(rows, entity.stream_name)
        assert [m["record"] for m in messages] == [r.record("4620816365") for r in rows], entity.name
        assert {m["stream"] for m in messages} == {entity.stream_name}
        assert {m["time_extracted"] for m in messages} == {"2026-11-25T06:00:00Z"}


def test_a_line_is_the_message_singer_sdk_would_write() -> None:
    body = b'{"Id":"9","TotalAmt":1.10,"MetaData":{"LastUpdatedTime":"2026-11-24T10:00:00-08:00"}}'
    (row,) = rows_from("Invoice", [msgspec.Raw(body)])
    message = RecordMessage(stream="invoices", record=row.record("4620816365"), time_extracted=EXTRACTED)
    sdk = _DEC.decode(bytes(MsgSpecWriter().serialize_message(message)))
    ours = _DEC.decode(RecordLines("invoices", "4620816365").build([row], EXTRACTED))
    assert ours == sdk


def test_a_delete_stub_carries_its_time_as_the_delete_marker() -> None:
    stub = {"Id": "77", "status": "Deleted", "domain": "QBO", "MetaData": {"LastUpdatedTime": STAMP}}
    (record,) = [m["record"] for m in lines_of([Row.of("Invoice", stub)])]
    assert record == {**stub, "realm_id": "4620816365", "LastUpdatedTime": STAMP, "_sdc_deleted_at": STAMP}


def test_amounts_keep_every_digit_intuit_wrote() -> None:
    body = b'{"Id":"1","TotalAmt":12345678901234567890123456789.123456789,"Balance":0.10}'
    (record,) = [m["record"] for m in lines_of(rows_from("Invoice", [msgspec.Raw(body)]))]
    assert record["TotalAmt"] == Decimal("12345678901234567890123456789.123456789")
    assert str(record["Balance"]) == "0.10"


def test_pretty_printed_answers_still_give_one_line_per_record() -> None:
    body = b'{\n  "QueryResponse": {\n    "Invoice": [\n      {"Id": "1",\n "DocNumber": "a\\nb"},\n'
    body += b'      {"Id": "2", "Line": [\n {"Amount": 1.50}\n]}\n    ],\n    "maxResults": 2\n  },\n'
    body += b'  "time": "2026-11-24T10:00:00-08:00"\n}\n'
    envelope = decode(body)
    records = [m["record"] for m in lines_of(envelope.rows("Invoice"))]
    assert [r["Id"] for r in records] == ["1", "2"]
    assert records[0]["DocNumber"] == "a\nb"
    assert records[1]["Line"] == [{"Amount": Decimal("1.50")}]


def test_an_unknown_top_level_field_is_dropped_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    body = b'{"Id":"5","DocNumber":"9","FieldFrom2027":{"x":1},"realm_id":"spoof"}'
    with caplog.at_level(logging.WARNING):
        (row,) = rows_from("Invoice", [msgspec.Raw(body)])
    (record,) = [m["record"] for m in lines_of([row])]
    assert record["DocNumber"] == "9"
    assert record["realm_id"] == "4620816365"
    assert "FieldFrom2027" not in record
    assert "FieldFrom2027, realm_id" in caplog.text
    assert "Invoice" in caplog.text


def test_an_object_without_id_stops_the_run_with_the_entity_named() -> None:
    with pytest.raises(FatalError, match="malformed Invoice"):
        rows_from("Invoice", [msgspec.Raw(b'{"DocNumber":"1"}')])
    with pytest.raises(FatalError, match="Invoice that is not a JSON object"):
        rows_from("Invoice", [msgspec.Raw(b"[1, 2]")])
    with pytest.raises(
        FatalError, match=r"malformed ExchangeRate \(no SourceCurrencyCode, TargetCurrencyCode"
    ):
        rows_from("ExchangeRate", [msgspec.Raw(b'{"SourceCurrencyCode":"EUR","Rate":1.1}')])
    (rate,) = rows_from(
        "ExchangeRate",
        [msgspec.Raw(b'{"SourceCurrencyCode":"EUR","TargetCurrencyCode":"USD","AsOfDate":"2026-01-02"}')],
    )
    assert rate.id == "EUR|USD|2026-01-02"
    wrapped = (
        b'{"Bill":{"Id":"4","MetaData":{"CreateTime":"2026-01-01T00:00:00-08:00","LastUpdatedTime":"'
        + STAMP.encode()
        + b'"}}}'
    )
    (template,) = rows_from("RecurringTransaction", [msgspec.Raw(wrapped)])
    assert (template.id, template.updated) == ("4", STAMP)
    (line,) = lines_of([template], "recurring_transactions")
    assert line["record"]["Id"] == "4"
    assert line["record"]["Bill"]["Id"] == "4"
    with pytest.raises(FatalError, match="RecurringTransaction wrapping a Widget"):
        rows_from("RecurringTransaction", [msgspec.Raw(b'{"Widget":{"Id":"1"}}')])


def test_a_new_field_in_the_api_lands_nowhere_but_the_log(emu: QBOEmulator, config: dict[str, Any]) -> None:
    changed = {**emu.store.all("Invoice")[3], "FieldFrom2027": "x"}
    emu.store.put("Invoice", changed)
    result = run_tap(config, streams=["invoices"])
    record = result.by_id("invoices")[changed["Id"]]
    assert "FieldFrom2027" not in record
    assert record["DocNumber"] == changed["DocNumber"]
    assert "dropped: FieldFrom2027" in result.log_text


def test_a_stream_map_takes_singer_sdks_path_and_gets_the_same_records(
    emu: QBOEmulator, config: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    as_dicts: list[str] = []
    to_dict = Row.record

    def spy(row: Row, realm_id: str) -> dict[str, Any]:
        as_dicts.append(row.id)
        return to_dict(row, realm_id)

    monkeypatch.setattr(Row, "record", spy)
    config = {**config, "settle_seconds": 3600}
    plain = run_tap(config, streams=["invoices", "customers"])
    assert as_dicts == [], "without a stream map, records pass through as QBO sent them"
    mapped = run_tap(
        {**config, "stream_maps": {"invoices": {"__alias__": "invoices"}}},
        streams=["invoices", "customers"],
    )
    assert len(as_dicts) == len(mapped.records["invoices"]), "only the mapped stream goes through dicts"
    settled = emu.clock.now() - timedelta(seconds=3500)
    for stream in ("invoices", "customers"):
        assert plain.by_id(stream), f"no {stream}: the comparison would prove nothing"
        assert mapped.by_id(stream) == plain.by_id(stream), stream
        for run in (plain, mapped):  # the bookmark is the tap's (server time - settle), never a record's
            bookmark = run.state["bookmarks"][stream]["replication_key_value"]
            assert parse_ts(bookmark) <= settled, (stream, bookmark)
    assert "not resumable" not in mapped.log_text
