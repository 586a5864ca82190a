"""Python's cyclic garbage collector paused while a large batch is stored.

A 10,000-record batch allocates some hundred thousand short-lived objects (records, rows,
tuples); they trigger one full collection, which walks every object the process holds (the
whole application) and cost 10–30 % of the batch in ``bench/ingest_throughput``. Those
objects are freed by reference counting anyway (the batch builds no cycles), so the collector
is paused for the batch and resumed afterwards. Batches running at once in several threads
share one pause: the collector resumes when the last of them ends, and only if it was on.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

#: Batches up to this many records (a JSON body up to this many bytes, ~700 records)
#: allocate too little to trigger a full collection: no pause, so a stream of single
#: records never keeps the collector off.
PAUSE_ABOVE = 1_000
PAUSE_ABOVE_BYTES = 100_000

_lock = threading.Lock()
_paused = 0  # batches inside the pause
_was_enabled = False  # the collector's state when the first of them began


@contextmanager
def collector_paused(large: bool) -> Iterator[None]:
    """Pause the cyclic collector while a ``large`` batch is validated and stored."""
    global _paused, _was_enabled
    if not large:
        yield
        return
    with _lock:
        if _paused == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _paused += 1
    try:
        yield
    finally:
        with _lock:
            _paused -= 1
            if _paused == 0 and _was_enabled:
                gc.enable()
