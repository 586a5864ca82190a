"""The evaluator loop, started with the server (``app.py``'s lifespan) in every worker.

Every worker runs one :class:`AlertService`; exactly one of them leads (``data.alerts.leader``)
and the others wait, retrying every couple of seconds, to take over when the leader dies.
The leader:

- evaluates every enabled rule as soon as it leads (catching up on what happened meanwhile),
  then every ``SALA_ALERTAS_PERIODO`` seconds (the window rules);
- reads committed writes from the worker's hub (the same bus path as the screens' push) and
  evaluates the rules those datasets trigger right after each commit, coalescing bursts;
- marks "sin atender" the unacknowledged level ≥ 4 alerts every few seconds;
- drains the webhook outbox.

Blocking work (SQL, HTTP) runs in threads, so the worker's event loop keeps serving.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from core.config import Settings
from core.timeutil import utcnow
from data.alerts import engine as evaluator
from data.alerts import webhook
from data.alerts.leader import RENEW_S, Lock, lock_for
from data.bus import EventBus
from data.hub import Hub, Subscription, get_hub

log = logging.getLogger("sala.alerts")

TICK_S = 5.0  # escalation check
OUTBOX_S = 1.0  # webhook outbox drain
COALESCE_S = 0.05  # events arriving together are evaluated once


@dataclass
class Status:
    """What this worker's evaluator is doing (``GET /api/v1/alerts/evaluator``)."""

    state: str = "apagado"  # apagado | en_espera | evaluando
    lock: str = ""
    pid: int = field(default_factory=os.getpid)
    rounds: int = 0  # full rounds (all rules)
    event_evaluations: int = 0  # evaluations triggered by committed writes
    last_round_at: datetime | None = None
    last_round_s: float | None = None
    last_error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "lock": self.lock,
            "pid": self.pid,
            "rounds": self.rounds,
            "event_evaluations": self.event_evaluations,
            "last_round_at": self.last_round_at.isoformat() if self.last_round_at else None,
            "last_round_s": self.last_round_s,
            "last_error": self.last_error,
        }


_current: list[Status] = [Status()]


def status() -> Status:
    """This process's evaluator status (of the service started last)."""
    return _current[-1]


class AlertService:
    """One worker's evaluator: waits for leadership, then evaluates until it loses it."""

    def __init__(
        self,
        settings: Settings,
        engine: Engine,
        bus: EventBus | None = None,
        lock: Lock | None = None,
        clock: Callable[[], datetime] = utcnow,
        sender: webhook.Sender = webhook.post,
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.bus = bus
        self.lock = lock or lock_for(settings)
        self.clock = clock
        self.sender = sender
        self.status = Status(lock=self.lock.kind)
        self._task: asyncio.Task | None = None
        self._lost = asyncio.Event()

    def start(self) -> AlertService:
        self.status.state = "en_espera"
        _current.append(self.status)
        del _current[:-4]
        self._task = asyncio.create_task(self._run(), name="sala-alertas")
        return self

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None
        self.status.state = "apagado"

    async def _run(self) -> None:
        while True:
            try:
                got = await asyncio.to_thread(self.lock.acquire)
            except Exception:
                log.warning("no se pudo consultar el cerrojo de alertas", exc_info=True)
                got = False
            if not got:
                self.status.state = "en_espera"
                await asyncio.sleep(RENEW_S)
                continue
            log.info("evaluador de alertas: este proceso (%s) evalúa", os.getpid())
            self.status.state = "evaluando"
            try:
                await self._lead()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.status.last_error = f"{type(exc).__name__}: {exc}"
                log.exception("el evaluador de alertas falló; se reintenta")
                await asyncio.sleep(RENEW_S)
            finally:
                self.status.state = "en_espera"
                with contextlib.suppress(Exception):
                    await asyncio.to_thread(self.lock.release)

    async def _keep_lock(self) -> None:
        while True:
            await asyncio.sleep(RENEW_S)
            try:
                held = await asyncio.to_thread(self.lock.held)
            except Exception:
                held = False
            if not held:
                log.warning("evaluador de alertas: se perdió el cerrojo; otro proceso evaluará")
                self._lost.set()
                return

    async def _drain_outbox(self) -> None:
        while True:
            try:
                await asyncio.to_thread(
                    webhook.drain, self.engine, self.clock(), self.settings, self.sender
                )
            except Exception:
                log.exception("no se pudo vaciar la cola de webhooks")
            await asyncio.sleep(OUTBOX_S)

    async def _lead(self) -> None:
        self._lost.clear()
        hub: Hub = get_hub(self.bus)
        sub = await hub.subscribe()
        helpers = [
            asyncio.create_task(self._keep_lock(), name="sala-alertas-cerrojo"),
            asyncio.create_task(self._drain_outbox(), name="sala-alertas-webhooks"),
        ]
        loop = asyncio.get_running_loop()
        try:
            await self._round()
            next_round = loop.time() + self.settings.alert_period_s
            next_tick = loop.time() + TICK_S
            while not self._lost.is_set():
                wait = max(0.0, min(next_round, next_tick) - loop.time())
                items = await _next_items(sub, wait)
                if self._lost.is_set():
                    break
                if sub.overflowed:
                    sub.overflowed = False
                    sub.drain()
                    await self._evaluate(evaluator.event_rules())
                elif items:
                    datasets = {e.get("dataset") for _, e in items if e.get("type") == "ingest"}
                    slugs = evaluator.triggered_by(d for d in datasets if d)
                    if slugs:
                        await self._evaluate(slugs)
                now = loop.time()
                if now >= next_tick:
                    next_tick = now + TICK_S
                    await asyncio.to_thread(
                        evaluator.escalate, self.engine, self.clock(), self.settings
                    )
                if now >= next_round:
                    next_round = now + self.settings.alert_period_s
                    await self._round()
        finally:
            hub.unsubscribe(sub)
            for task in helpers:
                task.cancel()
            for task in helpers:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task

    async def _evaluate(self, slugs: set[str]) -> None:
        await asyncio.to_thread(evaluator.evaluate, self.engine, self.clock(), self.settings, slugs)
        self.status.event_evaluations += 1

    async def _round(self) -> None:
        """Every enabled rule, then escalation."""
        began = asyncio.get_running_loop().time()
        outcomes = await asyncio.to_thread(
            evaluator.evaluate, self.engine, self.clock(), self.settings
        )
        await asyncio.to_thread(evaluator.escalate, self.engine, self.clock(), self.settings)
        self.status.rounds += 1
        self.status.last_round_at = self.clock()
        self.status.last_round_s = round(asyncio.get_running_loop().time() - began, 3)
        errors = [f"{o.rule}: {o.error}" for o in outcomes if o.error]
        self.status.last_error = "; ".join(errors) or None


async def _next_items(sub: Subscription, timeout: float) -> list:
    """The events that arrived within ``timeout`` (a burst coalesced), or [] when none did."""
    try:
        async with asyncio.timeout(max(timeout, 0.001)):  # not wait_for: see data/hub.py
            first = await sub.queue.get()
    except TimeoutError:
        return []
    await asyncio.sleep(COALESCE_S)
    return [first, *sub.drain()]
