"""The per-worker hub: fan-out, bounded queues, exact coalescing, catch-up, scope filter."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from data.bus import MemoryBus, RedisBus
from data.hub import Hub, id_key, next_batch, scoped, summarize
from data.scope import TerritoryRef
from tests.conftest import REDIS_URL


def ingest_event(n: int, dataset: str = "clap_deliveries", estado: str = "VE-A") -> dict:
    return {
        "type": "ingest",
        "dataset": dataset,
        "received": n,
        "inserted": n,
        "updated": 0,
        "unchanged": 0,
        "at": "2026-11-23T20:00:00+00:00",
        "estados": [estado],
        "items": [
            {"id": f"{dataset}-{estado}-{i}", "estado_code": estado, "municipio_code": None}
            for i in range(n)
        ],
    }


@pytest.fixture(params=["memory", "redis"])
def bus(request):
    if request.param == "memory":
        yield MemoryBus()
        return
    if not REDIS_URL:
        pytest.skip("Redis tests need SALA_TEST_REDIS")
    stream = f"sala:test:hub:{uuid.uuid4().hex[:8]}"
    redis_bus = RedisBus(REDIS_URL, stream)
    yield redis_bus
    redis_bus._redis.delete(stream)


async def wait_for(predicate, timeout: float = 5.0) -> None:
    for _ in range(int(timeout / 0.01)):
        if predicate():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition not reached")


def test_every_subscription_gets_every_event_in_order(bus) -> None:
    async def scenario() -> None:
        hub = Hub(bus, read_timeout_s=0.05)
        subs = [await hub.subscribe() for _ in range(3)]
        ids = [await asyncio.to_thread(bus.publish, ingest_event(1)) for _ in range(20)]
        await wait_for(lambda: all(s.queue.qsize() == 20 for s in subs))
        for sub in subs:
            assert [event_id for event_id, _ in sub.drain()] == ids
        assert hub.position == ids[-1]
        await hub.close()

    asyncio.run(scenario())


def test_queues_are_bounded_and_overflow_is_flagged() -> None:
    async def scenario() -> None:
        bus = MemoryBus()
        hub = Hub(bus, queue_size=5, read_timeout_s=0.05)
        slow, fast = await hub.subscribe(), await hub.subscribe()
        for _ in range(12):
            bus.publish(ingest_event(1))
        await wait_for(lambda: hub.position == "12")
        assert slow.queue.qsize() == 5 and slow.overflowed
        assert len(hub.recent) == 12  # the per-worker memory is bounded separately
        hub.unsubscribe(fast)
        assert hub.subscribers == 1
        await hub.close()

    asyncio.run(scenario())


def test_fifty_events_at_once_are_coalesced_without_losing_a_count() -> None:
    async def scenario() -> None:
        bus = MemoryBus()
        hub = Hub(bus, read_timeout_s=0.05)
        sub = await hub.subscribe()
        sizes = [(i % 7) + 1 for i in range(50)]
        for n in sizes:
            bus.publish(ingest_event(n, "cases" if n % 2 else "incidents"))
        loop = asyncio.get_running_loop()
        batches, seen = [], 0
        while seen < 50:
            batch = await next_batch(sub, loop.time(), window_s=0.05, idle_s=2)
            assert batch, "events were lost"
            batches.append(batch)
            seen += len(batch)
        assert seen == 50
        totals = [summarize(b)["datasets"] for b in batches]
        received = sum(t[d]["received"] for t in totals for d in t)
        events = sum(t[d]["events"] for t in totals for d in t)
        assert (received, events) == (sum(sizes), 50)
        odd = sum(n for n in sizes if n % 2)
        assert sum(t.get("cases", {}).get("inserted", 0) for t in totals) == odd
        assert len(batches) < 50  # coalesced: fewer updates than events
        await hub.close()

    asyncio.run(scenario())


def test_idle_window_returns_empty_for_heartbeats() -> None:
    async def scenario() -> None:
        hub = Hub(MemoryBus(), read_timeout_s=0.05)
        sub = await hub.subscribe()
        assert await next_batch(sub, 0.0, idle_s=0.05) == []
        await hub.close()

    asyncio.run(scenario())


def test_history_replays_exactly_what_a_tab_missed(bus) -> None:
    async def scenario() -> None:
        hub = Hub(bus, read_timeout_s=0.05)
        first = await asyncio.to_thread(bus.publish, ingest_event(1))
        missed = [await asyncio.to_thread(bus.publish, ingest_event(2)) for _ in range(7)]
        await hub.subscribe()
        replay = await hub.history(first, hub.position or "")
        assert replay is not None and [i for i, _ in replay] == missed
        assert await hub.history(hub.position or "", hub.position or "") == []
        await hub.close()

    asyncio.run(scenario())


def test_history_refuses_when_the_memory_bus_dropped_events() -> None:
    async def scenario() -> None:
        bus = MemoryBus(maxlen=5)
        for _ in range(10):
            bus.publish(ingest_event(1))
        hub = Hub(bus, read_timeout_s=0.05)
        await hub.subscribe()
        assert await hub.history("2", "10") is None  # 3..5 are gone: reload a snapshot
        assert [i for i, _ in await hub.history("6", "10")] == ["7", "8", "9", "10"]
        await hub.close()

    asyncio.run(scenario())


def test_ids_sort_numerically() -> None:
    assert id_key("10") > id_key("9")
    assert id_key("1700000000000-10") > id_key("1700000000000-9")
    assert id_key(None) < id_key("0")


def test_scope_filter_keeps_only_the_callers_territory() -> None:
    event = ingest_event(3, estado="VE-A")
    event["items"][0]["municipio_code"] = "VE-A-01"
    event["items"][1]["municipio_code"] = "VE-A-02"
    municipio = TerritoryRef("VE-A-01", "municipio", "Libertador", "VE-A", "VE-A-01", None, None)
    other_estado = TerritoryRef("VE-M", "estado", "Miranda", "VE-M", None, None, None)
    visible = scoped(event, municipio)
    assert visible is not None
    assert [i["id"] for i in visible["items"]] == [event["items"][0]["id"]]
    assert visible["received"] == 1
    assert scoped(event, other_estado) is None
    assert scoped(event, None) is event


def test_shared_results_are_reused_only_when_fresh_enough() -> None:
    from data.queries.shared import FreshCache

    cache = FreshCache(max_entries=2)
    calls: list[int] = []

    def compute() -> int:
        calls.append(1)
        return len(calls)

    assert cache.get("a", 100.0, compute, started=200.0) == 1
    assert cache.get("a", 150.0, compute) == 1  # computed after the window: reused
    assert cache.get("a", 250.0, compute, started=300.0) == 2  # older than the window
    cache.get("b", 0, compute)
    cache.get("c", 0, compute)
    assert len(cache._entries) == 2  # bounded
    assert (cache.hits, cache.misses) == (1, 4)


def test_a_window_computes_an_awaited_value_once_even_if_its_first_screen_leaves() -> None:
    async def scenario() -> tuple[list[str], int, str]:
        hub = Hub(MemoryBus())
        window = hub.deliver([("1", {"type": "ingest"})])
        gate = asyncio.Event()
        runs: list[str] = []

        async def render() -> str:
            runs.append("render")
            await gate.wait()
            return "wall"

        first = asyncio.create_task(window.once_async("k", render))
        others = [asyncio.create_task(window.once_async("k", render)) for _ in range(3)]
        await asyncio.sleep(0)
        first.cancel()  # that screen's websocket closed while it waited
        gate.set()
        values = await asyncio.gather(*others)
        return runs, window.computed, "".join(values)

    runs, computed, values = asyncio.run(scenario())
    assert runs == ["render"] and computed == 1
    assert values == "wall" * 3  # the others still got it
