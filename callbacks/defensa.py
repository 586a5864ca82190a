"""``/defensa``: read the caller and the filters, ask ``data.queries.defense``, draw."""

from __future__ import annotations

from functools import partial
from typing import Any

from dash import Dash

from callbacks.indicator import (
    Head,
    figures,
    lists,
    register_drill,
    register_main_refresh,
)
from callbacks.pages import cached_load
from core.config import Settings, load_settings
from core.filters import Filters
from core.timeutil import caracas_date
from data.queries import defense as q
from data.queries.filters import scoped
from data.queries.parallel import run_parallel
from layouts import defensa as ui
from layouts.registry import Page, register_page

FIGURES = ("def-territory", "def-phase", "def-plan")
LISTS = ("def-incomplete", "def-overdue")


def compute(args: tuple, overdue_days: int) -> dict[str, Any]:
    session, scope, filters, now = args
    today, plan = caracas_date(now), filters.categoria
    ref = scoped(session, scope, filters, now).ref
    # five independent reads of the units, asked at once (data/queries/parallel.py)
    return run_parallel(
        session.get_bind(),
        {
            "totals": lambda s: q.totals(s, ref, today, overdue_days, plan),
            "territory": lambda s: q.by_territory(s, ref, today, overdue_days, plan),
            "plans": lambda s: q.by_plan_phase(s, ref, plan),
            "incomplete": lambda s: q.committees_incomplete(s, ref, today, 25, plan),
            "overdue": lambda s: q.exercises_overdue(s, ref, today, overdue_days, 25, plan),
        },
    )


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

    def draw(data: dict[str, Any], filters: Filters, scale: float) -> tuple[Head, tuple]:
        head = Head(
            ui.kpi_cards(data["totals"], days),
            ui.map_features(data["territory"]),
            ui.map_legend(),
        )
        return head, (
            ui.territory_figure(data["territory"], scale),
            ui.phase_figure(data["territory"], scale),
            ui.plan_figure(data["plans"], scale),
            ui.incomplete_list(data["incomplete"]),
            ui.overdue_list(data["overdue"]),
        )

    panels = figures(*FIGURES) + lists(*LISTS)
    register_main_refresh(
        app, ui.PAGE, "def", ui.DATASETS, loader, panels, draw, subtitle="estado actual"
    )
    register_drill(app, ui.PAGE, "def", ("def-territory", "def-phase"))
