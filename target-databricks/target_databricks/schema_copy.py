"""Deep copies of JSON schemas at C speed, for singer-sdk's defensive `copy.deepcopy` of every SCHEMA.

singer-sdk deep-copies each stream's schema twice as it registers it (the stream map, the sink), with
Python's generic `copy.deepcopy`: for the QBO transaction streams (~40k schema nodes each, the `Line`
detail types) that was most of a no-change run's target CPU. A `JSONSchema` is a plain dict whose deep
copy is an encode/decode round trip through msgspec (the same values: numbers read as the reader reads
them, Decimal for non-integers), itself a `JSONSchema` so later copies stay fast.
"""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import msgspec

_ENCODER = msgspec.json.Encoder(decimal_format="number")
_DECODER = msgspec.json.Decoder(float_hook=Decimal)


class JSONSchema(dict[str, Any]):
    def __deepcopy__(self, memo: dict[int, Any]) -> JSONSchema:
        try:
            return JSONSchema(_DECODER.decode(_ENCODER.encode(self)))
        except (TypeError, msgspec.EncodeError):  # not plain JSON (never from a Singer message): the slow way
            return JSONSchema(copy.deepcopy(dict(self), memo))
