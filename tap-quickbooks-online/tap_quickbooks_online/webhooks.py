"""QBO webhook receiver: verify ``intuit-signature``, parse the payload, store its events in the inbox.

A request is answered 200 only after its events are committed to the inbox; 401 (bad signature), 400
(malformed) and 413 (too large) store nothing. Events for another realm than the configured ``realm_id``
are acknowledged and counted as ignored, like entities without webhooks (see ``inbox.parse_payload``).
Settings are the tap's own (``webhook_*`` and ``realm_id``), read from ``--config`` files or, as Meltano
passes them, from ``TAP_QUICKBOOKS_ONLINE_<SETTING>`` env vars.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import hashlib
import hmac
import json
import logging
import os
from collections import Counter
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, TypeVar

import anyio.to_thread
import click
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tap_quickbooks_online.errors import redact
from tap_quickbooks_online.inbox import Inbox, InboxError, parse_payload
from tap_quickbooks_online.settings import check_bounds, typed
from tap_quickbooks_online.trigger import Trigger

logger = logging.getLogger(__name__)
_T = TypeVar("_T")

WEBHOOK_PATH = "/webhooks"
SIGNATURE_HEADER = "intuit-signature"
_PURGE_INTERVAL_SECONDS = 3600
ENV_PREFIX = "TAP_QUICKBOOKS_ONLINE_"


@dataclass(frozen=True)
class WebhookSettings:
    """The receiver's slice of the tap's settings (settings.py: types, defaults and bounds come from there).

    ``retention_days = 0`` keeps events forever.
    """

    verifier_token: str = field(repr=False)
    inbox_path: Path
    realm_id: str | None
    host: str
    port: int
    max_body_bytes: int
    retention_days: int
    trigger_command: str | None
    trigger_debounce_seconds: int
    trigger_timeout_seconds: int

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> WebhookSettings:
        if not config.get("webhook_verifier_token"):
            raise ValueError("webhook_verifier_token is required to verify intuit-signature")
        if not config.get("webhook_inbox_path"):
            raise ValueError("webhook_inbox_path is required (the tap drains the same inbox)")
        values = {name: typed(f"webhook_{name}", config.get(f"webhook_{name}")) for name in _SETTINGS}
        for name, value in values.items():
            check_bounds(f"webhook_{name}", value)
        values["inbox_path"] = Path(values["inbox_path"])
        return cls(realm_id=typed("realm_id", config.get("realm_id")), **values)


_SETTINGS = [f.name for f in fields(WebhookSettings) if f.name != "realm_id"]


def load_settings(
    config_paths: tuple[str, ...] = (), host: str | None = None, port: int | None = None
) -> WebhookSettings:
    """Merge config files in order; env vars apply (and win) with ``--config ENV`` or without any file."""
    config: dict[str, Any] = {}
    for path in config_paths:
        if path != "ENV":
            config.update(json.loads(Path(path).read_text()))
    if not config_paths or "ENV" in config_paths:
        names = ["realm_id", *(f"webhook_{name}" for name in _SETTINGS)]
        env = {name: os.environ.get(ENV_PREFIX + name.upper()) for name in names}
        config.update({name: value for name, value in env.items() if value is not None})
    config.update({k: v for k, v in {"webhook_host": host, "webhook_port": port}.items() if v is not None})
    return WebhookSettings.from_config(config)


def sign(body: bytes, verifier_token: str) -> str:
    """The ``intuit-signature`` value for ``body``: base64(HMAC-SHA256(verifier token, body))."""
    return base64.b64encode(hmac.new(verifier_token.encode(), body, hashlib.sha256).digest()).decode()


def signature_valid(body: bytes, signature: str | None, verifier_token: str) -> bool:
    if not signature:
        return False
    try:
        given = base64.b64decode(signature.strip(), validate=True)
    except (binascii.Error, ValueError):
        return False
    return hmac.compare_digest(given, hmac.new(verifier_token.encode(), body, hashlib.sha256).digest())


class Receiver:
    """The request handlers and counters of one receiver instance."""

    def __init__(self, settings: WebhookSettings, inbox: Inbox, trigger: Trigger | None) -> None:
        self.settings, self.inbox, self.trigger = settings, inbox, trigger
        self.counters: Counter[str] = Counter()

    def _reject(self, status: int, reason: str, request: Request) -> JSONResponse:
        self.counters[f"rejected_{status}"] += 1
        client = request.client.host if request.client else "?"
        logger.warning("Rejected webhook from %s with %s: %s", client, status, reason)
        return JSONResponse({"error": reason}, status_code=status)

    async def _read_body(self, request: Request) -> bytes | None:
        """The raw body, or None once it exceeds the limit (the rest is not read)."""
        limit = self.settings.max_body_bytes
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            return None
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                return None
            chunks.append(chunk)
        return b"".join(chunks)

    async def webhook(self, request: Request) -> JSONResponse:
        body = await self._read_body(request)
        if body is None:
            return self._reject(413, f"body larger than {self.settings.max_body_bytes} bytes", request)
        if not signature_valid(body, request.headers.get(SIGNATURE_HEADER), self.settings.verifier_token):
            return self._reject(401, "missing or invalid intuit-signature", request)
        try:
            events, ignored = parse_payload(body)
        except ValueError as exc:  # MalformedPayload, or an event field InboxEvent refuses
            return self._reject(400, str(exc), request)
        wanted = [e for e in events if self.settings.realm_id in (None, e.realm_id)]
        ignored += len(events) - len(wanted)
        try:
            stored = await anyio.to_thread.run_sync(self.inbox.add, wanted) if wanted else 0
        except Exception:
            logger.exception("Could not store webhook events; answering 503 so Intuit retries")
            self.counters["store_errors"] += 1
            return JSONResponse({"error": "inbox unavailable"}, status_code=503)
        self._count(len(wanted), stored, ignored)
        if stored and self.trigger is not None:
            self.trigger.notify()
        return JSONResponse({"stored": stored, "duplicates": len(wanted) - stored, "ignored": ignored})

    def _count(self, received: int, stored: int, ignored: int) -> None:
        self.counters.update(
            requests=1, events=received, stored=stored, duplicates=received - stored, ignored=ignored
        )

    async def health(self, request: Request) -> JSONResponse:
        try:
            last_seq = await anyio.to_thread.run_sync(self.inbox.last_seq)
        except Exception as exc:
            return JSONResponse({"status": "error", "error": f"inbox: {self._redact(exc)}"}, status_code=503)
        trigger = self.trigger
        body = {"status": "ok", "inbox_last_seq": last_seq, "counters": dict(self.counters)}
        if trigger is not None:
            body["trigger"] = {"runs": trigger.runs, "failures": trigger.failures}
        return JSONResponse(body)

    async def purge(self) -> None:
        days = self.settings.retention_days
        if days:
            purged = await anyio.to_thread.run_sync(self.inbox.purge_older_than, days)
            if purged:
                logger.info("Purged %d webhook events older than %d days", purged, days)

    async def purge_periodically(self) -> None:
        """Purge every hour; a failed purge is logged and tried again next hour, never ends the task."""
        while self.settings.retention_days:
            await asyncio.sleep(_PURGE_INTERVAL_SECONDS)
            try:
                await self.purge()
            except Exception as exc:
                self.counters["purge_errors"] += 1
                logger.error("Purging old webhook events failed (retried in an hour): %s", self._redact(exc))

    def _redact(self, exc: BaseException) -> str:
        return redact(str(exc), (self.settings.verifier_token,))


def create_app(
    settings: WebhookSettings, inbox: Inbox | None = None, trigger: Trigger | None = None
) -> Starlette:
    """The ASGI app. Without ``trigger``, one is built from the settings when a command is configured."""
    inbox = inbox or Inbox(settings.inbox_path)
    if trigger is None and settings.trigger_command:
        trigger = Trigger(
            settings.trigger_command,
            settings.trigger_debounce_seconds,
            run_timeout_seconds=settings.trigger_timeout_seconds,
        )
    receiver = Receiver(settings, inbox, trigger)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            await receiver.purge()
        except Exception as exc:  # the receiver still takes webhooks; the hourly purge tries again
            logger.error("Purging old webhook events failed at start-up: %s", receiver._redact(exc))
        purger = asyncio.create_task(receiver.purge_periodically())
        if trigger is not None:
            trigger.start()
        try:
            yield
        finally:
            purger.cancel()
            if trigger is not None:
                await anyio.to_thread.run_sync(trigger.stop)

    app = Starlette(
        routes=[
            Route(WEBHOOK_PATH, receiver.webhook, methods=["POST"]),
            Route("/health", receiver.health, methods=["GET"]),
        ],
        lifespan=lifespan,
    )
    app.state.receiver = receiver
    return app


def uvicorn_config(app: Starlette, settings: WebhookSettings, **overrides: Any) -> uvicorn.Config:
    options: dict[str, Any] = {
        "host": settings.host, "port": settings.port, "access_log": False,
        "server_header": False, "log_config": None, "lifespan": "on",
    }  # fmt: skip
    return uvicorn.Config(app, **{**options, **overrides})


@click.group()
def cli() -> None:
    """QBO webhook receiver of tap-quickbooks-online."""


@cli.command()
@click.option("--config", "config_paths", multiple=True, help="Tap config JSON (repeatable), or ENV.")
@click.option("--host", default=None, help="Overrides webhook_host.")
@click.option("--port", type=int, default=None, help="Overrides webhook_port.")
@click.option("--log-level", default="INFO", show_default=True)
def serve(config_paths: tuple[str, ...], host: str | None, port: int | None, log_level: str) -> None:
    """Receive signed QBO webhooks into the inbox until interrupted."""
    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s")
    settings = _or_exit(lambda: load_settings(config_paths, host=host, port=port))
    app = _or_exit(lambda: create_app(settings))
    logger.info("Webhook receiver on %s:%s%s, inbox %s", settings.host, settings.port, WEBHOOK_PATH,
                settings.inbox_path)  # fmt: skip
    uvicorn.Server(uvicorn_config(app, settings)).run()


def _or_exit(build: Callable[[], _T]) -> _T:
    """Configuration problems end the command with one clear line instead of a traceback."""
    try:
        return build()
    except (ValueError, OSError, InboxError) as exc:  # json errors are ValueErrors
        raise click.ClickException(str(exc)) from exc
