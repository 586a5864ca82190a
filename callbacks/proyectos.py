"""``/proyectos``: read the caller and the filters, ask ``data.queries.projects``, draw."""

from __future__ import annotations

from functools import partial
from typing import Any

from dash import Dash, Input, Output, State, no_update

from auth.principal import current_principal
from callbacks.filters import territory_problem
from callbacks.indicator import (
    Head,
    figures,
    lists,
    register_drill,
    register_main_refresh,
    register_panels_refresh,
)
from callbacks.pages import cached_load, scale_of
from callbacks.row_clicks import gate_clicked_id
from core.config import Settings
from core.filters import Filters
from core.inputs import BadInput
from data.db import session_scope
from data.queries import projects as q
from data.queries.parallel import run_page_queries
from data.scope import OutOfScope, scope_for
from layouts import proyectos as ui
from layouts.components.data_table import grid_id
from layouts.components.empty import empty_state
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

    def draw_main(data: dict[str, Any], filters: Filters, scale: float) -> tuple[Head, tuple]:
        head = Head(
            ui.kpi_cards(data["kpis"], data["money"], filters),
            ui.map_features(data["territory"]),
            ui.map_legend(),
        )
        return head, (
            ui.territory_figure(data["territory"], scale),
            ui.money_figure(data["money"], scale),
        )

    def draw_more(data: dict[str, Any], scale: float) -> tuple:
        return (
            ui.rounds_figure(data["rounds"], scale),
            ui.category_figure(data["category"], scale),
            ui.transformation_figure(data["transformation"], scale),
            ui.banks_figure(data["banks"], scale),
            ui.stalled_list(data["stalled"]),
        )

    main_panels = figures("prj-territory", "prj-money")
    register_main_refresh(app, ui.PAGE, "prj", ui.DATASETS, load_main, main_panels, draw_main)
    more_panels = figures(*MORE_FIGURES) + lists("prj-stalled")
    register_panels_refresh(app, ui.PAGE, load_more, more_panels, draw_more)

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

    # A stalled project of the list opens its detail (gated in the browser: row_clicks.py).
    gate_clicked_id(app, ui.STALLED_TABLE, Output("prj-selected", "data", allow_duplicate=True))

    @app.callback(
        Output("prj-detail", "children"),
        Input("prj-selected", "data"),
        State("pg-viewport", "data"),
        prevent_initial_call=True,
    )
    def show_detail(project_id, viewport):
        if not project_id:
            return no_update
        if not isinstance(project_id, str):
            raise BadInput("El proyecto pedido no es válido.")
        principal = current_principal()
        with session_scope() as session:
            try:
                detail = q.detail(session, scope_for(session, principal.territory_code), project_id)
            except OutOfScope as exc:
                return empty_state("Proyecto no disponible", territory_problem(project_id, exc))
        return ui.detail_view(detail, scale_of(viewport))
