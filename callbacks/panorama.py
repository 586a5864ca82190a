"""Panorama nacional: one refresh callback reads the caller, asks the data layer, draws."""

from __future__ import annotations

import logging
import time
from functools import partial
from typing import Any

from dash import Dash, Input, Output, State, ctx, html, no_update
from dash.exceptions import PreventUpdate
from sqlalchemy.exc import SQLAlchemyError

from auth.principal import current_principal
from callbacks.renders import shared_render
from core.config import Settings
from core.inputs import BadInput
from core.timeutil import utcnow
from data.db import session_scope
from data.queries.common import territory_shapes
from data.queries.panorama import cases_daily, clap_daily, incidents_by_hour, territory_measures
from data.queries.shared import summaries
from data.queries.summary import summary
from data.scope import OutOfScope, UnknownTerritory, resolve, scope_for
from layouts import panorama
from layouts.components import trend_figures
from layouts.components.empty import empty_state
from layouts.components.figures import empty_figure
from layouts.components.freshness import freshness_store_id
from layouts.components.summary_kpis import summary_cards
from layouts.components.territory_map import (
    MEASURES,
    features,
    fit_bounds,
    map_legend,
    map_viewport,
)
from layouts.components.theme import scale_for
from layouts.registry import Page, register_page

log = logging.getLogger(__name__)


def load(territory: str | None) -> dict[str, Any]:
    """Everything the page shows, for ``territory`` inside the caller's scope."""
    principal = current_principal()
    now = utcnow()
    with session_scope() as session:
        ref = resolve(session, scope_for(session, principal.territory_code), territory)
        rows = territory_measures(session, ref, now)
        shapes = territory_shapes(session, [r["code"] for r in rows])
        return {
            "summary": summary(session, ref, now),
            "rows": [{**r, "geometry": shapes.get(r["code"])} for r in rows],
            "clap": clap_daily(session, ref, now),
            "cases": cases_daily(session, ref, now),
            "hours": incidents_by_hour(session, ref, now),
        }


# What the refresh callback writes, in order; ``render`` fills them by "id.prop".
OUTPUTS: list[tuple[Any, str]] = [
    ("panorama-kpis", "children"),
    ("panorama-map-points", "data"),
    ("panorama-map-legend", "children"),
    ("panorama-clap", "figure"),
    ("panorama-cases", "figure"),
    ("panorama-incidents", "figure"),
    ("panorama-projects", "figure"),
    ("panorama-title", "children"),
    (freshness_store_id("panorama"), "data"),
    ("panorama-map", "viewport"),
]


def key(component: Any, prop: str) -> str:
    """ "id.prop" as Dash spells it (dict ids included)."""
    return str(Output(component, prop))


FRESHNESS = key(freshness_store_id("panorama"), "data")


def render(data: dict[str, Any], measure: str, scale: float) -> dict[str, Any]:
    """The page's new props from :func:`load`'s data, keyed "id.prop" (also for live push)."""
    s = data["summary"]
    points = features(data["rows"], measure)
    title = "Panorama nacional" if s["territory"] is None else f"Panorama · {s['territory_name']}"
    return {
        "panorama-kpis.children": summary_cards(s),
        "panorama-map-points.data": points,
        "panorama-map-legend.children": map_legend(measure, len(points["features"])),
        "panorama-clap.figure": trend_figures.clap_figure(data["clap"], scale),
        "panorama-cases.figure": trend_figures.cases_figure(data["cases"], scale),
        "panorama-incidents.figure": trend_figures.incidents_figure(data["hours"], scale),
        "panorama-projects.figure": trend_figures.projects_figure(
            s["projects"]["by_status"], scale
        ),
        "panorama-title.children": html.Span(title),
        FRESHNESS: {"at": int(time.time() * 1000), "stale": 90},
    }


def refused(territory: str | None, scale: float) -> dict[str, Any]:
    """What the page shows for a territory that does not exist or lies outside the scope."""
    message = f"El territorio {territory} no existe o está fuera de su ámbito."
    empty = empty_figure(message, scale)
    return {
        "panorama-kpis.children": empty_state("Territorio no disponible", message),
        "panorama-map-points.data": {"type": "FeatureCollection", "features": []},
        "panorama-map-legend.children": [],
        "panorama-clap.figure": empty,
        "panorama-cases.figure": empty,
        "panorama-incidents.figure": empty,
        "panorama-projects.figure": empty,
        "panorama-title.children": "Panorama",
        FRESHNESS: {"at": None},
    }


def live_cards(territory: str | None, fresh_after: float) -> Any:
    """The KPI cards of ``territory`` (inside the caller's scope) from a summary computed
    after ``fresh_after``: one summary query shared by the worker's tabs."""
    principal = current_principal()
    began = time.time()  # before the session's first query: its snapshot is not older
    with session_scope() as session:
        ref = resolve(session, scope_for(session, principal.territory_code), territory)
        s = summaries.get(
            ("summary", ref.code if ref else None),
            fresh_after,
            lambda: summary(session, ref, utcnow()),
            started=began,
        )
    return summary_cards(s)


def register(app: Dash, settings: Settings) -> None:
    register_page(
        Page(
            path="/",
            title="Panorama nacional",
            nav_label="Panorama",
            layout=partial(panorama.layout, settings=settings),
            frame="fit-screen",
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
        *[Output(component, prop) for component, prop in OUTPUTS],
        Input("panorama-viewport", "data"),
        Input("panorama-measure", "value"),
        Input("live-version", "data"),  # safety-net poll: data changed, redraw everything
        State("panorama-territory", "data"),
    )
    def refresh(viewport: dict | None, measure: str, _versions: Any, territory: str | None):
        if measure not in MEASURES:
            raise BadInput(f"Medida desconocida {measure!r}: use una de {', '.join(MEASURES)}.")
        if not isinstance(territory, str | None):
            raise BadInput("El territorio pedido no es válido.")
        scale = scale_for((viewport or {}).get("w") if isinstance(viewport, dict) else None)
        try:
            data = load(territory)
        except SQLAlchemyError:
            # Keep the last numbers on screen; the freshness badge turns stale by itself,
            # so the room sees they are old instead of a broken page.
            log.exception("Panorama: la base de datos no respondió")
            raise PreventUpdate from None
        except (UnknownTerritory, OutOfScope):
            values = refused(territory, scale)
        else:
            values = render(data, measure, scale)
            # Fit the map on first load and when the screen changes size, not on every
            # tick, so an analyst who zoomed in keeps the view.
            refit = ctx.triggered_id in (None, "panorama-viewport") and (viewport or {}).get(
                "resized", True
            )
            if refit:
                national = data["summary"]["territory"] is None
                values["panorama-map.viewport"] = map_viewport(
                    fit_bounds(values["panorama-map-points.data"], national)
                )
        return [values.get(key(component, prop), no_update) for component, prop in OUTPUTS]

    @app.callback(
        Output("panorama-kpis", "children", allow_duplicate=True),
        Output(freshness_store_id("panorama"), "data", allow_duplicate=True),
        Input("live-feed", "data"),
        State("panorama-territory", "data"),
        prevent_initial_call=True,
    )
    def live_kpis(feed: dict | None, territory: str | None):
        """Pushed update (one per coalesced window): only the KPI cards, one summary query
        shared by every tab of the worker showing the same territory."""
        if not isinstance(territory, str | None) or not isinstance(feed, dict | None):
            raise BadInput("La petición del Panorama no es válida.")
        sent = (feed or {}).get("server_ms")
        fresh_after = (sent if isinstance(sent, int | float) else time.time() * 1000) / 1000
        try:  # rendered once per window for every tab of the caller's scope and territory
            cards = shared_render(
                ("panorama-kpis", territory),
                fresh_after,
                partial(live_cards, territory, fresh_after),
            )
        except SQLAlchemyError:
            log.exception("Panorama en vivo: la base de datos no respondió")
            raise PreventUpdate from None
        except (UnknownTerritory, OutOfScope):
            return no_update, no_update
        return cards, {"at": int(time.time() * 1000), "stale": 90}
