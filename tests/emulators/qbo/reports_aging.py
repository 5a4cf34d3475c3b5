"""A/R and A/P aging (summary and detail) and the customer and vendor balance reports, as of `report_date`.

An open document is an invoice (bill) dated on or before the report date, less what payments (bill
payments) dated on or before it applied; credit memos and vendor credits count against the balance. Days
past due count from DueDate (TxnDate when a document has none).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from .faults import invalid_param
from .reports_params import parse_date
from .reports_summary import fmt
from .reports_views import Built, Ctx

ZERO = Decimal(0)
SIDES = {
    "AR": ("Invoice", "CreditMemo", "Payment", "CustomerRef", "Customer", "cust_name"),
    "AP": ("Bill", "VendorCredit", "BillPayment", "VendorRef", "Vendor", "vend_name"),
}
SUMMARY_BUCKETS = ("Current", "1 - 30", "31 - 60", "61 - 90", "91 and over")


@dataclass(frozen=True)
class Open:
    doc_type: str
    record: dict[str, Any]
    amount: Decimal  # signed: credits negative
    open: Decimal
    days: int  # past due at the report date

    @property
    def name(self) -> tuple[str, str]:
        ref = self.record.get("CustomerRef") or self.record.get("VendorRef") or {}
        return str(ref.get("value", "")), str(ref.get("name", ""))


def as_of(ctx: Ctx) -> date:
    if ctx.req.params.get("aging_method") == "Current":
        return ctx.today
    return parse_date(ctx.req.params.get("report_date"), "report_date") or ctx.today


def open_documents(ctx: Ctx, side: str) -> list[Open]:
    doc, credit, payer, name_key, _, _ = SIDES[side]
    when = as_of(ctx).isoformat()
    applied: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for pay in ctx.store.all(payer):
        if pay.get("TxnDate", "") <= when:
            for line in pay.get("Line", []):
                for link in line.get("LinkedTxn", []):
                    applied[(str(link.get("TxnType")), str(link.get("TxnId")))] += Decimal(
                        str(line.get("Amount", 0))
                    )
    ids = {
        name: {i for i in ctx.req.params.get(name, "").split(",") if i}
        for name in ("customer", "vendor", "department", "term")
    }
    out = []
    for entity, sign in ((doc, 1), (credit, -1)):
        for record in ctx.store.all(entity):
            if record.get("TxnDate", "") > when or not _wanted(record, name_key, ids):
                continue
            total = Decimal(str(record.get("TotalAmt", 0)))
            remaining = total - applied.get((entity, str(record["Id"])), ZERO)
            if remaining:
                due = date.fromisoformat(record.get("DueDate") or record["TxnDate"])
                out.append(Open(entity, record, sign * total, sign * remaining, (as_of(ctx) - due).days))
    return out


def _wanted(record: dict[str, Any], name_key: str, ids: dict[str, set[str]]) -> bool:
    checks = (
        ("customer" if name_key == "CustomerRef" else "vendor", name_key),
        ("department", "DepartmentRef"),
        ("term", "SalesTermRef"),
    )
    return all(not ids[p] or str((record.get(k) or {}).get("value", "")) in ids[p] for p, k in checks)


def _bucket(days: int, period: int, count: int) -> int:
    """0 = current, then one bucket per `period` days, the last open-ended."""
    return 0 if days <= 0 else min(1 + (days - 1) // period, count - 1)


def _summary(ctx: Ctx, side: str) -> Built:
    docs = open_documents(ctx, side)
    kind = SIDES[side][4]
    per: dict[tuple[str, str], list[Decimal]] = defaultdict(lambda: [ZERO] * len(SUMMARY_BUCKETS))
    for d in docs:
        per[d.name][_bucket(d.days, 30, len(SUMMARY_BUCKETS))] += d.open
    rows: list[dict[str, Any]] = []
    grand = [ZERO] * len(SUMMARY_BUCKETS)
    for (name_id, name), values in sorted(per.items(), key=lambda kv: kv[0][1]):
        if not any(values):
            continue
        grand = [g + v for g, v in zip(grand, values, strict=True)]
        cells = [{"value": fmt(v) if v else ""} for v in values]
        rows.append({"ColData": [{"id": name_id, "value": name}, *cells, {"value": fmt(sum(values, ZERO))}]})
    total = [{"value": fmt(v)} for v in grand]
    rows.append(
        {
            "group": "GrandTotal",
            "type": "Section",
            "Summary": {"ColData": [{"value": "TOTAL"}, *total, {"value": fmt(sum(grand, ZERO))}]},
        }
    )
    columns = [{"ColType": kind, "ColTitle": ""}]
    columns += [{"ColType": "Money", "ColTitle": title} for title in (*SUMMARY_BUCKETS, "Total")]
    return rows, columns


DETAIL_CELLS: dict[str, tuple[str, Any]] = {
    "tx_date": ("Date", lambda d: {"value": d.record.get("TxnDate", "")}),
    "txn_type": ("Transaction Type", lambda d: {"value": d.doc_type, "id": str(d.record["Id"])}),
    "doc_num": ("Num", lambda d: {"value": str(d.record.get("DocNumber", ""))}),
    "cust_name": ("Customer", lambda d: {"id": d.name[0], "value": d.name[1]}),
    "vend_name": ("Vendor", lambda d: {"id": d.name[0], "value": d.name[1]}),
    "due_date": ("Due Date", lambda d: {"value": d.record.get("DueDate") or d.record.get("TxnDate", "")}),
    "past_due": ("Past Due", lambda d: {"value": str(max(d.days, 0))}),
    "memo": ("Memo/Description", lambda d: {"value": d.record.get("PrivateNote", "")}),
    "term_name": ("Terms", lambda d: {"value": (d.record.get("SalesTermRef") or {}).get("name", "")}),
    "dept_name": ("Location", lambda d: {"value": (d.record.get("DepartmentRef") or {}).get("name", "")}),
    "subt_amount": ("Amount", lambda d: {"value": fmt(d.amount)}),
    "subt_open_bal": ("Open Balance", lambda d: {"value": fmt(d.open)}),
    "subt_neg_amount": ("Amount", lambda d: {"value": fmt(d.amount)}),
    "subt_neg_open_bal": ("Open Balance", lambda d: {"value": fmt(d.open)}),
}
DETAIL_DEFAULTS = {
    "AR": ("tx_date", "txn_type", "doc_num", "cust_name", "due_date", "subt_amount", "subt_open_bal"),
    "AP": (
        "tx_date",
        "txn_type",
        "doc_num",
        "vend_name",
        "due_date",
        "past_due",
        "subt_neg_amount",
        "subt_neg_open_bal",
    ),
}
AMOUNTS = {
    "subt_amount": "amount",
    "subt_open_bal": "open",
    "subt_neg_amount": "amount",
    "subt_neg_open_bal": "open",
}


def _int_param(ctx: Ctx, name: str, default: int, low: int) -> int:
    text = ctx.req.params.get(name)
    if text is None:
        return default
    if not text.isdigit() or int(text) < low:
        raise invalid_param(f"{name} must be an integer of at least {low}", name)
    return int(text)


def _labels(period: int, count: int) -> list[str]:
    labels = ["Current"]
    labels += [f"{k * period + 1} - {(k + 1) * period} days past due" for k in range(count - 2)]
    return [*labels, f"{(count - 2) * period + 1} or more days past due"]


def _detail(ctx: Ctx, side: str) -> Built:
    text = ctx.req.params.get("columns")
    keys = [k.strip() for k in text.split(",") if k.strip()] if text else list(DETAIL_DEFAULTS[side])
    unknown = [k for k in keys if k not in DETAIL_CELLS]
    if unknown:
        raise invalid_param(f"columns: unsupported column key(s) {', '.join(unknown)}", "columns")
    period, count = _int_param(ctx, "aging_period", 30, 1), _int_param(ctx, "num_periods", 4, 1) + 1
    past_due = _int_param(ctx, "past_due", -(10**6), 0) if "past_due" in ctx.req.params else None
    buckets: dict[int, list[Any]] = defaultdict(list)
    for d in open_documents(ctx, side):
        if past_due is None or d.days >= past_due:
            buckets[_bucket(d.days, period, count)].append(d)
    labels, rows = _labels(period, count), []
    for b in sorted(buckets, reverse=True):  # oldest first, as in Intuit's samples
        docs = sorted(buckets[b], key=lambda d: (d.record.get("DueDate") or d.record["TxnDate"], d.name[1]))
        head = [{"value": labels[b]}] + [{"value": ""} for _ in keys[1:]]
        rows.append(
            {
                "Header": {"ColData": head},
                "Rows": {
                    "Row": [{"ColData": [DETAIL_CELLS[k][1](d) for k in keys], "type": "Data"} for d in docs]
                },
                "type": "Section",
            }
        )
        sums = {k: fmt(sum((getattr(d, AMOUNTS[k]) for d in docs), ZERO)) for k in keys if k in AMOUNTS}
        total = [{"value": f"Total for {labels[b]}"}] + [{"value": sums.get(k, "")} for k in keys[1:]]
        rows.append({"Header": {"ColData": total}, "Rows": {}, "type": "Section"})
    return rows, [{"ColType": k, "ColTitle": DETAIL_CELLS[k][0]} for k in keys]


def _balances(ctx: Ctx, side: str) -> Built:
    docs = open_documents(ctx, side)
    paid = ctx.req.params.get("arpaid" if side == "AR" else "appaid", "All" if side == "AR" else "Unpaid")
    if paid not in ("All", "Paid", "Unpaid"):
        raise invalid_param("must be All, Paid or Unpaid", "arpaid" if side == "AR" else "appaid")
    per: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for d in docs:
        per[d.name] += d.open
    rows: list[dict[str, Any]] = [
        {"ColData": [{"id": i, "value": n}, {"value": fmt(v)}]}
        for (i, n), v in sorted(per.items(), key=lambda kv: kv[0][1])
        if v
    ]
    rows.append(
        {
            "group": "GrandTotal",
            "type": "Section",
            "Summary": {"ColData": [{"value": "TOTAL"}, {"value": fmt(sum(per.values(), ZERO))}]},
        }
    )
    return rows, [{"ColType": SIDES[side][4], "ColTitle": ""}, {"ColType": "Money", "ColTitle": "Total"}]


def _spec(build: Any, as_of: str, filters: tuple[str, ...]) -> dict[str, Any]:
    return {"build": build, "dated": False, "as_of": as_of, "filters": filters}


AGING_REPORTS: dict[str, dict[str, Any]] = {
    "AgedReceivables": _spec(lambda ctx: _summary(ctx, "AR"), "macro", ("customer", "department")),
    "AgedPayables": _spec(lambda ctx: _summary(ctx, "AP"), "macro", ("customer", "vendor", "department")),
    "AgedReceivableDetail": _spec(lambda ctx: _detail(ctx, "AR"), "end", ("customer",)),
    "AgedPayableDetail": _spec(lambda ctx: _detail(ctx, "AP"), "end", ("vendor",)),
    "CustomerBalance": _spec(lambda ctx: _balances(ctx, "AR"), "plain", ("customer", "department")),
    "VendorBalance": _spec(lambda ctx: _balances(ctx, "AP"), "plain", ("vendor", "department")),
}
