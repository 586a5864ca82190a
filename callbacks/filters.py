"""Callbacks of the shared filter bar and live refresh, registered once for every page.

The URL is the single source of truth: the controls write the query string (pushing a
history entry, so back works), the router re-renders the page from it, and the page's data
callbacks read the filters from the ``filters_id(page)`` store the layout built from the URL.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from dash import ALL, Dash, Input, Output, State, ctx, dcc, html, no_update

from auth.principal import current_principal
from core.config import Settings
from core.filters import Filters, parse_filters
from core.inputs import BadInput
from core.timeutil import caracas_date, utcnow
from data.db import session_scope
from data.queries.filters import breadcrumb, cascade
from data.scope import OutOfScope, UnknownTerritory, scope_for
from layouts.components.filter_bar import CASCADE, filters_id, refresh_id
from layouts.components.freshness import freshness_store_id
from layouts.components.indicator import PAGE_URL

LEVELS = [level for level, _ in CASCADE]


def filters_of(store: dict[str, Any] | list[dict[str, Any]] | None) -> Filters:
    """The page's filters from its store (validated when the layout was built; a crafted
    request with another shape is refused with ``BadInput``).

    Shared callbacks read the store through ``ALL`` and get a one-item list.
    """
    if isinstance(store, list):
        store = store[0] if store else None
    params = (store or {}).get("params") if isinstance(store, dict | None) else None
    if store is not None and not (
        isinstance(params, dict | None) and all(isinstance(v, str) for v in (params or {}).values())
    ):
        raise BadInput("El estado de los filtros de la página no es válido.")
    return parse_filters(params or {}, None).filters


def drill_search(store: dict[str, Any] | None, code: str | None) -> str:
    """The query string of the same page narrowed to territory ``code``."""
    return filters_of(store).with_territory(code).to_query() or "?"


def territory_problem(code: str | None, exc: Exception) -> str:
    if isinstance(exc, OutOfScope):
        return f"El territorio {code} está fuera de su ámbito: no se muestran sus datos."
    return f"No existe el territorio «{code}». Elija uno en los filtros."


def _crumb(step: dict[str, Any], store: dict[str, Any], last: bool) -> Any:
    if last:
        return html.Span(step["name"], className="crumb crumb-current")
    return dcc.Link(step["name"], href=drill_search(store, step["code"]), className="crumb")


def register(app: Dash, settings: Settings) -> None:
    @app.callback(
        *[Output(f"flt-{level}", "options") for level in LEVELS],
        *[Output(f"flt-{level}", "value") for level in LEVELS],
        *[Output(f"flt-{level}", "disabled") for level in LEVELS],
        Output("flt-breadcrumb", "children"),
        Output("flt-message", "children"),
        Output({"type": "sala-export", "dataset": ALL}, "style"),
        Input(filters_id(ALL), "data"),
        State("flt-message", "children"),
        State({"type": "sala-export", "dataset": ALL}, "id"),
        *[State(f"flt-{level}", "value") for level in LEVELS],
    )
    def fill_cascade(stores, messages, export_ids, *shown_values):
        """Options, values and breadcrumb of the territory cascade for the page's filters.

        A value already shown is not sent again: setting it would fire ``controls_to_url``
        (a round trip that changes nothing) on every page load and refresh."""
        if not stores:
            return no_update
        store = stores[0]
        principal = current_principal()
        code = filters_of(store).territorio
        export_style = [{} if principal.can_export else {"display": "none"} for _ in export_ids]
        with session_scope() as session:
            scope = scope_for(session, principal.territory_code)
            try:
                levels = cascade(session, scope, code)
                steps = breadcrumb(session, scope, code)
                problem = None
            except (OutOfScope, UnknownTerritory) as exc:
                levels = cascade(session, scope, None)
                steps = breadcrumb(session, scope, None)
                problem = territory_problem(code, exc)
        crumbs: list[Any] = []
        for i, step in enumerate(steps):
            if i:
                crumbs.append(html.Span("›", className="crumb-sep"))
            crumbs.append(_crumb(step, store, i == len(steps) - 1 and problem is None))
        shown = list(messages or []) if isinstance(messages, list) else []
        if problem:
            shown.append(html.Div(problem, className="flt-error"))
        return (
            *[lv["options"] for lv in levels],
            *[
                no_update if lv["value"] == current else lv["value"]
                for lv, current in zip(levels, shown_values, strict=True)
            ],
            *[lv["disabled"] for lv in levels],
            crumbs,
            shown if problem else no_update,
            export_style,
        )

    @app.callback(
        Output(PAGE_URL, "search", allow_duplicate=True),
        *[Input(f"flt-{level}", "value") for level in LEVELS],
        Input("flt-rango", "value"),
        Input("flt-desde", "value"),
        Input("flt-hasta", "value"),
        Input("flt-categoria", "value"),
        State(filters_id(ALL), "data"),
        prevent_initial_call=True,
    )
    def controls_to_url(estado, municipio, parroquia, circuito, rango, desde, hasta, cat, store):
        current = filters_of(store)
        values = dict(zip(LEVELS, (estado, municipio, parroquia, circuito), strict=True))
        triggered = {t["prop_id"].split(".")[0] for t in ctx.triggered}
        territorio = current.territorio
        changed = [lv for lv in LEVELS if f"flt-{lv}" in triggered]
        if len(changed) == 1:  # one dropdown moved by the user: deeper levels reset
            index = LEVELS.index(changed[0])
            chosen = [values[lv] for lv in LEVELS[: index + 1] if values[lv]]
            territorio = chosen[-1] if chosen else None
        params = {"rango": rango or current.rango}
        if territorio:
            params["territorio"] = territorio
        if cat:
            params["categoria"] = cat
        if params["rango"] == "personalizado":
            today = caracas_date(utcnow())
            params["desde"] = desde or (today - timedelta(days=29)).isoformat()
            params["hasta"] = hasta or today.isoformat()
        wanted = parse_filters(params, None).filters
        if wanted == current:
            return no_update
        return wanted.to_query() or "?"

    # When the page reloads its data: assets/refresh.js (clientside, so a pushed window
    # costs no request per tab and never holds back a page's first load).
    app.clientside_callback(
        "function(f,p,s,r,st,l){return window.sala.refresh.onChange(f,p,s,r,st,l);}",
        Output("pg-version", "data"),
        Output(refresh_id(ALL), "data"),
        Input("live-feed", "data"),
        Input("live-version", "data"),
        State("pg-version", "data"),
        State(refresh_id(ALL), "data"),
        State(filters_id(ALL), "data"),
        State(freshness_store_id(ALL), "data"),
        prevent_initial_call=True,
    )
