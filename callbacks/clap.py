"""``/clap``: read the caller and the filters, ask ``data.queries.clap``, draw."""

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
from data.queries import clap as q
from data.queries.parallel import run_page_queries
from layouts import clap as ui
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

    def draw_main(data: dict[str, Any], filters: Filters, scale: float) -> tuple[Head, tuple]:
        head = Head(
            ui.kpi_cards(data["kpis"], filters),
            ui.map_features(data["territory"]),
            ui.map_legend(),
        )
        return head, (ui.territory_figure(data["territory"], scale),)

    def draw_more(data: dict[str, Any], scale: float) -> tuple:
        return (
            ui.trend_figure(data["daily"], scale),
            ui.kg_figure(data["daily"], scale),
            ui.late_list(data["late"]),
        )

    register_main_refresh(
        app, ui.PAGE, "clap", ui.DATASETS, load_main, figures("clap-territory"), draw_main
    )
    more_panels = figures("clap-trend", "clap-kg") + lists("clap-late")
    register_panels_refresh(app, ui.PAGE, load_more, more_panels, draw_more)
    register_drill(app, ui.PAGE, "clap", ("clap-territory",))
