"""Both emulator CLIs, once started: announce themselves in one JSON line, then serve until stopped."""

from __future__ import annotations

import contextlib
import json
import signal
import threading
from typing import Any


def announce_and_wait(info: dict[str, Any]) -> None:
    """Print `info` as one JSON line (the contract callers parse), then block until SIGTERM or Ctrl-C."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print(json.dumps(info), flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        stop.wait()
