"""The server's work per pushed event does not grow with the screens (issue 17, Push).

One coalescing window per worker, handed as the same object to every screen; the feed of a
scope computed and serialized once per window; one summary for all the refreshes a window
triggers. Behaviour only (counts and contents), never times.
"""

from __future__ import annotations

import asyncio
import json
import threading
from typing import Any

import janus
import pytest

import callbacks.live as live
from callbacks.live import TabPush, send_window, window_feed
from data.bus import MemoryBus
from data.hub import Hub, Window
from data.queries.shared import FreshCache
from data.scope import TerritoryRef
from tests.live.harness import ingest_event

ARAGUA = TerritoryRef("VE-A", "estado", "Aragua", "VE-A", None, None, None)
MIRANDA = TerritoryRef("VE-M", "estado", "Miranda", "VE-M", None, None, None)


class FakeSocket:
    """What ``send_window`` needs of Dash's websocket callback: its renderer and outbox."""

    def __init__(self) -> None:
        self._renderer_id = "renderer-" + str(id(self))
        self._queue: janus.Queue[str] | None = None
        self.is_shutdown = False

    def _get_outbound_queue(self) -> janus.Queue[str]:
        if self._queue is None:
            self._queue = janus.Queue()
        return self._queue

    def sent(self) -> list[dict[str, Any]]:
        out = []
        queue = self._get_outbound_queue()
        while not queue.sync_q.empty():
            out.append(json.loads(queue.sync_q.get_nowait()))
        return out


def feeds(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        m["payload"]["props"]["data"]
        for m in messages
        if m["payload"]["componentId"] == "live-feed"
    ]


def test_every_screen_gets_the_same_window_object() -> None:
    async def scenario() -> tuple[list[list[Window]], Hub]:
        bus = MemoryBus()
        hub = Hub(bus, read_timeout_s=0.05, window_s=0.05)
        listeners = [await hub.listen() for _ in range(5)]
        for k in range(30):
            bus.publish(ingest_event("VE-A", 1, prefix=f"{k}-"))
        received: list[list[Window]] = [[] for _ in listeners]
        while sum(len(w.items) for w in received[0]) < 30:
            for i, listener in enumerate(listeners):
                received[i].append(await listener.queue.get())
        await hub.close()
        return received, hub

    received, hub = asyncio.run(scenario())
    first = received[0]
    assert sum(len(w.items) for w in first) == 30  # no event lost however they were cut
    for other in received[1:]:
        assert [id(w) for w in other] == [id(w) for w in first]  # one object for all
    assert hub.windows == len(first)


def test_n_screens_of_one_scope_cost_one_feed_and_one_serialization(monkeypatch) -> None:
    summaries: list[int] = []
    dumps: list[int] = []
    real_summarize, real_json = live.summarize, live._json

    def counting_summarize(items, keep=12):
        summaries.append(len(items))
        return real_summarize(items, keep)

    def counting_json(value):
        if isinstance(value, dict) and "datasets" in value:  # a feed body
            dumps.append(1)
        return real_json(value)

    monkeypatch.setattr(live, "summarize", counting_summarize)
    monkeypatch.setattr(live, "_json", counting_json)
    hub = Hub(MemoryBus())
    aragua = [(TabPush(hub, ARAGUA), FakeSocket()) for _ in range(50)]
    miranda = [(TabPush(hub, MIRANDA), FakeSocket()) for _ in range(3)]
    national = [(TabPush(hub, None), FakeSocket())]
    window = hub.deliver([("1", ingest_event("VE-A", 2)), ("2", ingest_event("VE-M", 1))])

    for tab, ws in [*aragua, *miranda, *national]:
        send_window(tab, ws, window)

    # One feed computed and serialized per scope (3 scopes), not per screen (54).
    assert summaries == [1, 1, 2]  # events per scope: Aragua, Miranda, national
    assert len(dumps) == 3
    for tab, ws in aragua:
        (feed,) = feeds(ws.sent())
        assert [i["id"] for i in feed["items"]] == ["VE-A-1", "VE-A-0"]  # never Miranda's
        assert feed["total"] == 1 and feed["conn"] == tab.conn and feed["seq"] == 1
        assert feed["server_ms"] == int(window.at * 1000)  # the same for every screen
    for _tab, ws in miranda:
        (feed,) = feeds(ws.sent())
        assert [i["id"] for i in feed["items"]] == ["VE-M-0"]
        assert feed["datasets"]["cases"]["received"] == 1
    (feed,) = feeds(national[0][1].sent())
    assert feed["total"] == 2 and feed["datasets"]["cases"]["received"] == 3


def test_messages_are_dash_set_props_for_the_tab_renderer() -> None:
    hub = Hub(MemoryBus())
    tab, ws = TabPush(hub, MIRANDA), FakeSocket()
    send_window(tab, ws, hub.deliver([("7", ingest_event("VE-M", 1))]))
    sent = ws.sent()
    assert {m["type"] for m in sent} == {"set_props"}
    assert {m["rendererId"] for m in sent} == {ws._renderer_id}
    assert [m["payload"]["componentId"] for m in sent] == ["live-feed", "live-cursor", "live-beat"]
    assert sent[1]["payload"]["props"]["data"] == {"epoch": hub.epoch, "id": "7"}
    # right after: no beat again
    send_window(tab, ws, hub.deliver([("8", ingest_event("VE-M", 1))]))
    assert [m["payload"]["componentId"] for m in ws.sent()] == ["live-feed", "live-cursor"]


def test_a_screen_of_a_scope_without_news_gets_no_feed_but_keeps_its_cursor() -> None:
    hub = Hub(MemoryBus())
    tab, ws = TabPush(hub, MIRANDA), FakeSocket()
    send_window(tab, ws, hub.deliver([("1", ingest_event("VE-A", 4))]))
    sent = ws.sent()
    assert feeds(sent) == []  # nothing of Aragua reaches a Miranda screen
    assert [m["payload"]["componentId"] for m in sent] == ["live-cursor", "live-beat"]
    assert tab.total == 0


def test_the_scope_ticker_and_totals_carry_across_windows() -> None:
    hub = Hub(MemoryBus())
    screens = [(TabPush(hub, ARAGUA), FakeSocket()) for _ in range(3)]
    for k in range(20):
        window = hub.deliver([(str(k + 1), ingest_event("VE-A", 1, prefix=f"{k}-"))])
        for tab, ws in screens:
            send_window(tab, ws, window)
    for tab, ws in screens:
        last = feeds(ws.sent())[-1]
        assert last["total"] == 20 and last["seq"] == 20 and tab.total == 20
    # the scope's whole ticker, newest first, is what the server renders from
    shared = window_feed(window, ARAGUA)
    assert shared is not None and len(shared.items) == live.TICKER_SIZE
    assert [i["id"] for i in shared.items[:2]] == ["19-VE-A-0", "18-VE-A-0"]


def test_a_window_feed_carries_only_the_window_s_news() -> None:
    """Each window's feed brings its own ticker items (the tab keeps the rest: live-ticker),
    not the scope's last twelve again: that was most of the feed's bytes per window."""
    hub = Hub(MemoryBus())
    tab, ws = TabPush(hub, ARAGUA), FakeSocket()
    for k in range(20):
        window = hub.deliver([(str(k + 1), ingest_event("VE-A", 1, prefix=f"{k}-"))])
        send_window(tab, ws, window)
    sent = feeds(ws.sent())
    assert [[i["id"] for i in feed["items"]] for feed in sent[-2:]] == [
        ["18-VE-A-0"],
        ["19-VE-A-0"],
    ]
    assert all(feed["news"] for feed in sent)
    # a reconnection's catch-up or reload brings the tab's whole ticker, to replace its own
    reload = tab.feed([(str(k), ingest_event("VE-A", 1, prefix=f"r{k}-")) for k in range(30)], "30")
    assert len(reload["items"]) == live.TICKER_SIZE and not reload.get("news")


def test_a_new_screen_starts_after_the_last_window_it_did_not_get() -> None:
    async def scenario() -> tuple[str, list[str]]:
        bus = MemoryBus()
        hub = Hub(bus, read_timeout_s=0.05, window_s=0.01)
        first = await hub.listen()
        bus.publish(ingest_event("VE-A", 1, prefix="a"))
        await first.queue.get()
        late = await hub.listen()
        bus.publish(ingest_event("VE-A", 1, prefix="b"))
        window = await late.queue.get()
        await hub.close()
        return late.start, [i for i, _ in window.items]

    start, ids = asyncio.run(scenario())
    assert start == "1"  # what it missed before listening is replayed up to here...
    assert ids == ["2"]  # ...and its windows hold only what came after: nothing twice


def test_concurrent_refreshes_of_one_scope_run_one_summary() -> None:
    cache = FreshCache()
    release = threading.Event()
    calls: list[int] = []
    results: list[Any] = []

    def compute() -> dict:
        calls.append(1)
        release.wait(30)
        return {"open": 4}

    def screen() -> None:
        results.append(cache.get(("summary", "VE-A"), 100.0, compute, started=101.0))

    threads = [threading.Thread(target=screen) for _ in range(10)]
    for t in threads:
        t.start()
    deadline = threading.Event()
    for _ in range(3000):  # until the nine others wait for the first one's query
        if cache.waiting == 9:
            break
        deadline.wait(0.01)
    assert cache.waiting == 9
    release.set()
    for t in threads:
        t.join(30)
    assert calls == [1]  # one summary for ten screens
    assert results == [{"open": 4}] * 10


def test_a_running_summary_too_old_for_the_window_is_not_shared() -> None:
    cache = FreshCache()
    entered, release = threading.Event(), threading.Event()

    def old_query() -> str:
        entered.set()
        release.wait(30)
        return "old"

    older = threading.Thread(target=lambda: cache.get("k", 0.0, old_query, started=50.0))
    older.start()
    entered.wait(30)
    try:
        # Started before the window was cut (100): it may miss the window's events.
        assert cache.get("k", 100.0, lambda: "new", started=120.0) == "new"
        assert cache.waiting == 0
    finally:
        release.set()
        older.join(30)
    assert cache.get("k", 110.0, lambda: "again") == "new"  # the newer result was kept


def test_a_failed_summary_lets_the_waiting_screens_compute_their_own() -> None:
    cache = FreshCache()
    entered, release = threading.Event(), threading.Event()
    outcomes: list[Any] = []

    def failing() -> int:
        entered.set()
        release.wait(30)
        raise RuntimeError("base caída")

    def first() -> None:
        with pytest.raises(RuntimeError):
            cache.get("k", 0.0, failing)
        outcomes.append("failed")

    t = threading.Thread(target=first)
    t.start()
    entered.wait(30)
    waiter = threading.Thread(target=lambda: outcomes.append(cache.get("k", 0.0, lambda: 9)))
    waiter.start()
    for _ in range(3000):
        if cache.waiting == 1:
            break
        release.wait(0.01)
    release.set()
    t.join(30)
    waiter.join(30)
    assert sorted(map(str, outcomes)) == ["9", "failed"]


def test_the_push_does_not_wait_behind_a_busy_default_executor() -> None:
    """Requests resolve principals and compress bodies on the loop's default executor; the
    hub's blocking bus read must not queue behind them (a busy wall delayed every push)."""
    from concurrent.futures import ThreadPoolExecutor

    async def scenario() -> list[str]:
        loop = asyncio.get_running_loop()
        busy = ThreadPoolExecutor(max_workers=2)
        loop.set_default_executor(busy)
        bus = MemoryBus()
        hub = Hub(bus, read_timeout_s=0.05, window_s=0.01)
        listener = await hub.listen()
        release = threading.Event()
        blockers = [asyncio.to_thread(release.wait, 60) for _ in range(4)]  # all taken
        tasks = [asyncio.ensure_future(b) for b in blockers]
        await asyncio.sleep(0.3)  # the read in progress times out and asks for a thread again
        try:
            bus.publish(ingest_event("VE-A", 1))
            window = await asyncio.wait_for(listener.queue.get(), timeout=20)
        finally:
            release.set()
            await asyncio.gather(*tasks)
            await hub.close()
        return [i for i, _ in window.items]

    assert asyncio.run(scenario()) == ["1"]
