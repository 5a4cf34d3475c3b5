"""Intuit's authorization endpoint (`GET https://appcenter.intuit.com/connect/oauth2`), the first leg of the
OAuth 2.0 authorization-code flow.

At Intuit a person signs in, picks a company and presses Connect; the emulator stands for that person and
answers at once (`decision`: "approve" or "deny"). What it checks is what Intuit checks: the app's client
id and a redirect URI registered for the app (both answered with an error page, never a redirect, since the
redirect target is not trusted yet), then `response_type=code`, known scopes including an accounting or
payments one, and a `state`; those errors go back to the redirect URI as `error=…&state=…` (RFC 6749
§4.1.2.1). Approval redirects with `code`, `state` and `realmId`; the code is single-use, bound to the
redirect URI and expires in 5 minutes (oauth.py).
"""

from __future__ import annotations

import html
from urllib.parse import urlencode

from .oauth import OAuthServer
from .server import Response

# Intuit's scopes (intuitlib.enums.Scopes); an app must ask for at least one QuickBooks one.
SCOPES = frozenset(
    {
        "openid", "profile", "email", "phone", "address", "intuit_name",
        "com.intuit.quickbooks.accounting", "com.intuit.quickbooks.payment", "com.intuit.quickbooks.payroll",
        "com.intuit.quickbooks.payroll.timetracking", "com.intuit.quickbooks.payroll.benefits",
        "com.intuit.quickbooks.payroll.payslip.read",
    }
)  # fmt: skip
QUICKBOOKS_SCOPES = frozenset({"com.intuit.quickbooks.accounting", "com.intuit.quickbooks.payment"})
PLAYGROUND = "https://developer.intuit.com/v2/OAuth2Playground/RedirectUrl"
LOCAL_REDIRECT = "http://localhost:8765/callback"  # tap-quickbooks-online-auth's default


class AppCenter:
    """The consent step of one app: its registered redirect URIs and what the signed-in user decides."""

    def __init__(self, oauth: OAuthServer, realm_id: str) -> None:
        self.oauth, self.realm_id = oauth, realm_id
        self.redirect_uris: set[str] = {LOCAL_REDIRECT, PLAYGROUND}
        self.decision = "approve"
        self.requests: list[dict[str, str]] = []

    def authorize(self, params: dict[str, str]) -> Response:
        self.requests.append(dict(params))
        if params.get("client_id") != self.oauth.client_id:
            return _page(400, "invalid_client", "The client_id is not that of a registered app.")
        redirect_uri = params.get("redirect_uri", "")
        if redirect_uri not in self.redirect_uris:
            return _page(
                400, "invalid_redirect_uri", "The redirect_uri query parameter value is invalid: it must "
                "match one of the app's redirect URIs exactly (Keys & credentials).",
            )  # fmt: skip
        state = params.get("state")
        error = _request_error(params)
        if error is None and self.decision != "approve":
            error = ("access_denied", "The user did not authorize the app.")
        if error is not None:
            return _redirect(redirect_uri, {"error": error[0], "error_description": error[1], "state": state})
        code = self.oauth.issue_auth_code(redirect_uri)
        return _redirect(redirect_uri, {"code": code, "state": state, "realmId": self.realm_id})


def _request_error(params: dict[str, str]) -> tuple[str, str] | None:
    if params.get("response_type") != "code":
        return "unsupported_response_type", "response_type must be code"
    scopes = set(params.get("scope", "").split())
    if not scopes or not scopes <= SCOPES or not scopes & QUICKBOOKS_SCOPES:
        return "invalid_scope", "scope must name com.intuit.quickbooks.accounting (or .payment)"
    if not params.get("state"):
        return "invalid_request", "state is required"
    return None


def _redirect(uri: str, params: dict[str, str | None]) -> Response:
    query = urlencode({k: v for k, v in params.items() if v is not None})
    response = Response(302, b"", "text/html")
    response.headers = {"Location": f"{uri}{'&' if '?' in uri else '?'}{query}"}
    return response


def _page(status: int, error: str, message: str) -> Response:
    body = f"<html><body><h1>Error: {html.escape(error)}</h1><p>{html.escape(message)}</p></body></html>\n"
    return Response(status, body.encode(), "text/html")
