"""The seam between the target and singer-sdk's private names: the only module that touches them.

singer-sdk offers no public hook for a few things the target needs (act on each SCHEMA message, set the
flush age, keep three `_sdc_*` fields, leave date-times as text). The classes here override those private
hooks once and call named methods that the target and sink implement. PRIVATE_NAMES lists every private name
used, so that a singer-sdk upgrade that drops one fails a test naming it (tests/target/test_sdk_compat.py)
instead of silently changing behaviour; singer-sdk is pinned `==` in pyproject.toml.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from singer_sdk.sinks import BatchSink
from singer_sdk.target_base import Target

# Every singer-sdk private name this module uses, by the class that defines it.
PRIVATE_NAMES: dict[type, tuple[str, ...]] = {
    Target: ("_MAX_RECORD_AGE_IN_MINUTES", "_process_schema_message", "_write_state_message"),
    BatchSink: (
        "_add_sdc_metadata_to_schema",
        "_add_sdc_metadata_to_record",
        "_remove_sdc_metadata_from_schema",
        "_remove_sdc_metadata_from_record",
        "_parse_timestamps_in_record",
    ),
}
# singer-sdk's record metadata fields (its add_record_metadata setting).
SDK_METADATA = frozenset(
    {
        "_sdc_extracted_at",
        "_sdc_received_at",
        "_sdc_batched_at",
        "_sdc_deleted_at",
        "_sdc_sequence",
        "_sdc_table_version",
        "_sdc_sync_started_at",
    }
)


def missing_private_names() -> list[str]:
    """The names of PRIVATE_NAMES the installed singer-sdk no longer has, as `module.Class.name`."""
    return [
        f"{owner.__module__}.{owner.__qualname__}.{name}"
        for owner, names in PRIVATE_NAMES.items()
        for name in names
        if not hasattr(owner, name)
    ]


class SeamTarget(Target):
    """A singer-sdk Target with named hooks in place of private ones."""

    def set_max_record_age(self, seconds: float) -> None:
        """Drain every sink (then emit STATE) once buffered records reach this age."""
        self._MAX_RECORD_AGE_IN_MINUTES = seconds / 60

    def before_schema_message(self, message: dict) -> None:
        """Called with each SCHEMA message before singer-sdk registers it (and creates its sinks)."""

    def schema_for_sdk(self, schema: dict) -> dict:
        """The schema singer-sdk registers (and deep-copies several times); by default the message's own."""
        return schema

    def before_state_message(self, state: dict) -> None:
        """Called before singer-sdk writes a STATE message to stdout."""

    def _process_schema_message(self, message_dict: dict) -> None:
        self.before_schema_message(message_dict)
        if isinstance(message_dict.get("schema"), dict):  # a malformed message gets singer-sdk's own error
            message_dict = {**message_dict, "schema": self.schema_for_sdk(message_dict["schema"])}
        super()._process_schema_message(message_dict)

    def _write_state_message(self, state: dict) -> None:
        self.before_state_message(state)
        super()._write_state_message(state)


class SeamBatchSink(BatchSink):
    """A singer-sdk BatchSink that keeps chosen `_sdc_*` fields and can leave date-times unparsed."""

    # `_sdc_*` properties kept in the schema even when singer-sdk would drop its record metadata.
    kept_metadata_properties: dict[str, dict] = {}
    # Of those, the ones a record may carry from the tap (the rest are stamped by the sink).
    kept_record_metadata: tuple[str, ...] = ()
    # False: date-time values stay text (e.g. for a vectorised parse of the whole batch later).
    parse_timestamps = True

    # Always true: this sink keeps its own `_sdc_*` columns whatever add_record_metadata says, and saying so
    # keeps singer-sdk from warning at every ACTIVATE_VERSION that it must add _sdc_deleted_at. Whether the
    # SDK's other metadata is added is `adds_sdk_metadata`.
    @property
    def include_sdc_metadata_properties(self) -> bool:
        return True

    @cached_property
    def adds_sdk_metadata(self) -> bool:
        return bool(self.config.get("add_record_metadata", False))

    def _remove_sdc_metadata_from_schema(self) -> None:
        super()._remove_sdc_metadata_from_schema()
        self.schema["properties"].update(self.kept_metadata_properties)

    def _add_sdc_metadata_to_schema(self) -> None:
        if not self.adds_sdk_metadata:
            self._remove_sdc_metadata_from_schema()
            return
        super()._add_sdc_metadata_to_schema()
        self.schema["properties"].update(self.kept_metadata_properties)

    def _add_sdc_metadata_to_record(self, record: dict, message: dict, context: dict) -> None:
        if self.adds_sdk_metadata:
            super()._add_sdc_metadata_to_record(record, message, context)
        elif not SDK_METADATA.isdisjoint(record):  # one set operation for the usual record without any
            self._remove_sdc_metadata_from_record(record)

    def _remove_sdc_metadata_from_record(self, record: dict) -> None:
        kept = {name: record[name] for name in self.kept_record_metadata if record.get(name) is not None}
        super()._remove_sdc_metadata_from_record(record)
        record.update(kept)

    def _parse_timestamps_in_record(self, record: dict, schema: dict, treatment: Any) -> None:
        if self.parse_timestamps:
            super()._parse_timestamps_in_record(record, schema, treatment)
