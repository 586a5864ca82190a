"""``/paz``: read the caller and the filters, ask ``data.queries.incidents``, draw.

Two refresh callbacks run side by side: the main one (KPIs, map, 24 h vs last week) and the
rest (heat map, types, severity, lists), each through the version-keyed cache.
"""

from __future__ import annotations

import time
from functools import partial
from typing import Any

from dash import Dash, Input, Output, State, ctx, no_update

from auth.principal import current_principal
from callbacks.filters import drill_search, filters_of
from callbacks.pages import cached_load, clicked_bar, load_guarded, page_versions, scale_of
from core.config import Settings
from core.filters import Filters
from data.queries import incidents as q
from data.queries.filters import scoped
from layouts import paz as ui
from layouts.components.empty import empty_state
from layouts.components.figures import empty_figure
from layouts.components.filter_bar import filters_id, refresh_id
from layouts.components.freshness import freshness_store_id
from layouts.components.map_points import CLUSTER_AT, clicked_code
from layouts.components.territory_map import fit_bounds, map_viewport
from layouts.registry import Page, register_page

MAIN_FIGURES = ("paz-day", "paz-territory")
MORE_FIGURES = ("paz-heatmap", "paz-type", "paz-severity")
LISTS = ("paz-cuadrantes",)


def compute_main(args: tuple) -> dict[str, Any]:
    session, scope, filters, now = args
    start, end = filters.time_bounds(now)
    prev_start, prev_end = filters.previous_time_bounds(now)
    ref, kind = scoped(session, scope, filters, now).ref, filters.categoria
    return {
        "totals": q.totals(session, ref, start, end, kind),
        "previous": q.totals(session, ref, prev_start, prev_end, kind),
        "day": q.day_vs_last_week(session, ref, now, kind),
        "above": q.above_usual(session, ref, now, kind=kind),
        "territory": q.by_territory(session, ref, start, end, kind),
    }


def compute_more(args: tuple) -> dict[str, Any]:
    session, scope, filters, now = args
    start, end = filters.time_bounds(now)
    ref, kind = scoped(session, scope, filters, now).ref, filters.categoria
    return {
        "heatmap": q.heatmap(session, ref, start, end, kind),
        "types": q.by_type(session, ref, start, end),
        "severity": q.by_severity(session, ref, start, end, kind),
        "cuadrantes": q.by_cuadrante(session, ref, start, end, kind, limit=25),
    }


def load_main(scope_code: str | None, filters: Filters) -> dict[str, Any]:
    """KPIs, map, the last 24 h and the cuadrantes above their usual level."""
    return cached_load(ui.PAGE, "main", ui.DATASETS, scope_code, filters, compute_main)


def load_more(scope_code: str | None, filters: Filters) -> dict[str, Any]:
    """Heat map, types, severity and the busiest cuadrantes."""
    return cached_load(ui.PAGE, "more", ui.DATASETS, scope_code, filters, compute_more)


LOADS = {"principal": load_main, "mapa de calor y listas": load_more}


def register(app: Dash, settings: Settings) -> None:
    register_page(
        Page(
            path="/paz",
            title="Cuadrantes de paz",
            nav_label="Paz",
            layout=partial(ui.layout, settings=settings),
        )
    )

    @app.callback(
        Output("paz-kpis", "children"),
        Output("paz-map-points", "data"),
        Output("paz-map-points", "cluster"),
        Output("paz-map-legend", "children"),
        Output("paz-map", "viewport"),
        *[Output(fid, "figure") for fid in MAIN_FIGURES],
        Output("paz-above", "children"),
        Output("pg-subtitle", "children", allow_duplicate=True),
        Output(freshness_store_id(ui.PAGE), "data"),
        Output("pg-version", "data", allow_duplicate=True),
        Input(filters_id(ui.PAGE), "data"),
        Input(refresh_id(ui.PAGE), "data"),
        State("pg-viewport", "data"),
        prevent_initial_call="initial_duplicate",
    )
    def refresh_main(store, _refresh, viewport):
        filters = filters_of(store)
        scale = scale_of(viewport)
        seen = page_versions(ui.DATASETS)
        data, problem = load_guarded(load_main, current_principal().territory_code, filters)
        if problem:
            empty = empty_figure(problem, scale)
            return (
                empty_state("Territorio no disponible", problem),
                {"type": "FeatureCollection", "features": []},
                False,
                [],
                no_update,
                *[empty for _ in MAIN_FIGURES],
                None,
                "",
                {"at": None},
                seen,
            )
        points = ui.map_features(data["territory"])
        live = ctx.triggered_id == refresh_id(ui.PAGE)
        view = no_update if live else map_viewport(fit_bounds(points, filters.territorio is None))
        return (
            ui.kpi_cards(data["totals"], data["previous"], data["day"], data["above"], filters),
            points,
            len(points["features"]) > CLUSTER_AT,
            ui.map_legend(),
            view,
            ui.day_figure(data["day"], scale),
            ui.territory_figure(data["territory"], scale),
            ui.above_list(data["above"]),
            filters.range_label(),
            {"at": int(time.time() * 1000), "stale": 90},
            seen,
        )

    @app.callback(
        *[Output(fid, "figure") for fid in MORE_FIGURES],
        *[Output(lid, "children") for lid in LISTS],
        Input(filters_id(ui.PAGE), "data"),
        Input(refresh_id(ui.PAGE), "data"),
        State("pg-viewport", "data"),
    )
    def refresh_more(store, _refresh, viewport):
        filters = filters_of(store)
        scale = scale_of(viewport)
        data, problem = load_guarded(load_more, current_principal().territory_code, filters)
        if problem:
            empty = empty_figure(problem, scale)
            return (*[empty for _ in MORE_FIGURES], *[None for _ in LISTS])
        return (
            ui.heatmap_figure(data["heatmap"], scale),
            ui.type_figure(data["types"], scale),
            ui.severity_figure(data["severity"], scale),
            ui.cuadrantes_list(data["cuadrantes"]),
        )

    @app.callback(
        Output("url", "search", allow_duplicate=True),
        Input("paz-map-points", "clickData"),
        Input("paz-territory", "clickData"),
        State(filters_id(ui.PAGE), "data"),
        prevent_initial_call=True,
    )
    def drill(map_click, bar_click, store):
        if ctx.triggered_id == "paz-map-points":
            code = clicked_code(map_click)
        else:
            code = clicked_bar(bar_click)
        return drill_search(store, code) if code else no_update
