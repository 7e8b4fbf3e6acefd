"""Garbage collection tuned for linting a batch of files.

Parsing builds hundreds of thousands of small objects that live until the file's findings are out; with
CPython's default thresholds the collector runs every 700 allocations and, every so often, scans every
object alive, the interpreter's imports included. Syntax trees hold no reference cycles, so those scans find
little: collecting less often and leaving what was alive before the batch out of the scans saves about a
tenth of a cold run's time, and garbage is still collected.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

_YOUNG_THRESHOLD = 50_000  # allocations between young collections (CPython's default: 700)


@contextmanager
def tuned_for_batch() -> Iterator[None]:
    """Within: fewer collections, and the objects alive on entry are not scanned (restored on exit)."""
    before = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(_YOUNG_THRESHOLD, *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()
