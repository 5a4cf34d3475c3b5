"""Interpreter tuning for a sync process, applied once by the console entry point (tap.cli), never by
library code: tests and benchmarks that build the tap in their own process keep their interpreter as it is.
"""

from __future__ import annotations

import ctypes
import gc
import sys

# A 1000-row page decodes into thousands of objects (raw rows, their heads). With CPython's default gen-0
# threshold (700) that runs collections every page, and the older generations rescan every page still
# buffered. The data has no reference cycles, so collecting rarely loses nothing.
GC_THRESHOLDS = (50_000, 20, 20)
# requests reads a body in 10 KB chunks, taking the GIL back for each. While another thread computes (the
# writer, singer-sdk's start-up), each take waits out the default 5 ms switch interval: a 1 MB page took
# 0.5 s instead of 0.2 s. A shorter interval hands the GIL over sooner.
SWITCH_INTERVAL = 0.0001
# Page bodies (~1 MB each) should go back to the OS when freed. glibc raises its mmap threshold after the
# first such free and then keeps freed bodies in per-thread arenas, so peak RSS crept up with the pages
# read (measured at 507 k records: 223 MB, 189 MB with the threshold pinned). Setting it pins it.
M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES = -3, 128 * 1024


def tune_interpreter() -> None:
    """Collect less often, switch threads sooner and give large blocks back during a run (process-wide;
    never the other way)."""
    current = gc.get_threshold()
    gc.set_threshold(*(max(a, b) for a, b in zip(current, GC_THRESHOLDS, strict=True)))
    sys.setswitchinterval(min(sys.getswitchinterval(), SWITCH_INTERVAL))
    try:
        mallopt = ctypes.CDLL(None).mallopt  # glibc and musl; elsewhere there is nothing to pin
    except (AttributeError, OSError, TypeError):
        return
    mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)
