"""JSON in and out with exact decimals: Decimal values are written as plain JSON numbers."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

_MARK = "\u0000DEC:"
_MARKED = re.compile(r'"\\u0000DEC:(-?[0-9.Ee+-]+)"')


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"{_MARK}{value}"
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def dumps(obj: Any) -> bytes:
    text = json.dumps(obj, default=_default, separators=(",", ":"))
    if "\\u0000DEC:" in text:
        text = _MARKED.sub(r"\1", text)
    return text.encode()


def loads(raw: bytes | str) -> Any:
    """Parse with floats as Decimal, so amounts a client sends are stored exactly."""
    return json.loads(raw, parse_float=Decimal)
