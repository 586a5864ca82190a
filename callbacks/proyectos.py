"""``/proyectos``: read the caller and the filters, ask ``data.queries.projects``, draw."""

from __future__ import annotations

from functools import partial
from typing import Any

from dash import Dash, Input, Output, State, no_update

from auth.principal import current_principal
from callbacks.filters import territory_problem
from callbacks.indicator import (
    failed_frame,
    failed_head,
    frame_outputs,
    frame_values,
    head_outputs,
    head_values,
    load_for_caller,
    refresh_inputs,
    register_drill,
)
from callbacks.pages import cached_load, page_versions, scale_of
from core.config import Settings
from core.filters import Filters
from data.db import session_scope
from data.queries import projects as q
from data.queries.parallel import run_page_queries
from data.scope import OutOfScope, scope_for
from layouts import proyectos as ui
from layouts.components.data_table import grid_id
from layouts.components.empty import empty_state
from layouts.components.figures import empty_figure
from layouts.registry import Page, register_page

MORE_FIGURES = ("prj-rounds", "prj-category", "prj-transformation", "prj-banks")


def _cached(part: str, scope_code: str | None, filters: Filters, compute) -> dict[str, Any]:
    return cached_load(ui.PAGE, part, ui.DATASETS, scope_code, filters, compute)


def load_main(scope_code: str | None, filters: Filters) -> dict[str, Any]:
    """KPIs, the money grid and the child territories (map and territory chart)."""
    return _cached(
        "main",
        scope_code,
        filters,
        lambda args: run_page_queries(
            args,
            {"kpis": q.kpis, "money": q.money_vs_progress, "territory": q.by_territory},
        ),
    )


def load_more(scope_code: str | None, filters: Filters) -> dict[str, Any]:
    """The breakdown charts and the stalled projects."""
    return _cached(
        "more",
        scope_code,
        filters,
        lambda args: run_page_queries(
            args,
            {
                "rounds": q.status_by_round,
                "category": q.by_category,
                "transformation": q.by_transformation,
                "banks": q.transfers_by_bank,
                "stalled": q.stalled_projects,
            },
        ),
    )


LOADS = {"principal": load_main, "desgloses": load_more}


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
        *head_outputs("prj"),
        Output("prj-territory", "figure"),
        Output("prj-money", "figure"),
        *frame_outputs(ui.PAGE),
        *refresh_inputs(ui.PAGE),
        prevent_initial_call="initial_duplicate",
    )
    def refresh_main(store, _refresh, viewport):
        seen = page_versions(ui.DATASETS)
        filters, data, problem = load_for_caller(load_main, store)
        scale = scale_of(viewport)
        if problem:
            empty = empty_figure(problem, scale)
            return (*failed_head(problem), empty, empty, *failed_frame(seen))
        kpis = ui.kpi_cards(data["kpis"], data["money"], filters)
        points = ui.map_features(data["territory"])
        return (
            *head_values(ui.PAGE, kpis, points, ui.map_legend(), filters),
            ui.territory_figure(data["territory"], scale),
            ui.money_figure(data["money"], scale),
            *frame_values(filters.range_label(), seen),
        )

    @app.callback(
        *[Output(fid, "figure") for fid in MORE_FIGURES],
        Output("prj-stalled", "children"),
        *refresh_inputs(ui.PAGE),
    )
    def refresh_more(store, _refresh, viewport):
        _, data, problem = load_for_caller(load_more, store)
        scale = scale_of(viewport)
        if problem:
            return (*[empty_figure(problem, scale) for _ in MORE_FIGURES], None)
        return (
            ui.rounds_figure(data["rounds"], scale),
            ui.category_figure(data["category"], scale),
            ui.transformation_figure(data["transformation"], scale),
            ui.banks_figure(data["banks"], scale),
            ui.stalled_list(data["stalled"]),
        )

    register_drill(app, ui.PAGE, "prj", ("prj-territory",))

    @app.callback(
        Output("prj-selected", "data", allow_duplicate=True),
        Input(grid_id(q.PROJECTS.name), "selectedRows"),
        prevent_initial_call=True,
    )
    def select_project(rows):
        """A row of the projects table opens its detail."""
        return rows[0]["id"] if rows else no_update

    @app.callback(
        Output("prj-selected", "data", allow_duplicate=True),
        Input(grid_id(q.TRANSFERS.name), "selectedRows"),
        prevent_initial_call=True,
    )
    def select_transfer(rows):
        """A row of the transfers table opens its project."""
        return rows[0]["project_id"] if rows else no_update

    @app.callback(
        Output("prj-selected", "data", allow_duplicate=True),
        Input(ui.STALLED_TABLE, "clicked"),
        prevent_initial_call=True,
    )
    def select_stalled(clicked):
        """A stalled project of the list opens its detail."""
        return clicked["id"] if clicked else no_update

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
