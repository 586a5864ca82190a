"""Panorama nacional: one refresh callback reads the caller, asks the data layer, draws."""

from __future__ import annotations

import time
from functools import partial
from typing import Any

from dash import Dash, Input, Output, State, ctx, html, no_update

from auth.principal import current_principal
from core.config import Settings
from core.timeutil import utcnow
from data.db import session_scope
from data.queries.panorama import cases_daily, clap_daily, incidents_by_hour, territory_measures
from data.queries.summary import summary
from data.scope import OutOfScope, UnknownTerritory, resolve, scope_for
from layouts import panorama
from layouts.components.empty import empty_state
from layouts.components.figures import empty_figure
from layouts.components.freshness import freshness_store_id
from layouts.components.summary_kpis import summary_cards
from layouts.components.territory_map import features, fit_bounds, map_viewport
from layouts.components.theme import scale_for
from layouts.registry import Page, register_page


def load(territory: str | None) -> dict[str, Any]:
    """Everything the page shows, for ``territory`` inside the caller's scope."""
    principal = current_principal()
    now = utcnow()
    with session_scope() as session:
        ref = resolve(session, scope_for(session, principal.territory_code), territory)
        return {
            "summary": summary(session, ref, now),
            "rows": territory_measures(session, ref, now),
            "clap": clap_daily(session, ref, now),
            "cases": cases_daily(session, ref, now),
            "hours": incidents_by_hour(session, ref, now),
        }


def register(app: Dash, settings: Settings) -> None:
    register_page(
        Page(
            path="/",
            title="Panorama nacional",
            nav_label="Panorama",
            layout=partial(panorama.layout, settings=settings),
        )
    )

    # The refresh tick also carries the viewport size, so figures scale their type to it.
    app.clientside_callback(
        """function(n, prev){
            const w = window.innerWidth, h = window.innerHeight;
            const resized = !prev || prev.w !== w || prev.h !== h;
            return {w: w, h: h, n: n || 0, resized: resized};
        }""",
        Output("panorama-viewport", "data"),
        Input("panorama-refresh", "n_intervals"),
        State("panorama-viewport", "data"),
    )

    @app.callback(
        Output("panorama-kpis", "children"),
        Output("panorama-map-points", "data"),
        Output("panorama-map-legend", "children"),
        Output("panorama-clap", "figure"),
        Output("panorama-cases", "figure"),
        Output("panorama-incidents", "figure"),
        Output("panorama-projects", "figure"),
        Output("panorama-title", "children"),
        Output(freshness_store_id("panorama"), "data"),
        Output("panorama-map", "viewport"),
        Input("panorama-viewport", "data"),
        Input("panorama-measure", "value"),
        State("panorama-territory", "data"),
    )
    def refresh(viewport: dict | None, measure: str, territory: str | None):
        scale = scale_for((viewport or {}).get("w"))
        try:
            data = load(territory)
        except (UnknownTerritory, OutOfScope):
            message = f"El territorio {territory} no existe o está fuera de su ámbito."
            empty = empty_figure(message, scale)
            return (
                empty_state("Territorio no disponible", message),
                {"type": "FeatureCollection", "features": []},
                [],
                empty,
                empty,
                empty,
                empty,
                "Panorama",
                {"at": None},
                no_update,
            )
        s = data["summary"]
        points = features(data["rows"], measure)
        # Fit the view on first load and when the screen changes size, not on every tick,
        # so an analyst who zoomed in keeps the view.
        refit = ctx.triggered_id != "panorama-measure" and (viewport or {}).get("resized", True)
        view = map_viewport(fit_bounds(points, s["territory"] is None)) if refit else no_update
        name = s["territory_name"]
        title = "Panorama nacional" if s["territory"] is None else f"Panorama · {name}"
        return (
            summary_cards(s),
            points,
            panorama.map_legend(measure, len(points["features"])),
            panorama.clap_figure(data["clap"], scale),
            panorama.cases_figure(data["cases"], scale),
            panorama.incidents_figure(data["hours"], scale),
            panorama.projects_figure(s["projects"]["by_status"], scale),
            html.Span(title),
            {"at": int(time.time() * 1000), "stale": 90},
            view,
        )
