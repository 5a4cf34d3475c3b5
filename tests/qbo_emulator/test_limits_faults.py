"""Intuit's throttles and the injected faults: the status, headers and body a client sees for each."""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.emulators.qbo import QBOEmulator
from tests.emulators.qbo.faults import EndpointFaults
from tests.emulators.qbo.routing import batch_weight

from .conftest import SAMPLES, Api

NS = {"i": "http://schema.intuit.com/finance/v3"}


def _fault_xml(text: str) -> tuple[str | None, str | None, str | None, str | None]:
    root = ET.fromstring(text)  # noqa: S314 - the emulator's own reply or a checked-in fixture
    fault = root.find("i:Fault", NS)
    assert fault is not None
    error = fault.find("i:Error", NS)
    assert error is not None
    return (
        fault.get("type"),
        error.get("code"),
        error.findtext("i:Message", None, NS),
        error.findtext("i:Detail", None, NS),
    )


def test_500_requests_per_minute_then_429_xml(emu: QBOEmulator, api: Api) -> None:
    for _ in range(500):
        assert api.get("preferences").status_code == 200
    throttled = api.get("preferences")
    assert throttled.status_code == 429
    assert throttled.headers["Content-Type"].startswith("application/xml")
    assert throttled.headers["intuit_tid"]
    real = (SAMPLES / "fault-throttle-429.quickbooks-ruby-fixture.xml").read_text()
    assert _fault_xml(throttled.text) == _fault_xml(real)
    assert emu.counters()["throttled"] == 1
    emu.clock.advance(60)
    assert Api(emu).get("preferences").status_code == 200


def test_ten_concurrent_requests_then_429(emu: QBOEmulator, api: Api) -> None:
    emu.faults.endpoints["read"] = EndpointFaults(latency_ms=400)
    with ThreadPoolExecutor(max_workers=12) as pool:
        statuses = sorted(pool.map(lambda _: Api(emu).get("invoice/1").status_code, range(12)))
    assert statuses == [200] * 10 + [429] * 2


def test_forty_batch_requests_per_minute(emu: QBOEmulator, api: Api) -> None:
    batch = {"BatchItemRequest": [{"bId": "1", "Query": "select * from Term"}]}
    assert all(api.post("batch", json=batch).status_code == 200 for _ in range(40))
    limited = api.post("batch", json=batch)
    assert limited.status_code == 429
    assert _fault_xml(limited.text)[1] == "3001"
    assert api.get("preferences").status_code == 200, "other requests are not batch-limited"
    emu.clock.advance(60)
    assert Api(emu).post("batch", json=batch).status_code == 200


def test_throttle_can_be_switched_off(emu: QBOEmulator, api: Api) -> None:
    emu.faults.throttle = False
    emu.limiter.per_minute = 3
    assert [api.get("preferences").status_code for _ in range(5)] == [200] * 5


@pytest.mark.parametrize("status", [502, 503, 504])
def test_gateway_errors_come_as_html(emu: QBOEmulator, api: Api, status: int) -> None:
    emu.faults.fail_next("query", status=status)
    response = api.query("select * from Term")
    assert response.status_code == status
    assert response.headers["Content-Type"] == "text/html"
    assert str(status) in response.text
    assert api.query("select * from Term").status_code == 200, "only the next request fails"
    assert emu.counters()["fault_5xx"] == 1


def test_500_is_a_json_system_fault(emu: QBOEmulator, api: Api) -> None:
    emu.faults.fail_next("*", status=500)
    response = api.get("invoice/1")
    assert response.status_code == 500
    fault = response.json()["Fault"]
    assert fault["type"] == "SystemFault"
    assert fault["Error"][0]["code"] == "10000"


def test_error_rate_and_per_endpoint_override(emu: QBOEmulator, api: Api) -> None:
    emu.faults.error_5xx_rate = 1.0
    emu.faults.endpoints["cdc"] = EndpointFaults(error_5xx_rate=0.0)
    assert api.get("invoice/1").status_code == 503
    since = emu.clock.now().isoformat()
    assert api.get("cdc", entities="Invoice", changedSince=since).status_code == 200
    emu.faults.error_5xx_rate = 0.3
    statuses = [api.get("invoice/1").status_code for _ in range(100)]
    assert 10 < statuses.count(503) < 60
    assert statuses.count(200) == 100 - statuses.count(503)


def test_connection_reset(emu: QBOEmulator, api: Api) -> None:
    emu.faults.reset_next("query")
    with pytest.raises(requests.ConnectionError):
        api.query("select * from Term")
    assert api.query("select * from Term").status_code == 200
    assert emu.counters()["reset"] == 1


def test_reset_on_token_endpoint(emu: QBOEmulator) -> None:
    emu.faults.reset_next("token")
    form = {"grant_type": "refresh_token", "refresh_token": emu.issue_refresh_token()}
    with pytest.raises(requests.ConnectionError):
        requests.post(emu.token_url, data=form, auth=(emu.client_id, emu.client_secret), timeout=10)
    assert requests.post(emu.token_url, data=form, auth=(emu.client_id, emu.client_secret), timeout=10).ok


def test_latency_is_injected(emu: QBOEmulator, api: Api) -> None:
    emu.faults.latency_ms = 150
    began = time.monotonic()
    assert api.get("preferences").status_code == 200
    assert time.monotonic() - began >= 0.15


def test_every_response_has_intuit_tid_and_is_counted(emu: QBOEmulator, api: Api) -> None:
    responses = [
        api.get("preferences"),
        api.get("invoice/999999"),
        api.query("select * from Nope"),
        api.get("reports/ProfitAndLoss"),
        api.post("batch", json={"BatchItemRequest": []}),
    ]
    tids = {r.headers["intuit_tid"] for r in responses}
    assert len(tids) == len(responses)
    counters = emu.counters()
    assert (counters["read"], counters["query"], counters["report"], counters["batch"]) == (2, 1, 1, 1)


def test_admin_http_api_drives_faults_clock_and_mutations(emu: QBOEmulator, api: Api) -> None:
    admin = emu.admin_url
    body = {"fail_next": [{"kind": "read", "status": 503}], "latency_ms": 0}
    assert requests.post(f"{admin}/faults", json=body, timeout=10).ok
    assert api.get("invoice/1").status_code == 503
    created = requests.post(
        f"{admin}/mutate/create", json={"entity": "Vendor", "fields": {"DisplayName": "Admin"}}, timeout=10
    ).json()["record"]
    assert api.get(f"vendor/{created['Id']}").json()["Vendor"]["DisplayName"] == "Admin"
    before = emu.clock.now()
    requests.post(f"{admin}/clock/advance", json={"seconds": 120}, timeout=10)
    assert (emu.clock.now() - before).total_seconds() >= 120
    assert requests.get(f"{admin}/counters", timeout=10).json()["read"] == 2
    bad = requests.post(f"{admin}/mutate/explode", json={}, timeout=10)
    assert bad.status_code == 400


def test_admin_http_api_tokens_and_store(emu: QBOEmulator) -> None:
    admin = emu.admin_url
    refresh = requests.post(f"{admin}/refresh_token", timeout=10).json()["refresh_token"]
    form = {"grant_type": "refresh_token", "refresh_token": refresh}
    assert requests.post(emu.token_url, data=form, auth=(emu.client_id, emu.client_secret), timeout=10).ok
    code = requests.post(
        f"{admin}/auth_code", json={"redirect_uri": "https://x.example/cb"}, timeout=10
    ).json()
    assert code["realmId"] == emu.realm_id
    exchange = {
        "grant_type": "authorization_code",
        "code": code["code"],
        "redirect_uri": "https://x.example/cb",
    }
    assert requests.post(emu.token_url, data=exchange, auth=(emu.client_id, emu.client_secret), timeout=10).ok
    terms = requests.get(f"{admin}/store", params={"entity": "Term"}, timeout=10).json()["Term"]
    assert [t["Name"] for t in terms] == ["Due on receipt", "Net 15", "Net 30", "Net 45"]


def test_batch_latency_is_charged_per_thousand_rows_returned(emu: QBOEmulator, api: Api) -> None:
    rows = [{"Id": str(n)} for n in range(1500)]
    body = {
        "BatchItemResponse": [
            {"bId": "1", "QueryResponse": {"Invoice": rows, "startPosition": 1, "maxResults": 1500}},
            {"bId": "2", "QueryResponse": {"Bill": rows[:500]}},
            {"bId": "3", "QueryResponse": {}},  # an empty page still costs a read
            {"bId": "4", "Fault": {"Error": [], "type": "ValidationFault"}},
        ]
    }
    assert batch_weight(body) == 2002 / 1000
    assert batch_weight({"BatchItemResponse": [{"bId": "1", "QueryResponse": {"totalCount": 9}}]}) == 1.0
    emu.faults.latency_ms = 40
    items = [{"bId": str(n), "Query": "select * from Invoice maxresults 1000"} for n in range(3)]
    began = time.monotonic()
    reply = api.post("batch", json={"BatchItemRequest": items})
    returned = sum(len(i["QueryResponse"].get("Invoice", [])) for i in reply.json()["BatchItemResponse"])
    assert time.monotonic() - began >= 0.04 * max(1.0, returned / 1000)
