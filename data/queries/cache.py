"""A small in-process cache of page aggregates, keyed by the data versions they read.

A result is reused only while every dataset it depends on keeps the same version (one tiny
query, ``data.versions.current``) and within the same Caracas minute (relative windows such
as "last 24 h" move with the clock). Any write bumps a version, so a cached number is never
older than the data. Per worker process; bounded (LRU).

Concurrent misses of one key are computed once ("single flight"): when fifty wall screens of
one scope ask for the same refresh after the same write, one of them runs the query and the
others wait for its result, so the server's work per event does not grow with the screens.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from data import versions

T = TypeVar("T")
MAX_ENTRIES = 256


class VersionCache:
    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._entries: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self._in_flight: dict[Hashable, threading.Event] = {}
        self.max_entries = max_entries
        self.hits = 0
        self.misses = 0

    def get_or_compute(
        self,
        session: Session,
        key: Hashable,
        datasets: Iterable[str],
        as_of: datetime,
        compute: Callable[[], T],
    ) -> T:
        current = versions.current(session)
        full_key = (
            key,
            tuple(sorted((d, current.get(d, 0)) for d in datasets)),
            as_of.replace(second=0, microsecond=0),
        )
        while True:
            with self._lock:
                if full_key in self._entries:
                    self._entries.move_to_end(full_key)
                    self.hits += 1
                    return self._entries[full_key]
                running = self._in_flight.get(full_key)
                if running is None:
                    done = self._in_flight[full_key] = threading.Event()
                    break
            # Another thread computes this key: wait for it, then read its result (or, if it
            # failed, compute it ourselves on the next turn of the loop).
            running.wait()
        try:
            value = compute()
            with self._lock:
                self.misses += 1
                self._entries[full_key] = value
                while len(self._entries) > self.max_entries:
                    self._entries.popitem(last=False)
            return value
        finally:
            with self._lock:
                self._in_flight.pop(full_key, None)
            done.set()

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


PAGE_CACHE = VersionCache()
