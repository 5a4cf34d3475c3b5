"""Region-only entities (entities.py `regions`): which of them this company does not have.

The company's country (CompanyInfo.Country) is read once per realm, only when a selected region-only
stream needs it, and kept in that stream's state, so later runs decide without a request.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from . import query as q
from .client import QBOClient
from .entities import BY_NAME, Entity
from .modes import Streams

COMPANY_INFO = BY_NAME["CompanyInfo"]


class Regions:
    def __init__(self, client: Callable[[], QBOClient], streams: Streams) -> None:
        self._client, self._streams = client, streams
        self._lock = threading.Lock()
        self._country: str | None = None  # CompanyInfo.Country, once a region-only stream needed it

    def skipped(self, entity: Entity) -> str | None:
        """The company's country when this region-only entity does not exist there, else None."""
        if not entity.regions or entity.name not in self._streams:
            return None
        state = self._streams[entity.name][1]
        with self._lock:
            if "company_country" not in state:
                if self._country is None:
                    info = self._client().query(q.select_singleton(COMPANY_INFO)).rows(COMPANY_INFO.name)
                    self._country = str(info[0].record("").get("Country", "")) if info else ""
                state["company_country"] = self._country
        country = str(state["company_country"])
        return None if country in entity.regions else country
