"""QBOEmulator: wires clock, company, store, OAuth, limits, faults, webhooks and the HTTP server together."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .admin import Admin
from .api import Api
from .appcenter import AppCenter
from .clock import Clock
from .company import company
from .faults import Faults
from .limits import Limiter
from .mutations import Change, Mutator
from .oauth import OAuthServer
from .routing import Router
from .server import EmulatorHTTPServer
from .store import Store
from .webhooks import Delivery, WebhookConfig, WebhookSender

DEFAULT_REALM = "9341453050298741"


@dataclass
class Realm:
    """One company the emulator serves: its data, its API and its OAuth grants (the app's client is shared:
    one Intuit app authorised by several companies gets a refresh token per company)."""

    realm_id: str
    seed: int
    scale: float
    multicurrency: bool
    store: Store
    mutate: Mutator
    api: Api
    oauth: OAuthServer

    def issue_refresh_token(self) -> str:
        return self.oauth.issue_refresh_token()

    def issue_access_token(self) -> str:
        return self.oauth.issue_access_token()


class QBOEmulator:
    """An offline QuickBooks Online v3 API on an ephemeral port. Use as a context manager."""

    def __init__(
        self,
        seed: int = 7,
        scale: float = 1.0,
        port: int = 0,
        realm_id: str = DEFAULT_REALM,
        host: str = "127.0.0.1",
        start: datetime | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        multicurrency: bool = False,
    ) -> None:
        self.seed, self.scale, self.host, self.realm_id = seed, scale, host, realm_id
        self.clock = Clock(start)
        # The history ends at the start of the clock's day, so it is stable within a day and "recent".
        history_end = self.clock.now().date()
        self.multicurrency = multicurrency  # home USD; customers and vendors in EUR, GBP, CAD (gen_fx.py)
        self.store = Store(company(seed, scale, history_end, multicurrency))
        self.client_id = client_id or f"AB{seed:04d}emulatorClientIdQ0bo0nline0000000000"
        self.client_secret = client_secret or f"emulator-secret-{seed:04d}-do-not-use-in-production"
        self.oauth = OAuthServer(self.clock, self.client_id, self.client_secret, realm_id)
        self.appcenter = AppCenter(self.oauth, realm_id)
        self.faults = Faults(seed=seed)
        self.limiter = Limiter(self.clock)
        self.webhooks = WebhookSender(self.clock, realm_id, seed)
        self.mutate = Mutator(self.store, self.clock, self._on_change)
        self.api = Api(self.store, self.clock, self.mutate, realm_id)
        self._history_end = history_end
        self.realms: dict[str, Realm] = {
            realm_id: Realm(
                realm_id, seed, scale, multicurrency, self.store, self.mutate, self.api, self.oauth
            )
        }
        self.admin = Admin(self)
        self.router = Router(self)
        self._counters: Counter[str] = Counter()
        self._counter_lock = threading.Lock()
        self._http = EmulatorHTTPServer((host, port), self)
        self.port = self._http.server_address[1]
        self._thread: threading.Thread | None = None

    def add_realm(
        self, realm_id: str, seed: int | None = None, scale: float | None = None, multicurrency: bool = False
    ) -> Realm:
        """Serve one more company from this emulator (same clock, limits, faults and OAuth client).
        Webhooks are sent for the first realm's changes only."""
        if realm_id in self.realms:
            raise ValueError(f"realm {realm_id} is already served")
        seed = self.seed + len(self.realms) if seed is None else seed
        scale = self.scale if scale is None else scale
        store = Store(company(seed, scale, self._history_end, multicurrency))
        mutate = Mutator(store, self.clock)
        api = Api(store, self.clock, mutate, realm_id)
        oauth = OAuthServer(self.clock, self.client_id, self.client_secret, realm_id)
        realm = Realm(realm_id, seed, scale, multicurrency, store, mutate, api, oauth)
        self.realms[realm_id] = realm
        return realm

    def realm(self, realm_id: str | None) -> Realm:
        """A served realm by id (the first one for None)."""
        if realm_id is None:
            return self.realms[self.realm_id]
        if realm_id not in self.realms:
            raise KeyError(f"realm {realm_id} is not served here; add it with add_realm()")
        return self.realms[realm_id]

    # Lifecycle -----------------------------------------------------------------------------------------
    def start(self) -> QBOEmulator:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._http.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"qbo-emulator-{self.port}",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        self.webhooks.stop()
        if self._thread is not None:
            self._http.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._http.server_close()

    def __enter__(self) -> QBOEmulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # Public helpers -------------------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/v3/company/{self.realm_id}"

    @property
    def token_url(self) -> str:
        return f"{self.base_url}/oauth2/v1/tokens/bearer"

    @property
    def revoke_url(self) -> str:
        return f"{self.base_url}/v2/oauth2/tokens/revoke"

    @property
    def authorize_url(self) -> str:
        return f"{self.base_url}/connect/oauth2"

    @property
    def discovery_url(self) -> str:
        return f"{self.base_url}/.well-known/openid_configuration"

    @property
    def admin_url(self) -> str:
        return f"{self.base_url}/_emulator"

    def issue_refresh_token(self) -> str:
        return self.oauth.issue_refresh_token()

    def issue_access_token(self) -> str:
        return self.oauth.issue_access_token()

    def warm(self) -> None:
        """Serialise every stored record ahead of time, as a real server keeps its data at rest: a
        benchmark then measures its client, not this process generating the company on first read."""
        self.store.company.warm()

    def counters(self) -> dict[str, int]:
        with self._counter_lock:
            return dict(self._counters)

    def count(self, kind: str) -> None:
        with self._counter_lock:
            self._counters[kind] += 1

    def configure_webhooks(
        self,
        url: str,
        verifier_token: str,
        fmt: str = "legacy",
        drop_rate: float = 0.0,
        duplicate_rate: float = 0.0,
        delay_s: float = 0.0,
        reorder: bool = False,
    ) -> None:
        if fmt not in ("legacy", "cloudevents"):
            raise ValueError("fmt must be 'legacy' or 'cloudevents'")
        self.webhooks.configure(
            WebhookConfig(
                url,
                verifier_token,
                fmt,
                float(drop_rate),
                float(duplicate_rate),
                float(delay_s),
                bool(reorder),
            )
        )

    def webhook_deliveries(self) -> list[Delivery]:
        return list(self.webhooks.deliveries)

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": "https://oauth.platform.intuit.com/op/v1",
            "authorization_endpoint": self.authorize_url,
            "token_endpoint": self.token_url,
            "userinfo_endpoint": f"{self.base_url}/v1/openid_connect/userinfo",
            "revocation_endpoint": self.revoke_url,
            "jwks_uri": f"{self.base_url}/op/v1/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "email", "profile", "address", "phone"],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
            "claims_supported": ["aud", "exp", "iat", "iss", "realmid", "sub"],
        }

    def _on_change(self, change: Change) -> None:
        self.webhooks.on_change(change)
