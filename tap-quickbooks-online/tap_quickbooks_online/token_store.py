"""Encrypted, cross-process token store: the only durable home of the rotating refresh token.

- Encrypted with Fernet (cryptography). The key is a Fernet key, or any passphrase, stretched with
  PBKDF2 and a per-store random salt kept next to the ciphertext.
- Written with mode 0600 through a temp file + fsync + os.replace, so a crash leaves the old or the new
  store, never half of one.
- A filelock (`<path>.lock`) serialises refreshes across processes; callers re-read the store while
  holding it, so two runs never spend the same single-use refresh token.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import os
import tempfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import msgspec
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
from filelock import FileLock

from .errors import ConfigurationError

KEY_ENV = "TAP_QUICKBOOKS_ONLINE_TOKEN_STORE_KEY"
DEFAULT_STORE_PATH = ".secrets/qbo-{realm_id}.tokens"  # when token_store_path is not set
_PBKDF2_ROUNDS = 200_000
_GENERATE_HINT = (
    "generate one with: python -c "
    '"from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
)


@dataclass
class Tokens:
    refresh_token: str
    access_token: str = ""
    access_expires_at: float = 0.0  # epoch seconds
    refresh_expires_at: float = 0.0  # epoch seconds; 0 = unknown
    refresh_hard_expires_at: float = 0.0
    seed_fingerprint: str = ""  # sha256 of the config refresh_token this store was seeded from

    def __repr__(self) -> str:  # never print secrets, even in a debugger or traceback
        expiries = f"access_expires_at={self.access_expires_at}, refresh_expires_at={self.refresh_expires_at}"
        return f"Tokens({expiries})"


def _fernet_for(key: str, salt: bytes) -> Fernet:
    try:
        if len(base64.urlsafe_b64decode(key.encode())) == 32:
            return Fernet(key.encode())
    except (binascii.Error, ValueError):
        pass
    kdf = PBKDF2HMAC(algorithm=hashes.SHA256(), length=32, salt=salt, iterations=_PBKDF2_ROUNDS)
    return Fernet(base64.urlsafe_b64encode(kdf.derive(key.encode())))


class TokenStore:
    def __init__(self, path: str | Path, key: str | None) -> None:
        key = key or os.environ.get(KEY_ENV, "")
        if not key:
            raise ConfigurationError(
                f"token_store_key is not set (or env {KEY_ENV}): the refresh token is kept encrypted; "
                + _GENERATE_HINT
            )
        self.path = Path(path).expanduser()
        self._key = key
        self._lock = FileLock(str(self.path) + ".lock", timeout=120)

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the cross-process lock (re-entrant within this process)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock:
            yield

    def read(self) -> Tokens | None:
        """The stored tokens, or None when the store does not exist yet."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None
        try:
            envelope = msgspec.json.decode(raw)
            fernet = _fernet_for(self._key, base64.b64decode(envelope["salt"]))
            data = msgspec.json.decode(fernet.decrypt(envelope["data"].encode()))
            return Tokens(**data)
        except (InvalidToken, KeyError, TypeError, ValueError, msgspec.DecodeError) as exc:
            raise ConfigurationError(
                f"cannot decrypt the token store {self.path}: wrong token_store_key, or the file is damaged. "
                "Restore the key, or delete the file and set a fresh refresh_token in the config to "
                "reseed it."
            ) from exc

    def write(self, tokens: Tokens) -> None:
        """Atomically replace the store (mode 0600). Call while holding `locked()`."""
        salt = os.urandom(16)
        data = _fernet_for(self._key, salt).encrypt(msgspec.json.encode(asdict(tokens))).decode()
        payload = msgspec.json.encode({"v": 1, "salt": base64.b64encode(salt).decode(), "data": data})
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=self.path.name + ".", suffix=".tmp", dir=self.path.parent)
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(payload)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
        self._fsync_dir()

    def _fsync_dir(self) -> None:
        with contextlib.suppress(OSError):
            dir_fd = os.open(self.path.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
