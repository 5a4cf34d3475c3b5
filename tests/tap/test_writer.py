"""The buffered msgspec writer: same bytes as singer-sdk's, Decimal kept, no STATE before its records."""

from __future__ import annotations

import contextlib
import io
from decimal import Decimal

from singer_sdk.contrib.msgspec import MsgSpecWriter
from singer_sdk.singerlib.encoding.simple import RecordMessage, SchemaMessage, StateMessage
from tap_quickbooks_online.writer import BufferedMsgSpecWriter


def test_messages_serialise_exactly_like_singer_sdk() -> None:
    schema = SchemaMessage(
        stream="invoices",
        schema={"type": "object", "properties": {"Id": {"type": "string"}}},
        key_properties=["realm_id", "Id"],
        bookmark_properties=["LastUpdatedTime"],
    )
    state = StateMessage(
        value={"bookmarks": {"invoices": {"replication_key_value": "2026-01-01T00:00:00+00:00"}}}
    )
    record = RecordMessage(
        stream="invoices", record={"Id": "1", "TotalAmt": Decimal("12345678901234567890.123456789")}
    )
    for message in (schema, state, record):
        assert bytes(BufferedMsgSpecWriter().serialize_message(message)) == bytes(
            MsgSpecWriter().serialize_message(message)
        )
    assert b"12345678901234567890.123456789" in bytes(BufferedMsgSpecWriter().serialize_message(record))


def test_records_are_buffered_until_a_state_message() -> None:
    out = io.BytesIO()
    stdout = io.TextIOWrapper(out, encoding="utf-8")
    writer = BufferedMsgSpecWriter()
    with contextlib.redirect_stdout(stdout):
        writer.write_message(RecordMessage(stream="s", record={"Id": "1"}))
        writer.write_message(RecordMessage(stream="s", record={"Id": "2"}))
        assert out.getvalue() == b""
        writer.write_message(StateMessage(value={"bookmarks": {}}))
    lines = out.getvalue().splitlines()
    assert [line[:17] for line in lines] == [b'{"type":"RECORD",', b'{"type":"RECORD",', b'{"type":"STATE","']
