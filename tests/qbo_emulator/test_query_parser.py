"""The query grammar: what parses, what each clause means, and the Fault every bad query gets."""

from __future__ import annotations

import pytest

from tests.emulators.qbo.faults import QBOFault
from tests.emulators.qbo.query import DEFAULT_MAX_RESULTS, Cond, parse


def test_select_star_defaults() -> None:
    q = parse("SELECT * FROM Invoice")
    assert (q.spec.name, q.count, q.where, q.order, q.start, q.max_results) == (
        "Invoice",
        False,
        [],
        [],
        1,
        DEFAULT_MAX_RESULTS,
    )


def test_full_grammar_is_case_insensitive() -> None:
    q = parse(
        "select count(*) from Invoice where MetaData.LastUpdatedTime >= '2026-01-01T00:00:00-08:00' "
        "and TotalAmt > '300.00' and Id in ('1', '2') and DocNumber like '10%' "
        "orderby MetaData.LastUpdatedTime desc, Id startposition 11 maxresults 1000"
    )
    assert q.spec.name == "Invoice"
    assert q.count
    assert q.where == [
        Cond("MetaData.LastUpdatedTime", ">=", ("2026-01-01T00:00:00-08:00",)),
        Cond("TotalAmt", ">", ("300.00",)),
        Cond("Id", "IN", ("1", "2")),
        Cond("DocNumber", "LIKE", ("10%",)),
    ]
    assert q.order == [("MetaData.LastUpdatedTime", True), ("Id", False)]
    assert (q.start, q.max_results) == (11, 1000)


def test_literals_booleans_numbers_and_escaped_quotes() -> None:
    q = parse(
        "SELECT * FROM Customer WHERE Active IN (true, false) AND DisplayName = 'O\\'Brien Co' "
        "AND Balance <= 12.5"
    )
    assert q.where[0].values == (True, False)
    assert q.where[1].values == ("O'Brien Co",)
    assert q.where[2].values == (12.5,)


def test_field_names_normalise_to_intuit_casing() -> None:
    q = parse("select * from Invoice where metadata.lastupdatedtime > '2026-01-01' orderby id")
    assert q.where[0].field == "MetaData.LastUpdatedTime"
    assert q.order == [("Id", False)]


@pytest.mark.parametrize(
    "text",
    [
        "SELECT * FROM Invoice WHERE (Id = '1')",
        "SELECT * FROM Invoice JOIN Customer",
        "SELECT * FROM Invoice GROUP BY CustomerRef",
        "SELECT SUM(TotalAmt) FROM Invoice",
        "SELECT * FROM Invoice WHERE UPPER(DocNumber) = '1'",
        "SELECT * FROM Invoice ORDER MetaData.LastUpdatedTime",
        "SELECT * FROM Invoice WHERE Id NOT IN ('1')",
        "SELECT * FROM Invoice MAXRESULTS 5 STARTPOSITION 2",
        "SELECT * FROM Invoice WHERE Id != '1'",
        "SELECT * Invoice",
        "SELECT * FROM Invoice WHERE",
        "SELECT * FROM Invoice MAXRESULTS ten",
        "SELECT * FROM Invoice WHERE Id = ",
        "UPDATE Invoice",
        "SELECT * FROM Invoice WHERE Id = '1' ;",
        "SELECT * FROM Invoice WHERE DocNumber = 'unterminated",
    ],
)
def test_syntax_errors_are_query_parser_error_4000(text: str) -> None:
    with pytest.raises(QBOFault) as caught:
        parse(text)
    fault = caught.value
    assert (fault.status, fault.fault_type, fault.code, fault.message) == (
        400,
        "ValidationFault",
        "4000",
        "Error parsing query",
    )
    assert fault.detail.startswith("QueryParserError: ")


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ("SELECT * FROM Customer STARTPOSITION 0", "value 0 is too small. Min allowed value is 1"),
        ("SELECT * FROM Customer MAXRESULTS 0", "value 0 is too small. Min allowed value is 1"),
        ("SELECT * FROM Customer MAXRESULTS 1001", "value 1001 is too large. Max allowed value is 1000"),
        ("SELECT * FROM Widget", "Entity 'Widget' is not supported"),
        ("select * from widget", "Entity 'widget' is not supported"),
        ("SELECT * FROM Invoice WHERE Id = '1' OR Id = '2'", "OR operation is not supported"),
        ("SELECT * FROM Invoice WHERE Foo = '1'", "property 'Foo' is not queryable for entity Invoice"),
        ("SELECT * FROM Invoice ORDERBY PrivateNote", "property 'PrivateNote' is not queryable"),
        ("SELECT * FROM Invoice WHERE TotalAmt LIKE '1%'", "LIKE is not supported on property 'TotalAmt'"),
    ],
)
def test_semantic_errors_are_query_validation_error_4001(text: str, detail: str) -> None:
    with pytest.raises(QBOFault) as caught:
        parse(text)
    assert (caught.value.status, caught.value.code, caught.value.message) == (400, "4001", "Invalid query")
    assert caught.value.detail.startswith("QueryValidationError: ")
    assert detail in caught.value.detail


def test_parser_error_is_worded_like_intuits_javacc_parser() -> None:
    """The shape of a real answer (node-quickbooks issue 56): the token met, its column, and every word that
    could have come instead, OR and both spellings of ORDER BY among them."""
    with pytest.raises(QBOFault) as caught:
        parse("SELECT * FROM Vendor WHERE DisplayName = 'Cutlery 'R Us'")
    assert caught.value.detail == (
        'QueryParserError: Encountered " <IDENTIFIER> "R "" at line 1, column 52.\n'
        "Was expecting one of:\n    <EOF> ...\n    <AND> ...\n    <OR> ...\n"
        '    "order" ...\n    "orderby" ...\n    "startposition" ...\n    "maxresults" ...'
    )


def test_lexical_error_is_worded_like_intuit() -> None:
    with pytest.raises(QBOFault) as caught:
        parse("SELECT * FROM Account WHERE AccountType = %")
    assert caught.value.detail == (
        "QueryParserError: Invalid content. Lexical error at line 1, column 43.  "
        'Encountered: "%" (37), after : ""'
    )


@pytest.mark.parametrize(
    "text",
    [
        "select * from invoice where metadata.lastupdatedtime > '2026-01-01' "
        "order by metadata.lastupdatedtime",
        "SELECT * FROM INVOICE WHERE METADATA.LASTUPDATEDTIME > '2026-01-01' "
        "ORDERBY METADATA.LASTUPDATEDTIME",
        "Select * From Invoice Where MetaData.LastUpdatedTime > '2026-01-01' "
        "Order By MetaData.LastUpdatedTime Asc",
    ],
)
def test_entity_names_keywords_and_paths_in_any_case(text: str) -> None:
    q = parse(text + " startPosition 3 maxResults 7")
    assert q.spec.name == "Invoice"
    assert q.where == [Cond("MetaData.LastUpdatedTime", ">", ("2026-01-01",))]
    assert q.order == [("MetaData.LastUpdatedTime", False)]
    assert (q.start, q.max_results) == (3, 7)


def test_order_by_two_words_with_directions() -> None:
    q = parse("SELECT * FROM Customer ORDER BY DisplayName DESC, Id ASC")
    assert q.order == [("DisplayName", True), ("Id", False)]


def test_star_with_extra_properties_is_everything() -> None:
    """python-quickbooks reads items with `SELECT *, Sku FROM Item`."""
    q = parse("SELECT *, Sku FROM Item ORDER BY Id MAXRESULTS 10")
    assert (q.spec.name, q.select, q.order, q.max_results) == ("Item", (), [("Id", False)], 10)


def test_projection_lists_property_paths() -> None:
    q = parse("select Id, DisplayName, MetaData.LastUpdatedTime from customer")
    assert (q.spec.name, q.count) == ("Customer", False)
    assert q.select == ("Id", "DisplayName", "MetaData.LastUpdatedTime")
