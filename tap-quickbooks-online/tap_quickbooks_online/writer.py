"""Singer message writer: msgspec encoding (Decimal kept as JSON numbers), records written in blocks.

singer-sdk's MsgSpecWriter flushes stdout after every message: a system call per record (~4 KB each,
over the pipe's buffer). Here records collect in a 1 MiB block, written when full and before any other
message (SCHEMA, STATE), so a STATE never overtakes the records it covers. `write_records` takes RECORD
lines already built (records.RecordLines) into the same block. Non-record messages are turned
into dicts shallowly: dataclasses.asdict deep-copies every SCHEMA (~120 KB each here) for nothing.
"""

from __future__ import annotations

import sys
from dataclasses import fields

from singer_sdk.contrib.msgspec import MsgSpecWriter, serialize_jsonl
from singer_sdk.singerlib.encoding.simple import Message, RecordMessage, SingerMessageType

BLOCK_BYTES = 1 << 20


class BufferedMsgSpecWriter(MsgSpecWriter):
    def __init__(self) -> None:
        super().__init__()
        self._block = bytearray()

    def serialize_message(self, message: Message) -> bytearray:
        if isinstance(message, RecordMessage):
            return serialize_jsonl(message.to_dict())
        data = {f.name: getattr(message, f.name) for f in fields(message)}
        return serialize_jsonl({k: v for k, v in data.items() if v is not None})

    def write_message(self, message: Message) -> None:
        self._block += self.format_message(message)  # copies: msgspec reuses its output buffer
        if message.type != SingerMessageType.RECORD or len(self._block) >= BLOCK_BYTES:
            self.flush()

    def write_records(self, lines: bytes) -> None:
        """Newline-terminated RECORD lines, already serialised."""
        self._block += lines
        if len(self._block) >= BLOCK_BYTES:
            self.flush()

    def flush(self) -> None:
        if self._block:
            sys.stdout.buffer.write(self._block)
            self._block.clear()
        sys.stdout.flush()
