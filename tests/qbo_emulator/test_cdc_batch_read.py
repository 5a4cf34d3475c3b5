"""CDC, batch, read-by-id and the entity write endpoints, checked against Intuit's samples."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from tests.emulators.qbo import QBOEmulator
from tests.emulators.qbo.timefmt import parse_ts

from .conftest import START, Api, record, sample


def _since(emu: QBOEmulator, days: float) -> str:
    return (emu.clock.now() - timedelta(days=days)).isoformat()


def test_cdc_envelope_and_deleted_stubs(emu: QBOEmulator, api: Api) -> None:
    since = emu.clock.now().replace(microsecond=0).isoformat()
    emu.mutate.update("Invoice", "10", {"PrivateNote": "changed"})
    emu.mutate.delete("Invoice", "11")
    emu.mutate.create("Customer", {"DisplayName": "Brand New Co"})
    body = api.get("cdc", entities="Customer,Invoice", changedSince=since).json()
    real = sample("cdc-response-with-deleted.intuit-apiref.json")
    assert set(body) == set(real)
    groups = body["CDCResponse"][0]["QueryResponse"]
    assert [next(k for k in g if k[0].isupper()) for g in groups] == ["Customer", "Invoice"]
    for group in groups:
        assert set(group) - {"Customer", "Invoice"} == {"startPosition", "maxResults", "totalCount"}
    invoices = groups[1]["Invoice"]
    assert [i["Id"] for i in invoices] == ["10", "11"]
    real_stub = real["CDCResponse"][0]["QueryResponse"][1]["Estimate"][2]
    assert set(invoices[1]) == set(real_stub)
    assert set(invoices[1]["MetaData"]) == {"LastUpdatedTime"}
    assert invoices[1]["status"] == "Deleted"
    assert invoices[0]["PrivateNote"] == "changed"


def test_cdc_no_changes_is_a_list_with_one_empty_object(emu: QBOEmulator, api: Api) -> None:
    body = api.get("cdc", entities="Invoice,Vendor", changedSince=emu.clock.now().isoformat()).json()
    assert body["CDCResponse"] == sample("cdc-response-no-changes.intuit-docs.json")["CDCResponse"]


def test_cdc_sees_recent_generated_history(emu: QBOEmulator, api: Api) -> None:
    since = parse_ts(_since(emu, 5))
    groups = api.get("cdc", entities="Invoice", changedSince=since.isoformat()).json()["CDCResponse"][0]
    rows = groups["QueryResponse"][0]["Invoice"]
    expected = {
        i["Id"] for i in emu.store.all("Invoice") if parse_ts(i["MetaData"]["LastUpdatedTime"]) >= since
    }
    assert {r["Id"] for r in rows} == expected
    assert expected


def test_cdc_lookback_limit_and_unsupported_entities(emu: QBOEmulator, api: Api) -> None:
    since = _since(emu, 30.01)
    old = api.get("cdc", entities="Invoice", changedSince=since)
    assert old.status_code == 400
    assert old.json()["Fault"]["Error"] == [
        {
            "Message": "Unsupported Operation",
            "Detail": f"Operation cdc with changedSince date {since} which is older than fixed days "
            "is not supported.",
            "code": "500",
            "element": "changedSince",
        }
    ]
    recent = _since(emu, 29.5)
    assert api.get("cdc", entities="Invoice", changedSince=recent).status_code == 200
    emu.clock.advance(86400)  # the window moves with the emulator clock
    api = Api(emu)  # the old access token has expired meanwhile
    assert api.get("cdc", entities="Invoice", changedSince=recent).status_code == 400
    for entities in ("TimeActivity", "Invoice,TaxCode", "Widget", "invoice"):
        assert api.get("cdc", entities=entities, changedSince=_since(emu, 1)).status_code == 400
    assert api.get("cdc", entities="Invoice").status_code == 400


def test_cdc_caps_a_response_at_1000_objects_oldest_first() -> None:
    with QBOEmulator(seed=3, scale=2.0, start=START) as emu:
        api = Api(emu)
        entities = ["Invoice", "Payment", "Bill", "Purchase"]
        since = parse_ts(_since(emu, 29))
        body = api.get("cdc", entities=",".join(entities), changedSince=since.isoformat()).json()
        groups = body["CDCResponse"][0]["QueryResponse"]
        got = [(name, r) for g in groups for name in entities for r in g.get(name, [])]
        assert len(got) == 1000
        changed = [
            (name, r)
            for name in entities
            for r in emu.store.all(name)
            if parse_ts(r["MetaData"]["LastUpdatedTime"]) >= since
        ]
        assert len(changed) > 1000
        newest_returned = max(parse_ts(r["MetaData"]["LastUpdatedTime"]) for _, r in got)
        returned = {(n, r["Id"]) for n, r in got}
        left_out = [r for n, r in changed if (n, r["Id"]) not in returned]
        assert min(parse_ts(r["MetaData"]["LastUpdatedTime"]) for r in left_out) >= newest_returned


def test_batch_mixed_items_and_per_item_faults(emu: QBOEmulator, api: Api) -> None:
    token = record(emu, "Invoice", "4")["SyncToken"]
    request = {
        "BatchItemRequest": [
            {
                "bId": "bid1",
                "Vendor": {"DisplayName": record(emu, "Vendor", "1")["DisplayName"]},
                "operation": "create",
            },
            {"bId": "bid2", "operation": "delete", "Invoice": {"SyncToken": "0", "Id": "999999"}},
            {"bId": "bid3", "operation": "update", "Invoice": {"Id": "2", "SyncToken": "7", "sparse": True}},
            {"bId": "bid4", "Query": "select * from Invoice where Id in ('1','2','3')"},
            {
                "bId": "bid5",
                "operation": "update",
                "Invoice": {"Id": "4", "SyncToken": token, "sparse": True, "PrivateNote": "via batch"},
            },
        ]
    }
    response = api.post("batch", json=request)
    assert response.status_code == 200
    items = {i["bId"]: i for i in response.json()["BatchItemResponse"]}
    real = {
        i["bId"]: i for i in sample("batch-response-mixed-faults.intuit-apiref.json")["BatchItemResponse"]
    }
    for bid, code in (("bid1", "6240"), ("bid2", "610"), ("bid3", "5010")):
        assert set(items[bid]) == set(real[bid])
        assert set(items[bid]["Fault"]) == set(real[bid]["Fault"])
        assert items[bid]["Fault"]["Error"][0]["code"] == code == real[bid]["Fault"]["Error"][0]["code"]
    assert [r["Id"] for r in items["bid4"]["QueryResponse"]["Invoice"]] == ["1", "2", "3"]
    assert items["bid5"]["Invoice"]["PrivateNote"] == "via batch"
    assert items["bid5"]["Invoice"]["SyncToken"] == str(int(token) + 1)
    assert emu.counters()["batch"] == 1


def test_batch_request_limits(api: Api) -> None:
    too_many = {"BatchItemRequest": [{"bId": str(n), "Query": "select * from Term"} for n in range(31)]}
    assert api.post("batch", json=too_many).status_code == 400
    duplicate = {"BatchItemRequest": [{"bId": "1", "Query": "select * from Term"}] * 2}
    assert api.post("batch", json=duplicate).status_code == 400
    ok = {"BatchItemRequest": [{"bId": str(n), "Query": "select * from Term"} for n in range(30)]}
    assert len(api.post("batch", json=ok).json()["BatchItemResponse"]) == 30


def test_read_by_id_matches_the_sample_shape(api: Api) -> None:
    body = api.get("invoice/7").json(parse_float=Decimal)
    real = sample("read-invoice-response.intuit-apiref.json")
    assert set(body) == set(real)
    assert body["Invoice"]["Id"] == "7"
    assert body["Invoice"] == api.emu.store.get("Invoice", "7")
    missing = api.get("invoice/999999")
    assert missing.status_code == 400
    assert missing.json()["Fault"]["Error"][0]["code"] == "610"
    unknown = api.get("widget/1")
    assert unknown.status_code == 400
    assert unknown.json()["Fault"]["Error"][0]["code"] == "500"
    assert api.get(f"companyinfo/{api.emu.realm_id}").json()["CompanyInfo"]["CompanyName"]
    assert "AccountingInfoPrefs" in api.get("preferences").json()["Preferences"]


def test_write_endpoint_delete_and_void_shapes(api: Api) -> None:
    deleted = api.post("invoice", params={"operation": "delete"}, json={"Id": "20", "SyncToken": "0"})
    real_delete = sample("invoice-delete-response.intuit-apiref.json")
    assert deleted.status_code == 200
    assert deleted.json()["Invoice"] == {
        "status": "Deleted",
        "domain": "QBO",
        "Id": "20",
    }
    assert set(deleted.json()) == set(real_delete)
    assert api.get("invoice/20").status_code == 400
    voided = api.post("invoice", params={"operation": "void"}, json={"Id": "21", "SyncToken": "0"}).json()
    invoice = voided["Invoice"]
    assert (invoice["TotalAmt"], invoice["Balance"], invoice["PrivateNote"], invoice["SyncToken"]) == (
        0,
        0,
        "Voided",
        "1",
    )
    assert all(line["Amount"] == 0 for line in invoice["Line"])
    stale = api.post("invoice", params={"operation": "void"}, json={"Id": "21", "SyncToken": "0"})
    assert stale.json()["Fault"]["Error"][0]["code"] == "5010"


def test_write_endpoint_create_and_sparse_update(api: Api) -> None:
    created = api.post("customer", json={"DisplayName": "Posted Customer"}).json()["Customer"]
    assert (created["SyncToken"], created["Active"]) == ("0", True)
    updated = api.post(
        "customer", json={"Id": created["Id"], "SyncToken": "0", "sparse": True, "CompanyName": "Posted Inc"}
    ).json()["Customer"]
    assert (updated["SyncToken"], updated["CompanyName"], updated["DisplayName"]) == (
        "1",
        "Posted Inc",
        "Posted Customer",
    )
    missing = api.post("invoice", json={"Line": []}).json()["Fault"]["Error"][0]
    assert missing["code"] == "2020"


def test_totals_of_38_digit_amounts_are_exact(emu: QBOEmulator, api: Api) -> None:
    invoice = emu.store.all("Invoice")[0]
    amounts = [Decimal("1234567890123456789012345678.123456789"), Decimal("0.000000001")]
    lines = [{**invoice["Line"][0], "Amount": a} for a in amounts]
    created = emu.mutate.create("Invoice", {"CustomerRef": invoice["CustomerRef"], "Line": lines})
    read = api.rows(f"select * from Invoice where Id = '{created['Id']}'")[0]
    assert read["TotalAmt"] == Decimal("1234567890123456789012345678.123456790")
