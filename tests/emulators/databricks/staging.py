"""Unity Catalog Volume files: PUT/GET/REMOVE statements and the presigned URLs the client then calls."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from . import errors
from .clock import Clock
from .translate import quoted_name

_LIT = r"'((?:[^']|'')*)'"
PUT_RE = re.compile(rf"^\s*PUT\s+{_LIT}\s+INTO\s+{_LIT}(\s+OVERWRITE)?\s*;?\s*$", re.I | re.S)
GET_RE = re.compile(rf"^\s*GET\s+{_LIT}\s+TO\s+{_LIT}\s*;?\s*$", re.I | re.S)
REMOVE_RE = re.compile(rf"^\s*REMOVE\s+{_LIT}\s*;?\s*$", re.I | re.S)
URL_TTL_SECONDS = 900
# S3 presigned PUTs made by Databricks require the server-side-encryption header the URL was signed with.
PUT_HEADERS = {"x-amz-server-side-encryption": "AES256"}


@dataclass(frozen=True)
class StagingCommand:
    operation: str  # PUT | GET | REMOVE
    remote: str
    local: str | None
    overwrite: bool = False


def parse_staging(sql: str) -> StagingCommand | None:
    """PUT/GET/REMOVE are not SQL that sqlglot parses, so they are recognised first."""
    if m := PUT_RE.match(sql):
        return StagingCommand("PUT", _unquote(m.group(2)), _unquote(m.group(1)), bool(m.group(3)))
    if m := GET_RE.match(sql):
        return StagingCommand("GET", _unquote(m.group(1)), _unquote(m.group(2)))
    if m := REMOVE_RE.match(sql):
        return StagingCommand("REMOVE", _unquote(m.group(1)), None)
    return None


def _unquote(text: str) -> str:
    return text.replace("''", "'")


class VolumeStore:
    """Files of every volume under one local directory, reachable through signed, expiring URLs."""

    def __init__(self, root: Path, clock: Clock, volumes: set[tuple[str, str, str]]) -> None:
        self.root = root
        self.clock = clock
        self.volumes = volumes  # shared with the catalog, which owns CREATE/DROP VOLUME
        self._key = secrets.token_bytes(32)
        self.base_url = ""

    def split(self, uri: str) -> tuple[tuple[str, str, str], str]:
        parts = uri.split("/")
        if len(parts) < 5 or parts[0] != "" or parts[1] != "Volumes" or any(p in ("..", ".") for p in parts):
            raise errors.SqlError(
                "INVALID_VOLUME_PATH",
                f"Invalid volume path {uri!r}: expected /Volumes/<catalog>/<schema>/<volume>/<path>.",
                "22023",
            )
        volume = (parts[2].lower(), parts[3].lower(), parts[4].lower())
        if volume not in self.volumes:
            raise errors.volume_not_found(quoted_name(*volume))
        return volume, "/".join(parts[5:])

    def local_path(self, uri: str) -> Path:
        volume, rest = self.split(uri.rstrip("/"))
        return self.root.joinpath(*volume, *[p for p in rest.split("/") if p])

    def command_result(self, cmd: StagingCommand) -> pa.Table:
        path = self.local_path(cmd.remote)
        if cmd.operation == "PUT" and path.exists() and not cmd.overwrite:
            raise errors.SqlError(
                "FILE_ALREADY_EXISTS",
                f"The file {cmd.remote} already exists. Use OVERWRITE to replace it.",
                "42000",
            )
        if cmd.operation == "GET" and not path.is_file():
            raise errors.SqlError("PATH_NOT_FOUND", f"Path does not exist: {cmd.remote}.", "42K03")
        headers = PUT_HEADERS if cmd.operation == "PUT" else {}
        return pa.table(
            {
                "operation": pa.array([cmd.operation]),
                "presignedUrl": pa.array([self.presign(cmd.operation, cmd.remote)]),
                "localFile": pa.array([cmd.local], pa.string()),
                "headers": pa.array([json.dumps(headers)]),
            }
        )

    def presign(self, operation: str, remote: str) -> str:
        expires = int(self.clock.now()) + URL_TTL_SECONDS
        method = {"REMOVE": "DELETE"}.get(operation, operation)
        query = urllib.parse.urlencode(
            {"X-Expires": expires, "X-Signature": self._sign(method, remote, expires)}
        )
        return f"{self.base_url}/_volumes{urllib.parse.quote(remote)}?{query}"

    def _sign(self, method: str, remote: str, expires: int) -> str:
        return hmac.new(self._key, f"{method}\n{remote}\n{expires}".encode(), hashlib.sha256).hexdigest()

    def serve(self, method: str, raw_path: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
        """Answer a presigned request as object storage would: 403 for a bad signature, 404 for no file."""
        url = urllib.parse.urlsplit(raw_path)
        remote = urllib.parse.unquote(url.path[len("/_volumes") :])
        query = dict(urllib.parse.parse_qsl(url.query))
        expires = int(query.get("X-Expires", "0"))
        good = hmac.compare_digest(query.get("X-Signature", ""), self._sign(method, remote, expires))
        if not good or expires < self.clock.now():
            return (
                403,
                b"<Error><Code>AccessDenied</Code><Message>Expired or bad signature</Message></Error>",
            )
        if method == "PUT" and any(headers.get(k.lower()) != v for k, v in PUT_HEADERS.items()):
            return 403, b"<Error><Code>AccessDenied</Code><Message>Signed header missing</Message></Error>"
        try:
            path = self.local_path(remote)
        except errors.SqlError:
            return 404, b"<Error><Code>NoSuchKey</Code></Error>"
        return self._apply(method, path, body)

    @staticmethod
    def _apply(method: str, path: Path, body: bytes) -> tuple[int, bytes]:
        if method == "PUT":
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(path.name + ".part")
            tmp.write_bytes(body)
            tmp.replace(path)
            return 200, b""
        if method == "GET":
            if not path.is_file():
                return 404, b"<Error><Code>NoSuchKey</Code></Error>"
            return 200, path.read_bytes()
        path.unlink(missing_ok=True)  # object stores answer 204 to deleting a missing key
        return 204, b""
