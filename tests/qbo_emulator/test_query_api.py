"""The query endpoint over HTTP: envelopes as Intuit returns them, paging, filters and the Faults."""

from __future__ import annotations

import threading
from datetime import datetime

from tests.emulators.qbo import QBOEmulator
from tests.emulators.qbo.timefmt import parse_ts

from .conftest import Api, sample


def _lut(record: dict) -> datetime:
    return parse_ts(record["MetaData"]["LastUpdatedTime"])


def test_envelope_matches_intuit_sample(api: Api) -> None:
    body = api.query("select * from Invoice where Id = '3'").json()
    real = sample("query-invoice-response.intuit-apiref.json")
    assert set(body) == set(real) == {"QueryResponse", "time"}
    assert set(body["QueryResponse"]) == set(real["QueryResponse"]) - {"totalCount"}
    assert (body["QueryResponse"]["startPosition"], body["QueryResponse"]["maxResults"]) == (1, 1)
    invoice, real_invoice = body["QueryResponse"]["Invoice"][0], real["QueryResponse"]["Invoice"][0]
    shared = {
        "TxnDate",
        "domain",
        "TotalAmt",
        "Line",
        "DueDate",
        "DocNumber",
        "sparse",
        "Balance",
        "CustomerRef",
        "TxnTaxDetail",
        "SyncToken",
        "LinkedTxn",
        "EmailStatus",
        "Id",
        "Deposit",
        "ApplyTaxAfterDiscount",
    }
    assert shared <= set(invoice)
    assert shared <= set(real_invoice) | {"MetaData"}
    assert set(invoice["Line"][0]) == set(real_invoice["Line"][0]) | {"Description", "SalesItemLineDetail"}
    assert parse_ts(body["time"]).utcoffset() is not None


def test_get_and_post_application_text_agree(api: Api) -> None:
    text = "select * from Customer orderby Id maxresults 5"
    via_get = api.get("query", query=text).json()["QueryResponse"]
    via_post = api.query(text).json()["QueryResponse"]
    assert via_get == via_post
    assert len(via_get["Customer"]) == 5


def test_empty_result_and_count(api: Api) -> None:
    empty = api.query("select * from Invoice where Id = '999999'").json()
    assert empty["QueryResponse"] == {}
    count = api.query("select count(*) from Invoice").json()["QueryResponse"]
    assert count == {"totalCount": len(api.emu.store.all("Invoice"))}


def test_paging_by_startposition_covers_every_row_once(api: Api) -> None:
    ids: list[str] = []
    start = 1
    while True:
        rows = api.rows(
            f"select * from Vendor where Active in (true, false) orderby Id startposition {start} "
            "maxresults 7"
        )
        if not rows:
            break
        ids += [r["Id"] for r in rows]
        start += 7
    assert ids == [v["Id"] for v in api.emu.store.all("Vendor")]


def test_maxresults_reports_rows_returned_not_page_size(api: Api) -> None:
    body = api.query("select * from Term maxresults 1000").json()["QueryResponse"]
    assert body["maxResults"] == len(body["Term"]) == 4


def test_order_and_range_on_last_updated_time_with_offsets(api: Api) -> None:
    everything = api.emu.store.all("Bill")
    times = sorted(_lut(b) for b in everything)
    low, high = times[100], times[300]
    rows = api.rows(
        f"select * from Bill where MetaData.LastUpdatedTime >= '{low.isoformat()}' and "
        f"MetaData.LastUpdatedTime <= '{high.astimezone().isoformat()}' "
        "orderby MetaData.LastUpdatedTime, Id maxresults 1000"
    )
    expected = sorted(
        (b for b in everything if low <= _lut(b) <= high), key=lambda b: (_lut(b), int(b["Id"]))
    )
    assert [r["Id"] for r in rows] == [b["Id"] for b in expected]
    assert all(r["MetaData"]["LastUpdatedTime"][-6:] in ("-08:00", "-07:00") for r in rows)


def test_descending_order(api: Api) -> None:
    rows = api.rows("select * from Purchase orderby MetaData.LastUpdatedTime desc maxresults 50")
    keys = [(_lut(r), int(r["Id"])) for r in rows]
    assert keys == sorted(keys, reverse=True)
    assert len(rows) == 50


def test_id_in_and_inactive_name_lists(api: Api) -> None:
    inactive = [c for c in api.emu.store.all("Customer") if not c["Active"]]
    assert inactive, "the generated company has inactive customers"
    target = inactive[0]["Id"]
    assert api.rows(f"select * from Customer where Id in ('{target}', '1')") == [
        api.emu.store.get("Customer", "1")
    ]
    both = api.rows(f"select * from Customer where Id in ('{target}', '1') and Active in (true, false)")
    assert sorted(r["Id"] for r in both) == sorted(["1", target], key=int)
    only_inactive = api.rows("select * from Customer where Active = false maxresults 1000")
    assert [r["Id"] for r in only_inactive] == [c["Id"] for c in inactive]


def test_like_and_numeric_filters(api: Api) -> None:
    rows = api.rows("select * from Customer where DisplayName like 'north%' maxresults 1000")
    assert rows
    assert all(r["DisplayName"].startswith("Northwind") for r in rows)
    big = api.rows("select * from Invoice where TotalAmt > '20000.00' maxresults 1000")
    assert big
    assert all(r["TotalAmt"] > 20000 for r in big)
    expected = [i["Id"] for i in api.emu.store.all("Invoice") if i["TotalAmt"] > 20000][:1000]
    assert [r["Id"] for r in big] == expected


def test_bad_queries_get_faults_over_http(api: Api) -> None:
    response = api.query("select * from Customer startposition 0")
    assert response.status_code == 400
    error = response.json()["Fault"]["Error"][0]
    assert response.json()["Fault"]["type"] == "ValidationFault"
    assert (error["code"], error["Message"]) == ("4001", "Invalid query")
    assert "value 0 is too small" in error["Detail"]
    parse_error = api.query("select * from Customer group by DisplayName").json()["Fault"]["Error"][0]
    assert (parse_error["code"], parse_error["Message"]) == ("4000", "Error parsing query")
    detail = parse_error["Detail"]
    assert detail.startswith('QueryParserError: Encountered " <IDENTIFIER> "group "" at line 1')
    or_error = api.query("select * from Customer where Id = '1' or Id = '2'").json()["Fault"]["Error"][0]
    assert (or_error["code"], or_error["Detail"]) == (
        "4001",
        "QueryValidationError: OR operation is not supported in the WHERE clause",
    )


def test_lower_case_queries_answer_like_their_canonical_spelling(api: Api) -> None:
    """Keywords, entity names and property paths in any case, ORDER BY in one word or two."""
    canonical = api.rows(
        "SELECT * FROM Invoice WHERE MetaData.LastUpdatedTime > '2026-01-01T00:00:00-08:00' "
        "ORDERBY MetaData.LastUpdatedTime DESC STARTPOSITION 2 MAXRESULTS 5"
    )
    lower = api.rows(
        "select * from invoice where metadata.lastupdatedtime > '2026-01-01T00:00:00-08:00' "
        "order by metadata.lastupdatedtime desc startposition 2 maxresults 5"
    )
    assert len(canonical) == 5
    assert lower == canonical
    accounts = api.rows("select * from account")
    assert accounts
    assert [a["Id"] for a in accounts] == [a["Id"] for a in api.rows("SELECT * FROM Account")]
    count = api.query("select count(*) from account").json()["QueryResponse"]
    assert count == {"totalCount": len(accounts)}


def test_a_projection_returns_only_the_named_properties_with_values(api: Api) -> None:
    rows = api.rows(
        "select Id, DisplayName, metadata.lastupdatedtime, Fax from Customer order by Id maxresults 3"
    )
    full = api.rows("select * from Customer order by Id maxresults 3")
    assert rows == [
        {
            "Id": c["Id"],
            "DisplayName": c["DisplayName"],
            "MetaData": {"LastUpdatedTime": c["MetaData"]["LastUpdatedTime"]},
        }
        for c in full
    ]


def test_no_accept_json_is_refused(api: Api) -> None:
    response = api.session.get(
        f"{api.emu.api_url}/query",
        params={"query": "select * from Term"},
        headers={"Accept": "application/xml"},
        timeout=10,
    )
    assert response.status_code == 400
    assert response.json()["Fault"]["Error"][0]["element"] == "Accept"


def test_paging_while_mutating_sees_consistent_pages(emu: QBOEmulator, api: Api) -> None:
    """Updates during a paged sync move rows to the end of a LastUpdatedTime order, as in real QBO."""
    stop = threading.Event()

    def mutate() -> None:
        n = 1
        while not stop.is_set() and n < 200:
            emu.mutate.update("Invoice", str(n), {"PrivateNote": f"edit {n}"})
            emu.mutate.create("Customer", {"DisplayName": f"Concurrent {n}"})
            n += 1

    worker = threading.Thread(target=mutate)
    worker.start()
    seen: list[str] = []
    start = 1
    try:
        while rows := api.rows(
            f"select * from Invoice orderby MetaData.LastUpdatedTime, Id startposition {start} maxresults 500"
        ):
            seen += [r["Id"] for r in rows]
            start += 500
    finally:
        stop.set()
        worker.join()
    assert len(seen) >= len(emu.store.all("Invoice")) - 200
    edited = [i for i in emu.store.all("Invoice") if i.get("PrivateNote", "").startswith("edit")]
    assert edited
    assert all(i["SyncToken"] != "0" for i in edited)


def test_offset_paging_skips_deleted_and_moved_rows_exactly(emu: QBOEmulator, api: Api) -> None:
    for n in (3, 50, 51, 400):
        emu.mutate.delete("Invoice", str(n))
    for n in (2, 60, 700):
        emu.mutate.update("Invoice", str(n), {"PrivateNote": "moved to the end"})
    emu.mutate.create(
        "Invoice",
        {
            "CustomerRef": {"value": "1"},
            "Line": [
                {
                    "Amount": 10,
                    "DetailType": "SalesItemLineDetail",
                    "SalesItemLineDetail": {"ItemRef": {"value": "1"}},
                }
            ],
        },
    )
    stored = emu.store.all("Invoice")
    by_lut = sorted(stored, key=lambda r: (_lut(r), int(r["Id"])))
    cases = {
        "orderby Id": [r["Id"] for r in stored],
        "orderby Id desc": [r["Id"] for r in reversed(stored)],
        "orderby MetaData.LastUpdatedTime": [r["Id"] for r in by_lut],
        "where TotalAmt >= '0' orderby MetaData.LastUpdatedTime": [r["Id"] for r in by_lut],
    }
    for clause, expected in cases.items():
        for start in (1, 2, 49, 400, len(expected) - 3):
            rows = api.rows(f"select * from Invoice {clause} startposition {start} maxresults 5")
            assert [r["Id"] for r in rows] == expected[start - 1 : start + 4], (clause, start)


def test_like_treats_only_percent_as_a_wildcard(emu: QBOEmulator, api: Api) -> None:
    emu.mutate.create("Customer", {"DisplayName": "A[1]*?.x Ltd"})
    emu.mutate.create("Customer", {"DisplayName": "A1zz Ltd"})
    assert [
        r["DisplayName"] for r in api.rows("select * from Customer where DisplayName like 'A[1]*?.%'")
    ] == ["A[1]*?.x Ltd"]
    assert [r["DisplayName"] for r in api.rows("select * from Customer where DisplayName like '%ltd'")] == [
        "A[1]*?.x Ltd",
        "A1zz Ltd",
    ]


def test_strict_last_updated_time_bounds_and_count_come_from_the_index(api: Api) -> None:
    everything = api.emu.store.all("Bill")
    times = sorted({_lut(b) for b in everything})
    low, high = times[50], times[250]
    where = (
        f"where MetaData.LastUpdatedTime > '{low.isoformat()}' and "
        f"MetaData.LastUpdatedTime < '{high.isoformat()}'"
    )
    rows = api.rows(f"select * from Bill {where} orderby MetaData.LastUpdatedTime desc maxresults 1000")
    expected = sorted(
        (b for b in everything if low < _lut(b) < high), key=lambda b: (_lut(b), int(b["Id"])), reverse=True
    )
    assert [r["Id"] for r in rows] == [b["Id"] for b in expected]
    count = api.query(f"select count(*) from Bill {where}").json()["QueryResponse"]["totalCount"]
    assert count == len(expected)


def test_a_mutated_record_is_served_fresh_not_from_the_cached_json(emu: QBOEmulator, api: Api) -> None:
    statement = "select * from Invoice where Id = '3'"
    before = api.rows(statement)[0]
    api.rows("select * from Invoice orderby MetaData.LastUpdatedTime maxresults 50")  # fills the cache
    emu.mutate.update("Invoice", "3", {"PrivateNote": "changed after caching"})
    rows = api.rows("select * from Invoice orderby MetaData.LastUpdatedTime desc maxresults 1")
    assert rows[0]["Id"] == "3"
    assert rows[0]["PrivateNote"] == "changed after caching"
    assert rows[0]["SyncToken"] == str(int(before["SyncToken"]) + 1)
    assert api.rows(statement)[0]["PrivateNote"] == "changed after caching"


def test_the_newer_entities_answer_as_intuit_documents_them(api: Api) -> None:
    """CreditCardPayment answers under CreditCardPaymentTxn; read-only entities refuse writes; Attachables
    are found by the entity they are attached to; region-only entities do not exist in a US company."""
    body = api.query("select * from creditcardpayment maxresults 2").json()["QueryResponse"]
    assert [set(body)] == [{"CreditCardPaymentTxn", "startPosition", "maxResults"}]
    first = body["CreditCardPaymentTxn"][0]
    read = api.get(f"creditcardpayment/{first['Id']}").json()
    assert read["CreditCardPaymentTxn"] == first
    found = api.rows(
        "select Id from attachable where AttachableRef.EntityRef.Type = 'Bill' "
        "and AttachableRef.EntityRef.value = '11'"
    )
    assert found == [{"Id": "2"}]
    refused = api.post("customertype", json={"Name": "New"})
    assert refused.status_code == 400
    assert refused.json()["Fault"]["Error"][0]["Message"] == "Unsupported Operation"
    assert api.rows("select * from CustomerType")
    invoiced = api.rows("select * from ReimburseCharge where HasBeenInvoiced = true")
    assert invoiced
    assert all(r["HasBeenInvoiced"] for r in invoiced)
    for text in ("select * from TaxPayment", "select * from journalcode"):
        error = api.query(text).json()["Fault"]["Error"][0]
        assert (error["code"], error["Detail"]) == (
            "4001",
            f"QueryValidationError: Entity '{text.split()[-1].replace('journalcode', 'JournalCode')}' "
            "is not supported for companies in US",
        )
    assert api.query("select * from CompanyCurrency").json()["QueryResponse"] == {}
