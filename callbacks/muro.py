"""Wall mode callbacks: rotate the playlist, refresh panels on every live update.

Each panel is built inside its own ``try``: one that fails shows a Spanish error state while
the others and the rotation carry on. One ``summary()`` query per refresh feeds every KPI
panel (a refresh happens per coalesced live window, per poll change or per rotation step).
"""

from __future__ import annotations

import logging
import time
from functools import lru_cache
from typing import Any

from dash import ALL, Dash, Input, Output, State, ctx, no_update
from dash.exceptions import PreventUpdate

from auth.principal import current_principal
from core.config import Settings
from core.inputs import BadInput
from core.timeutil import utcnow
from data.db import session_scope
from data.queries.live import caller_scope, estado_names, territory_points, wall_territory
from data.queries.panorama import territory_measures
from data.queries.shared import summaries
from data.queries.summary import summary
from data.scope import OutOfScope, UnknownTerritory
from layouts import muro
from layouts.components.territory_map import fit_bounds, map_viewport
from layouts.live import freshness, ticker, ticker_line
from layouts.registry import Page, register_page

log = logging.getLogger("sala.muro")

MAP_SHARE_S = 4.0  # a map computed this recently serves every tab of the worker


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


def feed_items(feed: Any) -> list[dict[str, Any]]:
    """The ticker items of a ``live-feed`` value (pushed by the server; a crafted request
    with another shape is refused with ``BadInput``)."""
    items = feed.get("items") if isinstance(feed, dict) else None
    if (feed is not None and not isinstance(feed, dict)) or not isinstance(items, list | None):
        raise BadInput("El estado de los eventos en vivo no es válido.")
    if not all(isinstance(item, dict) for item in items or []):
        raise BadInput("El estado de los eventos en vivo no es válido.")
    return items or []


def not_before(feed: dict | None) -> float:
    """How fresh a shared result must be: newer than the pushed window, else brand new."""
    sent = feed.get("server_ms") if isinstance(feed, dict) else None
    if ctx.triggered_id == "live-feed" and isinstance(sent, int | float) and sent:
        return sent / 1000
    return time.time()


def alerts_only(feed: dict | None) -> bool:
    """A pushed window that carries alert changes and no data (the KPIs stay as they are)."""
    feed = feed or {}
    return (
        ctx.triggered_id == "live-feed"
        and bool(feed.get("alerts"))
        and not feed.get("datasets")
        and not feed.get("resync")
    )


def load_summary(territory: str | None, fresh_after: float) -> tuple[str, dict[str, Any]]:
    """Title and ``summary()`` of a wall step's territory, inside the caller's scope.

    Tabs of this worker showing the same territory share one query per pushed window.
    """
    principal = current_principal()
    began = time.time()  # before the session's first query: its snapshot is not older
    with session_scope() as session:
        ref = wall_territory(session, caller_scope(session, principal.territory_code), territory)
        s = summaries.get(
            ("summary", ref.code if ref else None),
            fresh_after,
            lambda: summary(session, ref, utcnow()),
            started=began,
        )
        return (ref.name if ref else "Venezuela"), s


def load_map(territory: str | None, items: list[dict[str, Any]]) -> dict[str, Any]:
    """The map's GeoJSON: territories below the step's one, plus the latest events' places."""
    principal = current_principal()
    with session_scope() as session:
        scope = caller_scope(session, principal.territory_code)
        ref = wall_territory(session, scope, territory)
        rows = summaries.get(  # shared by this worker's tabs for a few seconds
            ("map", ref.code if ref else None),
            time.time() - MAP_SHARE_S,
            lambda: territory_measures(session, ref, utcnow()),
        )
        codes = [_event_code(i) for i in items]
        points = territory_points(session, scope, [c for c in codes if c])
        recent = [
            {**points[c], "label": ticker_line(i, names())}
            for i, c in zip(items, codes, strict=True)
            if c in points
        ]
        return muro.map_features(rows, recent)


def register(app: Dash, settings: Settings) -> None:
    register_page(Page(path="/muro", title="Muro", nav_label="Muro", layout=muro.layout))

    @app.callback(
        Output("muro-grid", "children"),
        Output("muro-grid", "className"),
        Output("muro-step", "children"),
        Input("muro-rotate", "n_intervals"),
        State("muro-config", "data"),
    )
    def rotate(n: int | None, config: dict | None):
        """A new step of the playlist: lay out its panels (contents come from ``refresh``)."""
        steps = (config or {}).get("steps") or [{"territory": None, "panels": []}]
        step = steps[(n or 0) % len(steps)]
        label = f"{(n or 0) % len(steps) + 1}/{len(steps)}" if len(steps) > 1 else ""
        grid = muro.grid(step["panels"], settings.tile_url, settings.tile_attribution)
        return grid, muro.grid_class(len(step["panels"])), label

    @app.callback(
        Output({"type": "muro-kpi", "field": ALL}, "children"),
        Output({"type": "muro-kpi", "field": ALL}, "data-value"),
        Output({"type": "muro-body", "index": ALL}, "className"),
        Output({"type": "muro-body", "index": ALL}, "data-error"),
        Output({"type": "muro-fresh", "index": ALL}, "children"),
        Output("muro-title", "children"),
        Output("muro-ticker", "children"),
        Input("muro-grid", "children"),
        Input("live-feed", "data"),
        Input("live-version", "data"),
        State("muro-rotate", "n_intervals"),
        State("muro-config", "data"),
    )
    def refresh_kpis(_grid: Any, feed: Any, _versions: Any, n: int | None, config: dict):
        """Every pushed window, in ONE request per tab: the KPI values in place (one shared
        summary query) and the ticker. Only leaf texts change, so the screen re-renders
        little however often it is updated."""
        step, items = _step(config, n), feed_items(feed)
        fields = [o["id"]["field"] for o in ctx.outputs_list[0]]
        bodies = [o["id"]["index"] for o in ctx.outputs_list[2]]
        fresh_ids = [o["id"]["index"] for o in ctx.outputs_list[4]]
        panels: list[str] = step["panels"]
        if any(i >= len(panels) for i in bodies):
            raise PreventUpdate  # the grid of another step is still on screen
        if alerts_only(feed):  # no figure moved: only the ticker (new alerts) changes
            skip = [
                [no_update] * len(out) if isinstance(out, list) else no_update
                for out in ctx.outputs_list
            ]
            return (*skip[:-1], ticker((feed or {}).get("items") or [], names()))
        title: Any = no_update
        s: dict[str, Any] | None = None
        try:
            title, s = load_summary(step.get("territory"), not_before(feed))
        except (UnknownTerritory, OutOfScope):
            title = f"Territorio no disponible: {step.get('territory')}"
        except Exception:
            log.exception("muro: summary failed")
        try:
            texts, raws = muro.kpi_values(fields, s) if s is not None else ([], [])
        except Exception:
            log.exception("muro: KPI values failed")
            s, texts, raws = None, [], []
        if s is None:
            texts, raws = ["—"] * len(fields), [""] * len(fields)
        failed = s is None
        now_ms = int(time.time() * 1000)
        fresh = [
            muro.stale_mark() if failed and panels[i] in muro.KPIS else freshness(now_ms)
            for i in fresh_ids
        ]
        return (
            texts,
            raws,
            ["muro-kpis failed" if failed else "muro-kpis"] * len(bodies),
            [panels[i] if failed else "" for i in bodies],
            fresh,
            title,
            ticker(items, names()),
        )

    @app.callback(
        Output({"type": "muro-map", "index": ALL}, "data"),
        Output({"type": "muro-map-fresh", "index": ALL}, "children"),
        Output({"type": "muro-map-view", "index": ALL}, "viewport"),
        Input("muro-grid", "children"),
        Input("muro-map-tick", "n_intervals"),
        Input("live-version", "data"),
        State("live-feed", "data"),
        State("muro-rotate", "n_intervals"),
        State("muro-config", "data"),
    )
    def refresh_map(_grid: Any, _tick: Any, _v: Any, feed: Any, n: int | None, config: dict):
        """The map follows on its own slower tick (its queries are the heavy ones), so a
        pushed window costs each tab one request, not three."""
        if not ctx.outputs_list[0]:
            raise PreventUpdate
        now_ms = int(time.time() * 1000)
        count = len(ctx.outputs_list[0])
        territory, items = _step(config, n).get("territory"), feed_items(feed)
        try:
            data = load_map(territory, items)
        except Exception:
            log.exception("muro: map failed")
            return [no_update] * count, [muro.stale_mark()] * count, [no_update] * count
        # Fit the view when a step starts (the map has its size by then), not on every tick.
        national = territory is None and current_principal().territory_code is None
        view = (
            map_viewport(fit_bounds(data, national=national))
            if ctx.triggered_id in (None, "muro-grid")
            else no_update
        )
        return [data] * count, [freshness(now_ms)] * count, [view] * count
