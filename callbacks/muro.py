"""Wall mode callbacks: rotate the playlist, refresh panels on every live update.

Each panel is built inside its own ``try``: one that fails shows a Spanish error state while
the others and the rotation carry on. One ``summary()`` query per refresh feeds every KPI
panel (a refresh happens per coalesced live window, per poll change or per rotation step).

A rotation step, a data-version change or a reconnection refresh over HTTP (``refresh_kpis``),
which also tells the tab's view (``muro-view``: territory, panels). Every pushed window is
refreshed by the push itself (:func:`push_wall`): the wall's outputs are rendered and
serialized once per window, caller scope and view, and the same JSON goes down each tab's
websocket, where a clientside callback applies it if the tab still shows that view. Fifty
screens then cost one render and fifty queued strings per window, not fifty HTTP requests.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Hashable
from dataclasses import asdict, dataclass, replace
from functools import lru_cache
from typing import Any

from dash import ALL, Dash, Input, Output, Patch, State, ctx, no_update
from dash.exceptions import PreventUpdate

from auth.principal import current_principal
from callbacks.live import WINDOW_PUSHES, TabPush, renderer_of, set_props_message, window_feed
from callbacks.renders import NoUpdate, digest, fresh_after, shared_render
from core.config import Settings
from core.inputs import BadInput
from core.timeutil import utcnow
from data.db import session_scope
from data.hub import Hub, Window, recent_events, scoped, summarize
from data.queries.common import territory_shapes
from data.queries.live import caller_scope, estado_names, territory_points, wall_territory
from data.queries.panorama import territory_measures
from data.queries.shared import summaries
from data.queries.summary import summary
from data.queries.wall import wall_trends, worst_territories
from data.scope import OutOfScope, TerritoryRef, UnknownTerritory
from layouts import muro
from layouts.components.territory_map import fit_bounds, map_viewport
from layouts.live import TICKER_SIZE, freshness, ticker, ticker_line
from layouts.registry import Page, register_page

log = logging.getLogger("sala.muro")

VIEW_TIMEOUT_S = 2.0  # a tab that does not say its view in time gets no pushed refresh
OFF_WALL_RECHECK_S = 2.0  # a tab on another page is asked for its wall view this seldom
MAP_SHARE_S = 4.0  # a map computed this recently serves every tab of the worker
TRENDS_SHARE_S = 60.0  # 14/30-day trends move slowly: one query a minute per territory
MAX_NOTED = 256
_noted_bad: set[str] = set()  # territories already logged as unavailable by this worker


def note_unavailable(code: str | None, exc: Exception) -> None:
    """Log a wall step's unknown or out-of-scope territory once per worker, in one line
    (the rotation comes back to it every cycle; a traceback each time helps nobody)."""
    key = f"{type(exc).__name__}:{code}"
    if key in _noted_bad:
        return
    if len(_noted_bad) >= MAX_NOTED:
        _noted_bad.clear()
    _noted_bad.add(key)
    why = "fuera del ámbito de la pantalla" if isinstance(exc, OutOfScope) else "desconocido"
    log.warning("muro: territorio %r no disponible (%s); se muestra el aviso", code, why)


@lru_cache(maxsize=1)
def _estado_names() -> dict[str, str]:
    with session_scope() as session:
        return estado_names(session)


def names() -> dict[str, str]:
    try:
        return _estado_names()
    except Exception:
        return {}


def _event_code(item: dict[str, Any]) -> str | None:
    for level in ("circuito", "parroquia", "municipio", "estado"):
        if item.get(f"{level}_code"):
            return item[f"{level}_code"]
    return None


def _valid_step(step: Any) -> bool:
    return (
        isinstance(step, dict)
        and isinstance(step.get("territory"), str | None)
        and isinstance(step.get("panels"), list)
        and all(isinstance(p, str) for p in step["panels"])
    )


def _step(config: dict | None, n: int | None) -> dict[str, Any]:
    """The rotation step ``n`` of the wall's configuration (built by the layout; a crafted
    request with another shape is refused with ``BadInput``)."""
    steps = config.get("steps") if isinstance(config, dict) else None
    if config is not None and not (
        isinstance(steps, list | None) and all(_valid_step(step) for step in steps or [])
    ):
        raise BadInput("La configuración del muro no es válida.")
    if isinstance(n, bool) or not isinstance(n, int | None):
        raise BadInput("El paso de rotación del muro no es válido.")
    steps = steps or [{"territory": None, "panels": []}]
    return steps[(n or 0) % len(steps)]


def kept_items(kept: Any) -> list[dict[str, Any]]:
    """The tab's ticker (``live-ticker``, kept by the browser from the pushed feeds; a crafted
    request with another shape is refused with ``BadInput``)."""
    if kept is not None and not isinstance(kept, list):
        raise BadInput("El estado de los eventos en vivo no es válido.")
    return feed_items({"items": kept})


def feed_items(feed: Any) -> list[dict[str, Any]]:
    """The ticker items of a ``live-feed`` value (pushed by the server; a crafted request
    with another shape is refused with ``BadInput``)."""
    items = feed.get("items") if isinstance(feed, dict) else None
    if (feed is not None and not isinstance(feed, dict)) or not isinstance(items, list | None):
        raise BadInput("El estado de los eventos en vivo no es válido.")
    if not all(isinstance(item, dict) for item in items or []):
        raise BadInput("El estado de los eventos en vivo no es válido.")
    return items or []


def alerts_only(feed: dict | None) -> bool:
    """A pushed window that carries alert changes and no data (the KPIs stay as they are)."""
    feed = feed or {}
    return (
        ctx.triggered_id == "muro-feed"
        and bool(feed.get("alerts"))
        and not feed.get("datasets")
        and not feed.get("resync")
    )


@dataclass
class WallData:
    ref: TerritoryRef | None
    title: str
    summary: dict[str, Any]
    trends: dict[str, Any] | None
    measures: list[dict[str, Any]] | None


def load_wall(territory: str | None, fresh_after: float) -> WallData:
    """A wall step's territory (inside the caller's scope), its ``summary()``, its trends and
    its children's measures (for the worst territories).

    Tabs of this worker showing the same territory share one summary per pushed window, the
    measures with the map, and the trends for a minute.
    """
    principal = current_principal()
    began = time.time()  # before the session's first query: its snapshot is not older
    with session_scope() as session:
        ref = wall_territory(session, caller_scope(session, principal.territory_code), territory)
        code = ref.code if ref else None
        s = summaries.get(
            ("summary", code), fresh_after, lambda: summary(session, ref, utcnow()), started=began
        )
        trends = measures = None
        try:
            trends = summaries.get(
                ("wall-trends", code),
                time.time() - TRENDS_SHARE_S,
                lambda: wall_trends(session, ref, utcnow()),
            )
        except Exception:
            log.exception("muro: trends failed")
        if ref is None or ref.level != "circuito":  # a circuito has no children to rank
            try:
                measures = summaries.get(
                    ("map", code),
                    time.time() - MAP_SHARE_S,
                    # the same entry as the map's (load_map): with the shapes
                    lambda: with_shapes(session, territory_measures(session, ref, utcnow())),
                )
            except Exception:
                log.exception("muro: worst territories failed")
        return WallData(ref, ref.name if ref else "Venezuela", s, trends, measures)


def load_step(territory: str | None, fresh_after: float) -> tuple[WallData | None, Any, Any]:
    """The data, title and notice of a wall step. A territory that is unknown or outside the
    screen's scope gives one notice and one log line (per worker), never a traceback."""
    try:
        wall = load_wall(territory, fresh_after)
        return wall, wall.title, None
    except (UnknownTerritory, OutOfScope) as exc:
        note_unavailable(territory, exc)
        return None, f"Territorio no disponible: {territory}", muro.territory_notice(territory)
    except Exception:
        log.exception("muro: summary failed")
        return None, no_update, None


def ticker_items(ref: TerritoryRef | None, window: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The latest events inside the step's territory ``ref``: this worker's recent events
    (so a new step shows its territory's news at once) and the pushed window, newest first."""
    recent = [(i, v) for i, e in recent_events() if (v := scoped(e, ref)) is not None]
    items = summarize(recent, keep=TICKER_SIZE * 2)["items"]
    level, code = (ref.level, ref.code) if ref else (None, None)
    seen: set[tuple[Any, Any]] = set()
    out = []
    for item in [*muro.ticker_in(window, level, code), *items]:
        key = (item.get("dataset"), item.get("id"))
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out[:TICKER_SIZE]


def with_shapes(session: Any, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows with their GeoJSON shape, where the territory has one (the estados)."""
    shapes = territory_shapes(session, [r["code"] for r in rows])
    return [{**r, "geometry": shapes.get(r["code"])} for r in rows]


def load_map(territory: str | None, items: list[dict[str, Any]]) -> dict[str, Any]:
    """The map's GeoJSON: territories below the step's one, plus the latest events' places."""
    principal = current_principal()
    with session_scope() as session:
        scope = caller_scope(session, principal.territory_code)
        try:
            ref = wall_territory(session, scope, territory)
        except (UnknownTerritory, OutOfScope) as exc:
            note_unavailable(territory, exc)  # the KPI callback shows the notice
            return {"type": "FeatureCollection", "features": []}
        rows = summaries.get(  # shared by this worker's tabs for a few seconds
            ("map", ref.code if ref else None),
            time.time() - MAP_SHARE_S,
            lambda: with_shapes(session, territory_measures(session, ref, utcnow())),
        )
        codes = [_event_code(i) for i in items]
        points = territory_points(session, scope, [c for c in codes if c])
        recent = [
            {**points[c], "label": ticker_line(i, names())}
            for i, c in zip(items, codes, strict=True)
            if c in points
        ]
        return muro.map_features(rows, recent)


@dataclass(frozen=True)
class KpiView:
    """What a wall tab's KPI refresh shows: everything its rendered output depends on,
    besides the caller's scope, the pushed ticker items and the data's freshness."""

    territory: str | None
    panels: tuple[str, ...]
    bodies: tuple[int, ...]  # the panel indices on screen (the pattern outputs)
    fresh_ids: tuple[int, ...]
    alerts_only: bool


def shared_kpis(view: KpiView, items: list[dict[str, Any]], fresh_after: float) -> tuple:
    """``render_kpis`` once per caller scope, view, ticker items and pushed window, for
    every tab of the worker (``callbacks.renders``)."""
    key = ("muro-kpis", view, digest(items))
    return shared_render(key, fresh_after, lambda: render_kpis(view, items, fresh_after))


def view_data(view: KpiView) -> dict[str, Any]:
    """The view as the tab keeps it (``muro-view``) and as a pushed refresh names it."""
    data = asdict(view)
    del data["alerts_only"]  # a property of the window, not of the tab
    return data


def parse_view(data: Any) -> tuple[KpiView, int | None] | None:
    """A tab's ``muro-view``: its view and the pushed refresh it applied last (None: not on
    the wall, or not a value this server wrote)."""
    if not isinstance(data, dict) or not isinstance(data.get("view"), dict):
        return None
    view, applied = data["view"], data.get("applied")
    if set(view) != {"territory", "panels", "bodies", "fresh_ids"}:
        return None
    territory, panels = view["territory"], view["panels"]
    bodies, fresh = view["bodies"], view["fresh_ids"]
    if not isinstance(territory, str | None) or not all(
        isinstance(v, list) for v in (panels, bodies, fresh)
    ):
        return None
    if not all(isinstance(p, str) for p in panels) or not all(
        isinstance(i, int) and not isinstance(i, bool) and 0 <= i < len(panels)
        for i in [*bodies, *fresh]
    ):
        return None
    if isinstance(applied, bool) or not isinstance(applied, int | None):
        applied = None
    return KpiView(territory, tuple(panels), tuple(bodies), tuple(fresh), False), applied


def _wire(value: Any) -> Any:
    """``no_update`` inside a shared render as the marker Dash itself sends for it, and a
    ``Patch`` as Dash sends one (the browser applies it to the value on screen)."""
    if isinstance(value, NoUpdate):
        return {"_dash_no_update": "_dash_no_update"}
    if isinstance(value, Patch):
        return value.to_plotly_json()
    raise TypeError(type(value).__name__)


KPI_OUTPUTS = (
    ({"type": "muro-body", "index": ALL}, "children"),
    ({"type": "muro-body", "index": ALL}, "className"),
    ({"type": "muro-body", "index": ALL}, "data-error"),
    ({"type": "muro-fresh", "index": ALL}, "children"),
    ("muro-title", "children"),
    ("muro-notice", "children"),
    ("muro-ticker", "children"),
    ("muro-ticker", "data-territory"),
    ("muro-updated", "children"),
)
PATTERN = tuple(isinstance(i, dict) for i, _ in KPI_OUTPUTS)  # one value per panel


def changes(new: list[Any], old: list[Any]) -> list[Any]:
    """``new`` outputs with what equals ``old`` replaced by ``no_update`` (per panel for
    the pattern outputs), and what changed by the edits from ``old`` (:func:`edited`): a
    burst of cases re-sends the figures of the cases panel and the ticker's new lines."""
    out: list[Any] = []
    for pattern, n, o in zip(PATTERN, new, old, strict=True):
        if pattern and isinstance(n, list) and isinstance(o, list) and len(n) == len(o):
            panels = [no_update if a == b else edited(b, a) for a, b in zip(n, o, strict=True)]
            # no panel changed: one marker for the output (the browser skips all of it)
            out.append(no_update if all(isinstance(p, NoUpdate) for p in panels) else panels)
        else:
            out.append(no_update if n == o else edited(o, n))
    return out


def edited(old: Any, new: Any) -> Any:
    """``new``, or the Dash ``Patch`` that turns ``old`` into it when that is shorter.

    The browser applies a patch to the value on screen, which is ``old`` exactly: it is
    only sent against the render the tab says it applied (``pushed_body``'s ``base``, and
    ``APPLY_PUSHED_JS`` refuses it otherwise). A panel whose number moved is a few
    assignments instead of its whole tree (~5 KB); the ticker, two new lines in front.
    """
    if isinstance(old, NoUpdate) or isinstance(new, NoUpdate) or not _same_shape(old, new):
        return new
    patch = Patch()
    try:
        _edits(patch, old, new)
    except _Whole:
        return new
    whole = json.dumps(new, default=_wire, separators=(",", ":"), ensure_ascii=False)
    as_patch = json.dumps(patch, default=_wire, separators=(",", ":"), ensure_ascii=False)
    return patch if len(as_patch) < len(whole) else new


def _same_shape(old: Any, new: Any) -> bool:
    """Both objects, or both lists: what a patch can edit in place."""
    return (isinstance(old, dict) and isinstance(new, dict)) or (
        isinstance(old, list) and isinstance(new, list)
    )


def _edits(at: Any, old: Any, new: Any) -> None:
    """Add to the patch location ``at`` the operations that turn ``old`` into ``new`` (both
    objects or both lists): keys and items compared in place; a list whose items moved
    down by a few, with new ones in front (the ticker), as deletions and insertions."""
    if isinstance(new, dict):
        for key in old.keys() - new.keys():
            del at[key]
        for key, value in new.items():
            if key not in old or old[key] != value:
                _edit(at, key, old.get(key), value)
        return
    if len(old) == len(new):
        shift = _shift(old, new)
        if shift:
            for k in range(shift):
                del at[len(old) - 1 - k]
            for k in range(shift):
                at.insert(k, new[k])
            return
        for k, value in enumerate(new):
            if old[k] != value:
                _edit(at, k, old[k], value)
        return
    raise _Whole  # a list of another length: assigned whole


class _Whole(Exception):
    """A list changed length: the caller assigns it whole."""


def _edit(at: Any, key: Any, old: Any, new: Any) -> None:
    if _same_shape(old, new):
        try:
            _edits(at[key], old, new)
            return
        except _Whole:
            pass
    at[key] = new


def _shift(old: list[Any], new: list[Any]) -> int:
    """How many new items came in front of ``old`` to give ``new`` (same length; 0: none),
    counting only up to half the list (more than that is not worth the edits)."""
    for k in range(1, len(new) // 2 + 1):
        if new[k:] == old[: len(old) - k]:
            return k
    return 0


KEEP_RENDERS = 4  # renders of each (scope, view) kept as bases for the next ones


def rendered(hub: Hub, key: Hashable) -> dict[int, list[Any]]:
    """The last pushed renders of one caller scope and view on this hub (window seq ->
    outputs), kept with the hub's other per-scope state (bounded there)."""
    entry = hub.scopes.setdefault(("muro-rendered", key), {})
    assert isinstance(entry, dict)
    return entry


def remember(hub: Hub, key: Hashable, seq: int, outputs: list[Any]) -> None:
    entry = rendered(hub, key)
    entry[seq] = outputs
    for old in sorted(entry)[:-KEEP_RENDERS]:
        del entry[old]


def pushed_body(view: KpiView, seq: int, base: int | None, outputs: list[Any]) -> str:
    """The ``muro-pushed`` value as JSON: the view and window it is for, the render it
    changes (``base``; None: all of it) and the outputs of ``refresh_kpis``."""
    body = {"view": view_data(view), "seq": seq, "base": base, "outputs": outputs}
    return json.dumps(body, default=_wire, separators=(",", ":"), ensure_ascii=False)


async def wall_view(tab: TabPush, ws: Any) -> tuple[KpiView, int | None] | None:
    """The tab's wall view, or None when it is on another page. A tab not known to be on
    the wall is first asked its path (``url`` is on every page), at most every
    ``OFF_WALL_RECHECK_S``: asking another page for ``muro-view`` would log a warning in
    its browser console each time. A tab on the wall is asked its view directly."""
    now = time.monotonic()
    if not tab.pages.get("muro-on"):
        if tab.pages.get("muro-off", 0.0) > now:
            return None
        tab.pages["muro-off"] = now + OFF_WALL_RECHECK_S
        path = await ws.get_prop("url", "pathname", timeout=VIEW_TIMEOUT_S)
        if not isinstance(path, str) or "/" + path.strip("/") != WALL.path:  # as find_page
            return None
    said = parse_view(await ws.get_prop("muro-view", "data", timeout=VIEW_TIMEOUT_S))
    tab.pages["muro-on"] = said is not None  # None: it just left (the wall's first render
    return said  # is HTTP's; it is asked its path again after OFF_WALL_RECHECK_S)


async def push_wall(tab: TabPush, ws: Any, windows: list[Window]) -> list[str]:
    """The wall's refresh for the latest window the tab's scope saw, pushed down the tab's
    websocket (nothing when the tab is not on the wall, see ``wall_view``).

    Rendered once per window, caller scope and view (``Window.once_async``; in a thread, with
    the caller's principal): tabs of other scopes never share it, and a tab's view only
    selects among the outputs the caller may see (its territory is checked against the
    caller's scope by the render, as over HTTP). A tab that applied the last render sent to
    it gets only what changed since; otherwise (a message still on its way, an HTTP
    refresh in between) all of it.
    """
    window = next((w for w in reversed(windows) if window_feed(w, tab.ref)), None)
    if window is None:
        return []
    try:
        said = await wall_view(tab, ws)
    except TimeoutError:
        return []
    if said is None:
        return []
    shown, applied = said
    feed = window_feed(window, tab.ref)
    assert feed is not None
    view = replace(shown, alerts_only=feed.alerts_only)
    key = (current_principal().territory_code, view)

    async def render() -> list[Any]:
        items = list(feed.items)
        outputs = list(await asyncio.to_thread(shared_kpis, view, items, window.at))
        remember(tab.hub, key, window.seq, outputs)
        return outputs

    outputs = await window.once_async(("muro-render", key), render)
    last = tab.pages.get("muro")  # (key, seq) of the last render sent to this tab
    entry = rendered(tab.hub, key)
    exact = applied is not None and last == (key, applied)
    base = applied if exact and applied in entry else None
    if base == window.seq:
        return []
    body = window.once(
        ("muro-pushed", key, base),
        lambda: pushed_body(
            view,
            window.seq,
            base,
            outputs if base is None else changes(outputs, entry[base]),
        ),
    )
    tab.pages["muro"] = (key, window.seq)
    return [set_props_message(renderer_of(ws), "muro-pushed", body)]


def render_kpis(view: KpiView, items: list[dict[str, Any]], fresh_after: float) -> tuple:
    """The KPI refresh's outputs: each panel judged against its threshold with its
    comparison, trend and worst territories, and the ticker of the wall's territory."""
    wall, title, notice = load_step(view.territory, fresh_after)
    if wall is not None:
        news = ticker_items(wall.ref, items)
        lines = ticker(news, names()) if news else [muro.ticker_quiet(wall.title)]
        shown = wall.ref.code if wall.ref else ""
    else:
        lines, shown = [muro.ticker_quiet(None)], view.territory or ""
    if view.alerts_only:  # no figure moved: only the ticker (new alerts) changes
        skip_bodies = [no_update] * len(view.bodies)
        skip_fresh = [no_update] * len(view.fresh_ids)
        return (
            skip_bodies,
            skip_bodies,
            skip_bodies,
            skip_fresh,
            no_update,
            no_update,
            lines,
            shown,
            no_update,
        )
    children, classes, errors = [], [], []
    for i in view.bodies:
        name = view.panels[i]
        try:
            if wall is None:
                raise LookupError
            worst = worst_territories(wall.measures, name) if wall.measures is not None else None
            children.append(muro.panel_body(name, wall.summary, wall.trends, worst))
            state = muro.judge(name, wall.summary, wall.trends).state
            classes.append(f"muro-kpis state-{state}")
            errors.append("")
        except Exception as exc:
            if not isinstance(exc, LookupError):
                log.exception("muro: panel %s failed", name)
            children.append(muro.failed_body(name))
            classes.append("muro-kpis failed state-sin-datos")
            errors.append(name)
    now_ms = int(time.time() * 1000)
    failed = dict(zip(view.bodies, errors, strict=True))
    fresh = [muro.stale_mark() if failed.get(i) else freshness(now_ms) for i in view.fresh_ids]
    updated = freshness(now_ms) if wall is not None else muro.stale_mark()
    return (children, classes, errors, fresh, title, notice, lines, shown, updated)


# The pushed refresh applied in the tab: the outputs if they are for the view on screen
# (after a rotation step the HTTP refresh brings the new one), Dash's no_update markers
# turned into the clientside ones.
APPLY_PUSHED_JS = """
function (pushed, tab) {
  const dc = window.dash_clientside;
  if (!pushed || !tab || JSON.stringify(pushed.view) !== JSON.stringify(tab.view) ||
      (pushed.base !== null && pushed.base !== tab.applied)) {
    throw dc.PreventUpdate;
  }
  const wire = (v) => (v && v._dash_no_update === "_dash_no_update") ? dc.no_update
    : Array.isArray(v) ? v.map(wire) : v;
  return [...pushed.outputs.map(wire), {view: tab.view, applied: pushed.seq}, pushed.seq];
}
"""


WALL = Page(path="/muro", title="Muro", nav_label="Muro", layout=muro.layout, frame="muro")


def register(app: Dash, settings: Settings) -> None:
    register_page(WALL)
    WINDOW_PUSHES.append(push_wall)

    app.clientside_callback(
        APPLY_PUSHED_JS,
        *[Output(i, p, allow_duplicate=True) for i, p in KPI_OUTPUTS],
        Output("muro-view", "data", allow_duplicate=True),
        Output("muro-updated", "data-pushed"),  # the last pushed window applied (diagnosis)
        Input("muro-pushed", "data"),
        State("muro-view", "data"),
        prevent_initial_call=True,
    )
    # Windows are refreshed by the push; other feeds (a reconnection's catch-up or reload,
    # marked ``refresh``) still ask over HTTP.
    app.clientside_callback(
        "function(f){return (f && f.refresh) ? f : window.dash_clientside.no_update;}",
        Output("muro-feed", "data"),
        Input("live-feed", "data"),
        prevent_initial_call=True,
    )

    @app.callback(
        Output("muro-grid", "children"),
        Output("muro-grid", "className"),
        Output("muro-step", "children"),
        Output("muro-built", "data"),
        Input("muro-rotate", "n_intervals"),
        State("muro-config", "data"),
    )
    def rotate(n: int | None, config: dict | None):
        """A new step of the playlist: lay out its panels (contents come from ``refresh``).
        ``muro-built`` changes with every step, so the refreshes follow the new grid."""
        steps = (config or {}).get("steps") or [{"territory": None, "panels": []}]
        step = steps[(n or 0) % len(steps)]
        label = f"{(n or 0) % len(steps) + 1}/{len(steps)}" if len(steps) > 1 else ""
        grid = muro.grid(step["panels"], settings.tile_url, settings.tile_attribution)
        return grid, muro.grid_class(len(step["panels"])), label, n or 0

    @app.callback(
        *[Output(i, p) for i, p in KPI_OUTPUTS],
        Output("muro-view", "data"),
        Input("muro-built", "data"),
        Input("muro-feed", "data"),
        Input("live-version", "data"),
        State("live-ticker", "data"),
        State("muro-rotate", "n_intervals"),
        State("muro-config", "data"),
    )
    def refresh_kpis(
        _grid: Any, catchup: Any, _versions: Any, kept: Any, n: int | None, config: dict
    ):
        """A rotation step, a version change or a reconnection, in ONE request per tab: each
        panel judged against its threshold with its comparison, trend and worst territories
        (one shared summary query; trends and rankings shared for longer), and the ticker
        of the territory the wall is showing. Also tells the push the tab's view."""
        # a catch-up or reload brings its ticker; otherwise the one the tab kept
        feed = catchup if ctx.triggered_id == "muro-feed" else None
        step = _step(config, n)
        items = feed_items(feed) if feed is not None else kept_items(kept)
        bodies = tuple(o["id"]["index"] for o in ctx.outputs_list[0])
        fresh_ids = tuple(o["id"]["index"] for o in ctx.outputs_list[3])
        panels = tuple(step["panels"])
        territory = step.get("territory")
        if any(i >= len(panels) for i in bodies):
            raise PreventUpdate  # the grid of another step is still on screen
        view = KpiView(territory, panels, bodies, fresh_ids, alerts_only(feed))
        shown = {"view": view_data(view), "applied": None}  # the push starts from a full render
        return (*shared_kpis(view, items, fresh_after(feed)), shown)

    @app.callback(
        Output({"type": "muro-map", "index": ALL}, "data"),
        Output({"type": "muro-map-fresh", "index": ALL}, "children"),
        Output({"type": "muro-map-view", "index": ALL}, "viewport"),
        Input("muro-built", "data"),
        Input("muro-map-tick", "n_intervals"),
        Input("live-version", "data"),
        State("live-ticker", "data"),
        State("muro-rotate", "n_intervals"),
        State("muro-config", "data"),
    )
    def refresh_map(_grid: Any, _tick: Any, _v: Any, kept: Any, n: int | None, config: dict):
        """The map follows on its own slower tick (its queries are the heavy ones), so a
        pushed window costs each tab one request, not three."""
        if not ctx.outputs_list[0]:
            raise PreventUpdate
        now_ms = int(time.time() * 1000)
        count = len(ctx.outputs_list[0])
        territory, items = _step(config, n).get("territory"), kept_items(kept)
        try:
            data = load_map(territory, items)
        except Exception:
            log.exception("muro: map failed")
            return [no_update] * count, [muro.stale_mark()] * count, [no_update] * count
        # Fit the view when a step starts (the map has its size by then), not on every tick.
        national = territory is None and current_principal().territory_code is None
        view = (
            map_viewport(fit_bounds(data, national=national))
            if ctx.triggered_id in (None, "muro-built")
            else no_update
        )
        return [data] * count, [freshness(now_ms)] * count, [view] * count
