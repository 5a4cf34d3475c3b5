"""Flattening one QBO report answer into flat rows (docs/reports.md).

Sections nest to any depth; every row keeps the names of the sections above it (`row_path`) and the
nearest `group`. Section Summary lines become rows of kind "total", never mixed with the "data" rows.
Amounts are Decimal from QBO's strings (never float); a blank cell is no row. A "Unable to display more
data" row means QBO cut the report: `Parsed.truncated` is set and that row is not data.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import msgspec

from .errors import FatalError
from .reports import Report

TRUNCATION_MARK = "Unable to display more data"
DETAIL_FIELDS = {  # QBO detail column key -> (field for the value, field for the id)
    "tx_date": ("txn_date", None),
    "txn_type": ("txn_type", "txn_id"),
    "doc_num": ("doc_number", None),
    "name": ("name", "name_id"),
    "memo": ("memo", None),
    "account_name": ("account_name", "account_id"),
    "split_acc": ("split_account_name", "split_account_id"),
    "klass_name": ("class_name", "class_id"),
    "dept_name": ("department_name", "department_id"),
}
DETAIL_MONEY = {
    "debt_amt": "debit",
    "credit_amt": "credit",
    "subt_nat_amount": "amount",
    "subt_nat_home_amount": "home_amount",
}


@dataclass
class Column:
    key: str
    title: str
    start: str | None = None
    end: str | None = None


@dataclass
class Parsed:
    rows: list[dict[str, Any]] = field(default_factory=list)
    truncated: bool = False


def decode(envelope: Any, report: Report) -> tuple[list[Column], list[dict[str, Any]]]:
    """The columns and top-level rows of a report answer (FatalError if it is not one)."""
    if not envelope.Header or not envelope.Columns:
        raise FatalError(f"QBO answered /reports/{report.name} without a report Header and Columns")
    columns = []
    for col in msgspec.json.decode(envelope.Columns).get("Column", []):
        meta = {m.get("Name"): m.get("Value") for m in col.get("MetaData", [])}
        columns.append(
            Column(
                meta.get("ColKey") or col.get("ColType", ""),
                col.get("ColTitle", ""),
                meta.get("StartDate"),
                meta.get("EndDate"),
            )
        )
    rows = msgspec.json.decode(envelope.Rows).get("Row", []) if envelope.Rows else []
    return columns, rows


def money(text: str, where: str) -> Decimal | None:
    if text in ("", None):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        raise FatalError(f"QBO sent {text!r} where {where} expects an amount") from None


def parse(report: Report, columns: list[Column], rows: list[dict[str, Any]]) -> Parsed:
    out = Parsed()
    _walk(report, columns, rows, [], None, out)
    return out


def _walk(
    report: Report,
    columns: list[Column],
    rows: list[dict[str, Any]],
    path: list[str],
    group: str | None,
    out: Parsed,
) -> None:
    for row in rows:
        row_group = row.get("group") or group
        if "ColData" in row:
            cells = row["ColData"]
            if cells and TRUNCATION_MARK in str(cells[0].get("value", "")):
                out.truncated = True
                continue
            out.rows += _flatten(report, columns, cells, path, row.get("group") or group, "data")
            continue
        header = (row.get("Header") or {}).get("ColData") or []
        title = str(header[0].get("value", "")) if header else ""
        inner = [*path, title] if title else path
        _walk(report, columns, (row.get("Rows") or {}).get("Row", []), inner, row_group, out)
        summary = (row.get("Summary") or {}).get("ColData")
        if summary:
            out.rows += _flatten(report, columns, summary, inner, row_group, "total")


def _flatten(
    report: Report,
    columns: list[Column],
    cells: list[dict[str, Any]],
    path: list[str],
    group: str | None,
    kind: str,
) -> list[dict[str, Any]]:
    first = cells[0] if cells else {}
    base: dict[str, Any] = {
        "row_kind": kind,
        "row_path": path,
        "row_group": group,
        "label": first.get("value", ""),
    }
    if report.shape == "detail":
        return _detail(columns, cells, base, path)
    if report.shape == "summary":
        base["account_id"], base["account_name"] = first.get("id") or None, first.get("value", "")
    else:
        base["name_id"], base["name"] = first.get("id") or None, first.get("value", "")
    return _money_columns(report, columns, cells, base)


def _money_columns(
    report: Report, columns: list[Column], cells: list[dict[str, Any]], base: dict[str, Any]
) -> list[dict[str, Any]]:
    """One row per money column; a Debit/Credit pair makes one row; a Total column is dropped when dated
    columns or aging buckets already hold its parts."""
    picked = [(c, cell) for c, cell in zip(columns[1:], cells[1:], strict=False)]
    keys = {c.key for c, _ in picked}
    if {"debit", "credit"} <= keys:
        vals = {c.key: money(cell.get("value", ""), report.name) for c, cell in picked}
        if vals["debit"] is None and vals["credit"] is None:
            return []
        debit, credit = vals["debit"] or Decimal(0), vals["credit"] or Decimal(0)
        return [{**base, "column_key": "Total", "debit": debit, "credit": credit, "amount": debit - credit}]
    parts = len(picked) > 1
    out = []
    for col, cell in picked:
        if parts and (col.key == "total" or col.title == "Total"):
            continue
        value = money(cell.get("value", ""), report.name)
        if value is not None:
            out.append(
                {
                    **base,
                    "column_key": col.title or col.key,
                    "column_start": col.start,
                    "column_end": col.end,
                    "amount": value,
                }
            )
    return out


def _detail(
    columns: list[Column], cells: list[dict[str, Any]], base: dict[str, Any], path: list[str]
) -> list[dict[str, Any]]:
    row = dict(base)
    for col, cell in zip(columns, cells, strict=False):
        if base["row_kind"] == "data" and col.key in DETAIL_FIELDS:
            value_field, id_field = DETAIL_FIELDS[col.key]
            row[value_field] = cell.get("value") or None
            if id_field:
                row[id_field] = cell.get("id") or None
        elif col.key in DETAIL_MONEY:
            row[DETAIL_MONEY[col.key]] = money(cell.get("value", ""), "the general ledger")
    if base["row_kind"] == "data" and not row.get("txn_id"):
        return []  # Beginning Balance lines: a balance, not a transaction (the trial balance holds it)
    row.setdefault("account_name", path[-1] if path else None)
    return [row]


def assign_keys(rows: list[dict[str, Any]]) -> None:
    """A stable key per row within its window: what the row is (path, account or name or transaction,
    column), never its amount; repeats of one identity are numbered in report order."""
    seen: Counter[str] = Counter()
    for row in rows:
        ident = "|".join(
            str(row.get(k) or "")
            for k in (
                "row_kind",
                "row_group",
                "label",
                "account_id",
                "name_id",
                "txn_type",
                "txn_id",
                "column_key",
            )
        )
        ident += "|" + "/".join(row.get("row_path") or [])
        seen[ident] += 1
        digest = hashlib.sha256(f"{ident}#{seen[ident]}".encode()).hexdigest()[:24]
        row["row_key"] = digest


def combine(report: Report, parts: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Rows of a window read as smaller windows. Totals, and the rows of a "sum" report, add up per
    identity; the data rows of a "concat" report (transaction lines) follow each other."""
    merged: dict[tuple[Any, ...], dict[str, Any]] = {}
    out: list[dict[str, Any]] = []
    for part in parts:
        for row in part:
            if report.split == "concat" and row["row_kind"] == "data":
                out.append(row)
                continue
            ident = tuple(
                str(row.get(k)) for k in ("row_kind", "row_group", "label", "account_id", "column_key")
            )
            ident += tuple(row.get("row_path") or [])
            kept = merged.get(ident)
            if kept is None:
                merged[ident] = dict(row)
                out.append(merged[ident])
                continue
            for name in ("amount", "debit", "credit", "home_amount"):
                if row.get(name) is not None:
                    kept[name] = (kept.get(name) or Decimal(0)) + row[name]
            starts = [d for d in (kept.get("column_start"), row.get("column_start")) if d]
            ends = [d for d in (kept.get("column_end"), row.get("column_end")) if d]
            kept["column_start"], kept["column_end"] = min(starts, default=None), max(ends, default=None)
    return out
