"""Query results shared by the tabs of one worker, reused only when provably fresh.

Many tabs receive the same pushed window at about the same moment and would each run the
same summary. A result computed *after* a window was produced already contains every event
of that window (events are published after their commit), so tabs reuse it instead of
querying again. Keys must include the caller's resolved territory, so scopes never mix.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

MAX_ENTRIES = 256


class FreshCache:
    """``key -> (started_at, value)``, bounded, thread-safe (callbacks run in threads)."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._max = max_entries
        self._entries: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(
        self,
        key: Hashable,
        not_before: float,
        compute: Callable[[], Any],
        started: float | None = None,
    ) -> Any:
        """The cached value if computed at or after ``not_before`` (epoch s), else compute.

        ``started``: when the caller's transaction began (defaults to now); pass it when the
        session already ran a query, since a snapshot can be older than ``compute()``.
        """
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry[0] >= not_before:
                self.hits += 1
                return entry[1]
            self.misses += 1
        started = started if started is not None else time.time()
        value = compute()
        with self._lock:
            current = self._entries.get(key)
            if current is None or current[0] < started:
                self._entries[key] = (started, value)
                self._entries.move_to_end(key)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)
        return value


summaries = FreshCache()
