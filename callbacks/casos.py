"""``/casos``: read the caller and the filters, ask ``data.queries.cases``, draw.

Two refresh callbacks run side by side: the main one (KPIs, map, funnel, SLA) and the rest
(age, categories, time percentiles, oldest cases), each through the version-keyed cache.
"""

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
from data.queries import cases as q
from data.queries.filters import scoped
from data.queries.parallel import run_parallel
from layouts import casos as ui
from layouts.components.figures import empty_figure
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
            "age": lambda s: q.open_by_age(s, ref, end, category),
            "sla": lambda s: q.sla_breaches(s, ref, start, end, targets, category),
            "territory": lambda s: q.by_territory(s, ref, start, end, targets, category),
        },
    )
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

    @app.callback(
        *head_outputs("cas"),
        *[Output(fid, "figure") for fid in MAIN_FIGURES],
        *frame_outputs(ui.PAGE),
        *refresh_inputs(ui.PAGE),
        prevent_initial_call="initial_duplicate",
    )
    def refresh_main(store, _refresh, viewport):
        seen = page_versions(ui.DATASETS)
        filters, data, problem = load_for_caller(main_loader, store)
        scale = scale_of(viewport)
        if problem:
            empty = empty_figure(problem, scale)
            return (*failed_head(problem), *[empty for _ in MAIN_FIGURES], *failed_frame(seen))
        kpis = ui.kpi_cards(
            data["totals"], data["previous"], data["funnel"], data["sla"], data["age"], filters
        )
        points = ui.map_features(data["territory"])
        return (
            *head_values(ui.PAGE, kpis, points, ui.map_legend(), filters),
            ui.funnel_figure(data["funnel"], scale),
            ui.territory_figure(data["territory"], scale),
            ui.age_figure(data["age"], scale),
            ui.sla_figure(data["sla"], scale),
            ui.resolved_late_figure(data["sla"], scale),
            *frame_values(filters.range_label(), seen),
        )

    @app.callback(
        *[Output(fid, "figure") for fid in MORE_FIGURES],
        *[Output(lid, "children") for lid in LISTS],
        *refresh_inputs(ui.PAGE),
    )
    def refresh_more(store, _refresh, viewport):
        _, data, problem = load_for_caller(load_more, store)
        scale = scale_of(viewport)
        if problem:
            empty = empty_figure(problem, scale)
            return (*[empty for _ in MORE_FIGURES], *[None for _ in LISTS])
        return (
            ui.category_figure(data["categories"], scale),
            ui.percentile_table(data["percentiles"]["institution"], "institution"),
            ui.percentile_table(data["percentiles"]["category"], "category"),
            ui.oldest_list(data["oldest"]),
        )

    register_drill(app, ui.PAGE, "cas", ("cas-territory",))
