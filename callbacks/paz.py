"""``/paz``: read the caller and the filters, ask ``data.queries.incidents``, draw."""

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
from data.queries import incidents as q
from data.queries.filters import scoped
from data.scope import scope_for
from layouts import paz as ui
from layouts.components.empty import empty_state
from layouts.components.figures import empty_figure
from layouts.components.freshness import freshness_store_id
from layouts.components.indicator import is_filters_trigger, page_inputs
from layouts.components.map_points import CLUSTER_AT, clicked_code
from layouts.components.territory_map import fit_bounds, map_viewport
from layouts.registry import Page, register_page

FIGURES = ("paz-heatmap", "paz-day", "paz-territory", "paz-type", "paz-severity")
LISTS = ("paz-above", "paz-cuadrantes")


def load(scope_code: str | None, filters: Filters) -> dict[str, Any]:
    """Every number of the page for ``filters`` inside the scope of ``scope_code``."""
    now = utcnow()
    start, end = filters.time_bounds(now)
    prev_start, prev_end = filters.previous_time_bounds(now)
    kind = filters.categoria
    with session_scope() as session:
        ref = scoped(session, scope_for(session, scope_code), filters, now).ref
        return {
            "totals": q.totals(session, ref, start, end, kind),
            "previous": q.totals(session, ref, prev_start, prev_end, kind),
            "day": q.day_vs_last_week(session, ref, now, kind),
            "above": q.above_usual(session, ref, now, kind=kind),
            "heatmap": q.heatmap(session, ref, start, end, kind),
            "types": q.by_type(session, ref, start, end),
            "severity": q.by_severity(session, ref, start, end, kind),
            "cuadrantes": q.by_cuadrante(session, ref, start, end, kind, limit=25),
            "territory": q.by_territory(session, ref, start, end, kind),
        }


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
        *[Output(fid, "figure") for fid in FIGURES],
        *[Output(lid, "children") for lid in LISTS],
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
                *[None for _ in LISTS],
                "",
                {"at": None},
            )
        points = ui.map_features(data["territory"])
        first = is_filters_trigger(ctx.triggered_id)
        view = map_viewport(fit_bounds(points, filters.territorio is None)) if first else no_update
        return (
            ui.kpi_cards(data["totals"], data["previous"], data["day"], data["above"], filters),
            points,
            len(points["features"]) > CLUSTER_AT,
            ui.map_legend(),
            view,
            ui.heatmap_figure(data["heatmap"], scale),
            ui.day_figure(data["day"], scale),
            ui.territory_figure(data["territory"], scale),
            ui.type_figure(data["types"], scale),
            ui.severity_figure(data["severity"], scale),
            ui.above_list(data["above"]),
            ui.cuadrantes_list(data["cuadrantes"]),
            filters.range_label(),
            {"at": int(time.time() * 1000), "stale": 90},
        )

    @app.callback(
        Output("url", "search", allow_duplicate=True),
        Input("paz-map-points", "clickData"),
        Input("paz-territory", "clickData"),
        State("flt-filters", "data"),
        prevent_initial_call=True,
    )
    def drill(map_click, bar_click, store):
        if ctx.triggered_id == "paz-map-points":
            code = clicked_code(map_click)
        else:
            code = clicked_bar(bar_click)
        return drill_search(store, code) if code else no_update
