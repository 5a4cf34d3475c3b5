"""Both Intuit payload formats map onto InboxEvents; the real samples parse; bad bodies are malformed."""

from __future__ import annotations

import json

import pytest
from tap_quickbooks_online.inbox import InboxEvent, MalformedPayload, normalize_time, parse_payload

from .helpers import SAMPLES, cloud_event, legacy_body, legacy_entity


def _sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def _fields(events: list[InboxEvent]) -> list[tuple[object, ...]]:
    return [(e.realm_id, e.entity, e.entity_id, e.operation, e.deleted_id, e.occurred_at) for e in events]


@pytest.mark.parametrize(
    ("sample", "expected"),
    [
        (
            "webhook-legacy.intuit-docs.json",
            [
                ("1185883450", "Customer", "1", "Create", None, "2015-10-05T14:42:19-07:00"),
                ("1185883450", "Vendor", "1", "Create", None, "2015-10-05T14:42:19-07:00"),
            ],
        ),
        (
            "webhook-legacy-compact.dotnet-sdk-test.json",
            [
                ("1269959970", "Vendor", "40", "Update", None, "2016-10-05T03:09:04+00:00"),
                ("1269959970", "Customer", "43", "Create", None, "2016-10-05T03:07:04+00:00"),
            ],
        ),
        (
            "webhook-legacy.intuit-blog-2025.json",
            [("310687", "Account", "1234", "Create", None, "2025-09-08T20:52:31.657000+00:00")],
        ),
        (
            "webhook-cloudevents.intuit-blog-2025.json",
            [("310687", "Account", "1234", "Create", None, "2025-09-10T21:31:25.179851+00:00")],
        ),
        (
            "webhook-cloudevents-customer-merged.intuit-docs.json",
            [("93414556*********", "Customer", "123", "Merge", "27", "2025-12-04T15:25:05+00:00")],
        ),
        (
            "webhook-cloudevents-salesreceipt-updated-nodata.intuit-docs.json",
            [("9341455*********", "SalesReceipt", "150", "Update", None, "2026-03-17T16:19:17+00:00")],
        ),
        (
            "webhook-cloudevents-employee-created.intuit-docs.json",
            [
                (
                    "9341455*********",
                    "Employee",
                    "000000011",
                    "Create",
                    None,
                    "2026-02-24T15:28:19.910000+00:00",
                )
            ],
        ),
    ],
)
def test_real_samples_parse(sample: str, expected: list[tuple[object, ...]]) -> None:
    events, ignored = parse_payload(_sample(sample))
    assert ignored == 0
    assert _fields(events) == expected
    assert all(e.seq is None for e in events)


def test_cloudevent_dedupe_key_is_source_and_id() -> None:
    (event,) = parse_payload(_sample("webhook-cloudevents.intuit-blog-2025.json"))[0]
    assert (
        event.event_id
        == "ce:intuit.dsnBgbseACLLRZNxo2dfc4evmEJdxde58xeeYcZliOU=:88cd52aa-33b6-4351-9aa4-47572edbd068"
    )


def test_legacy_dedupe_key_ignores_offset_spelling() -> None:
    colon = dict(legacy_entity("Invoice", "9"), lastUpdated="2026-03-01T10:00:00-08:00")
    (a,), _ = parse_payload(legacy_body(legacy_entity("Invoice", "9")))
    (b,), _ = parse_payload(legacy_body(colon))
    assert a.event_id == b.event_id
    (c,), _ = parse_payload(legacy_body(legacy_entity("Invoice", "9", operation="Delete")))
    assert c.event_id != a.event_id


def test_legacy_merge_carries_deleted_id_and_all_operations_map() -> None:
    ops = ["Create", "Update", "Delete", "Merge", "Void", "Emailed"]
    entities = [legacy_entity("Invoice", str(i), op) for i, op in enumerate(ops)]
    entities[3]["deletedId"] = "77"
    events, _ = parse_payload(legacy_body(*entities))
    assert [e.operation for e in events] == ops
    assert [e.deleted_id for e in events] == [None, None, None, "77", None, None]


@pytest.mark.parametrize(
    ("verb", "operation"),
    [
        ("created", "Create"),
        ("updated", "Update"),
        ("deleted", "Delete"),
        ("merged", "Merge"),
        ("voided", "Void"),
    ],
)
def test_cloudevent_verbs_and_lowercase_entities(verb: str, operation: str) -> None:
    body = json.dumps([cloud_event("e1", "journalentry", "5", verb)]).encode()
    (event,), _ = parse_payload(body)
    assert (event.entity, event.operation) == ("JournalEntry", operation)


def test_unknown_entities_and_operations_are_ignored_not_stored() -> None:
    legacy = legacy_body(
        legacy_entity("Invoice", "1"), legacy_entity("Widget", "2"), legacy_entity("Bill", "3", "Frob")
    )
    events, ignored = parse_payload(legacy)
    assert [(e.entity, e.entity_id) for e in events] == [("Invoice", "1")]
    assert ignored == 2
    ce = [
        cloud_event("a", "bill", "1"),
        cloud_event("b", "payrollrun", "2"),
        {"specversion": "1.0", "id": "c", "source": "intuit.other", "type": "com.intuit.other.thing"},
    ]
    events, ignored = parse_payload(json.dumps(ce).encode())
    assert [(e.entity, e.entity_id) for e in events] == [("Bill", "1")]
    assert ignored == 2


def test_empty_cloudevents_array_is_valid_and_empty() -> None:
    assert parse_payload(b"[]") == ([], 0)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"\xff\xfe",
        b'{"stuff":"5"}',
        b'"a string"',
        b'{"eventNotifications": {}}',
        b'{"eventNotifications": [{"dataChangeEvent": {"entities": []}}]}',
        b'{"eventNotifications": [{"realmId": "1", "dataChangeEvent": {"entities": {}}}]}',
        b'{"eventNotifications": [{"realmId": "1", "dataChangeEvent": {"entities": [{"name": "Invoice"}]}}]}',
        legacy_body(dict(legacy_entity("Invoice", "1"), lastUpdated="yesterday")),
        legacy_body({**legacy_entity("Invoice", "1"), "id": True}),  # type: ignore[dict-item]
        b"[1, 2]",
        json.dumps(
            [{k: v for k, v in cloud_event("a", "bill", "1").items() if k != "intuitaccountid"}]
        ).encode(),
        json.dumps([dict(cloud_event("a", "bill", "1"), time=12)]).encode(),
    ],
)
def test_malformed_bodies_raise(body: bytes) -> None:
    with pytest.raises(MalformedPayload):
        parse_payload(body)


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("2015-10-05T14:42:19-0700", "2015-10-05T14:42:19-07:00"),
        ("2026-01-31T10:15:00-08:00", "2026-01-31T10:15:00-08:00"),
        ("2025-09-10T21:31:25.179851517Z", "2025-09-10T21:31:25.179851+00:00"),
        ("2026-03-17T16:19:17Z", "2026-03-17T16:19:17+00:00"),
        ("2026-03-17T16:19:17", "2026-03-17T16:19:17+00:00"),
    ],
)
def test_timestamps_keep_their_offset(raw: str, normalized: str) -> None:
    assert normalize_time(raw) == normalized
