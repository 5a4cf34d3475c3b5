"""The throughput shortcuts change nothing observable: same validation verdicts, same MERGE, same GC."""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import gc
import itertools
import random
from decimal import Decimal
from pathlib import Path
from typing import Any

import fastjsonschema
import msgspec
import pyarrow as pa
import pytest
from deltalake import DeltaTable
from singer_sdk.exceptions import InvalidRecord
from target_databricks.arrow import newest_per_key
from target_databricks.engines import TableRef, WritePlan
from target_databricks.engines.delta import DeltaEngine, WrittenKeys, _key_ranges
from target_databricks.settings import Settings
from target_databricks.sql import MergeSpec
from target_databricks.target import GC_YOUNG_THRESHOLD, batch_friendly_gc
from target_databricks.validation import NATIVE, FastValidator, _mirror_or_none

from tests.target.conftest import INVOICE_SCHEMA, Harness, invoice, record, schema_message

VALID = {
    "realm_id": "1",
    "Id": "7",
    "SyncToken": "0",
    "TotalAmt": Decimal("10.50"),
    "CustomerRef": {"value": "3", "name": "Acme"},
    "Line": [{"Id": "1", "Amount": Decimal("10.50"), "DetailType": "SalesItemLineDetail"}],
    "CustomField": [{"Name": "PO", "StringValue": "x"}],
}
ODD_VALUES = [None, True, 0, 1.0, 1.5, 2**70, Decimal("1.5"), "1", "", [], [1], {}, {"a": 1}, (1,)]
ODD_VALUES += [dt.datetime(2024, 1, 1), b"x", float("nan")]


def _paths(value: Any, path: tuple = ()) -> Any:
    yield path
    children = (
        value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else []
    )
    for key, child in children:
        yield from _paths(child, (*path, key))


def _with(record: dict, path: tuple, value: Any) -> dict:
    changed = copy.deepcopy(record)
    holder = changed
    for key in path[:-1]:
        holder = holder[key]
    holder[path[-1]] = value
    return changed


CLOSED = {
    "additionalProperties": False,
    "required": ["realm_id", "Id"],
    "$schema": "http://json-schema.org/draft-07/schema#",
}


@pytest.mark.parametrize("shape", [{}, CLOSED], ids=["open", "closed-with-required"])
def test_msgspec_mirror_is_never_more_lenient_than_the_schema(shape: dict) -> None:
    properties = {**INVOICE_SCHEMA["properties"], "Count": {"type": "integer"}}
    schema = {**INVOICE_SCHEMA, **shape, "properties": properties}
    mirrored = _mirror_or_none(schema)
    assert mirrored is not None
    reference = fastjsonschema.compile(schema, use_default=False, use_formats=False)
    base = {**VALID, "Count": 3}
    checked = 0
    for path, value in itertools.product(list(_paths(base))[1:], ODD_VALUES):
        candidate = _with(base, path, value)
        try:
            msgspec.convert(candidate, mirrored, builtin_types=NATIVE)
        except msgspec.ValidationError:
            continue
        reference(candidate)  # raises if the mirror accepted a record the schema refuses
        checked += 1
    assert checked > 50  # the comparison really ran on accepted records
    for extra in ({"Unknown": 1}, {}):  # a missing required key, an undeclared one
        candidate = {k: v for k, v in base.items() if k != "Id"} if not extra else {**base, **extra}
        with pytest.raises(fastjsonschema.JsonSchemaValueException) if shape else contextlib.nullcontext():
            reference(candidate)
        if shape:
            with pytest.raises(msgspec.ValidationError):
                msgspec.convert(candidate, mirrored, builtin_types=NATIVE)


def test_every_tap_stream_schema_is_mirrored_so_fastjsonschema_is_never_compiled_for_valid_records() -> None:
    """The tap's schemas (closed top level, `required` in reports) take the msgspec path; compiling
    fastjsonschema for a QBO transaction costs ~0.3 s, once per stream and run."""
    from tap_quickbooks_online.tap import TapQuickBooksOnline

    tap = TapQuickBooksOnline(config={"realm_id": "1", "client_id": "x", "client_secret": "y"})
    schemas = {name: stream.schema for name, stream in tap.streams.items()}  # as SCHEMA messages carry them
    assert len(schemas) > 40
    assert [name for name, schema in schemas.items() if _mirror_or_none(schema) is None] == []
    validator = FastValidator(schemas["invoices"])
    validator.validate({"realm_id": "1", "Id": "7", "Line": [{"Amount": Decimal("1.5")}]})
    assert validator._compiled is None
    with pytest.raises(InvalidRecord, match="must not contain"):
        validator.validate({"realm_id": "1", "Id": "7", "NotAField": 1})


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"TotalAmt": "12.00 USD"}, "TotalAmt must be number"),
        ({"TotalAmt": True}, "TotalAmt must be number"),
        ({"Id": 7}, "Id must be string"),
        ({"CustomerRef": {"value": 3}}, "CustomerRef.value must be string"),
        ({"Line": [{"Amount": "1"}]}, "Amount must be number"),
    ],
)
def test_invalid_records_are_refused_with_the_schema_message(fields: dict, message: str) -> None:
    validator = FastValidator(INVOICE_SCHEMA)
    validator.validate(VALID)
    with pytest.raises(InvalidRecord, match=message):
        validator.validate({**VALID, **fields})


def test_values_the_mirror_refuses_but_the_schema_allows_are_accepted() -> None:
    schema = {"type": "object", "properties": {"Count": {"type": ["integer", "null"]}}}
    FastValidator(schema).validate({"Count": 2.0})  # JSON schema: 2.0 is an integer


@pytest.mark.parametrize(
    ("prop", "bad"),
    [
        ({"type": "string", "enum": ["a", "b"]}, "c"),
        ({"type": "number", "minimum": 0}, Decimal("-1.5")),
        ({"anyOf": [{"type": "string"}, {"type": "integer"}]}, []),
        ({"type": "object", "additionalProperties": {"type": "string"}}, {"y": 1}),
    ],
)
def test_schemas_beyond_the_mirror_are_validated_by_fastjsonschema(prop: dict, bad: Any) -> None:
    schema = {"type": "object", "properties": {"P": prop}}
    assert _mirror_or_none(schema) is None
    with pytest.raises(InvalidRecord):
        FastValidator(schema).validate({"P": bad})


def test_required_keys_are_checked_on_the_mirror_path_too() -> None:
    schema = {
        "type": "object",
        "properties": {"P": {"type": "object", "properties": {"x": {"type": "string"}}, "required": ["x"]}},
    }
    assert _mirror_or_none(schema) is not None
    with pytest.raises(InvalidRecord, match="must contain"):
        FastValidator(schema).validate({"P": {"y": "1"}})


def test_key_ranges_bound_string_and_integer_keys_only() -> None:
    batch = pa.table(
        {
            "Id": pa.array(["b'x", "a\\y", None], pa.string()),
            "Line": pa.array([3, 1, 2], pa.int64()),
            "Day": pa.array([dt.date(2024, 1, 1)] * 3, pa.date32()),
            "Gone": pa.array([None, None, None], pa.string()),
        }
    )
    assert _key_ranges(batch, ["Id", "Line", "Day", "Gone"]) == [
        "t.\"Id\" BETWEEN 'a\\y' AND 'b''x'",
        't."Line" BETWEEN 1 AND 3',
    ]


def test_merge_with_odd_keys_updates_in_place(tmp_path: Path) -> None:
    """Quotes, backslashes and non-ASCII in keys: the pruning terms must still match every stored row."""
    harness = Harness(tmp_path)
    ids = ["O'Brien", "back\\slash", "Zoë", "100", "99", "%_"]
    harness.run([schema_message(), *(invoice(i, DocNumber="v1") for i in ids)], batch_size_rows=2)
    harness.run(
        [schema_message(), *(invoice(i, sync="1", DocNumber="v2") for i in reversed(ids))], batch_size_rows=4
    )
    rows = harness.rows()
    assert sorted((r["Id"], r["DocNumber"]) for r in rows) == sorted((i, "v2") for i in ids)


def test_merge_with_integer_keys_updates_in_place(tmp_path: Path) -> None:
    harness = Harness(tmp_path)
    schema = {"type": "object", "properties": {"N": {"type": "integer"}, "V": {"type": ["string", "null"]}}}
    first = [record(N=n, V="old") for n in (5, 40, 300)]
    harness.run([schema_message(schema=schema, keys=["N"], bookmarks=[]), *first], batch_size_rows=2)
    second = [record(N=n, V="new") for n in (300, 7, 5)]
    harness.run([schema_message(schema=schema, keys=["N"], bookmarks=[]), *second])
    assert [(r["N"], r["V"]) for r in harness.rows(order="N")] == [
        (300, "new"),
        (40, "old"),
        (5, "new"),
        (7, "new"),
    ]


def _operations(harness: Harness, table: str = "invoices") -> list[str]:
    path = Path(harness.config["delta_root"]) / "main" / "quickbooks" / table
    return [entry["operation"] for entry in reversed(DeltaTable(str(path)).history())]


def test_a_run_into_an_empty_table_appends_batches_of_new_keys_and_merges_repeats(tmp_path: Path) -> None:
    """Batches whose keys the run has not written append; one that repeats a key MERGEs (newest wins)."""
    harness = Harness(tmp_path)
    first = [invoice(str(i), DocNumber="v1") for i in range(6)]
    again = [invoice("2", sync="1", updated="2024-03-02T10:00:00Z", DocNumber="v2"), invoice("6")]
    stale = [invoice("3", sync="0", updated="2024-02-01T10:00:00Z", DocNumber="stale"), invoice("7")]
    harness.run([schema_message(), *first, *again, *stale], batch_size_rows=2)
    assert _operations(harness) == ["WRITE", "WRITE", "WRITE", "MERGE", "MERGE"]
    rows = {r["Id"]: r["DocNumber"] for r in harness.rows()}
    assert rows == {"0": "v1", "1": "v1", "2": "v2", "3": "v1", "4": "v1", "5": "v1", "6": None, "7": None}
    assert sum(a["inserted"] for a in harness.audit()) == 8
    assert sum(a["updated"] for a in harness.audit()) == 1


def test_composite_keys_count_as_written_only_whole(tmp_path: Path) -> None:
    """(realm, Id) pairs: the same Id in another realm is a new key, the same pair a repeat."""
    harness = Harness(tmp_path)
    other_realm = invoice("1", DocNumber="other")
    other_realm["record"]["realm_id"] = "2"
    repeat = invoice("1", sync="1", updated="2024-03-02T10:00:00Z", DocNumber="v2")
    harness.run([schema_message(), invoice("1"), other_realm, repeat], batch_size_rows=1)
    assert _operations(harness) == ["WRITE", "WRITE", "MERGE"]
    assert sorted((r["realm_id"], r["DocNumber"]) for r in harness.rows()) == [
        ("2", "other"),
        ("9341453050298741", "v2"),
    ]


def test_past_the_key_limit_every_batch_merges(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(WrittenKeys, "LIMIT", 3)
    harness = Harness(tmp_path)
    harness.run([schema_message(), *(invoice(str(i)) for i in range(5))], batch_size_rows=2)
    assert _operations(harness) == ["WRITE", "WRITE", "MERGE"]
    assert sorted(r["Id"] for r in harness.rows()) == ["0", "1", "2", "3", "4"]


def test_streams_with_other_keys_into_one_table_merge(tmp_path: Path) -> None:
    """Two streams mapped to one table, keyed differently: one's written keys say nothing of the other's."""
    harness = Harness(tmp_path)
    mapping = {"invoices": {"table": "documents"}, "estimates": {"table": "documents"}}
    messages = [
        schema_message(),
        schema_message("estimates", keys=["Id"]),
        invoice("1", DocNumber="invoice"),
        record("estimates", realm_id="9341453050298741", Id="2", SyncToken="0", DocNumber="estimate"),
    ]
    harness.run(messages, batch_size_rows=1, table_mapping=mapping)
    assert _operations(harness, "documents") == ["WRITE", "MERGE"]
    assert sorted(r["DocNumber"] for r in harness.rows("documents")) == ["estimate", "invoice"]


def test_a_table_holding_rows_before_the_run_is_always_merged(tmp_path: Path) -> None:
    harness = Harness(tmp_path)
    harness.run([schema_message(), invoice("1")])
    harness.run([schema_message(), invoice("2"), invoice("3")], batch_size_rows=1)
    assert _operations(harness) == ["WRITE", "MERGE", "MERGE"]


def test_a_table_dropped_mid_run_is_written_again_from_nothing(tmp_path: Path) -> None:
    harness = Harness(tmp_path)
    harness.run([schema_message(), invoice("1")])
    path = Path(harness.config["delta_root"]) / "main" / "quickbooks" / "invoices"
    rows = DeltaTable(str(path)).to_pyarrow_table()
    engine = DeltaEngine(Settings.from_config(harness.config))
    table, plan = (
        TableRef("main", "quickbooks", "invoices"),
        WritePlan("upsert", MergeSpec(["Id"], [], {}, False)),
    )
    engine.write(table, rows, plan)  # the table holds rows: MERGE, and the engine remembers it
    engine.drop_table(table)
    engine.write(table, rows, plan)  # gone: created again by an append, not a MERGE into nothing
    assert _operations(harness) == ["WRITE"]
    assert [r["Id"] for r in harness.rows()] == ["1"]


def test_hard_deletes_of_unknown_keys_are_not_appended(tmp_path: Path) -> None:
    harness = Harness(tmp_path)
    deleted = invoice("9", _sdc_deleted_at="2024-03-03T00:00:00Z")
    harness.run([schema_message(), invoice("1"), deleted, invoice("2")], batch_size_rows=1, hard_delete=True)
    assert sorted(r["Id"] for r in harness.rows()) == ["1", "2"]


def test_batch_friendly_gc_restores_the_collector() -> None:
    before = gc.get_threshold()
    with batch_friendly_gc():
        assert gc.get_threshold()[0] >= GC_YOUNG_THRESHOLD
        assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_newest_per_key_matches_a_plain_python_reading() -> None:
    rng = random.Random(3)
    rows = [
        {
            "realm": rng.choice(["a", "b", None]),
            "Id": rng.choice(["1", "2", "10", None]),
            "Updated": rng.choice([1, 2, None]),
            "Sync": rng.choice(["9", "10", None]),
            "Seq": n,
        }
        for n in range(300)
    ]
    table = pa.Table.from_pylist(rows)
    kept = newest_per_key(table, ["realm", "Id"], ["Updated", "Sync"], {"Sync": "BIGINT"})

    def rank(row: dict) -> tuple:  # newer version first; a null version is the oldest; then later arrival
        updated, sync = row["Updated"], row["Sync"]
        return (updated is not None, updated or 0, sync is not None, int(sync or 0), row["Seq"])

    newest: dict[tuple, dict] = {}
    for row in rows:
        key = (row["realm"], row["Id"])
        if key not in newest or rank(row) > rank(newest[key]):
            newest[key] = row
    assert kept.to_pylist() == sorted(newest.values(), key=lambda r: r["Seq"])
