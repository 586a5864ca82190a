"""``/aca``: read the caller and the filters, ask ``data.queries.aca``, draw."""

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
from core.config import Settings
from core.filters import Filters
from core.timeutil import caracas_date
from data.queries import aca as q
from data.queries.filters import scoped
from layouts import aca as ui
from layouts.registry import Page, register_page

FIGURES = ("aca-transformation", "aca-territory")
LISTS = ("aca-overdue",)


def compute(args: tuple) -> dict[str, Any]:
    session, scope, filters, now = args
    today, t = caracas_date(now), q.transformation_of(filters.categoria)
    ref = scoped(session, scope, filters, now).ref
    return {
        "totals": q.totals(session, ref, today, t),
        "transformation": q.by_transformation(session, ref, today, t),
        "territory": q.by_territory(session, ref, today, t),
        "overdue": q.overdue_actions(session, ref, today, 50, t),
    }


def load(scope_code: str | None, filters: Filters) -> dict[str, Any]:
    """Every number of the page for ``filters`` inside the scope of ``scope_code``."""
    return cached_load(ui.PAGE, "main", ui.DATASETS, scope_code, filters, compute)


LOADS = {"principal": load}


def register(app: Dash, settings: Settings) -> None:
    register_page(
        Page(
            path="/aca",
            title="Agendas Concretas de Acción (ACA)",
            nav_label="ACA",
            layout=partial(ui.layout, settings=settings),
        )
    )

    def draw(data: dict[str, Any], filters: Filters, scale: float) -> tuple[Head, tuple]:
        head = Head(
            ui.kpi_cards(data["totals"]),
            ui.map_features(data["territory"]),
            ui.map_legend(),
        )
        return head, (
            ui.transformation_figure(data["transformation"], scale),
            ui.territory_figure(data["territory"], scale),
            ui.overdue_list(data["overdue"]),
        )

    panels = figures(*FIGURES) + lists(*LISTS)
    register_main_refresh(
        app, ui.PAGE, "aca", ui.DATASETS, load, panels, draw, subtitle="estado actual"
    )
    register_drill(app, ui.PAGE, "aca", ("aca-territory",))
