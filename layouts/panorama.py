"""Panorama nacional (``/``): the five areas at a glance, the map and the trends.

A pure function: the page skeleton, filled by ``callbacks/panorama.py``.
"""

from __future__ import annotations

from dash import dcc, html

from core.config import Settings
from layouts.components.chart import chart_card
from layouts.components.freshness import freshness_badge
from layouts.components.kpi import kpi_row
from layouts.components.panel import panel
from layouts.components.territory_map import MEASURES, territory_map

REFRESH_MS = 30_000


def layout(query: dict[str, str], settings: Settings) -> html.Div:
    """The page; ``?territorio=CODE`` narrows it to a territory inside the caller's scope."""
    return html.Div(
        [
            dcc.Interval(id="panorama-refresh", interval=REFRESH_MS),
            dcc.Store(id="panorama-viewport"),
            dcc.Store(id="panorama-territory", data=query.get("territorio") or None),
            html.Div(
                [
                    html.H1("Panorama nacional", id="panorama-title", className="page-title"),
                    freshness_badge("panorama"),
                ],
                className="page-head",
            ),
            kpi_row("panorama-kpis", 8),
            html.Div(
                [
                    panel(
                        "Mapa",
                        [
                            territory_map(
                                "panorama-map", settings.tile_url, settings.tile_attribution
                            ),
                            html.Div(id="panorama-map-legend", className="map-legend"),
                        ],
                        extra=dcc.RadioItems(
                            id="panorama-measure",
                            options=[{"label": m.label, "value": m.key} for m in MEASURES.values()],
                            value=query.get("medida")
                            if query.get("medida") in MEASURES
                            else "clap",
                            className="segmented",
                            inputClassName="segmented-input",
                            labelClassName="segmented-label",
                        ),
                        class_name="map-panel",
                    ),
                    html.Div(
                        [
                            chart_card(
                                "panorama-clap",
                                "CLAP: cobertura diaria",
                                "familias atendidas / planificadas, 30 días",
                                area="clap",
                            ),
                            chart_card(
                                "panorama-cases",
                                "Casos 1x10 por día",
                                "recibidos y resueltos, 30 días",
                                area="casos",
                            ),
                            chart_card(
                                "panorama-incidents",
                                "Incidentes por hora del día",
                                "últimos 7 días, hora de Caracas",
                                area="paz",
                            ),
                            chart_card(
                                "panorama-projects",
                                "Proyectos por estado",
                                "Consulta Popular",
                                area="proyectos",
                            ),
                        ],
                        className="chart-grid",
                    ),
                ],
                className="panorama-main",
            ),
        ],
        className="panorama",
    )
