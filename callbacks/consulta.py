"""``/consulta``: read the caller and the filters, ask ``data.queries.consulta``, draw.

Two refreshes side by side, each through the version-keyed cache: the main one (KPIs, map,
ranking and its reasons, the circuitos and those without projects) and the rest (7T
distribution, stalled continuity projects, the circuito's history).
"""

from __future__ import annotations

from functools import partial
from typing import Any

from dash import Dash, Input, Output, State, no_update

from callbacks.filters import drill_search
from callbacks.indicator import (
    Head,
    figures,
    lists,
    register_drill,
    register_main_refresh,
    register_panels_refresh,
)
from callbacks.pages import cached_load
from callbacks.row_clicks import gate_clicks
from core.config import Settings, load_settings
from core.filters import Filters
from data.queries import consulta as q
from data.queries.filters import scoped
from data.queries.parallel import run_parallel
from layouts import consulta as ui
from layouts.components.filter_bar import filters_id
from layouts.components.indicator import PAGE_URL
from layouts.registry import Page, register_page


def _args(args: tuple) -> tuple[Any, Any, Filters, Any]:
    """``(session, ref, filters, now)`` from the cache's ``(session, scope, filters, now)``."""
    session, scope, filters, now = args
    return session, scoped(session, scope, filters, now).ref, filters, now


def compute_main(args: tuple, targets: dict[str, float]) -> dict[str, Any]:
    session, ref, filters, now = _args(args)
    category = filters.categoria
    rounds = q.recent_rounds(session)
    table_level, map_level = q.territory_level(ref), q.map_level(ref)
    levels = (None, map_level, table_level)
    path = q.advice_path(levels)
    data = run_parallel(
        session.get_bind(),
        {
            # one read of the cases and one of the projects for the ranking, map and table
            "demand": lambda s: q.demand_counts(s, ref, now, path, targets),
            "supply": lambda s: q.supply_counts(s, ref, now, rounds, path),
            "without": lambda s: q.without_projects(s, ref, rounds),
            # the territories of the map and of the table, read beside them
            **{f"places {lv}": partial(q.places_of, ref=ref, level=lv) for lv in levels[1:]},
        },
    )
    territories = {level: data.pop(f"places {level}") for level in dict.fromkeys(levels[1:])}
    # the map and the table show each territory's top category with its reason
    advice = q.advice_of(
        data.pop("demand"), data.pop("supply"), levels, rounds, category, every_category=False
    )
    data["ranking"] = advice[None].rankings.get(None, [])

    def places(level: str) -> list[dict[str, Any]]:
        return q.by_territory(
            session,
            ref,
            now,
            category,
            targets,
            level,
            rounds,
            result=advice[level],
            places=territories[level],
        )

    data["points"] = places(map_level)
    data["territories"] = data["points"] if table_level == map_level else places(table_level)
    data["totals"] = q.totals(data["ranking"], rounds)
    data["level"] = table_level
    return data


def compute_more(args: tuple) -> dict[str, Any]:
    session, ref, filters, now = _args(args)
    rounds = q.recent_rounds(session)
    return run_parallel(
        session.get_bind(),
        {
            "seven_t": lambda s: q.seven_t(s, ref, now, rounds),
            "stalled": lambda s: q.stalled_continuity(s, ref, now, 25, filters.categoria),
            "history": lambda s: q.circuito_history(s, ref),
        },
    )


def load_main(
    scope_code: str | None, filters: Filters, targets: dict[str, float] | None = None
) -> dict[str, Any]:
    """KPIs, map, ranking, circuitos: every number for ``filters`` inside ``scope_code``."""
    targets = targets if targets is not None else load_settings().sla_hours
    compute = partial(compute_main, targets=targets)
    return cached_load(ui.PAGE, "main", ui.DATASETS, scope_code, filters, compute)


def load_more(scope_code: str | None, filters: Filters) -> dict[str, Any]:
    """The 7T distribution, the stalled continuity projects and the circuito's history."""
    return cached_load(ui.PAGE, "more", ui.DATASETS, scope_code, filters, compute_more)


LOADS = {"principal": load_main, "desgloses": load_more}


def register(app: Dash, settings: Settings) -> None:
    register_page(
        Page(
            path="/consulta",
            title="Asesoría para la próxima Consulta",
            nav_label="Consulta",
            layout=partial(ui.layout, settings=settings),
        )
    )
    main = partial(load_main, targets=settings.sla_hours)

    def draw_main(data: dict[str, Any], filters: Filters, scale: float) -> tuple[Head, tuple]:
        head = Head(
            ui.kpi_cards(data["totals"], data["without"]),
            ui.map_features(data["points"]),
            ui.map_legend(),
        )
        return head, (
            ui.ranking_figure(data["ranking"], scale),
            ui.reasons_list(data["ranking"]),
            ui.territories_list(data["territories"], data["level"]),
            ui.without_list(data["without"]),
        )

    def draw_more(data: dict[str, Any], scale: float) -> tuple:
        return (
            ui.seven_t_figure(data["seven_t"], scale),
            ui.stalled_list(data["stalled"]),
            ui.history_view(data["history"]),
        )

    main_panels = figures("con-ranking") + lists("con-reasons", "con-territories", "con-without")
    register_main_refresh(
        app, ui.PAGE, "con", ui.DATASETS, main, main_panels, draw_main, subtitle=ui.subtitle()
    )
    more_panels = figures("con-seven-t") + lists("con-stalled", "con-history")
    register_panels_refresh(app, ui.PAGE, load_more, more_panels, draw_more)
    register_drill(app, ui.PAGE, "con", ())

    for table in (ui.TERRITORIES_TABLE, ui.WITHOUT_TABLE):
        _register_list_drill(app, table)


def _register_list_drill(app: Dash, table: str) -> None:
    """A click on a territory's name in ``table`` narrows the page to that territory."""

    @app.callback(
        Output(PAGE_URL, "search", allow_duplicate=True),
        Input(gate_clicks(app, table), "data"),
        State(filters_id(ui.PAGE), "data"),
        prevent_initial_call=True,
    )
    def drill_from_list(clicked, store):
        code = (clicked or {}).get("id")
        return drill_search(store, code) if code else no_update
