"""batch.py: one fault policy for every /batch caller (docs/deletes.md, "/batch")."""

from __future__ import annotations

from typing import Any, cast

import msgspec
import pytest
from tap_quickbooks_online import batch
from tap_quickbooks_online.batch import BatchItemsRejected, run_items, run_queries
from tap_quickbooks_online.client import QBOClient
from tap_quickbooks_online.drain import fetch_by_ids
from tap_quickbooks_online.entities import BY_NAME
from tap_quickbooks_online.errors import FatalError, RetriableError
from tap_quickbooks_online.responses import decode


def _fault(kind: str, code: str) -> dict[str, Any]:
    return {"Error": [{"Message": kind, "code": code, "Detail": "d"}], "type": kind}


class FakeClient:
    """Answers /batch from a script: answer(item, attempt) -> item answer dict, or None to leave it out."""

    def __init__(self, answer: Any) -> None:
        self.answer, self.sent, self.attempts = answer, [], {}
        self.slept: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)

    def batch(self, items: list[dict[str, Any]]) -> Any:
        self.sent.append([i["bId"] for i in items])
        out = []
        for item in items:
            n = self.attempts[item["Query"]] = self.attempts.get(item["Query"], 0) + 1
            found = self.answer(item, n)
            if found is not None:
                out.append({"bId": item["bId"], **found})
        return decode(msgspec.json.encode({"BatchItemResponse": out, "time": "2026-03-01T10:00:00-08:00"}))


def _ok(item: dict[str, Any], n: int) -> dict[str, Any]:
    return {"QueryResponse": {"Invoice": [{"Id": item["Query"][-2:].strip("'"), "MetaData": {}}]}}


def _items(n: int) -> list[dict[str, Any]]:
    return [{"bId": str(i), "Query": f"SELECT * FROM Invoice WHERE Id = '{i}'"} for i in range(n)]


def test_throttle_and_system_faults_are_sent_again_alone() -> None:
    def answer(item: dict[str, Any], n: int) -> dict[str, Any]:
        if item["bId"] == "1" and n == 1:
            return {"Fault": _fault("ThrottleFault", "3001")}
        if item["bId"] == "2" and n <= 2:
            return {"Fault": _fault("SystemFault", "10000")}
        return _ok(item, n)

    client = FakeClient(answer)
    answers, when = run_items(cast(QBOClient, client), _items(3))
    assert sorted(answers) == ["0", "1", "2"]
    assert client.sent == [["0", "1", "2"], ["1", "2"], ["2"]]
    assert len(client.slept) == 2  # one wait before each resend, through the client
    assert when == "2026-03-01T10:00:00-08:00"


def test_any_other_item_fault_fails_the_call_naming_it() -> None:
    client = FakeClient(
        lambda item, n: {"Fault": _fault("ValidationFault", "4000")} if item["bId"] == "1" else _ok(item, n)
    )
    with pytest.raises(BatchItemsRejected) as caught:
        run_items(cast(QBOClient, client), _items(3))
    assert set(caught.value.errors) == {"1"}
    assert caught.value.all_rejected_requests
    auth = FakeClient(lambda item, n: {"Fault": _fault("AuthenticationFault", "3200")})
    with pytest.raises(BatchItemsRejected) as denied:
        run_items(cast(QBOClient, auth), _items(1))
    assert not denied.value.all_rejected_requests


def test_an_answer_missing_a_bid_is_an_error_not_an_empty_result() -> None:
    client = FakeClient(lambda item, n: None if item["bId"] == "2" else _ok(item, n))
    with pytest.raises(FatalError, match=r"lacks bId\(s\) \['2'\]"):
        run_queries(cast(QBOClient, client), [i["Query"] for i in _items(3)], 30)


def test_items_that_keep_failing_transiently_fail_the_call() -> None:
    client = FakeClient(lambda item, n: {"Fault": _fault("ThrottleFault", "3001")})
    with pytest.raises(RetriableError, match="kept failing transiently"):
        run_items(cast(QBOClient, client), _items(2))
    assert len(client.sent) == batch.ATTEMPTS


def test_the_drain_skips_only_the_id_qbo_refuses_and_fetches_the_rest(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def answer(item: dict[str, Any], n: int) -> dict[str, Any]:
        if "'13'" in item["Query"]:
            return {"Fault": _fault("ValidationFault", "4000")}
        ids = [part.strip("' ") for part in item["Query"].split("IN (")[1].split(")")[0].split(",")]
        return {"QueryResponse": {"Invoice": [{"Id": i, "MetaData": {}} for i in ids]}}

    client = FakeClient(answer)
    pages = list(fetch_by_ids(cast(QBOClient, client), BY_NAME["Invoice"], ["11", "12", "13", "14"], 2))
    assert sorted(row.id for page in pages for row in page) == ["11", "12", "14"]
    assert "Invoice Id 13: QBO refuses to fetch it" in caplog.text


def test_the_drain_fails_the_run_on_a_fault_it_cannot_attribute_to_one_id() -> None:
    client = FakeClient(lambda item, n: {"Fault": _fault("AuthorizationFault", "5020")})
    with pytest.raises(BatchItemsRejected):
        list(fetch_by_ids(cast(QBOClient, client), BY_NAME["Invoice"], ["11", "12"], 30))
