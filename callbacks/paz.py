"""``/paz``: read the caller and the filters, ask ``data.queries.incidents``, draw.

Two refresh callbacks run side by side: the main one (KPIs, map, 24 h vs last week) and the
rest (heat map, types, severity, lists), each through the version-keyed cache.
"""

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
    register_panels_refresh,
)
from callbacks.pages import cached_load
from core.config import Settings
from core.filters import Filters
from data.queries import incidents as q
from data.queries.filters import scoped
from data.queries.parallel import run_parallel
from layouts import paz as ui
from layouts.registry import Page, register_page

MAIN_FIGURES = ("paz-day", "paz-territory")
MORE_FIGURES = ("paz-heatmap", "paz-type", "paz-severity")
LISTS = ("paz-cuadrantes",)


def compute_main(args: tuple) -> dict[str, Any]:
    session, scope, filters, now = args
    start, end = filters.time_bounds(now)
    prev_start, prev_end = filters.previous_time_bounds(now)
    ref, kind = scoped(session, scope, filters, now).ref, filters.categoria
    return run_parallel(
        session.get_bind(),
        {
            "totals": lambda s: q.totals(s, ref, start, end, kind),
            "previous": lambda s: q.totals(s, ref, prev_start, prev_end, kind),
            "day": lambda s: q.day_vs_last_week(s, ref, now, kind),
            "above": lambda s: q.above_usual(s, ref, now, kind=kind),
            "territory": lambda s: q.by_territory(s, ref, start, end, kind),
        },
    )


def compute_more(args: tuple) -> dict[str, Any]:
    session, scope, filters, now = args
    start, end = filters.time_bounds(now)
    ref, kind = scoped(session, scope, filters, now).ref, filters.categoria
    return run_parallel(
        session.get_bind(),
        {
            "heatmap": lambda s: q.heatmap(s, ref, start, end, kind),
            "types": lambda s: q.by_type(s, ref, start, end),
            "severity": lambda s: q.by_severity(s, ref, start, end, kind),
            "cuadrantes": lambda s: q.by_cuadrante(s, ref, start, end, kind, limit=25),
        },
    )


def load_main(scope_code: str | None, filters: Filters) -> dict[str, Any]:
    """KPIs, map, the last 24 h and the cuadrantes above their usual level."""
    return cached_load(ui.PAGE, "main", ui.DATASETS, scope_code, filters, compute_main)


def load_more(scope_code: str | None, filters: Filters) -> dict[str, Any]:
    """Heat map, types, severity and the busiest cuadrantes."""
    return cached_load(ui.PAGE, "more", ui.DATASETS, scope_code, filters, compute_more)


LOADS = {"principal": load_main, "mapa de calor y listas": load_more}


def register(app: Dash, settings: Settings) -> None:
    register_page(
        Page(
            path="/paz",
            title="Cuadrantes de paz",
            nav_label="Paz",
            layout=partial(ui.layout, settings=settings),
        )
    )

    def draw_main(data: dict[str, Any], filters: Filters, scale: float) -> tuple[Head, tuple]:
        kpis = ui.kpi_cards(data["totals"], data["previous"], data["day"], data["above"], filters)
        head = Head(kpis, ui.map_features(data["territory"]), ui.map_legend())
        return head, (
            ui.day_figure(data["day"], scale),
            ui.territory_figure(data["territory"], scale),
            ui.above_list(data["above"]),
        )

    def draw_more(data: dict[str, Any], scale: float) -> tuple:
        return (
            ui.heatmap_figure(data["heatmap"], scale),
            ui.type_figure(data["types"], scale),
            ui.severity_figure(data["severity"], scale),
            ui.cuadrantes_list(data["cuadrantes"]),
        )

    main_panels = figures(*MAIN_FIGURES) + lists("paz-above")
    register_main_refresh(app, ui.PAGE, "paz", ui.DATASETS, load_main, main_panels, draw_main)
    register_panels_refresh(
        app, ui.PAGE, load_more, figures(*MORE_FIGURES) + lists(*LISTS), draw_more
    )
    register_drill(app, ui.PAGE, "paz", ("paz-territory",))
