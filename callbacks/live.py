"""Live updates: the tab's persistent push loop and the safety-net poll.

Per tab, one persistent websocket callback subscribes to the worker's hub, resumes from the
tab's ``live-cursor`` (replaying what it missed, or reloading a snapshot), then pushes one
coalesced ``live-feed`` update per ~250 ms window and a heartbeat when quiet. Pages refresh
from ``live-feed`` / ``live-version`` with their own (HTTP) callbacks, so each page runs one
query per window, not one per event. The poll keeps pages correct where websockets fail.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
import uuid
from collections import deque
from typing import Any

from dash import Dash, Input, Output, State, ctx, no_update, set_props

from auth.principal import current_principal
from core.config import Settings
from data.db import session_scope
from data.hub import Hub, Item, Subscription, get_hub, id_key, next_batch, scoped, summarize
from data.queries.live import data_versions, principal_ref
from data.scope import TerritoryRef
from layouts.live import TICKER_SIZE

log = logging.getLogger("sala.live")

WINDOW_S = 0.25  # coalescing window: at most 4 updates a second per tab
BEAT_S = 2.0  # heartbeat when quiet; assets/live.js shows "Reconectando…" after ~7 s


def _now_ms() -> int:
    return int(time.time() * 1000)


def _load_ref(territory_code: str | None) -> TerritoryRef | None:
    with session_scope() as session:
        return principal_ref(session, territory_code)


class TabPush:
    """The state of one tab's push loop: its scope, ticker and sequence number."""

    def __init__(self, hub: Hub, ref: TerritoryRef | None) -> None:
        self.hub = hub
        self.ref = ref
        self.conn = uuid.uuid4().hex[:8]
        self.seq = 0
        self.total = 0  # visible events pushed on this connection (survives skipped updates)
        self.ticker: deque[dict[str, Any]] = deque(maxlen=TICKER_SIZE)
        self.last_beat = 0.0

    def visible(self, items: list[Item]) -> list[Item]:
        out = []
        for event_id, event in items:
            seen = scoped(event, self.ref)
            if seen is not None:
                out.append((event_id, seen))
        return out

    def feed(self, items: list[Item], last_id: str | None, resync: bool = False) -> dict:
        """The ``live-feed`` value for a window of already scope-filtered events."""
        update = summarize(items, keep=TICKER_SIZE)
        self.ticker.extend(reversed(update["items"]))
        self.seq += 1
        self.total += update["events"]
        return {
            **update,
            "items": list(reversed(self.ticker)),
            "last_id": last_id,
            "resync": resync,
            "seq": self.seq,
            "total": self.total,
            "conn": self.conn,
            "server_ms": _now_ms(),
        }

    def push(self, items: list[Item], last_id: str | None, resync: bool = False) -> None:
        visible = self.visible(items)
        if visible or resync:
            set_props("live-feed", {"data": self.feed(visible, last_id, resync)})
        if last_id:
            set_props("live-cursor", {"data": {"epoch": self.hub.epoch, "id": last_id}})
        self.beat()

    def beat(self) -> None:
        self.last_beat = time.monotonic()
        last = self.hub.last_event_at
        set_props(
            "live-beat",
            {
                "data": {
                    "t": _now_ms(),
                    "bus": self.hub.healthy,
                    "last_event_ms": int(last * 1000) if last else None,
                    "conn": self.conn,
                    "pid": os.getpid(),
                    "total": self.total,
                }
            },
        )


async def resume(tab: TabPush, sub: Subscription, cursor: Any) -> None:
    """Catch up from the tab's cursor, or reload a snapshot when that is impossible."""
    hub = tab.hub
    if isinstance(cursor, dict) and cursor.get("epoch") == hub.epoch and cursor.get("id"):
        missed = await hub.history(str(cursor["id"]), sub.start)
        if missed is not None:
            tab.push(missed, sub.start if missed else None)
            return
    # Fresh tab, server restarted (new epoch) or too far behind: reload everything.
    recent = [item for item in hub.recent if id_key(item[0]) <= id_key(sub.start)]
    tab.ticker.clear()
    tab.push(recent, sub.start, resync=True)


async def push_loop() -> None:
    """One tab's live feed; cancelled by Dash when the websocket closes."""
    ws = ctx.websocket
    if ws is None:  # no websocket (old browser, proxy): the poll keeps the page correct
        return
    principal = current_principal()
    try:
        ref = await asyncio.to_thread(_load_ref, principal.territory_code)
    except Exception:
        log.warning("territorio del usuario %s no encontrado", principal.username)
        return
    hub = get_hub()
    sub = await hub.subscribe()
    tab = TabPush(hub, ref)
    loop = asyncio.get_running_loop()
    try:
        try:
            cursor = await ws.get_prop("live-cursor", "data", timeout=10)
        except TimeoutError:
            cursor = None  # no answer: reload a snapshot rather than guess
        await resume(tab, sub, cursor)
        last_flush = loop.time()
        while not ws.is_shutdown:
            batch = await next_batch(sub, last_flush, WINDOW_S, BEAT_S)
            try:
                if sub.overflowed:  # fell too far behind: bounded memory, reload instead
                    sub.overflowed = False
                    sub.drain()
                    tab.ticker.clear()
                    tab.push(list(hub.recent), hub.position, resync=True)
                elif batch:
                    tab.push(batch, batch[-1][0])
                    last_flush = loop.time()
                elif time.monotonic() - tab.last_beat >= BEAT_S:
                    tab.beat()
            except Exception:  # one bad event must not end a wall's feed for days
                log.exception("no se pudo enviar una actualización; se sigue")
                await asyncio.sleep(1)
    finally:
        hub.unsubscribe(sub)


def _versions() -> dict[str, int]:
    """The data versions of the caller's scope (never national counters for a scoped one)."""
    with session_scope() as session:
        return data_versions(session, current_principal().territory_code)


def register(app: Dash, settings: Settings) -> None:
    app.callback(websocket=True, persistent=True)(push_loop)

    @app.callback(
        Output("live-version", "data"),
        Output("live-poll-ok", "data"),
        Input("live-poll", "n_intervals"),
        State("live-version", "data"),
        prevent_initial_call=True,
    )
    def poll(_n: int | None, seen: dict | None):
        """Safety net: when the data versions moved, pages refresh (websocket or not)."""
        current = _versions()
        ok = {"t": _now_ms()}
        return (no_update if current == seen else current), ok

    for store, attr in (
        ("live-beat", "data-beat"),
        ("live-feed", "data-feed"),
        ("live-poll-ok", "data-poll"),
    ):
        app.clientside_callback(
            f"function(d){{return window.salaLive ? window.salaLive.seen('{store}', d) : '';}}",
            Output("live-banner", attr),
            Input(store, "data"),
            prevent_initial_call=True,
        )
