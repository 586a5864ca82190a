"""Live updates: the tab's persistent push loop and the safety-net poll.

Per tab, one persistent websocket callback listens to the worker's hub, resumes from the
tab's ``live-cursor`` (replaying what it missed, or reloading a snapshot), then pushes one
``live-feed`` update per coalesced window and a heartbeat when quiet. A page decides in the
browser whether ``live-feed`` / ``live-version`` concern it (``assets/refresh.js``), then
refreshes with its own (HTTP) callbacks: one query per window with news for it, not one per
event. The poll keeps pages correct where websockets fail.

The server's work per window does not grow with the screens: the hub cuts ONE window for
every tab of the worker, and the feed of a scope (filtered events, totals, the scope's
ticker, serialized to JSON) is computed once per window and scope (:meth:`Window.once`);
each tab only wraps it with its own sequence number, total and connection id. Every tab of
a window also carries the same ``server_ms``, so their refreshes share one summary.

A window's feed carries only that window's ticker items (``news``), not the scope's last
twelve: the tab keeps its ticker itself (``live-ticker``, ``salaLive.mergeTicker`` in
``assets/live.js``). With ~2 events per window that is a fifth of the bytes each tab's
connection compresses per window; the server keeps the full ticker for what it renders.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

from dash import Dash, Input, Output, State, ctx, no_update, set_props

from auth.principal import current_principal
from core.config import Settings
from data.db import session_scope
from data.hub import Hub, Item, Listener, Window, get_hub, id_key, scoped, summarize
from data.queries.live import data_versions, principal_ref
from data.scope import TerritoryRef
from layouts.live import TICKER_SIZE

log = logging.getLogger("sala.live")

MAX_SCOPES = 1_000  # tickers kept per hub (one per scope with a screen)
BEAT_S = 2.0  # heartbeat when quiet; assets/live.js shows "Reconectando…" after ~7 s


def _now_ms() -> int:
    return int(time.time() * 1000)


def _load_ref(territory_code: str | None) -> TerritoryRef | None:
    with session_scope() as session:
        return principal_ref(session, territory_code)


def _json(value: Any) -> str:
    return json.dumps(value, default=str, separators=(",", ":"), ensure_ascii=False)


def scope_key(ref: TerritoryRef | None) -> Hashable:
    """What a shared result is keyed by: the caller's resolved territory (None: national)."""
    return None if ref is None else (ref.level, ref.code)


def visible_items(items: list[Item], ref: TerritoryRef | None) -> list[Item]:
    """The events (or parts of them) a caller scoped to ``ref`` may see."""
    out = []
    for event_id, event in items:
        seen = scoped(event, ref)
        if seen is not None:
            out.append((event_id, seen))
    return out


@dataclass
class ScopeTicker:
    """The latest visible items of one scope, kept across the windows of one hub."""

    seq: int  # the last window folded in
    items: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=TICKER_SIZE))


@dataclass(frozen=True)
class SharedFeed:
    """A window's feed for one scope: counts, and the JSON of everything but the per-tab
    fields (``seq``, ``total``, ``conn``), serialized once for all the scope's tabs.

    ``items`` (the scope's whole ticker: the JSON has only the window's news) and
    ``alerts_only`` are what a page's pushed refresh
    (:data:`WINDOW_PUSHES`) derives its output from: the server's values, never a tab's.
    """

    events: int
    body: str  # a JSON object's members, without the braces
    items: tuple[dict[str, Any], ...] = ()
    alerts_only: bool = False  # alert changes and no data: the figures stay as they are


def scope_feed(hub: Hub, window: Window, ref: TerritoryRef | None) -> SharedFeed | None:
    """The feed of ``window`` for the screens of ``ref`` (None when nothing is visible).

    Called through ``window.once`` in window order: the scope's ticker is folded once per
    window; after a gap (no screen of the scope saw the previous window) it restarts from
    the worker's recent events, as a fresh tab's does.
    """
    key = scope_key(ref)
    if len(hub.scopes) > MAX_SCOPES:  # scopes whose screens left: start them again
        hub.scopes.clear()
    ticker = hub.scopes.get(key)
    if not isinstance(ticker, ScopeTicker) or ticker.seq != window.seq - 1:
        first = id_key(window.items[0][0])
        before = [item for item in hub.recent if id_key(item[0]) < first]
        ticker = hub.scopes[key] = ScopeTicker(window.seq - 1)
        seen = visible_items(before, ref)
        if seen:
            ticker.items.extend(reversed(summarize(seen, TICKER_SIZE)["items"]))
    ticker.seq = window.seq
    visible = visible_items(window.items, ref)
    if not visible:
        return None
    update = summarize(visible, keep=TICKER_SIZE)
    ticker.items.extend(reversed(update["items"]))
    body = {
        **update,  # its items: this window's only, newest first
        "news": True,  # the tab puts them in front of the ticker it keeps
        "last_id": window.last_id,
        "resync": False,
        "server_ms": int(window.at * 1000),
    }
    alerts_only = bool(update["alerts"]) and not update["datasets"]
    items = tuple(reversed(ticker.items))  # the scope's whole ticker, for the pushed renders
    return SharedFeed(update["events"], _json(body)[1:-1], items, alerts_only)


def window_feed(window: Window, ref: TerritoryRef | None) -> SharedFeed | None:
    """The feed ``window`` carried to the screens of ``ref`` (None: nothing visible, or no
    screen of that scope was sent the window)."""
    return window.shared.get(("feed", scope_key(ref)))


def set_props_message(renderer_id: str, component: str, data_json: str) -> str:
    """Dash's websocket ``set_props`` message for ``component.data``, around a value that is
    already JSON (the shared part is never serialized again per tab)."""
    return (
        f'{{"type":"set_props","rendererId":{_json(renderer_id)},"payload":'
        f'{{"componentId":{_json(component)},"props":{{"data":{data_json}}}}}}}'
    )


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
        self.pages: dict[str, Any] = {}  # what the pages' pushes keep per tab (WINDOW_PUSHES)

    def visible(self, items: list[Item]) -> list[Item]:
        return visible_items(items, self.ref)

    def window_messages(self, window: Window, renderer_id: str) -> list[str]:
        """This tab's messages for a shared window: the scope's feed (computed and serialized
        once per window and scope), the cursor (once per window) and, at most once per
        ``BEAT_S / 2``, a heartbeat (its bus state and last-event time feed the banners)."""
        shared = window.once(
            ("feed", scope_key(self.ref)), lambda: scope_feed(self.hub, window, self.ref)
        )
        out = []
        if shared is not None:
            self.seq += 1
            self.total += shared.events
            own = f'"seq":{self.seq},"total":{self.total},"conn":"{self.conn}"'
            out.append(set_props_message(renderer_id, "live-feed", f"{{{own},{shared.body}}}"))
        cursor = window.once(
            ("cursor",), lambda: _json({"epoch": self.hub.epoch, "id": window.last_id})
        )
        out.append(set_props_message(renderer_id, "live-cursor", cursor))
        if time.monotonic() - self.last_beat >= BEAT_S / 2:  # a feed already says "alive"
            out.append(set_props_message(renderer_id, "live-beat", _json(self.beat_data())))
            self.last_beat = time.monotonic()
        return out

    def feed(self, items: list[Item], last_id: str | None, resync: bool = False) -> dict:
        """The ``live-feed`` value for a reconnection's catch-up or reload: its items are the
        tab's whole ticker (no ``news``: the tab replaces the one it kept)."""
        update = summarize(items, keep=TICKER_SIZE)
        self.ticker.extend(reversed(update["items"]))
        self.seq += 1
        self.total += update["events"]
        return {
            **update,
            "items": list(reversed(self.ticker)),
            "last_id": last_id,
            "resync": resync,
            "refresh": True,  # not a window: pages whose refresh is pushed ask over HTTP
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

    def beat_data(self) -> dict[str, Any]:
        last = self.hub.last_event_at
        return {
            "t": _now_ms(),
            "bus": self.hub.healthy,
            "last_event_ms": int(last * 1000) if last else None,
            "conn": self.conn,
            "pid": os.getpid(),
            "total": self.total,
        }

    def beat(self) -> None:
        self.last_beat = time.monotonic()
        set_props("live-beat", {"data": self.beat_data()})


def send_raw(ws: Any, messages: list[str]) -> bool:
    """Queue pre-serialized messages on Dash's websocket sender (False: not possible here,
    the caller falls back to ``set_props``)."""
    outbox = getattr(ws, "_get_outbound_queue", None)
    queue = outbox() if outbox is not None else None
    if queue is None or not isinstance(getattr(ws, "_renderer_id", None), str):
        return False
    if not ws.is_shutdown:
        for message in messages:
            queue.sync_q.put_nowait(message)
    return True


_warned_fallback = False

#: What pages add to a tab's push after its windows (``callbacks.muro``: the wall's refresh,
#: rendered once per window, scope and view): ``await push(tab, ws, windows)`` returns the
#: tab's extra messages. Registered by the pages at start-up.
WindowPush = Callable[["TabPush", Any, list[Window]], Awaitable[list[str]]]
WINDOW_PUSHES: list[WindowPush] = []


def renderer_of(ws: Any) -> str:
    renderer = getattr(ws, "_renderer_id", "")
    return renderer if isinstance(renderer, str) else ""


def send_window(tab: TabPush, ws: Any, window: Window) -> None:
    """Push one shared window to a tab (its scope's part only)."""
    send_messages(ws, tab.window_messages(window, renderer_of(ws)))


async def send_pushes(tab: TabPush, ws: Any, windows: list[Window]) -> None:
    """The pages' extra messages for the windows just sent (:data:`WINDOW_PUSHES`)."""
    for push in WINDOW_PUSHES:
        messages = await push(tab, ws, windows)
        if messages:
            send_messages(ws, messages)


def send_messages(ws: Any, messages: list[str]) -> None:
    """Queue pre-serialized ``set_props`` messages on the tab's websocket."""
    if not send_raw(ws, messages):  # another Dash: the same values through set_props
        global _warned_fallback
        if not _warned_fallback:  # slower per tab: say so once (tests/live/test_dash_fast_path)
            _warned_fallback = True
            log.warning("websocket de Dash sin cola de salida: envío lento por set_props")
        for message in messages:
            payload = json.loads(message)["payload"]
            set_props(payload["componentId"], payload["props"])


async def resume(tab: TabPush, start: str, cursor: Any) -> None:
    """Catch up from the tab's cursor to ``start`` (where its windows begin), or reload a
    snapshot when that is impossible."""
    hub = tab.hub
    if isinstance(cursor, dict) and cursor.get("epoch") == hub.epoch and cursor.get("id"):
        missed = await hub.history(str(cursor["id"]), start)
        if missed is not None:
            tab.push(missed, start if missed else None)
            return
    # Fresh tab, server restarted (new epoch) or too far behind: reload everything.
    recent = [item for item in hub.recent if id_key(item[0]) <= id_key(start)]
    tab.ticker.clear()
    tab.push(recent, start, resync=True)


async def next_windows(listener: Listener, idle_s: float) -> list[Window]:
    """The windows waiting for this tab (``[]`` after ``idle_s`` of quiet)."""
    try:
        async with asyncio.timeout(idle_s):  # not wait_for: see data/hub.py next_batch
            first = await listener.queue.get()
    except TimeoutError:
        return []
    return [first, *listener.drain()]


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
    listener = await hub.listen()
    tab = TabPush(hub, ref)
    try:
        try:
            cursor = await ws.get_prop("live-cursor", "data", timeout=10)
        except TimeoutError:
            cursor = None  # no answer: reload a snapshot rather than guess
        await resume(tab, listener.start, cursor)
        while not ws.is_shutdown:
            windows = await next_windows(listener, BEAT_S)
            try:
                if listener.overflowed:  # fell too far behind: bounded memory, reload instead
                    listener.overflowed = False
                    listener.drain()
                    upto = hub.delivered or hub.position or "0"
                    recent = [i for i in hub.recent if id_key(i[0]) <= id_key(upto)]
                    tab.ticker.clear()
                    tab.push(recent, upto, resync=True)
                elif windows:
                    for window in windows:
                        send_window(tab, ws, window)
                    await send_pushes(tab, ws, windows)
                elif time.monotonic() - tab.last_beat >= BEAT_S:
                    tab.beat()
            except Exception:  # one bad event must not end a wall's feed for days
                log.exception("no se pudo enviar una actualización; se sigue")
                await asyncio.sleep(1)
    finally:
        hub.unlisten(listener)


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

    # The tab's ticker: a window's news in front of what it kept, a catch-up or reload as is.
    app.clientside_callback(
        "function(f,k){return window.salaLive.mergeTicker(f,k);}",
        Output("live-ticker", "data"),
        Input("live-feed", "data"),
        State("live-ticker", "data"),
        prevent_initial_call=True,
    )

    # The windows with alert changes (or a reload): the badge and the wall's alert list
    # redraw from these, so a window of data alone costs no HTTP request per tab for them.
    app.clientside_callback(
        "function(f){return (f && (f.alerts || f.resync)) ? f : window.dash_clientside.no_update;}",
        Output("live-alerts", "data"),
        Input("live-feed", "data"),
        prevent_initial_call=True,
    )

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
