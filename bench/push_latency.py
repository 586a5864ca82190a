"""Push latency: ingestion API call → screen update, with 1, 10 and 50 connected clients.

For each client count the bench posts a burst of events through ``POST /api/v1/ingest/cases``
(one record per call, so one bus event per call, sequential calls as fast as the API answers)
and measures, per event, the time from the start of its API call to the update on the client:

- **tabs** (headless Chromium, one browser, N tabs on ``/muro``): the moment the DOM value of
  ``[data-kpi="cases.open"]`` first reaches the count that includes the event (a
  MutationObserver records it in the page), i.e. push + coalescing + the wall's refresh
  callback (summary query) + render;
- **ws** (lightweight websocket clients speaking Dash's websocket protocol): the moment a
  ``live-feed`` update that covers the event arrives. Used for 50 clients because 50 Chromium
  tabs do not fit on a 2-core machine next to the server; it measures the push path up to
  the socket (no render, no refresh query).

It also prints the server's RSS growth per connected client (RSS after connecting minus
before, divided by N: the first screens also pay for what the server grows once, its caches
and allocator arenas), its steady-state cost ("RSS marginal": N more clients connected after
the burst, through a short burst of their own; for tabs only with ``--marginal``, which
doubles the browsers) and the server's CPU time per event during the burst (user + system
of the uvicorn process, from the first API call to 5 s after the last), so one can see
whether the server's work per event grows with the number of screens.

The browsers run at a lower priority (``--nice 19``) and hold at most ``--tabs-per-browser``
tabs each, so Chromium does not starve the server it measures on a small machine.
``--ws-clients`` adds runs of lightweight websocket clients (e.g. 1,10,50) whose CPU per
event is comparable across counts (push only: no render, no refresh).

``--ws-refresh`` makes those websocket clients behave like ``/muro`` tabs on the server's
side: after each ``live-feed`` update each asks the wall's KPI refresh over HTTP (the same
``_dash-update-component`` request as the browser, for the default panels; while one is
running, only the latest feed is asked for next), and the report adds the time from the API
call to the refresh answer whose ``cases.open`` includes the event. Its CPU per event then
counts the refreshes of N screens, without Chromium's own cost on the machine.

When the server pushes the wall's refresh over the websocket (``muro-pushed``, the wall
refresh callback then no longer listens to ``live-feed``), the ``--ws-refresh`` clients do
what a ``/muro`` tab does there: they answer the server's question for their view
(``muro-view``, taken from their first HTTP refresh, with the pushed refresh they applied
last) and read ``cases.open`` from the pushed outputs they apply, with no HTTP request per
window.

The websocket clients also count the bytes they receive off the socket (after
permessage-deflate, when negotiated), per event and screen; ``--deflate si,no`` sets uvicorn's
permessage-deflate per server (before, after), to measure what it costs and saves.

``--antes DIR`` also serves the checkout in ``DIR`` (e.g. a worktree of main) on a copy of the
same database and runs every client count against both, one after the other, so the before
and after figures come from the same run.

Run: ``python -m bench.push_latency [--events 500] [--clients 1,10,50] [--ws-clients 1,10,50]
[--ws-refresh] [--rate 20]``. ``--rate`` posts at a steady rate instead of as fast as the
API answers: a saturated server slows the burst, which changes how many events share a
window, so compare CPU per event at the same rate.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

from plotly.utils import PlotlyJSONEncoder as PlotlyJSON

from core.config import ROOT
from core.timeutil import utcnow
from data.db import make_engine
from data.migrate import upgrade
from data.seed import seed_database
from tests.live.harness import wait_until
from tests.server import CHROMEDRIVER, chrome_options, start_server

UNTHROTTLED = (
    "--disable-background-timer-throttling",
    "--disable-renderer-backgrounding",
    "--disable-backgrounding-occluded-windows",
)
CONSEJO_SQL = "SELECT code FROM territory WHERE level = 'consejo_comunal' ORDER BY code LIMIT 1"


def rss_kb(pid: int) -> int:
    """Resident memory of ``pid`` and its children (uvicorn may fork a worker)."""
    total = 0
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    for p in pids:
        for line in Path(f"/proc/{p}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total


def cpu_s(pid: int) -> float:
    """CPU seconds (user + system) used so far by ``pid``."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load_average() -> str:
    """The 1/5/15-minute load average, printed beside every figure."""
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def niced_chromedriver(tmp: Path, niceness: int) -> str:
    """A chromedriver wrapper started with ``nice``: the browsers it launches inherit it."""
    if niceness <= 0:
        return CHROMEDRIVER
    wrapper = tmp / "chromedriver-nice"
    wrapper.write_text(f'#!/bin/sh\nexec nice -n {niceness} {CHROMEDRIVER} "$@"\n')
    wrapper.chmod(0o755)
    return str(wrapper)


def tasks_under(root: int) -> list[int]:
    """Every thread of ``root`` and of its descendants (Linux ``/proc``)."""
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        try:
            tids = [int(t.name) for t in Path(f"/proc/{pid}/task").iterdir()]
        except OSError:
            continue
        out += tids
        for tid in tids:
            with contextlib.suppress(OSError):
                todo += [
                    int(c) for c in Path(f"/proc/{pid}/task/{tid}/children").read_text().split()
                ]
    return out


class Renicer(threading.Thread):
    """Keeps the browsers at ``niceness``: Chromium run as root sets its own priorities (its
    browser and GPU processes at -8, above the server), so ``nice`` at launch is not enough."""

    def __init__(self, niceness: int) -> None:
        super().__init__(daemon=True)
        self.niceness, self.roots, self.halt = niceness, [], threading.Event()

    def run(self) -> None:
        while not self.halt.wait(0.3):
            for root in list(self.roots):
                for tid in tasks_under(root):
                    with contextlib.suppress(OSError):
                        if os.getpriority(os.PRIO_PROCESS, tid) != self.niceness:
                            os.setpriority(os.PRIO_PROCESS, tid, self.niceness)


RENICER: Renicer | None = None


def new_browser(tmp: Path, driver_path: str):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = chrome_options(tmp / f"profile-{uuid.uuid4().hex[:8]}", 1920, 1080, UNTHROTTLED)
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    if RENICER is not None:
        RENICER.roots.append(driver.service.process.pid)
    driver.set_script_timeout(180)  # a browser at nice 19 on a busy machine answers slowly
    driver.set_page_load_timeout(180)
    return driver


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


class Poster:
    """Posts one case per API call and remembers when each call started."""

    def __init__(self, url: str, token: str, consejo: str, rate_limit: float = 0) -> None:
        self.url, self.token, self.consejo = url, token, consejo
        self.rate_limit = rate_limit  # events per second (0: as fast as the API answers)
        self.started: list[float] = []

    def rate(self) -> float:
        """Events per second of the last burst."""
        span = self.started[-1] - self.started[0] if len(self.started) > 1 else 0
        return (len(self.started) - 1) / span if span else 0.0

    def post(self, n: int) -> None:
        first = time.monotonic()
        for k in range(n):
            if self.rate_limit:  # a steady rate: both sides of a comparison get the same load
                ahead = first + k / self.rate_limit - time.monotonic()
                if ahead > 0:
                    time.sleep(ahead)
            now = utcnow().isoformat()
            record = {
                "id": f"bench-{uuid.uuid4().hex[:12]}",
                "territory_code": self.consejo,
                "category": "agua",
                "status": "recibido",
                "reported_at": now,
                "updated_at": now,
            }
            request = urllib.request.Request(
                f"{self.url}/api/v1/ingest/cases",
                data=json.dumps([record]).encode(),
                headers={
                    "Authorization": f"Bearer {self.token}",
                    "Content-Type": "application/json",
                },
                method="POST",
            )
            self.started.append(time.time())
            with urllib.request.urlopen(request, timeout=60) as response:
                response.read()


# -- Chromium tabs ------------------------------------------------------------------------

OBSERVER_JS = """
window.__benchLog = [];
const seen = () => {
  const e = document.querySelector('[data-kpi="cases.open"]');
  if (e) { window.__benchLog.push([Date.now(), Number(e.getAttribute('data-value'))]); }
};
window.__benchFeed = []; window.__benchTotal = null;
const __seen = window.salaLive.seen;
window.salaLive.seen = function (store, data) {
  if (store === 'live-feed' && data) {
    if (window.__benchTotal === null) { window.__benchTotal = data.total; }
    window.__benchFeed.push([Date.now(), data.total]);
  }
  return __seen(store, data);
};
new MutationObserver(seen).observe(document.body, {subtree: true, attributes: true,
  attributeFilter: ['data-value'], childList: true});
"""


Tab = tuple[Any, str]  # (driver, window handle)


def tab_latencies(
    tabs: list[Tab], base: int, started: list[float], totals: dict[str, int]
) -> tuple[list[float], list[float]]:
    """Per event and tab: API call start → DOM value, and → arrival of the pushed update."""
    dom: list[float] = []
    push: list[float] = []
    for driver, handle in tabs:
        driver.switch_to.window(handle)
        log = driver.execute_script("return window.__benchLog;") or []
        feed = driver.execute_script("return window.__benchFeed;") or []
        before = totals.get(handle) or 0
        for k, t0 in enumerate(started, start=1):
            hit = next((t for t, v in log if v >= base + k), None)
            if hit is not None:
                dom.append(hit / 1000 - t0)
            hit = next((t for t, c in feed if c >= before + k), None)
            if hit is not None:
                push.append(hit / 1000 - t0)
    return dom, push


def run_tabs(
    server_url: str, n: int, poster: Poster, events: int, pid: int, tmp: Path, opts: Any
) -> dict:
    # Every tab stands for a screen on the wall: none may be throttled as a background tab.
    driver_path = niced_chromedriver(tmp, opts.nice)
    per = max(1, opts.tabs_per_browser)
    drivers = [new_browser(tmp, driver_path) for _ in range((n + per - 1) // per)]

    def open_tabs(browsers: list[Any]) -> list[Tab]:
        """``n`` walls, ``per`` tabs to a browser, each connected and observed."""
        opened: list[Tab] = []
        for i in range(n):
            driver = browsers[i // per]
            if i % per:
                driver.switch_to.new_window("tab")
            driver.get(f"{server_url}/muro")
            opened.append((driver, driver.current_window_handle))
        for driver, handle in opened:
            driver.switch_to.window(handle)
            wait_until(
                lambda d=driver: d.execute_script(
                    "return window.salaLive && window.salaLive.state.everBeat"
                ),
                60,
                "pestaña conectada",
            )
            driver.execute_script(OBSERVER_JS)
        return opened

    try:
        rss0 = rss_kb(pid)
        tabs = open_tabs(drivers)
        time.sleep(3)
        rss1 = rss_kb(pid)
        driver, handle = tabs[0]
        driver.switch_to.window(handle)
        base = int(
            driver.execute_script(
                "return document.querySelector('[data-kpi=\"cases.open\"]').getAttribute('data-value')"
            )
        )
        totals = {}
        for driver, handle in tabs:  # events pushed to each tab before the burst
            driver.switch_to.window(handle)
            totals[handle] = driver.execute_script(
                "const f = window.__benchFeed, b = window.salaLive.state.beat || {};"
                "return Math.max(f.length ? f[f.length - 1][1] : 0, b.total || 0);"
            )
        poster.started = []
        cpu0 = cpu_s(pid)
        poster.post(events)
        time.sleep(5)
        cpu = cpu_s(pid) - cpu0
        lat, push = tab_latencies(tabs, base, poster.started, totals)
        result = {
            "latencies": lat,
            "push": push,
            "expected": n * events,
            "rss_per_client_kb": (rss1 - rss0) / n,
            "cpu_ms_per_event": cpu * 1000 / events,
        }
        if opts.marginal:  # steady state: n more walls after the burst, through a short one
            first_started = list(poster.started)
            rss2 = rss_kb(pid)
            more = [new_browser(tmp, driver_path) for _ in range((n + per - 1) // per)]
            drivers.extend(more)
            open_tabs(more)
            poster.started = []
            poster.post(min(events, 20))
            time.sleep(5)
            result["rss_marginal_kb"] = (rss_kb(pid) - rss2) / n
            poster.started = first_started
        return result
    finally:
        for driver in drivers:
            driver.quit()


# -- lightweight websocket clients -------------------------------------------------------


def find_kpi(value: Any, field: str) -> int | None:
    """The ``data-value`` of the ``data-kpi=field`` element in a Dash response, if any."""
    if isinstance(value, dict):
        props = value.get("props")
        if isinstance(props, dict) and props.get("data-kpi") == field:
            raw = props.get("data-value")
            return int(float(raw)) if raw not in (None, "") else None
        for child in value.values():
            found = find_kpi(child, field)
            if found is not None:
                return found
    elif isinstance(value, list):
        for child in value:
            found = find_kpi(child, field)
            if found is not None:
                return found
    return None


GRID_TRIGGERS = ("muro-grid", "muro-built")


class WallRefresh:
    """The wall's KPI refresh request of a ``/muro`` tab showing the default panels."""

    def __init__(self, deps: list[dict[str, Any]]) -> None:
        from layouts import muro

        dep = next(
            d
            for d in deps
            if "muro-body" in d["output"]
            and any(i["id"] in GRID_TRIGGERS for i in d.get("inputs", []))
        )
        self.output = dep["output"]
        # what says a step's grid is in place (its children before, a small store since)
        first = dep["inputs"][0]
        self.trigger = (first["id"], first["property"])
        # pushed: windows refresh over the websocket; HTTP only for the grid (and catch-up)
        self.pushed = any(i["id"] == "muro-feed" for i in dep["inputs"])
        self.states = [(s["id"], s["property"]) for s in dep.get("state", [])]
        grid = json.dumps(muro.grid(list(muro.DEFAULT_PANELS), "none", ""), cls=PlotlyJSON)
        ids = [m for m in _ids(json.loads(grid)) if m.get("type") in ("muro-body", "muro-fresh")]
        self.bodies = [i["index"] for i in ids if i["type"] == "muro-body"]
        self.fresh = [i["index"] for i in ids if i["type"] == "muro-fresh"]
        self.config = {"steps": [{"territory": None, "panels": list(muro.DEFAULT_PANELS)}]}

    def specs(self) -> list[Any]:
        """The refresh's outputs, in the order of the pushed refresh's ``outputs``."""

        def pattern(kind: str, indices: list[int], prop: str) -> list[dict[str, Any]]:
            return [{"id": {"type": kind, "index": i}, "property": prop} for i in indices]

        return [
            pattern("muro-body", self.bodies, "children"),
            pattern("muro-body", self.bodies, "className"),
            pattern("muro-body", self.bodies, "data-error"),
            pattern("muro-fresh", self.fresh, "children"),
            {"id": "muro-title", "property": "children"},
            {"id": "muro-notice", "property": "children"},
            {"id": "muro-ticker", "property": "children"},
            {"id": "muro-ticker", "property": "data-territory"},
            {"id": "muro-updated", "property": "children"},
        ]

    def body(self, feed: dict[str, Any] | None) -> dict[str, Any]:
        outputs = self.specs()
        values = {  # the states the checkout's refresh declares (live-ticker since push5)
            ("muro-rotate", "n_intervals"): 0,
            ("muro-config", "data"): self.config,
            ("live-feed", "data"): feed,
            ("live-ticker", "data"): (feed or {}).get("items"),
        }
        state = [{"id": i, "property": p, "value": values.get((i, p))} for i, p in self.states]
        if self.pushed:  # only the grid's refresh goes over HTTP (it also says the view)
            return {
                "output": self.output,
                "outputs": [*outputs, {"id": "muro-view", "property": "data"}],
                "inputs": [
                    {"id": self.trigger[0], "property": self.trigger[1], "value": None},
                    {"id": "muro-feed", "property": "data", "value": None},
                    {"id": "live-version", "property": "data", "value": None},
                ],
                "state": state,
                "changedPropIds": [".".join(self.trigger)],
            }
        return {
            "output": self.output,
            "outputs": outputs,
            "inputs": [
                {"id": self.trigger[0], "property": self.trigger[1], "value": None},
                {"id": "live-feed", "property": "data", "value": feed},
                {"id": "live-version", "property": "data", "value": None},
            ],
            "state": state,
            "changedPropIds": ["live-feed.data" if feed is not None else ".".join(self.trigger)],
        }


def _ids(value: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if isinstance(value, dict):
        if isinstance(value.get("props"), dict) and isinstance(value["props"].get("id"), dict):
            out.append(value["props"]["id"])
        for child in value.values():
            out += _ids(child)
    elif isinstance(value, list):
        for child in value:
            out += _ids(child)
    return out


def dash_id(component_id: Any) -> str:
    """A component id as Dash keys it in a response (pattern ids: sorted JSON)."""
    if isinstance(component_id, str):
        return component_id
    return json.dumps(component_id, sort_keys=True, separators=(",", ":"))


def is_no_update(value: Any) -> bool:
    return isinstance(value, dict) and value.get("_dash_no_update") == "_dash_no_update"


def patched(value: Any, patch: dict[str, Any]) -> Any:
    """A Dash ``Patch`` (its wire format) applied to ``value`` as the browser does, for the
    operations the wall's pushed refresh uses (Assign, Delete, Insert)."""
    value = json.loads(json.dumps(value))
    for op in patch["operations"]:
        location, params = op["location"], op["params"]
        if op["operation"] == "Insert":
            target = value
            for key in location:
                target = target[key]
            target.insert(params["index"], params["value"])
            continue
        if not location:
            value = params.get("value")
            continue
        target = value
        for key in location[:-1]:
            target = target[key]
        if op["operation"] == "Assign":
            target[location[-1]] = params["value"]
        elif op["operation"] == "Delete":
            del target[location[-1]]
        else:
            raise ValueError(f"operación de Patch no prevista: {op['operation']}")
    return value


class Refresher:
    """One tab's refreshes: one request at a time, the latest feed next (as a tab that
    keeps only the newest answer); logs ``(time, cases.open)`` per answer."""

    def __init__(self, http: Any, url: str, wall: WallRefresh) -> None:
        self.http, self.url, self.wall = http, url, wall
        self.log: list[tuple[float, int]] = []
        self.pending: dict[str, Any] | None = None
        self.task: asyncio.Task | None = None
        self.failures = 0
        self.error = ""
        self.view: Any = None  # what the grid's refresh said (muro-view), for the push
        self.screen: dict[tuple[str, str], Any] = {}  # the wall's outputs as the tab shows them

    async def ask(self, feed: dict[str, Any] | None) -> None:
        answer = await self.http.post(
            f"{self.url}/_dash-update-component", json=self.wall.body(feed)
        )
        now = time.time()
        if answer.status_code != 200:
            self.failures += 1
            self.error = f"HTTP {answer.status_code}"
            return
        data = answer.json()
        response = data.get("response", {})
        view = response.get("muro-view")
        if view is not None:
            self.view = view.get("data")
        for key, props in response.items():
            for prop, value in props.items():
                self.screen[(key, prop)] = value
        self.record(now, data)

    def pushed(self, now: float, data: dict[str, Any]) -> None:
        """A pushed refresh, applied as the tab's clientside callback does: for its view,
        and when it changes a render, only if that is the one applied last."""
        shown = self.view or {}
        if data["view"] != shown.get("view"):
            return
        if data["base"] is not None and data["base"] != shown.get("applied"):
            return
        self.view = {"view": shown["view"], "applied": data["seq"]}
        for spec, value in zip(self.wall.specs(), data["outputs"], strict=True):
            if isinstance(spec, list):  # a pattern output: one value per panel
                if is_no_update(value):
                    continue
                for one, panel in zip(spec, value, strict=True):
                    self.apply(one, panel)
            else:
                self.apply(spec, value)
        self.record(now, list(self.screen.values()))

    def apply(self, spec: dict[str, Any], value: Any) -> None:
        """One pushed output on the tab's screen: skipped, patched or replaced."""
        key = (dash_id(spec["id"]), spec["property"])
        if is_no_update(value):
            return
        if isinstance(value, dict) and "__dash_patch_update" in value:
            value = patched(self.screen.get(key), value)
        self.screen[key] = value

    def record(self, now: float, data: Any) -> None:
        """Log the ``cases.open`` in a refresh (an HTTP answer or a pushed one)."""
        value = find_kpi(data, "cases.open")
        if value is not None:
            self.log.append((now, value))

    def offer(self, feed: dict[str, Any]) -> None:
        self.pending = feed
        if self.task is None or self.task.done():
            self.task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while self.pending is not None:
            feed, self.pending = self.pending, None
            try:
                await self.ask(feed)
            except Exception as exc:
                self.failures += 1
                self.error = f"{type(exc).__name__}: {exc}"


async def ws_client(
    url: str,
    origin: str,
    callback: str,
    ready: asyncio.Event,
    log: list,
    stop: asyncio.Event,
    refresher: Refresher | None = None,
    wire: list[int] | None = None,
) -> None:
    import websockets

    async with websockets.connect(url, origin=origin, max_size=None) as ws:
        if wire is not None:  # bytes as they come off the socket (compressed or not)
            received = ws.data_received

            def counted(data: bytes) -> None:
                wire[0] += len(data)
                received(data)

            ws.data_received = counted
        await ws.send(
            json.dumps(
                {
                    "type": "callback_request",
                    "requestId": uuid.uuid4().hex,
                    "rendererId": uuid.uuid4().hex,
                    "payload": {
                        "output": callback,
                        "outputs": [],
                        "inputs": [],
                        "state": [],
                        "changedPropIds": [],
                    },
                }
            )
        )
        count = 0
        while not stop.is_set():
            try:
                raw = await asyncio.wait_for(ws.recv(), timeout=0.5)
            except TimeoutError:
                continue
            now = time.time()
            data = json.loads(raw)
            for msg in data if isinstance(data, list) else [data]:
                if msg.get("type") == "get_props_request":
                    answer = {}
                    asked = msg["payload"]["componentId"]
                    if asked == "muro-view" and refresher is not None:
                        answer = {"data": refresher.view}  # None until the grid's refresh
                    elif asked == "url" and refresher is not None:  # a tab on the wall
                        answer = {"pathname": "/muro"}
                    await ws.send(
                        json.dumps(
                            {
                                "type": "get_props_response",
                                "requestId": msg["requestId"],
                                "payload": answer,
                            }
                        )
                    )
                elif msg.get("type") == "set_props":
                    payload = msg["payload"]
                    feed = payload["props"].get("data")
                    if payload["componentId"] == "live-beat":
                        ready.set()
                    if payload["componentId"] == "muro-pushed" and refresher is not None:
                        refresher.pushed(now, feed)
                    if payload["componentId"] == "live-feed" and feed and not feed["resync"]:
                        count += feed["events"]
                        log.append((now, count))
                        if refresher is not None and not refresher.wall.pushed:
                            refresher.offer(feed)


def run_ws(
    server_url: str, n: int, poster: Poster, events: int, pid: int, refresh: bool = False
) -> dict:
    import httpx

    deps = json.loads(urllib.request.urlopen(f"{server_url}/_dash-dependencies").read())
    callback = next(d["output"] for d in deps if d.get("persistent") and not d.get("inputs"))
    ws_url = server_url.replace("http://", "ws://") + "/_dash-ws-callback"
    logs: list[list] = []
    wire = [0]  # websocket bytes received by all the clients
    result: dict[str, Any] = {}
    wall = WallRefresh(deps) if refresh else None
    refreshers: list[Refresher] = []
    bases: list[int] = []

    async def scenario() -> None:
        stop = asyncio.Event()
        limits = httpx.Limits(max_connections=n + 10, max_keepalive_connections=n + 10)
        async with httpx.AsyncClient(timeout=120, limits=limits) as http:

            def connect(count: int, into: list[list], helpers: list[Refresher]) -> list:
                """``count`` more clients (with their refreshers when asked); their tasks."""
                made = [asyncio.Event() for _ in range(count)]
                readies.extend(made)
                into.extend([] for _ in range(count))
                if wall is not None:
                    helpers.extend(Refresher(http, server_url, wall) for _ in range(count))
                return [
                    asyncio.create_task(
                        ws_client(
                            ws_url,
                            server_url,
                            callback,
                            made[i],
                            into[-count + i],
                            stop,
                            helpers[-count + i] if helpers else None,
                            wire,
                        )
                    )
                    for i in range(count)
                ]

            readies: list[asyncio.Event] = []
            logs.clear()
            rss0 = rss_kb(pid)
            tasks = connect(n, logs, refreshers)
            await asyncio.wait_for(asyncio.gather(*(r.wait() for r in readies)), 60)
            await asyncio.sleep(3)
            result["rss_per_client_kb"] = (rss_kb(pid) - rss0) / n
            if refreshers:  # each tab's first render (the grid): the count before the burst
                await asyncio.gather(*(r.ask(None) for r in refreshers))
                bases[:] = [r.log[-1][1] if r.log else 0 for r in refreshers]
            poster.started = []
            cpu0, wire0 = cpu_s(pid), wire[0]
            await asyncio.to_thread(poster.post, events)
            await asyncio.sleep(5)
            result["cpu_ms_per_event"] = (cpu_s(pid) - cpu0) * 1000 / events
            result["wire_kb_per_event"] = (wire[0] - wire0) / 1024 / events / n
            # Steady state: what N more screens cost once the server has served N through a
            # burst (its caches, pools and allocator arenas already grown); they go through a
            # short burst too, so their buffers and per-screen state are the working ones.
            first_started = list(poster.started)
            extra_logs: list[list] = []
            extra: list[Refresher] = []
            rss_before = rss_kb(pid)
            tasks += connect(n, extra_logs, extra)
            await asyncio.wait_for(asyncio.gather(*(r.wait() for r in readies)), 60)
            if extra:
                await asyncio.gather(*(r.ask(None) for r in extra))
            poster.started = []
            await asyncio.to_thread(poster.post, min(events, 20))
            await asyncio.sleep(5)
            result["rss_marginal_kb"] = (rss_kb(pid) - rss_before) / n
            poster.started = first_started
            stop.set()
            await asyncio.gather(*tasks, return_exceptions=True)
            everyone = refreshers + extra
            await asyncio.gather(*(r.task for r in everyone if r.task), return_exceptions=True)

    asyncio.run(scenario())
    latencies = []
    for log in logs:
        for k, t0 in enumerate(poster.started, start=1):
            hit = next((t for t, c in log if c >= k), None)
            if hit is not None:
                latencies.append(hit - t0)
    out = {**result, "latencies": latencies, "expected": n * events}
    if refreshers:
        refreshed = []
        for r, base in zip(refreshers, bases, strict=True):
            for k, t0 in enumerate(poster.started, start=1):
                hit = next((t for t, v in r.log if v >= base + k), None)
                if hit is not None:
                    refreshed.append(hit - t0)
        out["refresh"] = refreshed
        out["refresh_failures"] = sum(r.failures for r in refreshers)
        out["refreshes"] = sum(len(r.log) for r in refreshers)
        out["refresh_error"] = next((r.error for r in refreshers if r.error), "")
    return out


def create_token(database_url: str) -> str:
    out = subprocess.run(
        [sys.executable, "manage.py", "create-token", "--name", "bench", "--role", "ingest"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip().splitlines()[-1]


def report(n: int, kind: str, res: dict, poster: Poster, label: str = "") -> None:
    lat = res["latencies"]
    if not lat:
        print(f"{label}{n:>8} {kind:>5}   sin medidas (carga {load_average()})", flush=True)
        return
    print(
        f"{label}{n:>8} {kind:>5} {len(lat):>5}/{res['expected']:<5} "
        f"{statistics.median(lat) * 1000:>7.0f}ms {percentile(lat, 0.95) * 1000:>7.0f}ms "
        f"{res['rss_per_client_kb']:>9.0f} KB {res['cpu_ms_per_event']:>9.1f} ms"
        f"{sent(res)}{marginal(res)}   (ráfaga a {poster.rate():.0f} eventos/s; "
        f"carga {load_average()})",
        flush=True,
    )
    if "refresh" in res:
        done = res["refresh"]
        middle = f"{statistics.median(done) * 1000:>7.0f}ms " if done else f"{'—':>9} "
        p95 = f"{percentile(done, 0.95) * 1000:>7.0f}ms" if done else f"{'—':>9}"
        print(
            f"{'':>{len(label)}}{'':>8} {'(refr':>5} {len(done):>5}/{res['expected']:<5} "
            f"{middle}{p95}  "
            f"refresco del muro: {res['refreshes']} respuestas, {res['refresh_failures']} "
            f"fallidas{': ' + res['refresh_error'] if res['refresh_error'] else ''})",
            flush=True,
        )
    if res.get("push"):
        push = res["push"]
        print(
            f"{'':>{len(label)}}{'':>8} {'(push':>5} {len(push):>5}/{res['expected']:<5} "
            f"{statistics.median(push) * 1000:>7.0f}ms "
            f"{percentile(push, 0.95) * 1000:>7.0f}ms  llegada de la actualización)",
            flush=True,
        )


def sent(res: dict) -> str:
    """Websocket bytes on the wire per event and screen (websocket clients only)."""
    if "wire_kb_per_event" not in res:
        return ""
    return f" {res['wire_kb_per_event']:>6.2f} KB/evento·pantalla"


def marginal(res: dict) -> str:
    """Server memory per screen in steady state: N more screens after a burst to N."""
    if "rss_marginal_kb" not in res:
        return ""
    return f" · RSS marginal {res['rss_marginal_kb']:.0f} KB/pantalla"


def deflate_env(choice: str) -> dict[str, str]:
    """uvicorn's permessage-deflate for one server: "si", "no" or "" (as the checkout says)."""
    if not choice:
        return {}
    return {"UVICORN_WS_PER_MESSAGE_DEFLATE": "true" if choice == "si" else "false"}


def counts(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x.strip()]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=500)
    parser.add_argument("--clients", default="1,10,50")
    parser.add_argument("--max-tabs", type=int, default=10, help="más clientes: websocket ligero")
    parser.add_argument(
        "--ws-clients", default="", help="además, clientes websocket ligeros (p. ej. 1,10,50)"
    )
    parser.add_argument(
        "--rate", type=float, default=0, help="eventos por segundo (0: tan rápido como responda)"
    )
    parser.add_argument(
        "--ws-refresh",
        action="store_true",
        help="los clientes websocket piden además el refresco del muro por HTTP, como una pestaña",
    )
    parser.add_argument(
        "--marginal",
        action="store_true",
        help="pestañas: abrir N más tras la ráfaga y medir su memoria (el doble de Chromium)",
    )
    parser.add_argument("--tabs-per-browser", type=int, default=5)
    parser.add_argument("--nice", type=int, default=19, help="prioridad de Chromium (0: igual)")
    parser.add_argument("--port", type=int, default=None)
    parser.add_argument(
        "--antes", default="", help="otra copia del código (p. ej. un worktree de main) a comparar"
    )
    parser.add_argument(
        "--deflate",
        default="",
        help="permessage-deflate de uvicorn por servidor: si, no, o antes,después (si,no); "
        "por omisión lo que diga cada copia",
    )
    args = parser.parse_args(argv if argv is not None else [])
    choices = [c.strip() for c in args.deflate.split(",")] if args.deflate else [""]
    if not set(choices) <= {"", "si", "no"} or len(choices) > 2:
        parser.error("--deflate: si, no, o dos de ellos separados por coma (antes,después)")
    deflate_antes, deflate_despues = choices[0], choices[-1]
    global RENICER
    if args.nice > 0:
        RENICER = Renicer(args.nice)
        RENICER.start()
    tmp = Path(tempfile.mkdtemp(prefix="sala-bench-push-"))
    url = f"sqlite:///{tmp / 'sala.db'}"
    print(f"Preparando base de prueba en {tmp} …", flush=True)
    engine = make_engine(url)
    upgrade(engine)
    seed_database(engine, scale="test", progress=False)
    with engine.connect() as conn:
        from sqlalchemy import text

        consejo = conn.execute(text(CONSEJO_SQL)).scalar_one()
    engine.dispose()
    token = create_token(url)
    env = {"REDIS_URL": "", "SALA_SIMULATE": "0"}
    servers = []  # (label, server, poster): "antes" first when comparing
    if args.antes:
        copy = tmp / "antes.db"
        with sqlite3.connect(tmp / "sala.db") as src, sqlite3.connect(copy) as dst:
            src.backup(dst)  # with what is still in the WAL (the token)
        port = args.port + 1 if args.port else None
        antes = start_server(
            f"sqlite:///{copy}",
            {**env, **deflate_env(deflate_antes)},
            port=port,
            root=Path(args.antes),
        )
        servers.append(("antes   ", antes))
    server = start_server(url, {**env, **deflate_env(deflate_despues)}, port=args.port)
    servers.append(("después " if args.antes else "", server))
    pairs = [(label, srv, Poster(srv.url, token, consejo, args.rate)) for label, srv in servers]
    for label, srv in servers:
        print(f"Servidor {label.strip() or ''} {srv.url} (pid {srv.process.pid})", flush=True)
    print(
        f"Ráfagas de {args.events} eventos; Chromium con nice {args.nice}, "
        f"{args.tabs_per_browser} pestañas por navegador; carga {load_average()}\n",
        flush=True,
    )
    label_width = 8 if args.antes else 0
    print(
        f"{'':>{label_width}}{'clientes':>8} {'tipo':>5} {'medidos':>11} {'mediana':>9} "
        f"{'p95':>9} {'RSS/cliente':>12} {'CPU/evento':>12}"
    )
    runs = [(n, "tabs" if n <= args.max_tabs else "ws") for n in counts(args.clients)]
    runs += [(n, "ws") for n in counts(args.ws_clients)]
    try:
        for n, kind in runs:
            for label, srv, poster in pairs:
                pid = srv.process.pid
                if kind == "tabs":
                    res = run_tabs(srv.url, n, poster, args.events, pid, tmp, args)
                else:
                    res = run_ws(srv.url, n, poster, args.events, pid, args.ws_refresh)
                report(n, kind, res, poster, label)
    finally:
        for _label, srv in servers:
            srv.stop()
        threading.Event().wait(0.1)


if __name__ == "__main__":
    main(sys.argv[1:])
