"""intuit-signature: base64(HMAC-SHA256(verifier token, raw body)), compared in constant time."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable

import pytest
from tap_quickbooks_online.webhooks import sign, signature_valid

from .helpers import SAMPLES

Mutation = Callable[[str, bytes, str], tuple[str | None, bytes, str]]


def _test_vector() -> tuple[str, bytes, str]:
    text = (SAMPLES / "webhook-signature-test-vector.python-quickbooks.txt").read_text()
    values = dict(re.findall(r"^(TEST_\w+) = '(.*)'$", text, flags=re.MULTILINE))
    return values["TEST_SIGNATURE"], values["TEST_PAYLOAD"].encode(), values["TEST_VERIFIER_TOKEN"]


def test_published_test_vector_is_reproduced_and_accepted() -> None:
    signature, payload, token = _test_vector()
    assert sign(payload, token) == signature
    assert signature_valid(payload, signature, token)


@pytest.mark.parametrize(
    ("mutate", "why"),
    [
        (lambda sig, body, token: (sig, body + b" ", token), "body changed by one byte"),
        (lambda sig, body, token: (sig, body, token + "x"), "other verifier token"),
        (lambda sig, body, token: (None, body, token), "header missing"),
        (lambda sig, body, token: ("", body, token), "header empty"),
        (lambda sig, body, token: ("not base64 at all!", body, token), "not base64"),
        (lambda sig, body, token: (base64.b64encode(b"short").decode(), body, token), "wrong digest length"),
        (lambda sig, body, token: (sig.lower(), body, token), "case changed"),
    ],
)
def test_forged_or_broken_signatures_are_rejected(mutate: Mutation, why: str) -> None:
    signature, payload, token = mutate(*_test_vector())
    assert not signature_valid(payload, signature, token), why


def test_surrounding_whitespace_in_header_is_tolerated() -> None:
    signature, payload, token = _test_vector()
    assert signature_valid(payload, f" {signature} ", token)
