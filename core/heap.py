"""Keep a worker's start-up objects out of Python's garbage collections, and collect less often.

A worker holds ~170,000 tracked objects once the app is built (Dash, Plotly, SQLAlchemy,
every page's layout) and keeps them as long as it runs. Each full collection walked them
all: a refresh of ``/consulta`` for an estado allocates ~100,000 objects, so every other
refresh paid a 40–75 ms pause, the p95 of the callback. ``gc.freeze()`` once the app is
built moves them to a generation the collector skips (the CPython docs advise it for
servers that build their state before serving); everything allocated later is collected as
before. A collection first, so no start-up garbage is frozen with them.

The thresholds: a young collection every 20,000 allocations instead of 700 (a refresh's
objects are nearly all freed by reference counting as soon as its answer is sent), and the
older generations half as often. On the national base, after every other page had grown the
heap, that took /consulta of an estado from a p95 of ~133 ms to ~100 ms (README).
"""

from __future__ import annotations

import gc

THRESHOLDS = (20_000, 20, 20)  # CPython's defaults: (700, 10, 10)


def tune_after_start() -> int:
    """Collect, freeze every object alive now, set :data:`THRESHOLDS`; returns how many
    objects were frozen."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
    return gc.get_freeze_count()
