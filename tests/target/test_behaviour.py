"""What lands in the tables, on both engines: upserts, replays, ordering, deletes, evolution, exactness."""

from __future__ import annotations

import logging
from decimal import Decimal

import pyarrow as pa
import pytest

from tests.target.conftest import DatabricksHarness, Harness, invoice, record, schema_message

D38 = Decimal("12345678901234567890123456789.123456789")  # 38 significant digits, scale 9


def test_upsert_inserts_then_updates(harness: Harness) -> None:
    harness.run(
        [schema_message(), invoice("1", TotalAmt=Decimal("10.00")), invoice("2", TotalAmt=Decimal("5"))]
    )
    harness.run(
        [schema_message(), invoice("1", sync="1", updated="2024-03-02T10:00:00Z", TotalAmt=Decimal("11.50"))]
    )
    rows = harness.rows()
    assert [(r["Id"], r["SyncToken"], r["TotalAmt"]) for r in rows] == [
        ("1", "1", Decimal("11.500000000")),
        ("2", "0", Decimal("5.000000000")),
    ]
    statuses = [(a["status"], a["inserted"], a["updated"]) for a in harness.audit()]
    assert statuses == [("loaded", 2, 0), ("loaded", 0, 1)]


def test_replay_of_same_input_changes_nothing(harness: Harness) -> None:
    messages = [schema_message(), invoice("1", TotalAmt=Decimal("1.1")), invoice("2", DocNumber="A-2")]
    harness.run(messages)
    first = harness.rows()
    harness.run(messages)
    assert harness.rows() == [
        {**r, "_sdc_sequence": harness.rows()[i]["_sdc_sequence"]} for i, r in enumerate(first)
    ]
    assert len(harness.rows()) == 2


def test_out_of_order_versions_keep_newest(harness: Harness) -> None:
    newest = invoice("1", sync="10", updated="2024-03-05T00:00:00Z", DocNumber="newest")
    older_time = invoice("1", sync="11", updated="2024-03-04T00:00:00Z", DocNumber="older time")
    same_time_lower_token = invoice("1", sync="9", updated="2024-03-05T00:00:00Z", DocNumber="token 9")
    harness.run([schema_message(), newest])
    harness.run([schema_message(), older_time])
    harness.run([schema_message(), same_time_lower_token])
    # "10" > "9" as integers even though not as text: SyncToken compares as BIGINT.
    assert [(r["SyncToken"], r["DocNumber"]) for r in harness.rows()] == [("10", "newest")]


def test_offsets_compare_as_utc_instants(harness: Harness) -> None:
    harness.run([schema_message(), invoice("1", updated="2024-03-05T10:00:00-08:00", DocNumber="pacific")])
    harness.run([schema_message(), invoice("1", updated="2024-03-05T17:00:00Z", DocNumber="earlier utc")])
    row = harness.rows()[0]
    assert row["DocNumber"] == "pacific"
    assert row["LastUpdatedTime"].isoformat().startswith("2024-03-05T18:00:00")


def test_duplicate_keys_in_one_batch(harness: Harness) -> None:
    harness.run(
        [
            schema_message(),
            invoice("1", sync="2", DocNumber="v2"),
            invoice("1", sync="3", DocNumber="v3"),
            invoice("1", sync="1", DocNumber="v1 arrives last"),
            invoice("2", sync="0", DocNumber="first"),
            invoice("2", sync="0", DocNumber="same version, later arrival"),
        ]
    )
    assert [(r["Id"], r["DocNumber"]) for r in harness.rows()] == [
        ("1", "v3"),
        ("2", "same version, later arrival"),
    ]


def test_soft_delete_keeps_row_with_flag(harness: Harness) -> None:
    harness.run([schema_message(), invoice("1", TotalAmt=Decimal("7.25"), DocNumber="D1"), invoice("2")])
    harness.run(
        [
            schema_message(),
            invoice("1", sync="0", updated="2024-03-09T00:00:00Z", _sdc_deleted_at="2024-03-09T00:00:00Z"),
        ]
    )
    rows = {r["Id"]: r for r in harness.rows()}
    assert rows["1"]["_sdc_deleted_at"] is not None
    assert (rows["1"]["DocNumber"], rows["1"]["TotalAmt"]) == ("D1", Decimal("7.250000000"))
    assert rows["2"]["_sdc_deleted_at"] is None


def test_audit_counts_soft_deletes_as_deleted(harness: Harness) -> None:
    harness.run([schema_message(), invoice("1"), invoice("2"), invoice("3")])
    harness.run(
        [
            schema_message(),
            invoice("1", sync="1", updated="2024-03-09T00:00:00Z", _sdc_deleted_at="2024-03-09T00:00:00Z"),
            invoice("2", sync="1", updated="2024-03-09T00:00:00Z", DocNumber="changed"),
            invoice("4", updated="2024-03-09T00:00:00Z", _sdc_deleted_at="2024-03-09T00:00:00Z"),
            invoice("5"),
        ]
    )
    last = harness.audit()[-1]
    assert (last["rows_in"], last["inserted"], last["updated"], last["deleted"]) == (4, 1, 1, 2)
    rows = {r["Id"]: r for r in harness.rows()}
    assert [i for i, r in sorted(rows.items()) if r["_sdc_deleted_at"] is not None] == ["1", "4"]
    assert rows["2"]["DocNumber"] == "changed"


def test_hard_delete_removes_row_and_skips_unknown(harness: Harness) -> None:
    harness.run([schema_message(), invoice("1"), invoice("2")], hard_delete=True)
    harness.run(
        [
            schema_message(),
            invoice("1", updated="2024-03-09T00:00:00Z", _sdc_deleted_at="2024-03-09T00:00:00Z"),
            invoice("3", _sdc_deleted_at="2024-03-09T00:00:00Z"),
        ],
        hard_delete=True,
    )
    assert [r["Id"] for r in harness.rows()] == ["2"]
    assert harness.audit()[-1]["deleted"] == 1


def test_stale_delete_does_not_remove_newer_row(harness: Harness) -> None:
    harness.run([schema_message(), invoice("1", sync="5", updated="2024-03-10T00:00:00Z")], hard_delete=True)
    harness.run(
        [
            schema_message(),
            invoice("1", sync="1", updated="2024-03-01T00:00:00Z", _sdc_deleted_at="2024-03-01T00:00:00Z"),
        ],
        hard_delete=True,
    )
    assert [r["SyncToken"] for r in harness.rows()] == ["5"]


def test_new_column_mid_stream(harness: Harness) -> None:
    harness.run([schema_message(), invoice("1")])
    schema = schema_message()
    schema["schema"] = {
        **schema["schema"],
        "properties": {**schema["schema"]["properties"], "PrivateNote": {"type": ["string", "null"]}},
    }
    harness.run([schema, invoice("2", PrivateNote="hello")])
    rows = {r["Id"]: r for r in harness.rows()}
    assert rows["2"]["PrivateNote"] == "hello"
    assert rows["1"]["PrivateNote"] is None


def test_strict_mode_quarantines_then_next_run_succeeds(harness: Harness) -> None:
    harness.run([schema_message(), invoice("1")], schema_evolution="strict")
    schema = schema_message()
    schema["schema"] = {
        **schema["schema"],
        "properties": {**schema["schema"]["properties"], "PrivateNote": {"type": ["string", "null"]}},
    }
    harness.run([schema, invoice("2", PrivateNote="kept")], schema_evolution="strict")
    assert [r["Id"] for r in harness.rows()] == ["1"]
    quarantined = harness.audit()[-1]
    assert (quarantined["status"], quarantined["rejected"]) == ("quarantined", 1)
    assert "PrivateNote" in quarantined["error"]
    [entry] = harness.rows("_quarantine", order="batch_id")  # durable, beside the data
    assert (entry["status"], entry["rows"], entry["batch_id"]) == ("pending", 1, quarantined["batch_id"])
    assert entry["data"]

    harness.add_column("invoices", "PrivateNote", pa.string())  # an operator fixes the table
    harness.run([schema_message(), invoice("3")], schema_evolution="strict")
    rows = {r["Id"]: r for r in harness.rows()}
    assert rows["2"]["PrivateNote"] == "kept"
    assert "3" in rows
    assert [a["status"] for a in harness.audit()][-2:] == ["replayed", "loaded"]
    [entry] = harness.rows("_quarantine", order="batch_id")
    assert (entry["status"], entry["data"]) == ("resolved", None)


def test_quarantine_replay_never_overwrites_newer_rows(harness: Harness) -> None:
    mapping = {"invoices": {"required_columns": {"TotalAmt": "decimal(38,9)", "Memo": "string"}}}
    harness.run([schema_message(), invoice("1", sync="1", DocNumber="old")], table_mapping=mapping)
    assert harness.audit()[-1]["status"] == "quarantined"
    harness.run([schema_message(), invoice("1", sync="2", updated="2024-03-06T00:00:00Z", DocNumber="new")])
    assert [(r["SyncToken"], r["DocNumber"]) for r in harness.rows()] == [("2", "new")]
    assert [a["status"] for a in harness.audit()][-2:] == ["replayed", "loaded"]


def test_decimals_round_trip_exactly(harness: Harness) -> None:
    values = [D38, Decimal("-0.000000001"), Decimal("99999999999999999999999999999.999999999")]
    ten_places = {"type": ["number", "null"], "x-sql-datatype": "decimal(20,10)"}
    schema = schema_message()
    schema["schema"] = {
        **schema["schema"],
        "properties": {**schema["schema"]["properties"], "Rate": ten_places},
    }
    harness.run(
        [schema]
        + [
            invoice(str(i), TotalAmt=v, Rate=Decimal("0.1234567891"), Line=[{"Id": "1", "Amount": v}])
            for i, v in enumerate(values)
        ]
    )
    rows = harness.rows()
    assert [r["TotalAmt"] for r in rows] == values
    assert [r["Line"][0]["Amount"] for r in rows] == values
    assert {r["Rate"] for r in rows} == {Decimal("0.1234567891")}


def test_nested_objects_and_arrays(harness: Harness) -> None:
    lines = [{"Id": "1", "Amount": Decimal("1.10"), "DetailType": "SalesItemLineDetail"}, {"Id": "2"}]
    custom = [{"DefinitionId": "1", "StringValue": "x"}]
    harness.run(
        [
            schema_message(),
            invoice(
                "1",
                CustomerRef={"value": "58", "name": "Amy's Bird Sanctuary"},
                Line=lines,
                CustomField=custom,
            ),
        ]
    )
    row = harness.rows()[0]
    assert row["CustomerRef"] == {"value": "58", "name": "Amy's Bird Sanctuary"}
    assert [(ln["Id"], ln["Amount"]) for ln in row["Line"]] == [("1", Decimal("1.100000000")), ("2", None)]
    assert row["CustomField"] == '[{"DefinitionId":"1","StringValue":"x"}]'  # untyped array: JSON text


def test_odd_stream_and_column_names(harness: Harness) -> None:
    schema = {
        "type": "object",
        "properties": {
            "Key Id": {"type": "string"},
            "Amount-USD": {"type": ["number", "null"], "x-sql-datatype": "decimal(18,2)"},
            "CamelCase": {"type": ["string", "null"]},
            "ünïcode": {"type": ["string", "null"]},
        },
    }
    harness.run(
        [
            schema_message("Odd Stream.Name-2", schema, keys=["Key Id"], bookmarks=[]),
            record(
                "Odd Stream.Name-2",
                **{"Key Id": "k1", "Amount-USD": Decimal("1.25"), "CamelCase": "v", "ünïcode": "u"},
            ),
        ]
    )
    rows = harness.rows("odd_stream_name_2", order="Key_Id")
    assert [(r["Key_Id"], r["Amount_USD"], r["CamelCase"], r["_n_code"]) for r in rows] == [
        ("k1", Decimal("1.25"), "v", "u")
    ]


def test_stream_without_keys_appends(harness: Harness) -> None:
    schema = {"type": "object", "properties": {"event": {"type": "string"}}}
    messages = [
        schema_message("events", schema, keys=[], bookmarks=[]),
        record("events", event="a"),
        record("events", event="a"),
    ]
    harness.run(messages)
    harness.run(messages)
    assert [r["event"] for r in harness.rows("events", order="event")] == ["a"] * 4


def test_stream_without_replication_key_uses_arrival_order(harness: Harness) -> None:
    schema = {"type": "object", "properties": {"code": {"type": "string"}, "label": {"type": "string"}}}
    harness.run(
        [schema_message("codes", schema, keys=["code"], bookmarks=[]), record("codes", code="x", label="one")]
    )
    harness.run(
        [schema_message("codes", schema, keys=["code"], bookmarks=[]), record("codes", code="x", label="two")]
    )
    assert [r["label"] for r in harness.rows("codes", order="code")] == ["two"]


def test_overwrite_replaces_table(harness: Harness) -> None:
    harness.run([schema_message(), invoice("1"), invoice("2")])
    harness.run([schema_message(), invoice("3")], load_method="overwrite")
    assert [r["Id"] for r in harness.rows()] == ["3"]


def test_append_only_keeps_every_version(harness: Harness) -> None:
    harness.run([schema_message(), invoice("1")], load_method="append-only")
    harness.run([schema_message(), invoice("1", sync="1")], load_method="append-only")
    assert sorted(r["SyncToken"] for r in harness.rows()) == ["0", "1"]


def test_activate_version_retires_rows_not_resent(harness: Harness) -> None:
    schema = {"type": "object", "properties": {"Id": {"type": "string"}, "Name": {"type": "string"}}}
    first = [
        schema_message("items", schema, keys=["Id"], bookmarks=[]),
        {"type": "ACTIVATE_VERSION", "stream": "items", "version": 1},
        record("items", Id="1", Name="a"),
        record("items", Id="2", Name="b"),
    ]
    harness.run(first)
    harness.run(
        [
            schema_message("items", schema, keys=["Id"], bookmarks=[]),
            {"type": "ACTIVATE_VERSION", "stream": "items", "version": 2},
            record("items", Id="1", Name="a2"),
            {"type": "ACTIVATE_VERSION", "stream": "items", "version": 2},
        ]
    )
    rows = {r["Id"]: r for r in harness.rows("items")}
    assert rows["1"]["_sdc_deleted_at"] is None
    assert rows["1"]["Name"] == "a2"
    assert rows["2"]["_sdc_deleted_at"] is not None


def test_activate_version_needs_no_record_metadata_warning(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    """The sink always keeps its own _sdc_* columns: ACTIVATE_VERSION is no reason for singer-sdk to warn
    that it adds them; add_record_metadata still adds the SDK's other ones."""
    schema = {"type": "object", "properties": {"Id": {"type": "string"}}}
    opening = [schema_message("items", schema, keys=["Id"], bookmarks=[])]
    activate = {"type": "ACTIVATE_VERSION", "stream": "items", "version": 1}
    with caplog.at_level(logging.WARNING):
        harness.run([*opening, activate, record("items", Id="1"), activate])
    assert not [r for r in caplog.records if "add_record_metadata" in r.getMessage()]
    assert {"_sdc_deleted_at", "_sdc_sequence", "_sdc_table_version"} <= set(harness.columns("items"))
    assert "_sdc_extracted_at" not in harness.columns("items")
    activate = {**activate, "version": 2}
    harness.run([*opening, activate, record("items", Id="2"), activate], add_record_metadata=True)
    assert "_sdc_extracted_at" in harness.columns("items")
    assert {r["Id"]: r["_sdc_deleted_at"] is None for r in harness.rows("items")} == {"1": False, "2": True}


def test_a_version_not_repeated_retires_nothing(harness: Harness) -> None:
    """A tap killed half-way through a whole read ends the input too: rows it never reached stay live."""
    schema = {"type": "object", "properties": {"Id": {"type": "string"}, "Name": {"type": "string"}}}
    opening = [schema_message("items", schema, keys=["Id"], bookmarks=[])]
    version = lambda v: {"type": "ACTIVATE_VERSION", "stream": "items", "version": v}  # noqa: E731
    harness.run(
        [
            *opening,
            version(1),
            record("items", Id="1", Name="a"),
            record("items", Id="2", Name="b"),
            version(1),
        ]
    )
    harness.run([*opening, version(2), record("items", Id="1", Name="a2")])  # no closing message: cut short
    rows = {r["Id"]: r for r in harness.rows("items")}
    assert rows["1"]["Name"] == "a2"
    assert rows["2"]["_sdc_deleted_at"] is None


def test_state_is_emitted_after_the_write(harness: Harness) -> None:
    out = harness.run(
        [schema_message(), invoice("1"), {"type": "STATE", "value": {"bookmarks": {"invoices": 1}}}]
    )
    assert '"bookmarks"' in out
    assert harness.rows()[0]["Id"] == "1"


def test_flushes_are_bounded_by_time(harness: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    import itertools
    import types

    import singer_sdk.target_base

    # The SDK's clock for record age advances 2 s per reading, so each message finds its buffer 1 s too old.
    clock = itertools.count(start=1_000_000, step=2)
    monkeypatch.setattr(singer_sdk.target_base, "time", types.SimpleNamespace(time=lambda: next(clock)))
    messages = [schema_message()]
    for i in range(3):
        messages += [invoice(str(i)), {"type": "STATE", "value": {"bookmarks": {"invoices": i}}}]
    out = harness.run(messages, max_flush_seconds=1)
    assert [a["rows_in"] for a in harness.audit()] == [1, 1, 1]
    assert '{"bookmarks": {"invoices": 0}}' in out


def test_value_that_does_not_fit_fails_the_run_without_state(harness: Harness) -> None:
    import pytest
    from target_databricks.arrow import RecordConversionError

    messages = [
        schema_message(),
        invoice("1", TotalAmt=Decimal("0.0000000001")),
        {"type": "STATE", "value": {"bookmarks": {"invoices": 1}}},
    ]
    with pytest.raises(RecordConversionError, match="column 'TotalAmt'"):
        harness.run(messages)


def test_version_columns_setting_overrides_the_default(harness: Harness) -> None:
    settings = {"version_columns": {"invoices": ["SyncToken"]}}
    harness.run([schema_message(), invoice("1", sync="2", updated="2024-03-05T00:00:00Z")], **settings)
    harness.run([schema_message(), invoice("1", sync="3", updated="2024-03-01T00:00:00Z")], **settings)
    assert [r["SyncToken"] for r in harness.rows()] == ["3"]


def test_table_mapping_names_the_table(harness: Harness) -> None:
    harness.run([schema_message(), invoice("1")], table_mapping={"invoices": {"table": "qbo_invoices"}})
    assert [r["Id"] for r in harness.rows("qbo_invoices")] == ["1"]
    assert harness.audit()[-1]["table_name"] == "main.quickbooks.qbo_invoices"


def test_invalid_record_is_refused_before_anything_lands(harness: Harness) -> None:
    import pytest
    from singer_sdk.exceptions import InvalidRecord

    with pytest.raises(InvalidRecord, match="TotalAmt"):
        harness.run([schema_message(), invoice("1"), invoice("2", TotalAmt="12.00 USD")])


def test_a_stream_without_records_gets_its_empty_typed_table(harness: Harness) -> None:
    """A company with no CreditCardPayment still gets the table, so that models can select from it."""
    harness.run([schema_message("credit_card_payments")])
    types = harness.column_types("credit_card_payments")
    assert harness.rows("credit_card_payments") == []
    assert list(types) == [
        "realm_id", "Id", "SyncToken", "LastUpdatedTime", "TxnDate", "DocNumber", "TotalAmt", "CustomerRef",
        "Line", "CustomField", "_sdc_deleted_at", "_sdc_sequence", "_sdc_table_version",
    ]  # fmt: skip
    assert types["TotalAmt"] == "decimal(38,9)"
    assert types["LastUpdatedTime"] == "timestamp"
    assert types["CustomerRef"].startswith("struct<")
    harness.run(
        [schema_message("credit_card_payments"), record("credit_card_payments", realm_id="1", Id="1")]
    )
    assert [r["Id"] for r in harness.rows("credit_card_payments")] == ["1"]  # later records land in it


def test_streams_without_records_cost_one_table_listing_not_a_statement_each(harness: Harness) -> None:
    """An incremental run where most streams send nothing: their tables exist, so nothing is created."""
    empty = ["credit_card_payments", "transfers", "deposits"]
    harness.run([schema_message(name) for name in empty])
    seen = len(harness.dbx.statements) if isinstance(harness, DatabricksHarness) else 0
    harness.run([schema_message(name) for name in empty])
    for name in empty:
        assert harness.rows(name) == []
    if isinstance(harness, DatabricksHarness):
        statements = [s.upper() for s in harness.dbx.statements[seen:]]
        assert not [s for s in statements if "CREATE TABLE" in s]
        assert sum("SHOW TABLES" in s for s in statements) == 1
