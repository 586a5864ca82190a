"""``/clap``: read the caller and the filters, ask ``data.queries.clap``, draw."""

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
from data.queries import clap as q
from layouts import clap as ui
from layouts.components.empty import empty_state
from layouts.components.figures import empty_figure
from layouts.components.filter_bar import filters_id, refresh_id
from layouts.components.freshness import freshness_store_id
from layouts.components.map_points import CLUSTER_AT, clicked_code
from layouts.components.territory_map import fit_bounds, map_viewport
from layouts.registry import Page, register_page


def _cached(part: str, scope_code: str | None, filters: Filters, compute) -> dict[str, Any]:
    return cached_load(ui.PAGE, part, ui.DATASETS, scope_code, filters, compute)


def load_main(scope_code: str | None, filters: Filters) -> dict[str, Any]:
    """KPIs and the child territories (map and coverage chart)."""
    return _cached(
        "main",
        scope_code,
        filters,
        lambda args: {"kpis": q.kpis(*args), "territory": q.by_territory(*args)},
    )


def load_more(scope_code: str | None, filters: Filters) -> dict[str, Any]:
    """The daily series and the late committees."""
    return _cached(
        "more",
        scope_code,
        filters,
        lambda args: {"daily": q.daily(*args), "late": q.late_committees(*args)},
    )


LOADS = {"principal": load_main, "serie y atrasos": load_more}


def register(app: Dash, settings: Settings) -> None:
    register_page(
        Page(
            path="/clap",
            title="CLAP · Distribución de alimentos",
            nav_label="CLAP",
            layout=partial(ui.layout, settings=settings),
        )
    )

    @app.callback(
        Output("clap-kpis", "children"),
        Output("clap-map-points", "data"),
        Output("clap-map-points", "cluster"),
        Output("clap-map-legend", "children"),
        Output("clap-map", "viewport"),
        Output("clap-territory", "figure"),
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
            return (
                empty_state("Territorio no disponible", problem),
                {"type": "FeatureCollection", "features": []},
                False,
                [],
                no_update,
                empty_figure(problem, scale),
                "",
                {"at": None},
                seen,
            )
        points = ui.map_features(data["territory"])
        # Fit the map on load and on filter changes, not on live refreshes (keep the zoom).
        live = ctx.triggered_id == refresh_id(ui.PAGE)
        view = no_update if live else map_viewport(fit_bounds(points, filters.territorio is None))
        return (
            ui.kpi_cards(data["kpis"], filters),
            points,
            len(points["features"]) > CLUSTER_AT,
            ui.map_legend(),
            view,
            ui.territory_figure(data["territory"], scale),
            filters.range_label(),
            {"at": int(time.time() * 1000), "stale": 90},
            seen,
        )

    @app.callback(
        Output("clap-trend", "figure"),
        Output("clap-kg", "figure"),
        Output("clap-late", "children"),
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
            return empty, empty, None
        return (
            ui.trend_figure(data["daily"], scale),
            ui.kg_figure(data["daily"], scale),
            ui.late_list(data["late"]),
        )

    @app.callback(
        Output("url", "search", allow_duplicate=True),
        Input("clap-map-points", "clickData"),
        Input("clap-territory", "clickData"),
        State(filters_id(ui.PAGE), "data"),
        prevent_initial_call=True,
    )
    def drill(map_click, bar_click, store):
        if ctx.triggered_id == "clap-map-points":
            code = clicked_code(map_click)
        else:
            code = clicked_bar(bar_click)
        return drill_search(store, code) if code else no_update
