"""``/casos``: read the caller and the filters, ask ``data.queries.cases``, draw."""

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
from data.queries import cases as q
from data.queries.filters import scoped
from data.scope import scope_for
from layouts import casos as ui
from layouts.components.empty import empty_state
from layouts.components.figures import empty_figure
from layouts.components.freshness import freshness_store_id
from layouts.components.indicator import is_filters_trigger, page_inputs
from layouts.components.map_points import CLUSTER_AT, clicked_code
from layouts.components.territory_map import fit_bounds, map_viewport
from layouts.registry import Page, register_page

FIGURES = ("cas-funnel", "cas-territory", "cas-age", "cas-sla", "cas-category", "cas-resolved-late")
LISTS = ("cas-pct-institution", "cas-pct-category", "cas-oldest")


def load(scope_code: str | None, filters: Filters, targets: dict[str, float]) -> dict[str, Any]:
    """Every number of the page for ``filters`` inside the scope of ``scope_code``."""
    now = utcnow()
    start, end = filters.time_bounds(now)
    prev_start, prev_end = filters.previous_time_bounds(now)
    category = filters.categoria
    with session_scope() as session:
        view = scoped(session, scope_for(session, scope_code), filters, now)
        ref = view.ref
        return {
            "totals": q.totals(session, ref, start, end, category),
            "previous": q.totals(session, ref, prev_start, prev_end, category),
            "funnel": q.funnel(session, ref, start, end, category),
            "age": q.open_by_age(session, ref, end, category),
            "sla": q.sla_breaches(session, ref, start, end, targets, category),
            "categories": q.by_category(session, ref, start, end),
            "institution": q.time_percentiles(session, ref, start, end, "institution", category),
            "category": q.time_percentiles(session, ref, start, end, "category", category),
            "oldest": q.oldest_open(session, ref, end, 20, category),
            "territory": q.by_territory(session, ref, start, end, targets, category),
        }


def register(app: Dash, settings: Settings) -> None:
    register_page(
        Page(
            path="/casos",
            title="Casos 1x10 del Buen Gobierno",
            nav_label="Casos 1x10",
            layout=partial(ui.layout, settings=settings),
        )
    )
    loader = partial(load, targets=settings.sla_hours)

    @app.callback(
        Output("cas-kpis", "children"),
        Output("cas-map-points", "data"),
        Output("cas-map-points", "cluster"),
        Output("cas-map-legend", "children"),
        Output("cas-map", "viewport"),
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
        data, problem = load_guarded(loader, current_principal().territory_code, filters)
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
            ui.kpi_cards(data["totals"], data["previous"], data["funnel"], data["sla"], filters),
            points,
            len(points["features"]) > CLUSTER_AT,
            ui.map_legend(),
            view,
            ui.funnel_figure(data["funnel"], scale),
            ui.territory_figure(data["territory"], scale),
            ui.age_figure(data["age"], scale),
            ui.sla_figure(data["sla"], scale),
            ui.category_figure(data["categories"], scale),
            ui.resolved_late_figure(data["sla"], scale),
            ui.percentile_table(data["institution"], "institution"),
            ui.percentile_table(data["category"], "category"),
            ui.oldest_list(data["oldest"]),
            filters.range_label(),
            {"at": int(time.time() * 1000), "stale": 90},
        )

    @app.callback(
        Output("url", "search", allow_duplicate=True),
        Input("cas-map-points", "clickData"),
        Input("cas-territory", "clickData"),
        State("flt-filters", "data"),
        prevent_initial_call=True,
    )
    def drill(map_click, bar_click, store):
        if ctx.triggered_id == "cas-map-points":
            code = clicked_code(map_click)
        else:
            code = clicked_bar(bar_click)
        return drill_search(store, code) if code else no_update
