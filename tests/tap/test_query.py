"""The query builder: statements are what the QBO grammar accepts, and ids cannot inject."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from tap_quickbooks_online import query as q
from tap_quickbooks_online.entities import BY_NAME

T0 = datetime(2026, 1, 31, 18, 15, tzinfo=UTC)


def test_list_entities_ask_for_inactive_rows_too() -> None:
    statement = q.select_page(BY_NAME["Customer"], q.Window(T0), 1000)
    assert statement == (
        "SELECT * FROM Customer WHERE MetaData.LastUpdatedTime >= '2026-01-31T18:15:00+00:00' "
        "AND Active IN (true, false) ORDERBY MetaData.LastUpdatedTime MAXRESULTS 1000"
    )


def test_transactions_have_no_active_filter_and_page_size_is_capped() -> None:
    statement = q.select_page(BY_NAME["Invoice"], q.Window(None, T0), 5000, start=3)
    assert "Active" not in statement
    assert "MetaData.LastUpdatedTime < '2026-01-31T18:15:00+00:00'" in statement
    assert statement.endswith("STARTPOSITION 3 MAXRESULTS 1000")


def test_exclusive_lower_bound_and_count() -> None:
    window = q.Window(T0, low_exclusive=True)
    assert q.count(BY_NAME["Bill"], window) == (
        "SELECT COUNT(*) FROM Bill WHERE MetaData.LastUpdatedTime > '2026-01-31T18:15:00+00:00'"
    )


def test_select_ids_quotes_and_validates() -> None:
    assert q.select_ids(BY_NAME["Invoice"], ["1", "22"]) == (
        "SELECT * FROM Invoice WHERE Id IN ('1', '22') MAXRESULTS 1000"
    )
    with pytest.raises(ValueError, match="malformed"):
        q.select_ids(BY_NAME["Invoice"], ["1') OR ('1"])


@pytest.mark.parametrize(
    "text",
    [
        "2026-01-31T10:15:00-08:00",
        "2026-01-31T10:15:00-0800",
        "2026-01-31T18:15:00Z",
        "2026-01-31T18:15:00.000000000Z"[:26] + "Z",
    ],
)
def test_parse_ts_accepts_every_qbo_surface(text: str) -> None:
    assert q.parse_ts(text) == T0


def test_quote_escapes() -> None:
    assert q.quote("Amy's") == "'Amy\\'s'"
