"""The AI/BI dashboard over the marts (transform/dashboards/finance.lvdash.json) is well formed: every dataset
and widget query is Databricks SQL to sqlglot, widgets use datasets and fields that exist, and the pages the
finance team reads are there. That its queries run and return rows on a warehouse is
tests/transform/test_dbt_databricks.py's business (after a dbt build on the emulator)."""

from __future__ import annotations

import sqlglot
from sqlglot import exp

from tests.transform.dashboard import datasets, encoded_fields, load, widget_queries

MARTS = {"profit_and_loss", "trial_balance", "cash_flow", "open_receivables", "open_payables", "expenses",
         "balance_sheet"}


def test_every_query_is_databricks_sql_over_the_marts() -> None:
    dashboard = load()
    sources = datasets(dashboard)
    read = set()
    for name, sql in sources.items():
        tree = sqlglot.parse_one(sql, read="databricks")  # raises on anything Databricks would not parse
        assert isinstance(tree, exp.Query), name
        ctes = {cte.alias for cte in tree.find_all(exp.CTE)}
        read |= {(t.catalog, t.db, t.name) for t in tree.find_all(exp.Table) if t.name not in ctes}
    assert {name for _, _, name in read} == MARTS
    assert {(c, d) for c, d, _ in read} == {("finance", "finance")}  # the prod layout (transform/README.md)
    for query in widget_queries(dashboard):
        sqlglot.parse_one(query.sql, read="databricks")


def test_widgets_show_fields_their_queries_select() -> None:
    dashboard = load()
    names = set(datasets(dashboard))
    for page in dashboard["pages"]:
        for item in page["layout"]:
            widget = item["widget"]
            position = item["position"]
            assert position["x"] >= 0, widget["name"]
            assert position["x"] + position["width"] <= 6, widget["name"]  # Lakeview's 6-column grid
            for query in widget.get("queries", []):
                assert query["query"]["datasetName"] in names, widget["name"]
                selected = {f["name"] for f in query["query"]["fields"]}
                assert encoded_fields(widget) <= selected, widget["name"]


def test_the_pages_cover_what_the_finance_team_reads() -> None:
    dashboard = load()
    used = {q.dataset for q in widget_queries(dashboard)}
    assert used == set(datasets(dashboard))  # no dataset without a widget
    assert [p["displayName"] for p in dashboard["pages"]] == [
        "P&L and cash", "A/R and A/P aging", "Expenses", "Tie-out",
    ]
