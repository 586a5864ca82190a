"""Query results shared by the tabs of one worker, reused only when provably fresh.

Many tabs receive the same pushed window at about the same moment and would each run the
same summary. A result computed *after* a window was produced already contains every event
of that window (events are published after their commit), so tabs reuse it instead of
querying again. Keys must include the caller's resolved territory, so scopes never mix.

Concurrent misses are computed once ("single flight"): a caller that finds a computation of
its key already running, started late enough for it, waits for that result instead of
running the same query again; so fifty screens of one scope refreshing after the same
pushed window cost one summary, not fifty. The same class backs the version-keyed page
cache (``data.queries.cache``) and the wall's rendered refreshes (``callbacks.muro``).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

MAX_ENTRIES = 256


class _Flight:
    """A computation in progress: when it started, and its result once done."""

    def __init__(self, started: float) -> None:
        self.started = started
        self.done = threading.Event()
        self.ok = False
        self.value: Any = None


class FreshCache:
    """``key -> (started_at, value)``, bounded, thread-safe (callbacks run in threads)."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._max = max_entries
        self._entries: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self._flights: dict[Hashable, _Flight] = {}
        self.hits = 0
        self.misses = 0  # computations run
        self.waiting = 0  # callers waiting for another's computation right now

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
        while True:
            with self._lock:
                entry = self._entries.get(key)
                if entry is not None and entry[0] >= not_before:
                    self._entries.move_to_end(key)  # least recently used goes first
                    self.hits += 1
                    return entry[1]
                flight = self._flights.get(key)
                if flight is None or flight.started < not_before:
                    # Nothing running that is fresh enough: this caller computes.
                    began = started if started is not None else time.time()
                    mine = self._flights[key] = _Flight(began)
                    self.misses += 1
                    break
                self.waiting += 1
            flight.done.wait()
            with self._lock:
                self.waiting -= 1
                if flight.ok:
                    self.hits += 1
                    return flight.value
            # It failed: go round again (compute it ourselves, or join a newer flight).
        try:
            mine.value = compute()
            mine.ok = True
        finally:
            with self._lock:
                if mine.ok:
                    current = self._entries.get(key)
                    if current is None or current[0] < mine.started:
                        self._entries[key] = (mine.started, mine.value)
                        self._entries.move_to_end(key)
                    while len(self._entries) > self._max:
                        self._entries.popitem(last=False)
                if self._flights.get(key) is mine:
                    del self._flights[key]
            mine.done.set()
        return mine.value

    def clear(self) -> None:
        """Forget every stored result (running computations finish and store theirs)."""
        with self._lock:
            self._entries.clear()


summaries = FreshCache()
