"""Reading transform/dashboards/finance.lvdash.json (Databricks AI/BI, Lakeview's serialized dashboard): its
dataset queries, and each widget's query as the dashboard runs it (the widget's fields over its dataset)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.transform.dbt import TRANSFORM

DASHBOARD = TRANSFORM / "dashboards" / "finance.lvdash.json"
AGGREGATE = re.compile(r"^\s*(SUM|COUNT|AVG|MIN|MAX)\s*\(", re.I)


@dataclass(frozen=True)
class WidgetQuery:
    page: str
    widget: str
    dataset: str
    sql: str


def load(path: Path = DASHBOARD) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def datasets(dashboard: dict[str, Any]) -> dict[str, str]:
    """Dataset name -> its SQL (queryLines are joined as they are, with no separator)."""
    return {d["name"]: "".join(d["queryLines"]) for d in dashboard["datasets"]}


def widget_queries(dashboard: dict[str, Any]) -> Iterator[WidgetQuery]:
    """Every data widget's query: its fields selected over its dataset, grouped by the plain fields unless
    the widget shows the rows disaggregated."""
    sources = datasets(dashboard)
    for page in dashboard["pages"]:
        for item in page["layout"]:
            for query in item["widget"].get("queries", []):
                spec = query["query"]
                fields = spec["fields"]
                select = ", ".join(f"{f['expression']} AS `{f['name']}`" for f in fields)
                plain = [f["expression"] for f in fields if not AGGREGATE.match(f["expression"])]
                group = ""
                if not spec.get("disaggregated") and len(plain) < len(fields):
                    group = " GROUP BY " + ", ".join(plain) if plain else ""
                sql = f"SELECT {select} FROM ({sources[spec['datasetName']]}) AS ds{group}"
                yield WidgetQuery(page["name"], item["widget"]["name"], spec["datasetName"], sql)


def encoded_fields(widget: dict[str, Any]) -> set[str]:
    """Field names a widget's spec displays (chart encodings or table columns)."""
    encodings = widget.get("spec", {}).get("encodings", {})
    names = {e["fieldName"] for e in encodings.get("columns", [])}
    names |= {e["fieldName"] for key, e in encodings.items() if key != "columns" and isinstance(e, dict)}
    return names
