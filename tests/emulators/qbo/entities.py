"""The QBO entities the emulator serves: kind, URL name, CDC/webhook support and queryable fields.

Queryable fields are typed so the query engine can coerce literals. Intuit filters only on some fields of
each entity; the emulator rejects the rest (code 4001) rather than guessing, the stricter reading.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Field types: id (numeric string), ts (offset timestamp), date, num, str, bool, ref (a Ref's value).
COMMON_FIELDS = {"Id": "id", "MetaData.CreateTime": "ts", "MetaData.LastUpdatedTime": "ts"}
LIST_FIELDS = {"Active": "bool"}
TXN_FIELDS = {"TxnDate": "date", "DocNumber": "str"}


@dataclass(frozen=True)
class EntitySpec:
    name: str
    kind: str  # "list" | "txn" | "singleton"
    cdc: bool = True
    webhook: bool = True
    voidable: bool = False
    extra_fields: dict[str, str] = field(default_factory=dict)
    response_key: str = ""  # the JSON key of its records when it differs from the name (CreditCardPaymentTxn)
    queryable: bool = True  # False: read by Id (and CDC) only, as Intuit documents no query for it
    regions: tuple[str, ...] = ()  # the company countries that have the entity; empty: every country
    multicurrency: bool = False  # only multicurrency companies have rows
    dated: bool = True  # a "txn" with TxnDate and DocNumber (Attachable and TaxPayment have neither)
    writable: bool = True  # False: read-only in Intuit's API (rows come from QBO's UI: emu.mutate)

    @property
    def key(self) -> str:
        return self.response_key or self.name

    @property
    def path(self) -> str:
        return self.name.lower()

    @property
    def fields(self) -> dict[str, str]:
        out = dict(COMMON_FIELDS)
        if self.kind == "list":
            out.update(LIST_FIELDS)
        if self.kind == "txn" and self.dated:
            out.update(TXN_FIELDS)
        out.update(self.extra_fields)
        return out

    @property
    def hides_inactive(self) -> bool:
        return self.kind == "list" and self.name != "TaxAgency"


_NAMED = {"Name": "str", "FullyQualifiedName": "str"}
_PARTY = {"DisplayName": "str", "CompanyName": "str", "GivenName": "str", "FamilyName": "str"}
_SALE = {"TotalAmt": "num", "CustomerRef": "ref"}
_BUY = {"TotalAmt": "num", "VendorRef": "ref"}

SPECS: tuple[EntitySpec, ...] = (
    EntitySpec(
        "Account",
        "list",
        extra_fields={
            **_NAMED,
            "AccountType": "str",
            "Classification": "str",
            "SubAccount": "bool",
            "CurrentBalance": "num",
        },
    ),
    EntitySpec(
        "Attachable",
        "txn",
        webhook=False,
        dated=False,
        extra_fields={
            "AttachableRef.EntityRef.Type": "str",
            "AttachableRef.EntityRef.value": "str",
            "FileName": "str",
            "Category": "str",
        },
    ),
    EntitySpec("Bill", "txn", extra_fields={**_BUY, "Balance": "num", "DueDate": "date"}),
    EntitySpec("BillPayment", "txn", voidable=True, extra_fields=_BUY),
    EntitySpec("Budget", "list", extra_fields={"Name": "str", "StartDate": "date", "EndDate": "date"}),
    EntitySpec("Class", "list", extra_fields=_NAMED),
    EntitySpec("CompanyInfo", "singleton", extra_fields={"CompanyName": "str"}),
    EntitySpec(
        "CompanyCurrency",
        "list",
        webhook=False,
        multicurrency=True,
        extra_fields={"Code": "str", "Name": "str"},
    ),
    EntitySpec(
        "CreditCardPayment",
        "txn",
        webhook=False,
        response_key="CreditCardPaymentTxn",
        extra_fields={"Amount": "num"},
    ),
    EntitySpec("CreditMemo", "txn", extra_fields={**_SALE, "Balance": "num"}),
    EntitySpec("Customer", "list", extra_fields={**_PARTY, "Balance": "num", "Job": "bool"}),
    EntitySpec("CustomerType", "list", webhook=False, writable=False, extra_fields={"Name": "str"}),
    EntitySpec("Department", "list", extra_fields=_NAMED),
    EntitySpec("Deposit", "txn", extra_fields={"TotalAmt": "num"}),
    EntitySpec("Employee", "list", extra_fields=_PARTY),
    EntitySpec("Estimate", "txn", extra_fields={**_SALE, "TxnStatus": "str"}),
    EntitySpec(
        "ExchangeRate",
        "txn",
        webhook=False,
        dated=False,
        multicurrency=True,
        extra_fields={"SourceCurrencyCode": "str", "TargetCurrencyCode": "str", "AsOfDate": "date"},
    ),
    EntitySpec("Invoice", "txn", voidable=True, extra_fields={**_SALE, "Balance": "num", "DueDate": "date"}),
    EntitySpec("Item", "list", extra_fields={**_NAMED, "Type": "str"}),
    EntitySpec(
        "JournalCode", "list", cdc=False, regions=("FR",), extra_fields={"Name": "str", "Type": "str"}
    ),
    EntitySpec("JournalEntry", "txn", extra_fields={"TotalAmt": "num", "Adjustment": "bool"}),
    EntitySpec("Payment", "txn", voidable=True, extra_fields=_SALE),
    EntitySpec("PaymentMethod", "list", extra_fields={"Name": "str", "Type": "str"}),
    EntitySpec("Preferences", "singleton"),
    EntitySpec("Purchase", "txn", extra_fields={"TotalAmt": "num", "PaymentType": "str", "EntityRef": "ref"}),
    EntitySpec("PurchaseOrder", "txn", extra_fields={**_BUY, "POStatus": "str"}),
    EntitySpec("RecurringTransaction", "txn", webhook=False, dated=False, writable=False),  # wrapped by type
    EntitySpec("RefundReceipt", "txn", extra_fields=_SALE),
    EntitySpec(
        "ReimburseCharge",
        "txn",
        webhook=False,
        writable=False,
        extra_fields={"CustomerRef": "ref", "Amount": "num", "HasBeenInvoiced": "bool"},
    ),
    EntitySpec("SalesReceipt", "txn", voidable=True, extra_fields=_SALE),
    EntitySpec("TaxAgency", "list", cdc=False, extra_fields={"DisplayName": "str"}),
    EntitySpec(
        "TaxPayment",
        "txn",
        webhook=False,
        dated=False,
        writable=False,
        regions=("AU", "CA", "GB"),
        extra_fields={"PaymentDate": "date", "Refund": "bool"},
    ),
    EntitySpec("TaxCode", "list", cdc=False, webhook=False, extra_fields={"Name": "str"}),
    EntitySpec("TaxRate", "list", cdc=False, webhook=False, extra_fields={"Name": "str"}),
    EntitySpec("Term", "list", extra_fields={"Name": "str"}),
    EntitySpec("TimeActivity", "txn", cdc=False, extra_fields={"EmployeeRef": "ref", "CustomerRef": "ref"}),
    EntitySpec("Transfer", "txn", extra_fields={"Amount": "num"}),
    EntitySpec("Vendor", "list", extra_fields={**_PARTY, "Balance": "num"}),
    EntitySpec("VendorCredit", "txn", extra_fields=_BUY),
)

BY_NAME: dict[str, EntitySpec] = {s.name: s for s in SPECS}
BY_LOWER: dict[str, EntitySpec] = {s.name.lower(): s for s in SPECS}
