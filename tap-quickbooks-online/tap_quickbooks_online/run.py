"""One run: its streams' modes (modes.py), decided once from Singer state, and what the streams share.

The run owns the API client, and through it the first /batch of every stream (prefetch.py), the backfill
plan (backfills.py), the one CDC call (cdc.py) and the webhook inbox drain (drain.py). The client, token and
limiter are built on first use, so an IDLE run with an empty inbox makes no call at all, not even to the
token endpoint.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from functools import cached_property

from .auth import OAuthClient
from .backfills import BackfillPlan
from .cdc import ChangeFeed
from .client import QBOClient
from .drain import InboxDrain
from .entities import Entity
from .limiter import RateLimiter
from .modes import Decision, Mode, Streams, bookmark_of
from .prefetch import FirstPage, Prefetch
from .records import Row
from .regions import Regions
from .settings import Settings
from .token_store import DEFAULT_STORE_PATH, TokenStore


def open_client(settings: Settings) -> QBOClient:
    """The run's API client: token store, OAuth client and rate limiter from the settings."""
    s = settings
    store = TokenStore(
        s.token_store_path or DEFAULT_STORE_PATH.format(realm_id=s.realm_id), s.token_store_key
    )
    oauth = OAuthClient(
        token_url=s.oauth_token_url,
        client_id=s.client_id,
        client_secret=s.client_secret,
        seed_refresh_token=s.refresh_token,
        store=store,
        timeout=float(s.request_timeout),
        user_agent=s.user_agent,
    )
    limiter = RateLimiter(
        s.max_requests_per_minute, s.max_concurrent_requests, s.max_batch_requests_per_minute
    )
    return QBOClient(settings, oauth, limiter)


class RunContext:
    """Per-run shared state; `streams` maps entity name -> (entity, state) of every selected stream."""

    def __init__(self, settings: Settings, streams: Streams) -> None:
        decision = Decision.made(settings, streams)
        self.settings, self.now, self.modes, self._streams = settings, decision.now, decision.modes, streams
        self._regions = Regions(lambda: self.client, streams)
        self._prefetch = Prefetch(decision, lambda: self.client, self._regions)
        self._backfills = BackfillPlan(decision, lambda: self.client, self._regions, self._prefetch)

    @cached_property
    def client(self) -> QBOClient:
        return open_client(self.settings)

    @cached_property
    def feed(self) -> ChangeFeed:
        """The one CDC call for every CDC stream, from each one's bookmark."""
        since: dict[str, datetime] = {}
        for name, (entity, state) in self._streams.items():
            bookmark = bookmark_of(state)
            if self.modes[name] is Mode.CDC and bookmark is not None and self.skipped(entity) is None:
                since[name] = bookmark
        return ChangeFeed(self.client, since, self.now)

    @cached_property
    def inbox(self) -> InboxDrain | None:
        path = self.settings.webhook_inbox_path
        return InboxDrain(path, self.settings.realm_id) if path else None

    def first_page(self, entity: Entity) -> FirstPage:
        """The first rows of this FULL or QUERY stream, read with every other's (prefetch.py)."""
        return self._prefetch.first_page(entity)

    def start_prefetch(self) -> None:
        self._prefetch.start()

    def backfill(self, entity: Entity) -> tuple[int, Iterator[list[Row]]] | None:
        """The rows expected after this FULL stream's first page, and their pages (backfills.py)."""
        return self._backfills.backfill(entity)

    def skipped(self, entity: Entity) -> str | None:
        """The company's country when this region-only entity does not exist there (regions.py)."""
        return self._regions.skipped(entity)

    def close(self) -> None:
        """Stop the page fetchers (a run that ends early leaves queued work behind)."""
        self._backfills.close()

    def summary(self) -> str:
        if "client" not in self.__dict__:
            return "QBO API calls this run: 0 (nothing was due)."
        client = self.client
        kinds = ", ".join(f"{k}={v}" for k, v in sorted(client.calls.items()))
        return (
            f"QBO API calls this run: {client.total_calls()} ({kinds or 'none'}; "
            f"token={client.oauth.refresh_calls}); retries={client.retries}; "
            f"limiter waits={client.limiter.waited_seconds:.1f}s."
        )
