"""``/casos``: read the caller and the filters, ask ``data.queries.cases``, draw.

Two refresh callbacks run side by side: the main one (KPIs, map, funnel, SLA) and the rest
(age, categories, time percentiles, oldest cases), each through the version-keyed cache.
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
from core.config import Settings, load_settings
from core.filters import Filters
from data.queries import cases as q
from data.queries.filters import scoped
from data.queries.parallel import run_parallel
from layouts import casos as ui
from layouts.registry import Page, register_page

MAIN_FIGURES = ("cas-funnel", "cas-territory", "cas-age", "cas-sla", "cas-resolved-late")
MORE_FIGURES = ("cas-category",)
LISTS = ("cas-pct-institution", "cas-pct-category", "cas-oldest")


def _args(args: tuple) -> tuple[Any, Any, Filters, Any, Any]:
    """``(session, ref, filters, start, end)`` from the cache's ``(session, scope, filters, now)``."""
    session, scope, filters, now = args
    start, end = filters.time_bounds(now)
    return session, scoped(session, scope, filters, now).ref, filters, start, end


def compute_main(args: tuple, targets: dict[str, float]) -> dict[str, Any]:
    session, ref, filters, start, end = _args(args)
    prev_start, prev_end = filters.previous_time_bounds(args[3])
    category = filters.categoria
    data = run_parallel(
        session.get_bind(),
        {
            "totals": lambda s: q.totals(s, ref, start, end, category, include_open=False),
            "previous": lambda s: q.totals(
                s, ref, prev_start, prev_end, category, include_open=False
            ),
            "funnel": lambda s: q.funnel(s, ref, start, end, category),
            # one read of the open cases for the age chart, the SLA table and the map
            "open": lambda s: q.open_summary(s, ref, end, targets, category),
            "resolved": lambda s: q.sla_resolved(s, ref, start, end, targets, category),
            "reported": lambda s: q.territory_reported(s, ref, start, end, category),
        },
    )
    summary = data.pop("open")
    ages = q.open_per(summary, "age")
    data["age"] = q.age_rows({k: n for k, (n, _) in ages.items()})
    data["sla"] = q.sla_rows(q.open_per(summary, "category"), data.pop("resolved"), targets)
    data["territory"] = q.territory_rows(data.pop("reported"), q.open_per(summary, "place"))
    # the age buckets partition the cases open at ``end``: no second count of them
    data["totals"]["open"] = sum(row["cases"] for row in data["age"])
    return data


def compute_more(args: tuple) -> dict[str, Any]:
    session, ref, filters, start, end = _args(args)
    category = filters.categoria
    return run_parallel(
        session.get_bind(),
        {
            "categories": lambda s: q.by_category(s, ref, start, end),
            "percentiles": lambda s: q.percentile_tables(s, ref, start, end, category),
            "oldest": lambda s: q.oldest_open(s, ref, end, 20, category),
        },
    )


def load_main(
    scope_code: str | None, filters: Filters, targets: dict[str, float] | None = None
) -> dict[str, Any]:
    """KPIs, map, funnel, open cases by age and SLA for ``filters`` inside the scope of ``scope_code``."""
    targets = targets if targets is not None else load_settings().sla_hours
    return cached_load(
        ui.PAGE,
        "main",
        ui.DATASETS,
        scope_code,
        filters,
        partial(compute_main, targets=targets),
    )


def load_more(scope_code: str | None, filters: Filters) -> dict[str, Any]:
    """Categories, time percentiles and the oldest open cases."""
    return cached_load(ui.PAGE, "more", ui.DATASETS, scope_code, filters, compute_more)


LOADS = {"principal": load_main, "categorías y tiempos": load_more}


def register(app: Dash, settings: Settings) -> None:
    register_page(
        Page(
            path="/casos",
            title="Casos 1x10 del Buen Gobierno",
            nav_label="Casos 1x10",
            layout=partial(ui.layout, settings=settings),
        )
    )
    main_loader = partial(load_main, targets=settings.sla_hours)

    def draw_main(data: dict[str, Any], filters: Filters, scale: float) -> tuple[Head, tuple]:
        kpis = ui.kpi_cards(
            data["totals"], data["previous"], data["funnel"], data["sla"], data["age"], filters
        )
        head = Head(kpis, ui.map_features(data["territory"]), ui.map_legend())
        return head, (
            ui.funnel_figure(data["funnel"], scale),
            ui.territory_figure(data["territory"], scale),
            ui.age_figure(data["age"], scale),
            ui.sla_figure(data["sla"], scale),
            ui.resolved_late_figure(data["sla"], scale),
        )

    def draw_more(data: dict[str, Any], scale: float) -> tuple:
        return (
            ui.category_figure(data["categories"], scale),
            ui.percentile_table(data["percentiles"]["institution"], "institution"),
            ui.percentile_table(data["percentiles"]["category"], "category"),
            ui.oldest_list(data["oldest"]),
        )

    register_main_refresh(
        app, ui.PAGE, "cas", ui.DATASETS, main_loader, figures(*MAIN_FIGURES), draw_main
    )
    register_panels_refresh(
        app, ui.PAGE, load_more, figures(*MORE_FIGURES) + lists(*LISTS), draw_more
    )
    register_drill(app, ui.PAGE, "cas", ("cas-territory",))
