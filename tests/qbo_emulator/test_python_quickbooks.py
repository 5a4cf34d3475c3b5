"""python-quickbooks, unmodified, against the emulator: its base URL constant and Intuit's OAuth client
discovery setting are the only things pointed elsewhere."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from intuitlib.client import AuthClient
from quickbooks import QuickBooks
from quickbooks.batch import batch_update
from quickbooks.cdc import change_data_capture
from quickbooks.exceptions import AuthorizationException, ValidationException
from quickbooks.objects.account import Account
from quickbooks.objects.companycurrency import CompanyCurrency
from quickbooks.objects.creditcardpayment_entity import CreditCardPayment
from quickbooks.objects.customer import Customer
from quickbooks.objects.customertype import CustomerType
from quickbooks.objects.invoice import Invoice
from quickbooks.objects.item import Item
from quickbooks.objects.journalentry import JournalEntry

from tests.emulators.qbo import QBOEmulator

from .conftest import record


@pytest.fixture
def qb(emu: QBOEmulator, monkeypatch: pytest.MonkeyPatch) -> Iterator[QuickBooks]:
    # requests-oauthlib refuses plain http unless told otherwise; the emulator has no TLS.
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    auth = AuthClient(
        emu.client_id, emu.client_secret, "https://app.example/callback", environment=emu.discovery_url
    )
    client = QuickBooks(
        auth_client=auth,
        refresh_token=emu.issue_refresh_token(),
        company_id=emu.realm_id,
        minorversion=75,
        use_decimal=True,
    )
    client.api_url_v3 = f"{emu.base_url}/v3"
    return client


def test_queries_return_the_stored_objects(emu: QBOEmulator, qb: QuickBooks) -> None:
    invoices = Invoice.query("SELECT * FROM Invoice ORDERBY Id STARTPOSITION 11 MAXRESULTS 5", qb=qb)
    stored = emu.store.all("Invoice")[10:15]
    assert [i.Id for i in invoices] == [s["Id"] for s in stored]
    assert [i.TotalAmt for i in invoices] == [s["TotalAmt"] for s in stored]
    assert [i.CustomerRef.value for i in invoices] == [s["CustomerRef"]["value"] for s in stored]
    assert Invoice.count(qb=qb) == len(emu.store.all("Invoice"))
    big = Invoice.where("TotalAmt > '20000.00'", max_results=1000, qb=qb)
    assert {i.Id for i in big} == {s["Id"] for s in emu.store.all("Invoice") if s["TotalAmt"] > 20000}
    customers = Customer.all(max_results=1000, qb=qb)
    assert len(customers) == sum(1 for c in emu.store.all("Customer") if c["Active"])


def test_read_by_id(emu: QBOEmulator, qb: QuickBooks) -> None:
    entry = JournalEntry.get(2, qb=qb)
    stored = record(emu, "JournalEntry", "2")
    assert entry.Id == "2"
    assert [line.Amount for line in entry.Line] == [line["Amount"] for line in stored["Line"]]
    assert (
        entry.Line[0].JournalEntryLineDetail.PostingType
        == stored["Line"][0]["JournalEntryLineDetail"]["PostingType"]
    )


def test_change_data_capture(emu: QBOEmulator, qb: QuickBooks) -> None:
    since = emu.clock.now() - timedelta(seconds=5)
    emu.mutate.update("Invoice", "8", {"PrivateNote": "seen by CDC"})
    customer = emu.mutate.create("Customer", {"DisplayName": "CDC Customer"})
    response = change_data_capture([Invoice, Customer], since, qb=qb)
    assert [i.Id for i in response.Invoice] == ["8"]
    assert response.Invoice[0].PrivateNote == "seen by CDC"
    assert [c.Id for c in response.Customer] == [customer["Id"]]


def test_faults_map_to_the_clients_exceptions(emu: QBOEmulator, qb: QuickBooks) -> None:
    with pytest.raises(ValidationException) as caught:
        Invoice.query("SELECT * FROM Invoice STARTPOSITION 0", qb=qb)
    assert caught.value.error_code == 4001
    emu.clock.advance(3600)
    with pytest.raises(AuthorizationException):
        Invoice.get(1, qb=qb)


def test_batch_update_with_a_stale_item(emu: QBOEmulator, qb: QuickBooks) -> None:
    fresh = Customer.get(3, qb=qb)
    fresh.CompanyName = "Batch Renamed"
    stale = Customer.get(4, qb=qb)
    emu.mutate.update("Customer", "4", {"Notes": "changed meanwhile"})
    stale.CompanyName = "Too Late"
    result = batch_update([fresh, stale], qb=qb)
    assert [c.Id for c in result.successes] == ["3"]
    assert [f.Error[0].code for f in result.faults] == ["5010"]
    assert record(emu, "Customer", "3")["CompanyName"] == "Batch Renamed"
    assert record(emu, "Customer", "4")["CompanyName"] != "Too Late"
    assert emu.counters()["batch"] == 1


def test_save_delete_and_void_through_the_client(emu: QBOEmulator, qb: QuickBooks) -> None:
    customer = Customer()
    customer.DisplayName = "Saved Through The Client"
    customer.save(qb=qb)
    assert record(emu, "Customer", customer.Id)["DisplayName"] == "Saved Through The Client"
    doomed = Invoice.get(30, qb=qb)
    doomed.delete(qb=qb)
    assert emu.store.get("Invoice", "30") is None
    voided = Invoice.get(31, qb=qb)
    voided.void(qb=qb)
    assert record(emu, "Invoice", "31")["TotalAmt"] == 0
    assert record(emu, "Invoice", "31")["PrivateNote"] == "Voided"


def test_lower_case_queries_order_by_and_the_newer_entities(qb: QuickBooks, emu: QBOEmulator) -> None:
    """python-quickbooks as shipped: `SELECT *, Sku FROM Item ... ORDER BY Id`, lower-case queries, and the
    entities it has classes for (CreditCardPayment answers as CreditCardPaymentTxn)."""
    items = Item.all(order_by="Id", max_results=1000, qb=qb)
    assert [i.Id for i in items] == [r["Id"] for r in emu.store.all("Item") if r.get("Active", True)]
    accounts = Account.query("select * from account where active = true maxresults 1000", qb=qb)
    assert len(accounts) == len([a for a in emu.store.all("Account") if a.get("Active", True)])
    payments = CreditCardPayment.all(qb=qb)
    assert {p.Id for p in payments} == {r["Id"] for r in emu.store.all("CreditCardPayment")}
    assert payments[0].Amount == emu.store.get("CreditCardPayment", payments[0].Id)["Amount"]
    assert [t.Name for t in CustomerType.all(qb=qb)] == [r["Name"] for r in emu.store.all("CustomerType")]
    assert CompanyCurrency.all(qb=qb) == []  # a company without multicurrency has none
