"""QBO objects kept as the JSON Intuit sent, and the Singer RECORD lines built from that JSON.

Decoding every object into dicts of Decimals and encoding it again cost more CPU than the rest of a
backfill (1,000 invoices: 11 ms to decode against under 1 ms to scan). The tap needs only a few facts per
object: its Id, MetaData.LastUpdatedTime, whether it is a delete stub, and whether it has a top-level
field the stream's schema lacks. Everything else passes through byte for byte, so amounts keep exactly the
digits Intuit wrote.

A field the schema lacks is removed from the object with a warning naming it (never passed on silently,
never dropped silently): the target maps records by schema, so an unknown column would reject the batch.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from functools import cache
from typing import Any

import msgspec

from .entities import BY_NAME, load_schema
from .errors import FatalError

LOGGER = logging.getLogger("tap_quickbooks_online.records")
ADDED_FIELDS = ("realm_id", "LastUpdatedTime", "_sdc_deleted_at")  # set by the tap, never taken from QBO
_DECODER = msgspec.json.Decoder(float_hook=Decimal)
_ENCODE = msgspec.json.encode
_FIELDS = msgspec.json.Decoder(dict[str, msgspec.Raw])


class _Meta(msgspec.Struct):
    LastUpdatedTime: str | None = None


class Row:
    """One QBO object: its verbatim JSON and the facts the tap reads from it."""

    __slots__ = ("deleted", "extra", "id", "raw", "updated")  # a backfill holds ~1000 per buffered page

    def __init__(
        self, raw: msgspec.Raw, id: str, updated: str | None, deleted: bool, extra: bytes = b""
    ) -> None:
        self.raw, self.id, self.updated, self.deleted = raw, id, updated, deleted
        self.extra = extra  # top-level fields put before the object's own (`"Id":…,"MetaData":…,`)

    @classmethod
    def of(cls, entity: str, obj: dict[str, Any]) -> Row:
        """A row from an object built here (a webhook delete stub)."""
        return rows_from(entity, [msgspec.Raw(_ENCODE(obj))])[0]

    def record(self, realm_id: str) -> dict[str, Any]:
        """The Singer record as a dict (amounts as Decimal), for paths that need a Python object."""
        obj: dict[str, Any] = _DECODER.decode(self.raw)
        if self.extra:
            obj = {**_DECODER.decode(b"{" + self.extra[:-1] + b"}"), **obj}
        obj["realm_id"] = realm_id
        obj["LastUpdatedTime"] = self.updated
        obj["_sdc_deleted_at"] = self.updated if self.deleted else None
        return obj


@cache
def _allowed(entity: str) -> tuple[str, ...]:
    """The top-level fields a QBO object of this entity may carry: its schema's, minus the tap's own."""
    return tuple(p for p in load_schema(BY_NAME[entity])["properties"] if p not in ADDED_FIELDS)


@cache
def _head_decoder(entity: str) -> msgspec.json.Decoder[Any]:
    """Reads Id, MetaData and status, and fails on any top-level field the schema does not declare."""
    known = _allowed(entity)
    fields: list[Any] = [
        ("Id", str | None, None),
        ("MetaData", _Meta | None, None),
        ("status", str | None, None),
    ]
    fields += [(p, msgspec.Raw, msgspec.Raw(b"null")) for p in known if p not in ("Id", "MetaData", "status")]
    head = msgspec.defstruct(f"{entity}Head", fields, forbid_unknown_fields=True)
    return msgspec.json.Decoder(head)


class _Inner(msgspec.Struct):
    Id: str
    MetaData: msgspec.Raw = msgspec.Raw(b"null")


_WRAPPED = msgspec.json.Decoder(dict[str, msgspec.Raw])
_INNER = msgspec.json.Decoder(_Inner)
_META = msgspec.json.Decoder(_Meta | None)


def _unwrap(entity: str, raws: Iterable[msgspec.Raw]) -> list[Row]:
    """Rows of an entity whose objects come wrapped in their type (`{"Bill": {...}}`): the Id and MetaData
    inside are copied to the top of the record; delete stubs (with a top-level Id) are ordinary rows."""
    out = []
    for raw in raws:
        fields = _WRAPPED.decode(raw)
        if "Id" in fields or len(fields) != 1:
            out += rows_from(entity, [raw], wrapped=False)
            continue
        ((kind, body),) = fields.items()
        if kind not in _allowed(entity):
            raise FatalError(f"QBO sent a {entity} wrapping a {kind}, which its schema does not list")
        inner = _INNER.decode(body)
        meta = _META.decode(inner.MetaData)
        updated = meta.LastUpdatedTime if meta is not None else None
        extra = b'"Id":%s,"MetaData":%s,' % (_ENCODE(inner.Id), bytes(inner.MetaData))
        out.append(Row(raw, inner.Id, updated, False, extra))
    return out


def rows_from(entity: str, raws: Iterable[msgspec.Raw], wrapped: bool = True) -> list[Row]:
    """Rows of one entity from the raw objects of a response."""
    if wrapped and BY_NAME[entity].wrapped:
        return _unwrap(entity, raws)
    decode = _head_decoder(entity).decode
    out = []
    for raw in raws:
        try:
            head = decode(raw)
        except msgspec.ValidationError:
            raw, head = _repair(entity, raw)
        meta = head.MetaData
        updated = meta.LastUpdatedTime if meta is not None else None
        deleted = head.status is not None and head.status.lower() == "deleted"
        out.append(Row(raw, head.Id if head.Id is not None else _key_of(entity, head), updated, deleted))
    return out


def _key_of(entity: str, head: Any) -> str:
    """The identity of an object without an Id (ExchangeRate: its key fields, joined by '|')."""
    keys = BY_NAME[entity].keys
    values = [_DECODER.decode(getattr(head, k)) for k in keys if k != "Id"]
    if keys == ("Id",) or any(v is None for v in values):
        raise FatalError(f"QBO sent a malformed {entity} (no {', '.join(keys)}): cannot tell which one it is")
    return "|".join(str(v) for v in values)


def _repair(entity: str, raw: msgspec.Raw) -> tuple[msgspec.Raw, Any]:
    """Remove the top-level fields the schema lacks (with a warning), then read the object again."""
    try:
        fields = _FIELDS.decode(raw)
    except msgspec.ValidationError as exc:
        raise FatalError(f"QBO sent a {entity} that is not a JSON object: {exc}") from None
    unknown = sorted(set(fields).difference(_allowed(entity)))
    for name in unknown:
        del fields[name]
    if unknown:
        _warn_unknown(entity, tuple(unknown))
    repaired = msgspec.Raw(_ENCODE(fields))
    try:
        return repaired, _head_decoder(entity).decode(repaired)
    except msgspec.ValidationError as exc:
        raise FatalError(f"QBO sent a malformed {entity} (Id {fields.get('Id', b'?')!r}): {exc}") from None


@cache
def _warn_unknown(entity: str, fields: tuple[str, ...]) -> None:
    LOGGER.warning(
        "%s: QBO sent fields the schema lacks, dropped: %s. Regenerate the schemas "
        "(tools/gen_schemas.py) or report it.",
        entity,
        ", ".join(fields),
    )


class RecordLines:
    """Singer RECORD lines for one stream, built around each object's own JSON."""

    def __init__(self, stream: str, realm_id: str) -> None:
        self._head = b'{"type":"RECORD","stream":%s,"record":{"realm_id":%s,"LastUpdatedTime":' % (
            _ENCODE(stream),
            _ENCODE(realm_id),
        )

    def build(self, rows: list[Row], time_extracted: datetime) -> bytes:
        """One block of newline-terminated lines; `rows` hold non-empty objects (Id is required)."""
        head, tail = self._head, b',"time_extracted":%s}\n' % _ENCODE(time_extracted)
        parts: list[bytes | memoryview] = []
        for row in rows:
            stamp = _ENCODE(row.updated)
            deleted = stamp if row.deleted else b"null"
            parts += (
                head,
                stamp,
                b',"_sdc_deleted_at":',
                deleted,
                b",",
                row.extra,
                memoryview(row.raw)[1:],
                tail,
            )
        return b"".join(parts)
