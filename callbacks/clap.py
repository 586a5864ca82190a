"""``/clap``: read the caller and the filters, ask ``data.queries.clap``, draw."""

from __future__ import annotations

import time
from functools import partial
from typing import Any

from dash import Dash, Input, Output, State, ctx, no_update

from auth.principal import current_principal
from callbacks.filters import drill_search, filters_of
from callbacks.pages import clicked_bar, load_guarded, scale_of
from core.config import Settings
from core.filters import Filters
from core.timeutil import utcnow
from data.db import session_scope
from data.queries import clap as q
from data.scope import scope_for
from layouts import clap as ui
from layouts.components.empty import empty_state
from layouts.components.figures import empty_figure
from layouts.components.freshness import freshness_store_id
from layouts.components.indicator import is_filters_trigger, page_inputs
from layouts.components.map_points import CLUSTER_AT, clicked_code
from layouts.components.territory_map import fit_bounds, map_viewport
from layouts.registry import Page, register_page

FIGURES = ("clap-trend", "clap-territory", "clap-kg")


def load(scope_code: str | None, filters: Filters) -> dict[str, Any]:
    """Every number of the page for ``filters`` inside the scope of ``scope_code``."""
    now = utcnow()
    with session_scope() as session:
        scope = scope_for(session, scope_code)
        args = (session, scope, filters, now)
        return {
            "kpis": q.kpis(*args),
            "daily": q.daily(*args),
            "territory": q.by_territory(*args),
            "late": q.late_committees(*args),
        }


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
        *[Output(fid, "figure") for fid in FIGURES],
        Output("clap-late", "children"),
        Output("pg-subtitle", "children", allow_duplicate=True),
        Output(freshness_store_id(ui.PAGE), "data"),
        *page_inputs(ui.PAGE),
        State("pg-viewport", "data"),
        prevent_initial_call="initial_duplicate",
    )
    def refresh(store, _refresh, viewport):
        filters = filters_of(store)
        scale = scale_of(viewport)
        data, problem = load_guarded(load, current_principal().territory_code, filters)
        if problem:
            empty = empty_figure(problem, scale)
            return (
                empty_state("Territorio no disponible", problem),
                {"type": "FeatureCollection", "features": []},
                False,
                [],
                no_update,
                *[empty for _ in FIGURES],
                None,
                "",
                {"at": None},
            )
        points = ui.map_features(data["territory"])
        first = is_filters_trigger(ctx.triggered_id)
        view = map_viewport(fit_bounds(points, filters.territorio is None)) if first else no_update
        return (
            ui.kpi_cards(data["kpis"], filters),
            points,
            len(points["features"]) > CLUSTER_AT,
            ui.map_legend(),
            view,
            ui.trend_figure(data["daily"], scale),
            ui.territory_figure(data["territory"], scale),
            ui.kg_figure(data["daily"], scale),
            ui.late_list(data["late"]),
            filters.range_label(),
            {"at": int(time.time() * 1000), "stale": 90},
        )

    @app.callback(
        Output("url", "search", allow_duplicate=True),
        Input("clap-map-points", "clickData"),
        Input("clap-territory", "clickData"),
        State("flt-filters", "data"),
        prevent_initial_call=True,
    )
    def drill(map_click, bar_click, store):
        if ctx.triggered_id == "clap-map-points":
            code = clicked_code(map_click)
        else:
            code = clicked_bar(bar_click)
        return drill_search(store, code) if code else no_update
