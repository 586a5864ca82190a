"""The refresh callbacks every indicator page has (/casos, /paz, /proyectos, /clap, /defensa).

A page's main refresh (``register_main_refresh``) writes, in this order: the KPI cards and the
map (``head_outputs``), its own panels (figures and lists), then the page frame: subtitle,
freshness and the data versions it loaded (``frame_outputs``). A second refresh
(``register_panels_refresh``) can fill more panels beside it. A page only gives its load and
how to draw the data; failures (a territory out of reach) are drawn here alike for all.
``register_drill`` is the drill callback every page has.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dash import Dash, Input, Output, State, ctx, no_update

from auth.principal import current_principal
from callbacks.filters import drill_search, filters_of
from callbacks.pages import clicked_bar, load_guarded, page_versions, scale_of
from core.filters import Filters
from data.db import session_scope
from data.queries.shapes import SHAPES
from layouts.components.empty import empty_state
from layouts.components.figures import empty_figure
from layouts.components.filter_bar import filters_id, refresh_id
from layouts.components.freshness import freshness_store_id
from layouts.components.indicator import PAGE_URL
from layouts.components.map_points import clicked_code, clusterable, map_geometry
from layouts.components.territory_map import fit_bounds, map_viewport

# Seconds after which the freshness badge says the page is stale.
STALE_AFTER = 90

Load = Callable[[str | None, Filters], dict[str, Any]]
# A panel a refresh fills: (component id, "figure") for a chart, (id, "children") for a list.
Panel = tuple[str, str]


def figures(*ids: str) -> list[Panel]:
    return [(i, "figure") for i in ids]


def lists(*ids: str) -> list[Panel]:
    return [(i, "children") for i in ids]


@dataclass(frozen=True)
class Head:
    """What a main refresh draws above its panels: the KPI cards, the map's points, its key."""

    kpis: Any
    points: dict[str, Any]
    legend: Any


def with_shapes(points: dict[str, Any]) -> dict[str, Any]:
    """``points`` with the shape of every territory that carries one (a choropleth where
    the cartografía social was imported); the cuadrantes and committees below a circuito
    stay points. The codes are the page's own, already scoped, features. The shapes come
    from memory while territories are not written (``data.queries.shapes``)."""
    codes = [f["id"] for f in points["features"] if (f.get("properties") or {}).get("drill")]
    if not codes:
        return points
    with session_scope() as session:
        shapes = SHAPES.shapes(session, codes)
    if not shapes:
        return points
    return {
        **points,
        "features": [
            {**f, "geometry": map_geometry({"geometry": shapes[f["id"]]}) or f["geometry"]}
            if f["id"] in shapes
            else f
            for f in points["features"]
        ],
    }


def load_for_caller(
    load: Load, store: dict[str, Any] | None
) -> tuple[Filters, dict[str, Any] | None, str | None]:
    """``(filters, data, problem)``: the filters of the page's store and ``load``'s data for
    them inside the caller's territory, or the Spanish problem when it is out of reach."""
    filters = filters_of(store)
    data, problem = load_guarded(load, current_principal().territory_code, filters)
    return filters, data, problem


def head_outputs(prefix: str) -> list[Output]:
    """KPI cards, map points, cluster flag, legend and viewport of the page whose ids start
    with ``prefix`` (``cas``, ``paz``...)."""
    return [
        Output(f"{prefix}-kpis", "children"),
        Output(f"{prefix}-map-points", "data"),
        Output(f"{prefix}-map-points", "cluster"),
        Output(f"{prefix}-map-legend", "children"),
        Output(f"{prefix}-map", "viewport"),
    ]


def frame_outputs(page: str) -> list[Output]:
    """Subtitle, freshness store and ``pg-version``: shared with the shell, hence duplicates."""
    return [
        Output("pg-subtitle", "children", allow_duplicate=True),
        Output(freshness_store_id(page), "data"),
        Output("pg-version", "data", allow_duplicate=True),
    ]


def refresh_inputs(page: str) -> list[Input | State]:
    """The filters, the live-refresh tick and the viewport (for figure scale)."""
    return [
        Input(filters_id(page), "data"),
        Input(refresh_id(page), "data"),
        State("pg-viewport", "data"),
    ]


def head_values(
    page: str,
    kpis: Any,
    points: dict[str, Any],
    legend: Any,
    filters: Filters,
    shown: dict[str, Any] | None = None,
) -> tuple:
    """Values for ``head_outputs``. The map fits its points on load and on filter changes,
    not on live refreshes, so an operator's zoom survives new data, unless the map
    (``shown``: its viewport now) was not fitted on this territory yet. Dash applies only
    the newest answer of a callback: a live refresh sent while the load's answer was on its
    way (a busy feed, as in the demo) replaced it, and the map stayed on the country."""
    scope = filters.territorio or ""
    live = ctx.triggered_id == refresh_id(page)
    if live and (shown or {}).get("scope") == scope:
        view = no_update
    else:
        view = map_viewport(fit_bounds(points, filters.territorio is None), scope)
    return kpis, points, clusterable(points), legend, view


def failed_head(problem: str) -> tuple:
    """``head_outputs`` when the territory is not available: the message in place of the
    KPIs, an empty map, and the viewport left where it was."""
    return (
        empty_state("Territorio no disponible", problem),
        {"type": "FeatureCollection", "features": []},
        False,
        [],
        no_update,
    )


def frame_values(subtitle: str, seen: dict[str, int], read_ms: int) -> tuple:
    """Values for ``frame_outputs`` after a load: now as the freshness time, ``read_ms``
    (when ``seen`` was read, before the data: a pushed write older than it is already on
    the page) and ``seen``, so the version poll triggers on any later write."""
    now = int(time.time() * 1000)
    return subtitle, {"at": now, "read_ms": read_ms, "stale": STALE_AFTER}, seen


def failed_frame(seen: dict[str, int]) -> tuple:
    """``frame_outputs`` on failure: no subtitle and no freshness time (nothing was loaded),
    but the versions still, so the poll does not loop on the same failure."""
    return "", {"at": None}, seen


def register_drill(app: Dash, page: str, prefix: str, bars: tuple[str, ...]) -> None:
    """A click on a map point (``{prefix}-map-points``) or on a bar of the figures ``bars``
    (each bar carries its territory code) narrows the page to that territory via the URL."""
    map_id = f"{prefix}-map-points"

    @app.callback(
        Output(PAGE_URL, "search", allow_duplicate=True),
        Input(map_id, "clickData"),
        *[Input(bar, "clickData") for bar in bars],
        State(filters_id(page), "data"),
        prevent_initial_call=True,
    )
    def drill(map_click, *rest):
        *bar_clicks, store = rest
        if ctx.triggered_id == map_id:
            code = clicked_code(map_click)
        else:
            # Not the map: the bar figure that fired (the last one, as a fallback).
            click = dict(zip(bars, bar_clicks, strict=True)).get(ctx.triggered_id, bar_clicks[-1])
            code = clicked_bar(click)
        return drill_search(store, code) if code else no_update


def _panel_outputs(panels: list[Panel]) -> list[Output]:
    return [Output(cid, prop) for cid, prop in panels]


def _failed_panels(panels: list[Panel], problem: str, scale: float) -> tuple:
    """Each panel when the territory is out of reach: the message as the charts, empty lists."""
    empty = empty_figure(problem, scale)
    return tuple(empty if prop == "figure" else None for _, prop in panels)


def register_main_refresh(
    app: Dash,
    page: str,
    prefix: str,
    datasets: tuple[str, ...],
    load: Load,
    panels: list[Panel],
    draw: Callable[[dict[str, Any], Filters, float], tuple[Head, tuple]],
    subtitle: str | None = None,
) -> None:
    """The page's main refresh: ``load`` the caller's data for the page's filters, then
    ``draw(data, filters, scale)`` gives the :class:`Head` and the values of ``panels`` in
    order. The subtitle is the filters' range unless ``subtitle`` is given."""

    @app.callback(
        *head_outputs(prefix),
        *_panel_outputs(panels),
        *frame_outputs(page),
        *refresh_inputs(page),
        State(f"{prefix}-map", "viewport"),
        prevent_initial_call="initial_duplicate",
    )
    def refresh_main(store, _refresh, viewport, shown_view):
        read_ms = int(time.time() * 1000)
        seen = page_versions(datasets)
        filters, data, problem = load_for_caller(load, store)
        scale = scale_of(viewport)
        if problem:
            failed = _failed_panels(panels, problem, scale)
            return (*failed_head(problem), *failed, *failed_frame(seen))
        head, values = draw(data, filters, scale)
        return (
            *head_values(
                page, head.kpis, with_shapes(head.points), head.legend, filters, shown_view
            ),
            *values,
            *frame_values(subtitle or filters.range_label(), seen, read_ms),
        )


def register_panels_refresh(
    app: Dash,
    page: str,
    load: Load,
    panels: list[Panel],
    draw: Callable[[dict[str, Any], float], tuple],
) -> None:
    """A refresh beside the main one that fills only ``panels``: ``draw(data, scale)`` gives
    their values in order."""

    @app.callback(*_panel_outputs(panels), *refresh_inputs(page))
    def refresh_panels(store, _refresh, viewport):
        _, data, problem = load_for_caller(load, store)
        scale = scale_of(viewport)
        if problem:
            return _failed_panels(panels, problem, scale)
        return draw(data, scale)
