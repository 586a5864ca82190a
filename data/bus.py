"""The event bus: every committed write is announced here so screens can update.

Two implementations share one small interface:
- :class:`RedisBus` (``REDIS_URL`` set): a Redis stream, so several workers and hosts see
  every event and a reconnecting reader resumes from the last id it saw;
- :class:`MemoryBus` (default): an in-process ring buffer with the same resume semantics,
  for the embedded single-process setup.

``read`` blocks, so async code calls it through ``asyncio.to_thread``.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections import deque
from functools import lru_cache
from typing import Any, Protocol

STREAM_KEY = "sala:events"
STREAM_MAXLEN = 100_000
MEMORY_MAXLEN = 10_000

Event = dict[str, Any]


class EventBus(Protocol):
    name: str
    epoch: str

    def publish(self, event: Event) -> str: ...

    def read(
        self, after: str | None, timeout_s: float = 1.0, limit: int = 500
    ) -> list[tuple[str, Event]]: ...

    def last_id(self) -> str: ...

    def health(self) -> str: ...


class MemoryBus:
    """In-process bus: a bounded buffer with increasing integer ids."""

    name = "memory"

    def __init__(self, maxlen: int = MEMORY_MAXLEN) -> None:
        # Ids restart at 1 with the process: a tab's saved position is only valid for
        # the same epoch (a restart means "reload a snapshot").
        self.epoch = f"memory:{uuid.uuid4().hex[:12]}"
        self._events: deque[tuple[int, Event]] = deque(maxlen=maxlen)
        self._next = 1
        self._cond = threading.Condition()

    def publish(self, event: Event) -> str:
        with self._cond:
            event_id = self._next
            self._next += 1
            self._events.append((event_id, event))
            self._cond.notify_all()
        return str(event_id)

    def last_id(self) -> str:
        with self._cond:
            return str(self._next - 1)

    def read(
        self, after: str | None, timeout_s: float = 1.0, limit: int = 500
    ) -> list[tuple[str, Event]]:
        with self._cond:
            start = int(after) if after not in (None, "$") else self._next - 1
            if self._next - 1 <= start:
                self._cond.wait(timeout_s)
            return [(str(i), e) for i, e in self._events if i > start][:limit]

    def health(self) -> str:
        return "disabled"


class RedisBus:
    """Redis stream bus; ids are Redis stream ids (``1700000000000-0``)."""

    name = "redis"

    def __init__(self, url: str, stream: str = STREAM_KEY) -> None:
        import redis

        self.stream = stream
        self.epoch = f"redis:{stream}"
        self._redis = redis.Redis.from_url(url, socket_timeout=10, socket_connect_timeout=3)

    def publish(self, event: Event) -> str:
        raw = json.dumps(event, default=str, separators=(",", ":"))
        event_id = self._redis.xadd(
            self.stream, {"data": raw}, maxlen=STREAM_MAXLEN, approximate=True
        )
        return event_id.decode() if isinstance(event_id, bytes) else str(event_id)

    def last_id(self) -> str:
        rows = self._redis.xrevrange(self.stream, count=1)
        if not rows:
            return "0-0"
        event_id = rows[0][0]
        return event_id.decode() if isinstance(event_id, bytes) else str(event_id)

    def read(
        self, after: str | None, timeout_s: float = 1.0, limit: int = 500
    ) -> list[tuple[str, Event]]:
        start = after if after not in (None, "") else "$"
        reply = self._redis.xread(
            {self.stream: start}, count=limit, block=max(1, int(timeout_s * 1000))
        )
        out: list[tuple[str, Event]] = []
        for _stream, entries in reply or []:
            for event_id, fields in entries:
                key = event_id.decode() if isinstance(event_id, bytes) else str(event_id)
                out.append((key, json.loads(fields[b"data"])))
        return out

    def health(self) -> str:
        try:
            self._redis.ping()
            return "ok"
        except Exception:
            return "down"


@lru_cache(maxsize=4)
def _bus_for(url: str | None, stream: str = STREAM_KEY) -> EventBus:
    return RedisBus(url, stream) if url else MemoryBus()


def get_bus() -> EventBus:
    """The process's bus for the configured ``REDIS_URL`` (stream ``SALA_BUS_STREAM``)."""
    from core.config import load_settings

    settings = load_settings()
    return _bus_for(settings.redis_url, settings.bus_stream)
