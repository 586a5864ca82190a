"""A task waiting for events must stop when cancelled, even if an event arrives in the same
turn of the loop.

On Python 3.11 ``asyncio.wait_for`` returns the item and swallows the cancellation when both
happen together (CPython gh-86296): the alert evaluator then kept running after ``stop()``
and whoever awaited it (a test, a server shutting down) waited forever.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from callbacks.live import next_windows
from data.alerts.service import _next_items
from data.hub import Listener, Subscription, next_batch


def _sub() -> Subscription:
    return Subscription(asyncio.Queue(), start="0")


def _listener() -> Listener:
    return Listener(asyncio.Queue(), start="0")


WAITS: dict[str, tuple[Callable[[], object], Callable[[object], Awaitable[object]]]] = {
    "evaluador de alertas": (_sub, lambda s: _next_items(s, 60.0)),
    "ventanas del hub": (_sub, lambda s: next_batch(s, 0.0, window_s=0.0, idle_s=60.0)),
    "pestaña": (_listener, lambda s: next_windows(s, 60.0)),
}


@pytest.mark.parametrize("turns", [0, 1, 2, 3])
@pytest.mark.parametrize("name", list(WAITS))
def test_a_wait_cancelled_as_its_event_arrives_is_cancelled(name: str, turns: int) -> None:
    make, wait = WAITS[name]

    async def scenario() -> bool:
        source = make()
        task = asyncio.create_task(wait(source))
        for _ in range(3):  # the task is now parked on the queue
            await asyncio.sleep(0)
        source.queue.put_nowait(("1-0", {"type": "ingest"}))
        for _ in range(turns):  # the item is on its way to the waiter: cancel now
            await asyncio.sleep(0)
        if not task.cancel():
            return True  # it had already returned the event: nothing was swallowed
        try:
            await asyncio.wait_for(asyncio.shield(task), timeout=2)
        except asyncio.CancelledError:
            return True
        except TimeoutError:
            task.cancel()
            return False
        return task.cancelled()

    assert asyncio.run(scenario()), f"{name}: la cancelación se perdió"
