"""`tap-quickbooks-online-auth login`: Intuit's OAuth 2.0 authorization-code flow, ending with the first
refresh token written straight into the encrypted token store (see docs/onboarding.md).

The consent URL is printed (and opened when a browser is available). With a loopback redirect URI
(`http://localhost:<port>/<path>`, allowed for sandbox/development keys) the command listens there and
receives the code itself; with any other redirect URI (production keys need an https one) the user pastes
the address the browser was sent to. The code is exchanged only after `state` matched and the company is
the configured one, and the tokens are written before anything is printed: no token ever is.
"""

from __future__ import annotations

import json
import os
import secrets
import time
import webbrowser
from collections.abc import Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import click
import requests

from .auth import fingerprint
from .errors import QBOError, TokenRevokedError, classify_oauth
from .token_store import DEFAULT_STORE_PATH, Tokens, TokenStore

DISCOVERY = {
    "production": "https://developer.intuit.com/.well-known/openid_configuration",
    "sandbox": "https://developer.intuit.com/.well-known/openid_sandbox_configuration",
}
API_BASE = {
    "production": "https://quickbooks.api.intuit.com",
    "sandbox": "https://sandbox-quickbooks.api.intuit.com",
}
SCOPE = "com.intuit.quickbooks.accounting"
DEFAULT_REDIRECT = "http://localhost:8765/callback"
ENV_PREFIX = "TAP_QUICKBOOKS_ONLINE_"
SETTINGS = ("realm_id", "client_id", "client_secret", "refresh_token", "token_store_path", "token_store_key")
LOOPBACK_HOSTS = {"localhost": "127.0.0.1", "127.0.0.1": "127.0.0.1"}


@dataclass(frozen=True)
class Endpoints:
    authorize: str
    token: str


def discover(url: str, timeout: float) -> Endpoints:
    """The authorization and token endpoints from Intuit's OpenID discovery document."""
    response = requests.get(url, headers={"Accept": "application/json"}, timeout=timeout)
    response.raise_for_status()
    document = response.json()
    return Endpoints(document["authorization_endpoint"], document["token_endpoint"])


def consent_url(endpoints: Endpoints, client_id: str, redirect_uri: str, state: str) -> str:
    query = {
        "client_id": client_id, "response_type": "code", "scope": SCOPE,
        "redirect_uri": redirect_uri, "state": state,
    }  # fmt: skip
    return f"{endpoints.authorize}?{urlencode(query)}"


def is_loopback(redirect_uri: str) -> bool:
    parts = urlsplit(redirect_uri)
    return parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS and parts.port is not None


class _Callback(BaseHTTPRequestHandler):
    server: _CallbackServer

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.path != self.server.path:
            self.send_error(404)
            return
        params = {k: v[-1] for k, v in parse_qs(url.query).items()}
        self.server.received = params
        ok = "code" in params
        text = "QuickBooks is connected: you can close this window." if ok else "Authorisation failed."
        body = f"<html><body><p>{text}</p></body></html>".encode()
        self.send_response(200 if ok else 400)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the request line carries the authorization code."""


class _CallbackServer(HTTPServer):
    def __init__(self, redirect_uri: str) -> None:
        parts = urlsplit(redirect_uri)
        self.path = parts.path or "/"
        self.received: dict[str, str] | None = None
        super().__init__((LOOPBACK_HOSTS[parts.hostname or ""], parts.port or 0), _Callback)

    def wait(self, timeout: float) -> dict[str, str]:
        deadline = time.monotonic() + timeout
        self.timeout = 0.5
        while self.received is None:
            if time.monotonic() > deadline:
                raise click.ClickException(
                    f"no redirect arrived within {timeout:.0f} s; run the command again"
                )
            self.handle_request()
        return self.received


def check_redirect(params: Mapping[str, str], state: str, realm_id: str | None) -> tuple[str, str]:
    """The code and company of a redirect, or an error naming what to fix (the code is then not spent)."""
    if "error" in params:
        detail = params.get("error_description", "")
        raise click.ClickException(f"Intuit refused the authorisation: {params['error']} {detail}".strip())
    if not secrets.compare_digest(params.get("state", ""), state):
        raise click.ClickException("the redirect's state does not match this login (a stale or forged link)")
    code, realm = params.get("code"), params.get("realmId")
    if not code or not realm:
        raise click.ClickException("the redirect carries no code and realmId: paste the whole address")
    if realm_id and realm != realm_id:
        raise click.ClickException(
            f"you connected company {realm}, but realm_id is {realm_id}: connect that company, "
            f"or set realm_id to {realm}"
        )
    return code, realm


def exchange(endpoints: Endpoints, code: str, redirect_uri: str, config: Mapping[str, Any]) -> dict[str, Any]:
    response = requests.post(
        endpoints.token,
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri},
        auth=(config["client_id"], config["client_secret"]),
        headers={"Accept": "application/json", "x-include-refresh-token-hard-expires-in": "true"},
        timeout=60,
    )
    if response.status_code != 200:
        error = classify_oauth(response.status_code, response.content, response.headers.get("intuit_tid", ""))
        if isinstance(error, TokenRevokedError):  # invalid_grant here is about the code, not a refresh token
            raise click.ClickException(
                "Intuit refused the authorization code (invalid_grant: used already, older than 5 minutes, "
                "or issued for another redirect URI); run the command again"
            )
        raise error
    body: dict[str, Any] = response.json()
    if not body.get("refresh_token") or not body.get("access_token"):
        raise click.ClickException("Intuit's token endpoint answered without tokens; run the command again")
    return body


def save(config: Mapping[str, Any], realm: str, body: Mapping[str, Any]) -> Tokens:
    """Write the tokens to the store. A configured refresh_token is recorded as already used, so it
    cannot reseed (and overwrite) the store on the next run."""
    now, hard = time.time(), body.get("x_refresh_token_hard_expires_in")
    tokens = Tokens(
        refresh_token=str(body["refresh_token"]),
        access_token=str(body["access_token"]),
        access_expires_at=now + float(body.get("expires_in", 3600)),
        refresh_expires_at=now + float(body.get("x_refresh_token_expires_in", 0) or 0),
        refresh_hard_expires_at=now + float(hard) if hard else 0.0,
        seed_fingerprint=fingerprint(config["refresh_token"]) if config.get("refresh_token") else "",
    )
    store = store_for(config, realm)
    with store.locked():
        store.write(tokens)
    return tokens


def store_for(config: Mapping[str, Any], realm: str) -> TokenStore:
    path = config.get("token_store_path") or DEFAULT_STORE_PATH.format(realm_id=realm)
    return TokenStore(path, config.get("token_store_key"))


def load_config(config_paths: tuple[str, ...]) -> dict[str, Any]:
    """Config files in order; env vars (as Meltano sets them) apply with `--config ENV` or no file."""
    config: dict[str, Any] = {}
    for path in config_paths:
        if path != "ENV":
            config.update(json.loads(Path(path).read_text()))
    if not config_paths or "ENV" in config_paths:
        env = {name: os.environ.get(ENV_PREFIX + name.upper()) for name in SETTINGS}
        config.update({name: value for name, value in env.items() if value})
    missing = [name for name in ("client_id", "client_secret") if not config.get(name)]
    if missing:
        raise click.ClickException(f"set {' and '.join(missing)} (the Intuit app's keys) first")
    return config


def receive(url: str, redirect_uri: str, browser: bool, timeout: float) -> dict[str, str]:
    """Show the consent URL and return the redirect's query parameters."""
    click.echo(f"Open this address, sign in to QuickBooks and connect the company:\n\n  {url}\n")
    if not is_loopback(redirect_uri):
        if browser:
            webbrowser.open(url)
        pasted = click.prompt(
            f"Then paste the whole address your browser was sent to ({redirect_uri}?code=…)"
        )
        return {k: v[-1] for k, v in parse_qs(urlsplit(pasted.strip()).query).items()}
    with _CallbackServer(redirect_uri) as server:
        if browser and webbrowser.open(url):
            click.echo("(opened in your browser)")
        click.echo(f"Waiting for Intuit's redirect to {redirect_uri} ...")
        return server.wait(timeout)


@click.group()
def cli() -> None:
    """OAuth set-up of tap-quickbooks-online."""


@cli.command()
@click.option("--config", "config_paths", multiple=True, help="Tap config JSON (repeatable), or ENV.")
@click.option(
    "--intuit-environment",
    "environment",
    type=click.Choice(["sandbox", "production"]),
    default="production",
    show_default=True,
    help="Which Intuit keys and companies: development (sandbox) or production.",
)
@click.option(
    "--redirect-uri",
    default=DEFAULT_REDIRECT,
    show_default=True,
    help="A redirect URI registered for the app; a http://localhost one is served by this command.",
)
@click.option(
    "--discovery-url", default=None, help="OpenID discovery document (default: Intuit's for the environment)."
)
@click.option("--no-browser", is_flag=True, help="Only print the consent URL.")
@click.option("--timeout", type=click.IntRange(10, 3600), default=300, show_default=True,
              help="Seconds to wait for the redirect.")  # fmt: skip
def login(
    config_paths: tuple[str, ...],
    environment: str,
    redirect_uri: str,
    discovery_url: str | None,
    no_browser: bool,
    timeout: int,
) -> None:
    """Authorise the app against a QuickBooks company and seed the encrypted token store."""
    config = load_config(config_paths)
    try:
        store_for(config, config.get("realm_id") or "0")  # a missing store key stops before the browser
        endpoints = discover(discovery_url or DISCOVERY[environment], timeout=30)
        state = secrets.token_urlsafe(24)
        params = receive(consent_url(endpoints, config["client_id"], redirect_uri, state), redirect_uri,
                         not no_browser, timeout)  # fmt: skip
        code, realm = check_redirect(params, state, config.get("realm_id"))
        tokens = save(config, realm, exchange(endpoints, code, redirect_uri, config))
    except (QBOError, requests.RequestException, OSError) as exc:
        raise click.ClickException(str(exc)) from exc
    _report(config, realm, environment, tokens)


def _report(config: Mapping[str, Any], realm: str, environment: str, tokens: Tokens) -> None:
    days = (tokens.refresh_expires_at - time.time()) / 86400
    click.echo(f"Company {realm} connected; the refresh token is in {store_for(config, realm).path} "
               f"(encrypted; valid {days:.0f} days, renewed by every sync).")  # fmt: skip
    click.echo(f"Settings for this company: realm_id={realm}, api_base_url={API_BASE[environment]}.")
    if config.get("refresh_token"):
        click.echo("The configured refresh_token is no longer needed: remove it from your settings.")
