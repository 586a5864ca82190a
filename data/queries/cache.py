"""A small in-process cache of page aggregates, keyed by the data versions they read.

A result is reused only while every dataset it depends on keeps the same version (one tiny
query, ``data.versions.current``) and within the same Caracas minute (relative windows such
as "last 24 h" move with the clock). Any write bumps a version, so a cached number is never
older than the data. Per worker process; bounded (LRU).
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
        with self._lock:
            if full_key in self._entries:
                self._entries.move_to_end(full_key)
                self.hits += 1
                return self._entries[full_key]
        value = compute()
        with self._lock:
            self.misses += 1
            self._entries[full_key] = value
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


PAGE_CACHE = VersionCache()
