"""The per-worker hub: ONE bus reader per process, ONE coalescer, fanned out to every tab.

The reader task pulls batches from the bus in a thread (``bus.read`` blocks) and puts each
event on every :class:`Subscription` (an ``asyncio.Queue`` with a maximum size). Screens do
not coalesce on their own: they :meth:`Hub.listen` to the hub's windows. One coalescer per
hub cuts the events into :class:`Window` s (at most one per ``window_s``, a critical alert at
once) and hands the same object to every listener, so whatever is derived from a window for
one scope (the scope-filtered feed, its serialized message, the refresh it triggers) is
computed once per worker, not once per screen (:meth:`Window.once`).

A tab that falls so far behind that its queue fills is marked ``overflowed`` and reloads a
snapshot instead of growing memory without limit.

With Redis each worker reads the whole stream, so a tab on any worker gets every event.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Hashable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from core import metrics
from data.bus import Event, EventBus

log = logging.getLogger("sala.hub")

QUEUE_SIZE = 2_000  # events a tab may lag behind before it must reload a snapshot
RECENT_SIZE = 50  # last events kept per worker, to fill a fresh tab's ticker
CATCHUP_MAX = 2_000  # beyond this many missed events a reconnecting tab reloads instead
READ_TIMEOUT_S = 1.0
READ_LIMIT = 500
# Coalescing: the first event after a quiet spell leaves at once (leading edge); while events
# keep coming, one window per WINDOW_S (trailing edge). 0.1 s keeps an event's wait well under
# the 250 ms budget from API call to the wall while a screen gets at most 10 updates a
# second; its cost per window no longer grows with the screens (the wall's refresh is pushed
# once per window and scope, callbacks/muro.py), so shorter windows no longer multiply it.
WINDOW_S = 0.1
WINDOW_QUEUE_SIZE = 500  # windows a screen may lag behind before it must reload a snapshot

Item = tuple[str, Event]
T = TypeVar("T")
Q = TypeVar("Q")


def id_key(event_id: str | None) -> tuple[int, ...]:
    """Sortable key of a bus id: ``"42"`` (memory) or ``"1700000000000-3"`` (Redis)."""
    if not event_id:
        return (-1,)
    try:
        return tuple(int(part) for part in str(event_id).split("-"))
    except ValueError:
        return (-1,)


@dataclass(eq=False)
class Bounded(Generic[Q]):
    """A bounded queue that marks itself ``overflowed`` instead of growing without limit."""

    queue: asyncio.Queue[Q]
    start: str  # the position it was opened at: everything after it arrives on the queue
    overflowed: bool = False

    def offer(self, value: Q) -> None:
        try:
            self.queue.put_nowait(value)
        except asyncio.QueueFull:
            self.overflowed = True

    def drain(self) -> list[Q]:
        values: list[Q] = []
        while True:
            try:
                values.append(self.queue.get_nowait())
            except asyncio.QueueEmpty:
                return values


class Subscription(Bounded[Item]):
    """A raw reader of the hub (the coalescer, the alert evaluator): ``(id, event)`` items
    after the hub position it subscribed at."""


@dataclass(eq=False)
class Window:
    """One coalesced batch of events: the SAME object for every screen of this worker.

    ``at`` (epoch s) is when it was cut: every screen receives the same value, so the
    refreshes it triggers can share one result computed after it.
    """

    seq: int
    items: list[Item]
    at: float
    shared: dict[Hashable, Any] = field(default_factory=dict)
    computed: int = 0  # how many times once() ran a computation (tests count on it)

    @property
    def last_id(self) -> str:
        return self.items[-1][0]

    async def once_async(self, key: Hashable, compute: Callable[[], Awaitable[T]]) -> T:
        """:meth:`once` for a computation that awaits (a render in a thread): the first
        screen starts it, the others await the same task. A screen that goes away while
        waiting does not cancel it for the rest."""
        task = self.shared.get(key)
        if task is None:
            self.computed += 1
            task = self.shared[key] = asyncio.ensure_future(compute())
        return await asyncio.shield(task)

    def once(self, key: Hashable, compute: Callable[[], T]) -> T:
        """``compute()`` the first time ``key`` is asked for this window, then its result.

        Runs on the event loop (no await inside), so concurrent screens cannot both miss.
        Keys must include the scope the value was derived for: scopes never mix.
        """
        if key not in self.shared:
            self.computed += 1
            self.shared[key] = compute()
        return self.shared[key]


class Listener(Bounded[Window]):
    """One screen's view of the hub's windows (``start``: the hub's last delivered event
    when it began listening; the windows after it arrive)."""


@dataclass
class Hub:
    """Reads the bus once for this process and fans every event out to the subscriptions."""

    bus: EventBus
    queue_size: int = QUEUE_SIZE
    read_timeout_s: float = READ_TIMEOUT_S
    window_s: float = WINDOW_S
    position: str | None = None
    delivered: str | None = None  # last event id handed to the listeners in a window
    healthy: bool = True
    last_event_at: float | None = None  # time.time() of the last event read
    recent: deque[Item] = field(default_factory=lambda: deque(maxlen=RECENT_SIZE))
    _subs: set[Subscription] = field(default_factory=set)
    _listeners: set[Listener] = field(default_factory=set)
    _own: Subscription | None = None  # the coalescer's subscription (not a screen)
    _coalescer: asyncio.Task | None = None
    _task: asyncio.Task | None = None
    _ready: asyncio.Event | None = None
    _reader: ThreadPoolExecutor | None = None
    windows: int = 0  # windows cut so far
    # Per-scope state derived from the windows, kept by the screens' code (their tickers).
    scopes: dict[Hashable, Any] = field(default_factory=dict)

    @property
    def epoch(self) -> str:
        return getattr(self.bus, "epoch", self.bus.name)

    @property
    def subscribers(self) -> int:
        return len(self._subs) - (self._own is not None) + len(self._listeners)

    async def start(self) -> None:
        """Start the reader task (once) and wait until it knows the bus position."""
        if self._task is None or self._task.done():
            self._ready = asyncio.Event()
            self._task = asyncio.create_task(self._run(), name="sala-hub-reader")
        assert self._ready is not None
        await self._ready.wait()

    async def subscribe(self) -> Subscription:
        await self.start()
        sub = Subscription(asyncio.Queue(maxsize=self.queue_size), start=self.position or "0")
        self._subs.add(sub)
        metrics.PUSH_CONNECTIONS.inc()
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        if sub in self._subs:
            self._subs.discard(sub)
            metrics.PUSH_CONNECTIONS.dec()

    async def listen(self) -> Listener:
        """A screen's subscription to the shared windows (starts the coalescer once)."""
        await self.start()
        if self._coalescer is None or self._coalescer.done():
            self._own = Subscription(asyncio.Queue(maxsize=self.queue_size), self.position or "0")
            self._subs.add(self._own)
            self.delivered = self.position
            self._coalescer = asyncio.create_task(self._coalesce(self._own), name="sala-hub-win")
        listener = Listener(asyncio.Queue(maxsize=WINDOW_QUEUE_SIZE), self.delivered or "0")
        self._listeners.add(listener)
        metrics.PUSH_CONNECTIONS.inc()
        return listener

    def unlisten(self, listener: Listener) -> None:
        if listener in self._listeners:
            self._listeners.discard(listener)
            metrics.PUSH_CONNECTIONS.dec()

    def deliver(self, items: list[Item]) -> Window:
        """Cut one window of ``items`` and hand the same object to every listener."""
        self.windows += 1
        window = Window(self.windows, items, time.time())
        self.delivered = window.last_id
        for listener in self._listeners:
            listener.offer(window)
        return window

    async def _coalesce(self, sub: Subscription) -> None:
        """The hub's one coalescing loop: windows shared by every screen of the worker."""
        loop = asyncio.get_running_loop()
        last_flush = loop.time()
        while True:
            batch = await next_batch(sub, last_flush, self.window_s, idle_s=self.read_timeout_s)
            if sub.overflowed:  # the loop itself fell behind: every screen reloads
                sub.overflowed = False
                sub.drain()
                self.delivered = self.position
                for listener in self._listeners:
                    listener.overflowed = True
                continue
            if batch:
                self.deliver(batch)
                last_flush = loop.time()

    def fan_out(self, items: list[Item]) -> None:
        """Deliver a batch read from the bus to every subscription (runs on the loop)."""
        for item in items:
            self.recent.append(item)
            for sub in self._subs:
                sub.offer(item)
        if items:
            self.position = items[-1][0]
            self.last_event_at = time.time()
            for _event_id, event in items:
                lag = _age_s(event, self.last_event_at)
                if lag is not None:
                    metrics.BUS_LAG.observe(lag)

    async def _run(self) -> None:
        assert self._ready is not None
        delay = 0.5
        while self.position is None:
            try:
                self.position = await asyncio.to_thread(self.bus.last_id)
                self.healthy = True
            except Exception:
                self.healthy = False
                log.warning("bus no disponible; reintento en %.1f s", delay, exc_info=True)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)
        self._ready.set()
        delay = 0.5
        # The bus read blocks for up to read_timeout_s: it gets a thread of its own, never one
        # of the loop's default executor, where every request's principal lookup and
        # compression queue up (with 6 threads on 2 cores, a busy wall delayed the push).
        if self._reader is None:
            self._reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sala-hub-read")
        loop = asyncio.get_running_loop()
        while True:
            try:
                items = await loop.run_in_executor(
                    self._reader, self.bus.read, self.position, self.read_timeout_s, READ_LIMIT
                )
                self.healthy = True
                delay = 0.5
            except Exception:
                self.healthy = False
                log.warning("lectura del bus falló; reintento en %.1f s", delay, exc_info=True)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)
                continue
            self.fan_out(items)

    async def history(self, after: str, until: str) -> list[Item] | None:
        """Events in ``(after, until]`` read straight from the bus, for a reconnecting tab.

        ``None`` means "cannot replay exactly" (too many, or the bus no longer holds them):
        the tab then reloads a snapshot.
        """
        if id_key(after) >= id_key(until):
            return []
        out: list[Item] = []
        cursor = after
        while id_key(cursor) < id_key(until):
            batch = await asyncio.to_thread(self.bus.read, cursor, 0.01, READ_LIMIT)
            if not batch:
                return None  # the bus lost them (trimmed or restarted)
            if not out and _gap(after, batch[0][0]):
                return None
            for item in batch:
                if id_key(item[0]) <= id_key(until):
                    out.append(item)
            cursor = batch[-1][0]
            if len(out) > CATCHUP_MAX:
                return None
        return out

    async def close(self) -> None:
        for task in (self._coalescer, self._task):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        self._coalescer = self._task = None
        if self._reader is not None:
            self._reader.shutdown(wait=False)
            self._reader = None
        if self._own is not None:
            self._subs.discard(self._own)
            self._own = None


def _age_s(event: Event, now: float) -> float | None:
    """Seconds between an event's ``at`` (set by its publisher) and ``now``."""
    try:
        return max(0.0, now - datetime.fromisoformat(str(event["at"])).timestamp())
    except (KeyError, TypeError, ValueError):
        return None


def _gap(after: str, first: str) -> bool:
    """True when integer ids skip (the memory bus trimmed events the tab never saw)."""
    a, f = id_key(after), id_key(first)
    return len(a) == 1 and len(f) == 1 and f[0] > a[0] + 1


_hubs: dict[tuple[int, int], Hub] = {}


def get_hub(bus: EventBus | None = None) -> Hub:
    """This process's hub for the running event loop (one bus reader per worker)."""
    from data.bus import get_bus

    bus = bus or get_bus()
    key = (id(asyncio.get_running_loop()), id(bus))
    hub = _hubs.get(key)
    if hub is None:
        hub = _hubs[key] = Hub(bus)
    return hub


def recent_events() -> list[Item]:
    """The latest events this process's hubs read (any loop), oldest first: what a screen
    that changes territory shows at once instead of waiting for the next event there."""
    items = {event_id: event for hub in list(_hubs.values()) for event_id, event in hub.recent}
    return sorted(items.items(), key=lambda item: id_key(item[0]))


def urgent(item: Item) -> bool:
    """A critical alert change (level 5: the wall's banner), pushed without waiting."""
    event = item[1]
    return event.get("type") == "alert" and any(
        i.get("level") == 5 for i in event.get("items") or []
    )


async def next_batch(
    sub: Subscription, last_flush: float, window_s: float = WINDOW_S, idle_s: float = 3.0
) -> list[Item]:
    """Wait for events and return them coalesced; ``[]`` after ``idle_s`` of quiet.

    The first event after a quiet spell goes out at once; while events keep coming,
    at most one batch leaves per ``window_s``, except that a critical alert change
    (:func:`urgent`) leaves at once. Everything queued is drained, so no event (and no
    count) is lost however many arrive together.
    """
    loop = asyncio.get_running_loop()
    try:
        # Not asyncio.wait_for: on Python 3.11 it returns the item and swallows a
        # cancellation that arrives in the same turn (CPython gh-86296), so a stopped task
        # kept running and whoever awaited its end waited forever.
        async with asyncio.timeout(idle_s):
            first = await sub.queue.get()
    except TimeoutError:
        return []
    wait = last_flush + window_s - loop.time()
    if wait > 0 and not urgent(first):
        await asyncio.sleep(wait)
    return [first, *sub.drain()]


def event_ms(event: Event) -> int:
    """When ``event``'s write committed, in epoch ms (now when it does not say: a page
    treats an event of unknown time as newer than what it shows)."""
    try:
        at = datetime.fromisoformat(str(event["at"]))
    except (KeyError, ValueError):
        return int(time.time() * 1000)
    return int((at if at.tzinfo else at.replace(tzinfo=UTC)).timestamp() * 1000)


def summarize(items: list[Item], keep: int = 12) -> dict[str, Any]:
    """Coalesce events into one update: exact totals per dataset (``at_ms``: the newest
    write among them), the number of alert changes, the latest items (new and escalated
    alerts among them)."""
    datasets: dict[str, dict[str, int]] = {}
    latest: list[dict[str, Any]] = []
    alerts = 0  # alert changes (data.alerts.store): screens showing alerts re-read them
    for _event_id, event in items:
        if event.get("type") == "alert":
            for item in event.get("items") or []:
                alerts += 1
                if item.get("action") in ("abierta", "escalada"):  # the ticker shows news
                    latest.append({**item, "dataset": "alerts", "at": event.get("at")})
            continue
        if event.get("type") != "ingest":
            continue
        totals = datasets.setdefault(
            str(event.get("dataset")), {"events": 0, "received": 0, "inserted": 0, "updated": 0}
        )
        totals["events"] += 1
        for name in ("received", "inserted", "updated"):
            totals[name] += int(event.get(name) or 0)
        totals["at_ms"] = max(totals.get("at_ms", 0), event_ms(event))
        for item in event.get("items") or []:
            latest.append({**item, "dataset": event.get("dataset"), "at": event.get("at")})
    return {
        "events": len(items),
        "last_id": items[-1][0] if items else None,
        "datasets": datasets,
        "alerts": alerts,
        "items": latest[-keep:][::-1],
    }


def scoped(event: Event, ref: Any) -> Event | None:
    """The part of ``event`` a caller scoped to territory ``ref`` may see (None = nothing).

    National callers (``ref`` None) see everything. Otherwise the event must touch the
    caller's estado, only items inside the territory are kept, and batch totals (which may
    include other territories) are replaced by the count of visible items.
    """
    if ref is None:
        return event
    estado = ref.estado_code
    if estado and event.get("estados") is not None and estado not in event["estados"]:
        return None
    column = f"{ref.level}_code"
    items = [i for i in event.get("items") or [] if i.get(column) == ref.code]
    if not items:
        return None
    visible = {k: v for k, v in event.items() if k not in ("received", "inserted", "updated")}
    visible.update(items=items, received=len(items), inserted=0, updated=0)
    return visible
