"""``/defensa``: read the caller and the filters, ask ``data.queries.defense``, draw."""

from __future__ import annotations

import time
from functools import partial
from typing import Any

from dash import Dash, Input, Output, State, ctx, no_update

from auth.principal import current_principal
from callbacks.filters import drill_search, filters_of
from callbacks.pages import cached_load, clicked_bar, load_guarded, page_versions, scale_of
from core.config import Settings, load_settings
from core.filters import Filters
from core.timeutil import caracas_date
from data.queries import defense as q
from data.queries.filters import scoped
from layouts import defensa as ui
from layouts.components.empty import empty_state
from layouts.components.figures import empty_figure
from layouts.components.filter_bar import filters_id, refresh_id
from layouts.components.freshness import freshness_store_id
from layouts.components.map_points import CLUSTER_AT, clicked_code
from layouts.components.territory_map import fit_bounds, map_viewport
from layouts.registry import Page, register_page

FIGURES = ("def-territory", "def-phase", "def-plan")
LISTS = ("def-incomplete", "def-overdue")


def compute(args: tuple, overdue_days: int) -> dict[str, Any]:
    session, scope, filters, now = args
    today, plan = caracas_date(now), filters.categoria
    ref = scoped(session, scope, filters, now).ref
    return {
        "totals": q.totals(session, ref, today, overdue_days, plan),
        "territory": q.by_territory(session, ref, today, overdue_days, plan),
        "plans": q.by_plan_phase(session, ref, plan),
        "incomplete": q.committees_incomplete(session, ref, today, 25, plan),
        "overdue": q.exercises_overdue(session, ref, today, overdue_days, 25, plan),
    }


def load(scope_code: str | None, filters: Filters, overdue_days: int | None = None) -> dict:
    """Every number of the page for ``filters`` inside the scope of ``scope_code``."""
    days = overdue_days if overdue_days is not None else load_settings().exercise_overdue_days
    return cached_load(
        ui.PAGE, "main", ui.DATASETS, scope_code, filters, partial(compute, overdue_days=days)
    )


LOADS = {"principal": load}


def register(app: Dash, settings: Settings) -> None:
    register_page(
        Page(
            path="/defensa",
            title="Planes de defensa integral",
            nav_label="Defensa",
            layout=partial(ui.layout, settings=settings),
        )
    )
    days = settings.exercise_overdue_days
    loader = partial(load, overdue_days=days)

    @app.callback(
        Output("def-kpis", "children"),
        Output("def-map-points", "data"),
        Output("def-map-points", "cluster"),
        Output("def-map-legend", "children"),
        Output("def-map", "viewport"),
        *[Output(fid, "figure") for fid in FIGURES],
        *[Output(lid, "children") for lid in LISTS],
        Output("pg-subtitle", "children", allow_duplicate=True),
        Output(freshness_store_id(ui.PAGE), "data"),
        Output("pg-version", "data", allow_duplicate=True),
        Input(filters_id(ui.PAGE), "data"),
        Input(refresh_id(ui.PAGE), "data"),
        State("pg-viewport", "data"),
        prevent_initial_call="initial_duplicate",
    )
    def refresh(store, _refresh, viewport):
        filters = filters_of(store)
        scale = scale_of(viewport)
        seen = page_versions(ui.DATASETS)
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
                seen,
            )
        points = ui.map_features(data["territory"])
        live = ctx.triggered_id == refresh_id(ui.PAGE)
        view = no_update if live else map_viewport(fit_bounds(points, filters.territorio is None))
        return (
            ui.kpi_cards(data["totals"], days),
            points,
            len(points["features"]) > CLUSTER_AT,
            ui.map_legend(),
            view,
            ui.territory_figure(data["territory"], scale),
            ui.phase_figure(data["territory"], scale),
            ui.plan_figure(data["plans"], scale),
            ui.incomplete_list(data["incomplete"]),
            ui.overdue_list(data["overdue"]),
            "estado actual",
            {"at": int(time.time() * 1000), "stale": 90},
            seen,
        )

    @app.callback(
        Output("url", "search", allow_duplicate=True),
        Input("def-map-points", "clickData"),
        Input("def-territory", "clickData"),
        Input("def-phase", "clickData"),
        State(filters_id(ui.PAGE), "data"),
        prevent_initial_call=True,
    )
    def drill(map_click, bar_click, phase_click, store):
        if ctx.triggered_id == "def-map-points":
            code = clicked_code(map_click)
        else:
            code = clicked_bar(bar_click if ctx.triggered_id == "def-territory" else phase_click)
        return drill_search(store, code) if code else no_update
