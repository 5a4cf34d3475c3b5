"""Intuit's validation rules and defaults for created and updated records.

Codes: 2020 required field, 610 missing or inactive reference, 6240 duplicate name, 6000 business rule.
"""

from __future__ import annotations

from decimal import Decimal, localcontext
from typing import Any

from .entities import EntitySpec
from .faults import QBOFault, missing_param, validation
from .store import Store

REQUIRED: dict[str, tuple[str, ...]] = {
    "Invoice": ("CustomerRef", "Line"),
    "Bill": ("VendorRef", "Line"),
    "Payment": ("CustomerRef", "TotalAmt"),
    "JournalEntry": ("Line",),
    "Customer": ("DisplayName",),
    "Vendor": ("DisplayName",),
    "Employee": ("DisplayName",),
    "Account": ("Name", "AccountType"),
    "Purchase": ("AccountRef", "PaymentType", "Line"),
    "Deposit": ("DepositToAccountRef", "Line"),
    "SalesReceipt": ("Line",),
    "CreditMemo": ("CustomerRef", "Line"),
    "Estimate": ("CustomerRef", "Line"),
    "VendorCredit": ("VendorRef", "Line"),
    "BillPayment": ("VendorRef", "PayType", "TotalAmt"),
    "Transfer": ("FromAccountRef", "ToAccountRef", "Amount"),
    "Class": ("Name",),
    "Department": ("Name",),
    "Item": ("Name",),
    "Term": ("Name",),
}
REF_TARGETS = {
    "CustomerRef": "Customer",
    "VendorRef": "Vendor",
    "EmployeeRef": "Employee",
    "ClassRef": "Class",
    "DepartmentRef": "Department",
    "AccountRef": "Account",
    "ItemRef": "Item",
    "DepositToAccountRef": "Account",
    "APAccountRef": "Account",
    "BankAccountRef": "Account",
    "FromAccountRef": "Account",
    "ToAccountRef": "Account",
    "PaymentMethodRef": "PaymentMethod",
}
PARTIES = ("Customer", "Vendor", "Employee")
CLASSIFICATION = {
    "Bank": "Asset",
    "Accounts Receivable": "Asset",
    "Other Current Asset": "Asset",
    "Fixed Asset": "Asset",
    "Accounts Payable": "Liability",
    "Credit Card": "Liability",
    "Other Current Liability": "Liability",
    "Long Term Liability": "Liability",
    "Equity": "Equity",
    "Income": "Revenue",
    "Other Income": "Revenue",
    "Cost of Goods Sold": "Expense",
    "Expense": "Expense",
    "Other Expense": "Expense",
}


def decimal(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def line_total(entity: str, lines: list[dict[str, Any]]) -> Decimal:
    """TotalAmt from the lines: a journal entry's debits, else every amount line but subtotals/discounts."""
    if entity == "JournalEntry":
        amounts = [ln for ln in lines if ln.get("JournalEntryLineDetail", {}).get("PostingType") == "Debit"]
    else:
        skip = ("SubTotalLineDetail", "DiscountLineDetail")
        amounts = [ln for ln in lines if ln.get("DetailType") not in skip]
    # Decimal's default context keeps 28 digits and would round a 38-digit total; QBO's sums are exact.
    with localcontext(prec=76):
        return sum((decimal(ln.get("Amount", 0)) for ln in amounts), Decimal(0))


def require(entity: str, fields: dict[str, Any]) -> None:
    for name in REQUIRED.get(entity, ()):
        if fields.get(name) in (None, "", []):
            raise missing_param(name)


def apply_defaults(spec: EntitySpec, record: dict[str, Any], today: str) -> dict[str, Any]:
    if spec.kind == "list":
        record.setdefault("Active", True)
        if "Name" in record:
            record.setdefault("FullyQualifiedName", record["Name"])
    if spec.name == "Account":
        record.setdefault("Classification", CLASSIFICATION.get(record["AccountType"], "Expense"))
        record.setdefault("SubAccount", False)
    if spec.kind == "txn" and spec.dated:
        record.setdefault("TxnDate", today)
        record.setdefault("CurrencyRef", {"value": "USD", "name": "United States Dollar"})
        if "Line" in record and spec.name != "Transfer":
            record.setdefault("TotalAmt", line_total(spec.name, record["Line"]))
        if spec.name in ("Invoice", "Bill", "CreditMemo"):
            record.setdefault("Balance", record.get("TotalAmt", 0))
    return record


def validate(
    store: Store, spec: EntitySpec, record: dict[str, Any], own_id: str | None, changed: dict[str, Any]
) -> None:
    # Only references the request sets are checked: an edit of an old invoice whose customer has since
    # been made inactive goes through (Intuit does not document this case; refusing it would be stricter).
    _check_refs(store, changed)
    if spec.name == "JournalEntry":
        credits = sum(
            (
                decimal(ln.get("Amount", 0))
                for ln in record.get("Line", [])
                if ln.get("JournalEntryLineDetail", {}).get("PostingType") == "Credit"
            ),
            Decimal(0),
        )
        if credits != line_total("JournalEntry", record.get("Line", [])):
            raise validation(
                "6000",
                "A business validation error has occurred while processing your request",
                "Business Validation Error: You must balance debits and credits.",
            )
    if spec.kind == "list":
        _check_unique(store, spec, record, own_id)


def _check_refs(store: Store, node: Any) -> None:
    if isinstance(node, list):
        for item in node:
            _check_refs(store, item)
        return
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        target = REF_TARGETS.get(key)
        if target and isinstance(value, dict) and "value" in value:
            found = store.get(target, str(value["value"]))
            if found is None or found.get("Active") is False:
                raise QBOFault(
                    400,
                    "ValidationFault",
                    "610",
                    "Object Not Found",
                    "Object Not Found : Something you're trying to use has been made inactive. "
                    "Check the fields with accounts, customers, items, vendors or employees.",
                    f"{key}:{value['value']}",
                )
        else:
            _check_refs(store, value)


def _check_unique(store: Store, spec: EntitySpec, record: dict[str, Any], own_id: str | None) -> None:
    key = "DisplayName" if spec.name in PARTIES else "Name"
    name = record.get(key)
    if name is None:
        return
    for entity in PARTIES if spec.name in PARTIES else (spec.name,):
        for _, _, other in store.view(entity).by_id():
            if other.get(key) == name and not (entity == spec.name and other["Id"] == own_id):
                raise validation(
                    "6240",
                    "Duplicate Name Exists Error",
                    "The name supplied already exists. : Another customer, vendor or employee "
                    "is already using this name. Please use a different name.",
                    key,
                )
