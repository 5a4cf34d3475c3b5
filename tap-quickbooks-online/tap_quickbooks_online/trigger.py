"""Debounced, one-at-a-time runner of the sync command (``meltano run tap-... target-...``).

The receiver calls :meth:`Trigger.notify` whenever a request stored new events. The first notification
opens a window of ``debounce_seconds`` (a fixed window, not one that every event extends, so a steady
stream of events cannot postpone the sync forever); then the command runs. Notifications that arrive while
it runs coalesce into exactly one more run. The command runs as a subprocess without a shell and never
overlaps itself; the scheduled job may still overlap it, which Meltano's state lock (or ``flock``) refuses.
"""

from __future__ import annotations

import logging
import shlex
import subprocess
import threading
import time
from collections.abc import Callable, Sequence

logger = logging.getLogger(__name__)

Runner = Callable[[], int]
KILL_GRACE_SECONDS = 30.0


class Trigger:
    """Background thread that turns bursts of notifications into sequential command runs."""

    def __init__(
        self,
        command: str | Sequence[str] | None,
        debounce_seconds: float,
        runner: Runner | None = None,
        run_timeout_seconds: float | None = None,
    ) -> None:
        if debounce_seconds < 0:
            raise ValueError(f"webhook_trigger_debounce_seconds must not be negative, got {debounce_seconds}")
        argv = shlex.split(command) if isinstance(command, str) else list(command or [])
        if runner is None and not argv:
            raise ValueError("webhook_trigger_command is empty")
        self._argv = argv
        self._runner = runner or self._run_subprocess
        self._debounce = debounce_seconds
        self._timeout = run_timeout_seconds
        self._cond = threading.Condition()
        self._pending = False
        self._stopping = False
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="webhook-trigger", daemon=True)
        self._process: subprocess.Popen[bytes] | None = None
        self.runs = 0
        self.failures = 0

    def start(self) -> None:
        self._thread.start()

    def notify(self) -> None:
        """New events are in the inbox: make sure a run starts after them."""
        with self._cond:
            self._pending = True
            self._cond.notify()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop after the current run (a pending, not yet started run is dropped: the schedule covers it)."""
        with self._cond:
            self._stopping = True
            self._cond.notify()
        self._wake.set()
        if not self._thread.is_alive():
            return
        self._thread.join(timeout)
        process = self._process
        if self._thread.is_alive() and process is not None:
            logger.warning("Sync command still running after %.0f s at shutdown; terminating it", timeout)
            _end(process)
            self._thread.join(timeout)

    def _loop(self) -> None:
        while self._next_run_due():
            try:
                self._run_once()
            except Exception:  # the trigger outlives any one run; the next notification runs again
                logger.exception("Sync command trigger failed; waiting for the next event")

    def _next_run_due(self) -> bool:
        """Block until a notification arrived and its debounce window passed; False when stopping."""
        with self._cond:
            while not self._pending and not self._stopping:
                self._cond.wait()
        if self._stopping or self._wake.wait(self._debounce):
            return False
        with self._cond:
            self._pending = False
            return not self._stopping

    def _run_once(self) -> None:
        started = time.monotonic()
        self.runs += 1
        try:
            code = self._runner()
        except Exception:
            logger.exception("Sync command could not be run")
            code = -1
        if code != 0:
            self.failures += 1
        level = logging.INFO if code == 0 else logging.ERROR
        elapsed = time.monotonic() - started
        logger.log(level, "Sync command finished with exit code %s in %.1f s", code, elapsed)

    def _run_subprocess(self) -> int:
        # Only the program name is logged: the command line may carry credentials.
        logger.info("Starting sync command %s", self._argv[0])
        self._process = subprocess.Popen(self._argv)  # noqa: S603 - argv from the operator's own config, no shell
        try:
            return self._process.wait(self._timeout)
        except subprocess.TimeoutExpired:
            logger.error("Sync command exceeded %s s; terminating it", self._timeout)
            return _end(self._process)
        finally:
            self._process = None


def _end(process: subprocess.Popen[bytes]) -> int:
    """SIGTERM, then SIGKILL if the command has not exited within KILL_GRACE_SECONDS."""
    grace_seconds = KILL_GRACE_SECONDS
    process.terminate()
    try:
        return process.wait(grace_seconds)
    except subprocess.TimeoutExpired:
        logger.error("Sync command ignored SIGTERM for %.0f s; killing it", grace_seconds)
        process.kill()
        return process.wait()
