"""``/proyectos``: read the caller and the filters, ask ``data.queries.projects``, draw."""

from __future__ import annotations

import time
from functools import partial
from typing import Any

from dash import ALL, Dash, Input, Output, State, ctx, no_update

from auth.principal import current_principal
from callbacks.filters import drill_search, filters_of, territory_problem
from callbacks.pages import clicked_bar, load_guarded, scale_of
from core.config import Settings
from core.filters import Filters
from core.timeutil import utcnow
from data.db import session_scope
from data.queries import projects as q
from data.scope import OutOfScope, scope_for
from layouts import proyectos as ui
from layouts.components.empty import empty_state
from layouts.components.figures import empty_figure
from layouts.components.freshness import freshness_store_id
from layouts.components.indicator import is_filters_trigger, page_inputs
from layouts.components.map_points import CLUSTER_AT, clicked_code
from layouts.components.territory_map import fit_bounds, map_viewport
from layouts.registry import Page, register_page

FIGURES = (
    "prj-territory",
    "prj-money",
    "prj-rounds",
    "prj-category",
    "prj-transformation",
    "prj-banks",
)


def load(scope_code: str | None, filters: Filters) -> dict[str, Any]:
    """Every number of the page for ``filters`` inside the scope of ``scope_code``."""
    now = utcnow()
    with session_scope() as session:
        scope = scope_for(session, scope_code)
        args = (session, scope, filters, now)
        return {
            "kpis": q.kpis(*args),
            "money": q.money_vs_progress(*args),
            "territory": q.by_territory(*args),
            "rounds": q.status_by_round(*args),
            "category": q.by_category(*args),
            "transformation": q.by_transformation(*args),
            "banks": q.transfers_by_bank(*args),
            "stalled": q.stalled_projects(*args),
        }


def register(app: Dash, settings: Settings) -> None:
    register_page(
        Page(
            path="/proyectos",
            title="Proyectos · Consulta Popular",
            nav_label="Proyectos",
            layout=partial(ui.layout, settings=settings),
        )
    )

    @app.callback(
        Output("prj-kpis", "children"),
        Output("prj-map-points", "data"),
        Output("prj-map-points", "cluster"),
        Output("prj-map-legend", "children"),
        Output("prj-map", "viewport"),
        *[Output(fid, "figure") for fid in FIGURES],
        Output("prj-stalled", "children"),
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
            ui.kpi_cards(data["kpis"], data["money"], filters),
            points,
            len(points["features"]) > CLUSTER_AT,
            ui.map_legend(),
            view,
            ui.territory_figure(data["territory"], scale),
            ui.money_figure(data["money"], scale),
            ui.rounds_figure(data["rounds"], scale),
            ui.category_figure(data["category"], scale),
            ui.transformation_figure(data["transformation"], scale),
            ui.banks_figure(data["banks"], scale),
            ui.stalled_list(data["stalled"]),
            filters.range_label(),
            {"at": int(time.time() * 1000), "stale": 90},
        )

    @app.callback(
        Output("url", "search", allow_duplicate=True),
        Input("prj-map-points", "clickData"),
        Input("prj-territory", "clickData"),
        State("flt-filters", "data"),
        prevent_initial_call=True,
    )
    def drill(map_click, bar_click, store):
        code = (
            clicked_code(map_click)
            if ctx.triggered_id == "prj-map-points"
            else clicked_bar(bar_click)
        )
        return drill_search(store, code) if code else no_update

    @app.callback(
        Output("prj-selected", "data"),
        Input({"type": "sala-grid", "dataset": "proyectos"}, "selectedRows"),
        Input({"type": "sala-grid", "dataset": "transferencias"}, "selectedRows"),
        Input({"type": "prj-open", "id": ALL}, "n_clicks"),
        prevent_initial_call=True,
    )
    def select(project_rows, transfer_rows, _clicks):
        """A row of either table, or a stalled project, opens its detail."""
        trigger = ctx.triggered_id or {}
        if trigger.get("type") == "prj-open":
            clicked = any(t["value"] for t in ctx.triggered)
            return trigger["id"] if clicked else no_update
        if trigger.get("dataset") == "proyectos" and project_rows:
            return project_rows[0]["id"]
        if trigger.get("dataset") == "transferencias" and transfer_rows:
            return transfer_rows[0]["project_id"]
        return no_update

    @app.callback(
        Output("prj-detail", "children"),
        Input("prj-selected", "data"),
        State("pg-viewport", "data"),
        prevent_initial_call=True,
    )
    def show_detail(project_id, viewport):
        if not project_id:
            return no_update
        principal = current_principal()
        with session_scope() as session:
            try:
                detail = q.detail(session, scope_for(session, principal.territory_code), project_id)
            except OutOfScope as exc:
                return empty_state("Proyecto no disponible", territory_problem(project_id, exc))
        return ui.detail_view(detail, scale_of(viewport))
