"""The one table of QBO entities the tap syncs. Adding an entity costs a row here and a schema file.

Facts per entity (docs/qbo-api.md):
- kind: "list" entities are never hard-deleted, only made inactive, and the API hides inactive rows unless
  the query filters on Active; "transaction" entities can be deleted (and some voided); "singleton"
  entities hold one row per company.
- cdc: Intuit's CDC covers every entity except JournalCode, TaxAgency, TimeActivity, TaxCode and TaxRate.
- webhooks: the entities Intuit sends webhook events for.
- response_key: the JSON key (and XSD type) of the entity's objects when it is not the name: Intuit answers
  `select * from CreditCardPayment` with `QueryResponse.CreditCardPaymentTxn`.
- keys: the fields that identify an object within a realm; Intuit's ExchangeRate has no Id and is keyed by
  (SourceCurrencyCode, TargetCurrencyCode, AsOfDate).
- wrapped: Intuit answers each RecurringTransaction as `{"Bill": {...}}` (the type as the only key, Id and
  MetaData inside); the record keeps that JSON and gains the inner Id and MetaData at the top.
- regions: the company countries (CompanyInfo.Country) that have the entity; elsewhere the stream is
  skipped with one log line (JournalCode: France; TaxPayment: Australia, Canada, UK).
The whole list, with what Intuit documents for each, is in docs/qbo-entities.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal

import msgspec

Kind = Literal["list", "transaction", "singleton"]
SCHEMA_DIR = Path(__file__).with_name("schemas")
SHARED_REF = re.compile(r"shared/[A-Za-z0-9]+\.json")
ALL_ACTIVE = "Active IN (true, false)"


@dataclass(frozen=True)
class Entity:
    name: str  # QBO entity name, verbatim (query FROM, CDC entities=, webhook "name")
    stream_name: str  # snake_case plural Singer stream name
    kind: Kind
    cdc: bool = True
    webhooks: bool = True
    extra_where: str | None = None  # condition ANDed into every query of this entity
    response_key: str = ""  # JSON key of its objects, when not `name` (CreditCardPayment)
    regions: tuple[str, ...] = ()  # CompanyInfo.Country values that have it; empty: every company
    keys: tuple[str, ...] = ("Id",)  # what identifies an object (with realm_id): ExchangeRate has no Id
    wrapped: bool = False  # each object comes wrapped in its transaction type (RecurringTransaction)

    @property
    def key(self) -> str:
        return self.response_key or self.name


def _list(name: str, stream: str, **kw: Any) -> Entity:
    return Entity(name, stream, "list", extra_where=ALL_ACTIVE, **kw)


def _txn(name: str, stream: str, **kw: Any) -> Entity:
    return Entity(name, stream, "transaction", **kw)


ENTITIES: tuple[Entity, ...] = (
    _list("Account", "accounts"),
    _txn("Attachable", "attachables", webhooks=False),
    _txn("Bill", "bills"),
    _txn("BillPayment", "bill_payments"),
    _list("Budget", "budgets"),
    _list("Class", "classes"),
    _list("CompanyCurrency", "company_currencies", webhooks=False),
    Entity("CompanyInfo", "company_info", "singleton", webhooks=False),
    _txn("CreditCardPayment", "credit_card_payments", webhooks=False, response_key="CreditCardPaymentTxn"),
    _txn("CreditMemo", "credit_memos"),
    _list("Customer", "customers"),
    _list("CustomerType", "customer_types", webhooks=False),
    _list("Department", "departments"),
    _txn("Deposit", "deposits"),
    _list("Employee", "employees"),
    _txn("Estimate", "estimates"),
    _txn(
        "ExchangeRate",
        "exchange_rates",
        webhooks=False,
        keys=("SourceCurrencyCode", "TargetCurrencyCode", "AsOfDate"),
    ),
    _txn("Invoice", "invoices"),
    _list("Item", "items"),
    _list("JournalCode", "journal_codes", cdc=False, regions=("FR",)),
    _txn("JournalEntry", "journal_entries"),
    _txn("Payment", "payments"),
    _list("PaymentMethod", "payment_methods"),
    Entity("Preferences", "preferences", "singleton"),
    _txn("Purchase", "purchases"),
    _txn("PurchaseOrder", "purchase_orders"),
    _txn("RecurringTransaction", "recurring_transactions", webhooks=False, wrapped=True),
    _txn("RefundReceipt", "refund_receipts"),
    _txn("ReimburseCharge", "reimburse_charges", webhooks=False),
    _txn("SalesReceipt", "sales_receipts"),
    _list("TaxAgency", "tax_agencies", cdc=False),
    _list("TaxCode", "tax_codes", cdc=False, webhooks=False),
    _txn("TaxPayment", "tax_payments", webhooks=False, regions=("AU", "CA", "GB", "UK")),
    _list("TaxRate", "tax_rates", cdc=False, webhooks=False),
    _list("Term", "terms"),
    _txn("TimeActivity", "time_activities", cdc=False),
    _txn("Transfer", "transfers"),
    _list("Vendor", "vendors"),
    _txn("VendorCredit", "vendor_credits"),
)

BY_NAME: dict[str, Entity] = {e.name: e for e in ENTITIES}
BY_STREAM: dict[str, Entity] = {e.stream_name: e for e in ENTITIES}


@cache
def _inlined_json(stream_name: str) -> bytes:
    return msgspec.json.encode(_inline(_fragment(f"{stream_name}.json")))


@cache
def _fragment(relative: str) -> dict[str, Any]:
    data: dict[str, Any] = msgspec.json.decode((SCHEMA_DIR / relative).read_bytes())
    return data


@cache
def _inlined_fragment(relative: str) -> Any:
    """A shared fragment with its own references inlined, once per process (Line is in ~17 streams)."""
    if not SHARED_REF.fullmatch(relative) or not (SCHEMA_DIR / relative).is_file():
        raise ValueError(
            f"a schema refers to {relative!r}, which is not one of the tap's schema files; refer only to "
            "shared/<Type>.json as discovery writes them, or inline the schema"
        )
    return _inline(_fragment(relative))


def _inline(node: Any) -> Any:
    """Replace {"$ref": "shared/X.json"} by the fragment itself (singer-sdk wants inline schemas)."""
    if isinstance(node, dict):
        if set(node) == {"$ref"}:
            return _inlined_fragment(node["$ref"])
        return {key: _inline(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_inline(item) for item in node]
    return node


def inline_references(schema: dict[str, Any]) -> dict[str, Any]:
    """A catalog schema with its `{"$ref": "shared/X.json"}` nodes replaced by the tap's fragments."""
    inlined: dict[str, Any] = _inline(schema)
    return inlined


def catalog_schema(entity: Entity) -> dict[str, Any]:
    """The stream's schema as the catalog carries it: every top-level property typed, deeper QBO types
    (a transaction's Line, ~115 KB inlined, in ~17 streams) as `$ref` to the tap's schema files. Meltano
    reads, rewrites and hands back the catalog every run, and the tap parses it: a 2.6 MB catalog
    becomes ~0.3 MB. The SCHEMA messages carry the inlined schema (inline_references)."""
    schema = msgspec.json.decode(msgspec.json.encode(_fragment(f"{entity.stream_name}.json")))
    for name, node in schema["properties"].items():
        if set(node) == {"$ref"}:
            schema["properties"][name] = msgspec.json.decode(msgspec.json.encode(_fragment(node["$ref"])))
    return schema


def load_schema(entity: Entity) -> dict[str, Any]:
    """The stream's JSON schema with shared fragments inlined (a fresh copy each call)."""
    schema: dict[str, Any] = msgspec.json.decode(_inlined_json(entity.stream_name))
    return schema
