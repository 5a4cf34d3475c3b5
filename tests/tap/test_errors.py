"""Fault classification against the real fault bodies in tests/fixtures/qbo-samples."""

from __future__ import annotations

from pathlib import Path

import pytest
from tap_quickbooks_online.errors import (
    AuthenticationError,
    FatalError,
    RequestRejectedError,
    RetriableError,
    ThrottledError,
    TokenRevokedError,
    classify,
    classify_oauth,
    parse_fault,
    redact,
)

SAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "qbo-samples"


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def test_xml_throttle_body_is_a_retriable_throttle() -> None:
    body = sample("fault-throttle-429.quickbooks-ruby-fixture.xml")
    fault = parse_fault(body)
    assert fault is not None
    assert (fault.type, fault.code) == ("SERVICE", "3001")
    error = classify(429, body, {"Retry-After": "7"}, tid="abc-1")
    assert isinstance(error, ThrottledError)
    assert error.retriable
    assert error.retry_after == 7.0
    assert "abc-1" in str(error)


def test_lowercase_401_is_authentication_and_never_quotes_the_token() -> None:
    body = sample("fault-401-lowercase.public-capture.json")
    error = classify(401, body)
    assert isinstance(error, AuthenticationError)
    assert "AB01730024136mqEofYN9fldzIcxH6lsAcqOYIbafE5z6ZdjPc" not in str(error)
    assert "AUTHENTICATION code 3200" in str(error)


def test_xml_validation_fault_is_fatal_with_detail() -> None:
    body = sample("fault-query-validation-4001.quickbooks-ruby-fixture.xml")
    error = classify(400, body)
    assert isinstance(error, RequestRejectedError)
    assert not error.retriable
    assert "value 0 is too small" in str(error)


def test_fault_inside_a_200_is_an_error() -> None:
    body = b'{"Fault":{"Error":[{"Message":"m","Detail":"d","code":"003001"}],"type":"SERVICE"}}'
    fault = parse_fault(body)
    assert fault is not None
    assert fault.code == "3001"
    assert isinstance(classify(200, body, fault=fault), ThrottledError)
    assert classify(200, b'{"QueryResponse":{}}') is None


@pytest.mark.parametrize(
    ("status", "kind"), [(500, RetriableError), (503, RetriableError), (403, FatalError)]
)
def test_status_mapping(status: int, kind: type[Exception]) -> None:
    assert isinstance(classify(status, b"<html>oops</html>"), kind)


def test_wrong_realm_names_the_fix() -> None:
    body = b'{"Fault":{"Error":[{"Message":"m","Detail":"d","code":"3100"}],"type":"AuthorizationFault"}}'
    assert "realm_id" in str(classify(400, body))


def test_invalid_grant_is_token_revoked_with_the_fix() -> None:
    error = classify_oauth(400, b'{"error_description":"Token invalid","error":"invalid_grant"}', "tid-9")
    assert isinstance(error, TokenRevokedError)
    assert "re-authorise" in str(error)
    assert "refresh_token" in str(error)
    assert "tid-9" in str(error)
    assert isinstance(classify_oauth(401, b'{"error":"invalid_client"}'), FatalError)
    assert isinstance(classify_oauth(503, b""), RetriableError)


def test_redact_scrubs_known_secrets_and_token_shapes() -> None:
    text = "Token expired: eyJhbGciOiJIUzI1NiJ9.abcdefghijkl and secret s3cr3t-value, Bearer abcdefghijklmnop"
    out = redact(text, ("s3cr3t-value",))
    assert "eyJhbGci" not in out
    assert "s3cr3t-value" not in out
    assert "abcdefghijklmnop" not in out
