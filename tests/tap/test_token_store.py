"""The encrypted token store: round trip, permissions, atomic replace, clear errors."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from tap_quickbooks_online.errors import ConfigurationError
from tap_quickbooks_online.token_store import KEY_ENV, Tokens, TokenStore


def test_round_trip_is_encrypted_and_private(tmp_path: Path) -> None:
    store = TokenStore(tmp_path / "t.tokens", Fernet.generate_key().decode())
    with store.locked():
        store.write(
            Tokens(refresh_token="rt-secret-value", access_token="at-secret-value", access_expires_at=5.0)
        )
    raw = (tmp_path / "t.tokens").read_bytes()
    assert b"rt-secret-value" not in raw
    assert b"at-secret-value" not in raw
    assert stat.S_IMODE((tmp_path / "t.tokens").stat().st_mode) == 0o600
    back = store.read()
    assert back is not None
    assert back.refresh_token == "rt-secret-value"
    assert back.access_expires_at == 5.0
    assert "secret" not in repr(back)
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_passphrase_keys_work_and_a_wrong_key_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "t.tokens"
    with TokenStore(path, "correct horse battery staple").locked():
        TokenStore(path, "correct horse battery staple").write(Tokens(refresh_token="r"))
    assert TokenStore(path, "correct horse battery staple").read() is not None
    with pytest.raises(ConfigurationError, match="wrong token_store_key"):
        TokenStore(path, "another passphrase").read()


def test_missing_store_reads_none_and_missing_key_explains(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(KEY_ENV, raising=False)
    with pytest.raises(ConfigurationError, match=r"Fernet\.generate_key"):
        TokenStore(tmp_path / "x", None)
    monkeypatch.setenv(KEY_ENV, Fernet.generate_key().decode())
    assert TokenStore(tmp_path / "x", None).read() is None


def test_replace_keeps_old_file_when_write_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = TokenStore(tmp_path / "t.tokens", Fernet.generate_key().decode())
    store.write(Tokens(refresh_token="first"))

    def boom(*_: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("os.replace", boom)
    with pytest.raises(OSError, match="disk full"):
        store.write(Tokens(refresh_token="second"))
    monkeypatch.undo()
    again = store.read()
    assert again is not None
    assert again.refresh_token == "first"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []
