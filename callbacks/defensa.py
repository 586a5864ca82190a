"""``/defensa``: read the caller and the filters, ask ``data.queries.defense``, draw."""

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
from core.config import Settings, load_settings
from core.filters import Filters
from core.timeutil import caracas_date
from data.queries import defense as q
from data.queries.filters import scoped
from layouts import defensa as ui
from layouts.components.figures import empty_figure
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
        *head_outputs("def"),
        *[Output(fid, "figure") for fid in FIGURES],
        *[Output(lid, "children") for lid in LISTS],
        *frame_outputs(ui.PAGE),
        *refresh_inputs(ui.PAGE),
        prevent_initial_call="initial_duplicate",
    )
    def refresh(store, _refresh, viewport):
        seen = page_versions(ui.DATASETS)
        filters, data, problem = load_for_caller(loader, store)
        scale = scale_of(viewport)
        if problem:
            empty = empty_figure(problem, scale)
            return (
                *failed_head(problem),
                *[empty for _ in FIGURES],
                *[None for _ in LISTS],
                *failed_frame(seen),
            )
        kpis = ui.kpi_cards(data["totals"], days)
        points = ui.map_features(data["territory"])
        return (
            *head_values(ui.PAGE, kpis, points, ui.map_legend(), filters),
            ui.territory_figure(data["territory"], scale),
            ui.phase_figure(data["territory"], scale),
            ui.plan_figure(data["plans"], scale),
            ui.incomplete_list(data["incomplete"]),
            ui.overdue_list(data["overdue"]),
            *frame_values("estado actual", seen),
        )

    register_drill(app, ui.PAGE, "def", ("def-territory", "def-phase"))
