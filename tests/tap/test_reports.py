"""Report streams against the emulator: a full sync, a re-read after back-dated changes, a truncated window
that is split, and report streams mixed with entity streams in one run."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from tap_quickbooks_online.report_windows import add_months

from tests.emulators.qbo import QBOEmulator
from tests.emulators.qbo.ledger import ledger
from tests.tap.harness import run_tap

REPORT_STREAMS = [
    "trial_balance",
    "profit_and_loss",
    "balance_sheet",
    "cash_flow",
    "general_ledger",
    "aged_receivables",
    "aged_payables",
]
TODAY = datetime.now(UTC).date()
FIRST = add_months(TODAY.replace(day=1), -3)  # four months: three closed, one open
INTEREST_EXPENSE, CHECKING = "33", "1"


def _config(config: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {**config, "start_date": f"{FIRST.isoformat()}T00:00:00Z", "report_interval": 0, **extra}


def _live(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in records if r["_sdc_deleted_at"] is None]


def _journal(emu: QBOEmulator, day: date, amount: int) -> dict[str, Any]:
    lines = [
        {
            "Amount": amount,
            "DetailType": "JournalEntryLineDetail",
            "JournalEntryLineDetail": {"PostingType": posting, "AccountRef": {"value": account}},
        }
        for posting, account in (("Debit", INTEREST_EXPENSE), ("Credit", CHECKING))
    ]
    return emu.mutate.create("JournalEntry", {"TxnDate": day.isoformat(), "Line": lines})


def test_full_report_sync_ties_to_the_ledger(emu: QBOEmulator, config: dict[str, Any]) -> None:
    result = run_tap(_config(config), streams=REPORT_STREAMS)
    assert set(result.records) == set(REPORT_STREAMS)
    assert emu.counters()["report"] == 4 * 8 + 2  # months x (TB, P&L, BS on two bases; CashFlow; GL) + aging
    for stream, records in result.records.items():
        keys = [(r["realm_id"], r["basis"], r["period_start"], r["row_key"]) for r in records]
        assert len(keys) == len(set(keys)), f"{stream}: duplicate primary keys"
        assert {r["row_kind"] for r in records} <= {"data", "total"}
        assert all(isinstance(r["amount"], Decimal) for r in records if r.get("amount") is not None)
    postings = ledger(emu.store)
    accounts = {a["Id"]: a for a in emu.store.all("Account")}
    month = add_months(FIRST, 1)
    end = add_months(month, 1).isoformat()

    def ledger_sum(pred: Any) -> Decimal:
        return sum(
            (v for (a, day), v in postings.items() if pred(a) and month.isoformat() <= day < end), Decimal(0)
        )

    pnl = [
        r
        for r in result.records["profit_and_loss"]
        if r["period_start"] == month.isoformat() and r["basis"] == "Accrual"
    ]
    net = next(r["amount"] for r in pnl if r["row_group"] == "NetIncome")
    assert net == -ledger_sum(lambda a: accounts[a]["Classification"] in ("Revenue", "Expense"))
    income = sum(
        (r["amount"] for r in pnl if r["row_kind"] == "data" and r["row_group"] == "Income"), Decimal(0)
    )
    assert income == -ledger_sum(lambda a: accounts[a]["AccountType"] == "Income")
    gl = [
        r
        for r in result.records["general_ledger"]
        if r["period_start"] == month.isoformat() and r["basis"] == "Accrual"
    ]
    by_account: dict[str, Decimal] = defaultdict(Decimal)
    for r in gl:
        if r["row_kind"] == "data":
            by_account[r["account_id"]] += r["amount"]
            assert r["amount"] == (r["debit"] or 0) - (r["credit"] or 0)
            assert r["txn_id"]
            assert r["txn_type"]
            assert r["txn_date"].startswith(month.isoformat()[:7])
    assert by_account == {a: ledger_sum(lambda x, a=a: x == a) for a in by_account}
    for basis in ("Accrual", "Cash"):
        tb = [
            r
            for r in result.records["trial_balance"]
            if r["basis"] == basis and r["period_start"] == month.isoformat()
        ]
        assert sum((r["amount"] for r in tb if r["row_kind"] == "data"), Decimal(0)) == 0
    aged = result.records["aged_receivables"]
    assert {r["period_start"] for r in aged} == {TODAY.isoformat()}
    grand = sum((r["amount"] for r in aged if r["row_group"] == "GrandTotal"), Decimal(0))
    assert grand == sum((r["amount"] for r in aged if r["row_kind"] == "data"), Decimal(0)) > 0
    assert {r["column_key"] for r in aged} <= {"Current", "1 - 30", "31 - 60", "61 - 90", "91 and over"}


def test_reread_lands_backdated_changes_and_flags_vanished_rows(
    emu: QBOEmulator, config: dict[str, Any]
) -> None:
    closed = add_months(TODAY.replace(day=1), -2)
    changed, vanishing = _journal(emu, closed.replace(day=10), 500), _journal(emu, closed.replace(day=11), 70)
    cfg = _config(config, report_lookback_months=2)
    first = run_tap(cfg, streams=["profit_and_loss", "general_ledger"])

    def interest(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [
            r
            for r in records
            if r["basis"] == "Accrual"
            and r["period_start"] == closed.isoformat()
            and r.get("account_id") == INTEREST_EXPENSE
            and r["row_kind"] == "data"
        ]

    assert [r["amount"] for r in interest(first.records["profit_and_loss"])] == [Decimal("570.00")]
    gl_before = {r["row_key"]: r for r in interest(first.records["general_ledger"])}
    assert sorted(r["amount"] for r in gl_before.values()) == [Decimal("70.0"), Decimal("500.0")]

    emu.mutate.update(
        "JournalEntry",
        changed["Id"],
        {"Line": [{**line, "Amount": 650} for line in emu.store.get("JournalEntry", changed["Id"])["Line"]]},
    )
    emu.mutate.delete("JournalEntry", vanishing["Id"])
    calls = emu.counters()["report"]
    second = run_tap(cfg, state=first.state, streams=["profit_and_loss", "general_ledger"])
    assert emu.counters()["report"] - calls == 3 * 3  # (P&L on two bases, GL) x (2 closed + current)
    assert [r["amount"] for r in interest(_live(second.records["profit_and_loss"]))] == [Decimal("650.00")]
    gl_after = interest(second.records["general_ledger"])
    assert [r["amount"] for r in _live(gl_after)] == [Decimal("650.0")]
    deleted = [r for r in second.records["general_ledger"] if r["_sdc_deleted_at"] is not None]
    vanished_key = next(k for k, r in gl_before.items() if r["txn_id"] == vanishing["Id"])
    assert vanished_key in {r["row_key"] for r in deleted}
    assert all(r["period_start"] == closed.isoformat() for r in deleted if r["row_key"] == vanished_key)
    # Months before the lookback are not read again; their keys have left the state.
    assert all(
        k.split("|")[1] >= closed.isoformat() for k in second.state["bookmarks"]["general_ledger"]["windows"]
    )


def test_a_run_within_report_interval_reads_nothing(emu: QBOEmulator, config: dict[str, Any]) -> None:
    cfg = _config(config, report_interval=3600)
    first = run_tap(cfg, streams=["trial_balance"])
    calls = emu.counters()["report"]
    again = run_tap(cfg, state=first.state, streams=["trial_balance"])
    assert emu.counters()["report"] == calls
    assert not again.records["trial_balance"]


def test_a_truncated_window_is_read_in_halves_and_nothing_is_cut(
    emu: QBOEmulator, config: dict[str, Any]
) -> None:
    whole = run_tap(_config(config), streams=["general_ledger", "profit_and_loss"])
    whole_calls = emu.counters()["report"]
    emu.api.reports.max_cells = 1500
    calls = emu.counters()["report"]
    split = run_tap(_config(config), streams=["general_ledger", "profit_and_loss"])
    assert "truncated by QBO; reading it in two halves" in split.log_text
    assert emu.counters()["report"] - calls > whole_calls

    def lines(records: list[dict[str, Any]]) -> Counter[tuple[Any, ...]]:
        return Counter(
            (
                r["basis"],
                r["period_start"],
                r["row_kind"],
                r.get("account_id"),
                r.get("txn_id"),
                r["amount"],
                r["row_key"],
            )
            for r in records
        )

    assert lines(split.records["general_ledger"]) == lines(whole.records["general_ledger"])
    assert lines(split.records["profit_and_loss"]) == lines(whole.records["profit_and_loss"])


def test_a_report_that_cannot_be_split_stops_the_run(emu: QBOEmulator, config: dict[str, Any]) -> None:
    emu.api.reports.max_cells = 20
    with pytest.raises(Exception, match="no smaller request can hold it"):
        run_tap(_config(config), streams=["balance_sheet"])


def test_report_and_entity_streams_in_one_run(emu: QBOEmulator, config: dict[str, Any]) -> None:
    result = run_tap(_config(config), streams=["invoices", "accounts", "trial_balance"])
    assert result.records["invoices"]
    assert result.records["accounts"]
    assert result.records["trial_balance"]
    bookmarks = result.state["bookmarks"]
    assert bookmarks["invoices"]["replication_key_value"]
    assert bookmarks["trial_balance"]["synced_at"]
    counts = emu.counters()
    assert counts["report"] == 4 * 2
    assert counts["token"] == 1
