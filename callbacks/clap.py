"""``/clap``: read the caller and the filters, ask ``data.queries.clap``, draw."""

from __future__ import annotations

from functools import partial
from typing import Any

from dash import Dash, Output

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
from data.queries import clap as q
from data.queries.parallel import run_page_queries
from layouts import clap as ui
from layouts.components.figures import empty_figure
from layouts.registry import Page, register_page


def _cached(part: str, scope_code: str | None, filters: Filters, compute) -> dict[str, Any]:
    return cached_load(ui.PAGE, part, ui.DATASETS, scope_code, filters, compute)


def load_main(scope_code: str | None, filters: Filters) -> dict[str, Any]:
    """KPIs and the child territories (map and coverage chart)."""
    return _cached(
        "main",
        scope_code,
        filters,
        lambda args: run_page_queries(args, {"kpis": q.kpis, "territory": q.by_territory}),
    )


def load_more(scope_code: str | None, filters: Filters) -> dict[str, Any]:
    """The daily series and the late committees."""
    return _cached(
        "more",
        scope_code,
        filters,
        lambda args: run_page_queries(args, {"daily": q.daily, "late": q.late_committees}),
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
        *head_outputs("clap"),
        Output("clap-territory", "figure"),
        *frame_outputs(ui.PAGE),
        *refresh_inputs(ui.PAGE),
        prevent_initial_call="initial_duplicate",
    )
    def refresh_main(store, _refresh, viewport):
        seen = page_versions(ui.DATASETS)
        filters, data, problem = load_for_caller(load_main, store)
        scale = scale_of(viewport)
        if problem:
            return (*failed_head(problem), empty_figure(problem, scale), *failed_frame(seen))
        kpis = ui.kpi_cards(data["kpis"], filters)
        points = ui.map_features(data["territory"])
        return (
            *head_values(ui.PAGE, kpis, points, ui.map_legend(), filters),
            ui.territory_figure(data["territory"], scale),
            *frame_values(filters.range_label(), seen),
        )

    @app.callback(
        Output("clap-trend", "figure"),
        Output("clap-kg", "figure"),
        Output("clap-late", "children"),
        *refresh_inputs(ui.PAGE),
    )
    def refresh_more(store, _refresh, viewport):
        _, data, problem = load_for_caller(load_more, store)
        scale = scale_of(viewport)
        if problem:
            empty = empty_figure(problem, scale)
            return empty, empty, None
        return (
            ui.trend_figure(data["daily"], scale),
            ui.kg_figure(data["daily"], scale),
            ui.late_list(data["late"]),
        )

    register_drill(app, ui.PAGE, "clap", ("clap-territory",))
