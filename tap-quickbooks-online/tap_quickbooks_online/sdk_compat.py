"""Every use of a singer-sdk private name, and every override of a method singer-sdk marks final.

singer-sdk is pinned exactly (pyproject.toml) because of what is here: the tap reaches past its public API
at a few points, for speed or for state it keeps itself. The rest of the tap calls the classes and
functions below and never names a singer-sdk private attribute (tests/tap/test_sdk_compat.py checks both:
that every name in PRIVATE_NAMES still exists in the installed singer-sdk, and that no other module of the
tap uses one). Upgrading singer-sdk means re-reading this module against the new version.
"""

from __future__ import annotations

import abc
import contextlib
import copy
import inspect
from collections.abc import Generator, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from types import FrameType
from typing import TYPE_CHECKING, Any, Protocol

import msgspec
from singer_sdk import Stream, Tap
from singer_sdk.helpers import _catalog
from singer_sdk.helpers._catalog import get_selected_schema
from singer_sdk.mapper import PluginMapper
from singer_sdk.plugin_base import PluginBase
from singer_sdk.streams._state import StreamStateManager

if TYPE_CHECKING:
    from singer_sdk.helpers.types import Context
    from singer_sdk.singerlib import CatalogEntry

_ENCODER = msgspec.json.Encoder(decimal_format="number")
_DECODER = msgspec.json.Decoder(float_hook=Decimal)


@dataclass(frozen=True)
class PrivateName:
    """A name singer-sdk does not promise to keep: a private attribute, or a method marked final."""

    owner: Any  # a class, or a private module
    name: str
    why: str

    @property
    def owner_name(self) -> str:
        """The class's name, or the module's last part (`_catalog`), as code spells it."""
        return str(self.owner.__name__).rsplit(".", 1)[-1]


PRIVATE_NAMES: tuple[PrivateName, ...] = (
    PrivateName(PluginBase, "_mapper", "set up stream maps on first use (LazyMapperTap)"),
    PrivateName(_catalog, "get_selected_schema", "stream maps from catalog_schema (LazyMapperTap)"),
    PrivateName(Tap, "_handle_termination", "SIGTERM/SIGINT end the run at once (LazyMapperTap)"),
    PrivateName(Tap, "sync_all", "final: wrapped to start and end the run (LazyMapperTap)"),
    PrivateName(Tap, "run_sync_dry_run", "final: wrapped to end the run (LazyMapperTap)"),
    PrivateName(Stream, "_sync_records", "records written a page at a time (SelfBookmarkedStream)"),
    PrivateName(Stream, "_increment_stream_state", "bookmarks set by the stream itself"),
    PrivateName(Stream, "_write_starting_replication_value", "the page-at-a-time record loop"),
    PrivateName(Stream, "_finalize_state", "the page-at-a-time record loop"),
    PrivateName(Stream, "_write_state_message", "the page-at-a-time record loop"),
    PrivateName(Stream, "_write_activate_version_message", "a FULL read is one table version"),
    PrivateName(Stream, "_stream_version", "records of versioned runs carry the version"),
    PrivateName(Stream, "state_manager", "an instance of singer-sdk's private StreamStateManager"),
    PrivateName(StreamStateManager, "is_flushed", "cleared after a state change: a STATE message is due"),
)


def missing_private_names() -> list[str]:
    """The names of PRIVATE_NAMES the installed singer-sdk lacks, as `Owner.name` (an instance attribute
    counts as present when the owner's source sets it on self)."""
    missing = []
    for private in PRIVATE_NAMES:
        source = inspect.getsource(private.owner)
        if not hasattr(private.owner, private.name) and f"self.{private.name}" not in source:
            missing.append(f"{private.owner_name}.{private.name}")
    return missing


class LazyMapperTap(Tap):
    """A Tap whose stream maps are set up on first use, whose termination handler and sync are its own.

    singer-sdk sets stream maps up in __init__ (three copies of every schema: 0.4 s); here that waits until
    something asks for `mapper`, so a sync sends its first requests first. Subclasses implement the hooks
    `on_termination`, `before_sync`, `after_sync` and `after_sync_error`.
    """

    def __init__(self, *, setup_mapper: bool = True, **kwargs: Any) -> None:
        self._mapper_wanted = setup_mapper
        super().__init__(setup_mapper=False, **kwargs)

    @property
    def mapper(self) -> PluginMapper:
        if self._mapper is None and self._mapper_wanted:
            self.setup_mapper()
        return super().mapper

    @mapper.setter
    def mapper(self, mapper: PluginMapper) -> None:
        self._mapper = mapper

    def setup_mapper(self) -> None:
        """singer-sdk's stream maps, each registered from `catalog_schema(entry)` (a dict, copied at C
        speed) instead of the parsed catalog's schema objects turned back into dicts."""
        PluginBase.setup_mapper(self)  # the mapper alone; Tap.setup_mapper would register from `catalog`
        for entry in self.catalog.streams:
            name = entry.stream or entry.tap_stream_id
            schema = FastCopySchema(self.catalog_schema(entry))
            selected = get_selected_schema(name, schema, entry.metadata.resolve_selection())
            self.mapper.register_raw_stream_schema(name, selected, entry.key_properties)

    def catalog_schema(self, entry: CatalogEntry) -> dict[str, Any]:
        """The JSON schema the stream's SCHEMA messages start from."""
        return entry.schema.to_dict()

    def _handle_termination(self, signum: int, frame: FrameType | None) -> None:
        self.on_termination(signum)

    @abc.abstractmethod
    def on_termination(self, signum: int) -> None:
        """Called on SIGTERM/SIGINT (in the main thread) instead of singer-sdk's handler."""

    @abc.abstractmethod
    def before_sync(self) -> None:
        """Called when a sync starts, before singer-sdk builds the streams."""

    @abc.abstractmethod
    def after_sync(self) -> None:
        """Called after a sync or dry run that succeeded."""

    @abc.abstractmethod
    def after_sync_error(self) -> None:
        """Called after a sync or dry run that raised (the error is raised again afterwards)."""

    def sync_all(self) -> None:  # type: ignore[misc]  # final in singer-sdk; only wrapped
        with self._sync_hooks():
            self.before_sync()
            super().sync_all()

    def run_sync_dry_run(  # type: ignore[misc]  # final in singer-sdk; only wrapped
        self, dry_run_record_limit: int | None = 1, streams: Iterable[Stream] | None = None
    ) -> bool:
        with self._sync_hooks():
            return super().run_sync_dry_run(dry_run_record_limit, streams)

    @contextlib.contextmanager
    def _sync_hooks(self) -> Iterator[None]:
        try:
            yield
        except BaseException:
            self.after_sync_error()
            raise
        self.after_sync()


class FastCopySchema(dict[str, Any]):
    """A JSON schema whose deep copy is a msgspec round trip: singer-sdk deep-copies every stream's schema
    several times as it sets up stream maps, with Python's generic (slow) `copy.deepcopy`."""

    def __deepcopy__(self, memo: dict[int, Any]) -> FastCopySchema:
        try:
            return FastCopySchema(_DECODER.decode(_ENCODER.encode(self)))
        except (TypeError, msgspec.EncodeError):  # not plain JSON: the slow way
            return FastCopySchema(copy.deepcopy(dict(self), memo))


class BlockWriter(Protocol):
    def write_records(self, lines: bytes) -> None:
        """Newline-terminated RECORD lines, already serialised."""


class SelfBookmarkedStream(Stream):
    """A Stream that keeps its own state (singer-sdk's max-replication-key bookmark is switched off) and
    may write its records a page of pre-built RECORD lines at a time.

    Subclasses implement `record_blocks` (pages of RECORD lines and their record counts) and return a
    writer from `block_writer` when those lines may be written as they are; otherwise, or with
    `block_writer` returning None, singer-sdk's per-record loop runs over `get_records`.
    """

    def block_writer(self) -> BlockWriter | None:
        """The writer of RECORD lines when the page path may run, else None."""
        return None

    def record_blocks(self) -> Iterator[tuple[bytes, int]]:
        """RECORD lines, page by page, with the number of records in each."""
        raise NotImplementedError

    def per_record_features_off(self) -> bool:
        """No record limit (dry runs) and no table version stamped on every record."""
        return self.ABORT_AT_RECORD_COUNT is None and self._stream_version is None

    def state_changed(self) -> None:
        """The stream state changed outside singer-sdk: a STATE message is due."""
        self.state_manager.is_flushed = False

    def write_table_version(self, version: int) -> None:
        """An ACTIVATE_VERSION message for this stream."""
        self._write_activate_version_message(version)

    def _increment_stream_state(
        self, latest_record: dict[str, Any], *, context: Context | None = None
    ) -> None:
        return None

    def _sync_records(
        self, context: Context | None = None, *, write_messages: bool = True
    ) -> Generator[dict[str, Any], Any, Any]:
        writer = self.block_writer() if write_messages and context is None else None
        if writer is None:
            yield from super()._sync_records(context, write_messages=write_messages)
            return
        with self.get_record_counter() as counter, self.get_sync_timer():
            self._write_starting_replication_value(None)
            for lines, count in self.record_blocks():
                writer.write_records(lines)
                counter.increment(count)
        self._finalize_state(self.stream_state)
        self._write_state_message()
