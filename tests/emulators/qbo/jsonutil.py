"""JSON in and out with exact decimals: Decimal values are written as plain JSON numbers.

`Raw` wraps an already serialised value (a stored record's cached JSON) that `dumps` splices in verbatim,
so a page of a thousand records costs one join instead of a thousand re-serialisations.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

_MARK = "\u0000DEC:"
_MARKED = re.compile(r'"\\u0000DEC:(-?[0-9.Ee+-]+)"')
_RAW_MARK = "\u0000RAW:"
_RAW_MARKED = re.compile(rb'"\\u0000RAW:([0-9]+)"')


class Raw:
    """A JSON value serialised ahead of time (by `dumps`), written out byte for byte."""

    __slots__ = ("data",)

    def __init__(self, data: bytes) -> None:
        self.data = data


def dumps(obj: Any) -> bytes:
    raws: list[bytes] = []

    def default(value: Any) -> Any:
        if isinstance(value, Decimal):
            return f"{_MARK}{value}"
        if isinstance(value, Raw):
            raws.append(value.data)
            return f"{_RAW_MARK}{len(raws) - 1}"
        raise TypeError(f"{type(value).__name__} is not JSON serialisable")

    text = json.dumps(obj, default=default, separators=(",", ":"))
    if "\\u0000DEC:" in text:
        text = _MARKED.sub(r"\1", text)
    data = text.encode()
    if not raws:
        return data
    parts = _RAW_MARKED.split(data)  # text, index, text, index, ..., text
    parts[1::2] = [raws[int(i)] for i in parts[1::2]]
    return b"".join(parts)


def loads(raw: bytes | str) -> Any:
    """Parse with floats as Decimal, so amounts a client sends are stored exactly."""
    return json.loads(raw, parse_float=Decimal)
