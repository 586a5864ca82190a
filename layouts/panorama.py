"""Panorama nacional (``/``): the five areas at a glance, the map and the trends.

Pure functions: the page skeleton (filled by ``callbacks/panorama.py``) and the figures built
from the data layer's series.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import plotly.graph_objects as go
from dash import dcc, html

from core.config import Settings
from core.numbers import fmt_number
from core.timeutil import MONTHS_ES
from layouts.components import theme
from layouts.components.chart import chart_card
from layouts.components.figures import base_layout, empty_figure
from layouts.components.freshness import freshness_badge
from layouts.components.panel import panel
from layouts.components.territory_map import MEASURES, territory_map

REFRESH_MS = 30_000
PROJECT_STATUS_LABELS = {
    "aprobado": "Aprobado",
    "financiado": "Financiado",
    "en_ejecucion": "En ejecución",
    "paralizado": "Paralizado",
    "culminado": "Culminado",
}
PROJECT_STATUS_COLORS = {
    "aprobado": theme.MUTED,
    "financiado": theme.CYAN,
    "en_ejecucion": theme.BLUE,
    "paralizado": theme.BAD,
    "culminado": theme.OK,
}


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
            html.Div(id="panorama-kpis", className="kpi-row"),
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


def short_day(day: date) -> str:
    return f"{day.day} {MONTHS_ES[day.month - 1][:3]}"


def clap_figure(series: list[dict[str, Any]], scale: float = 1.0) -> go.Figure:
    if not any(p["planned"] for p in series):
        return empty_figure("Sin entregas CLAP en los últimos 30 días", scale)
    days = [short_day(p["day"]) for p in series]
    coverage = [None if p["coverage"] is None else p["coverage"] * 100 for p in series]
    fig = go.Figure(
        [
            go.Bar(
                x=days,
                y=[p["planned"] for p in series],
                name="Planificadas",
                marker_color=theme.LINE,
                hovertemplate="%{x}: %{y:,.0f} planificadas<extra></extra>",
            ),
            go.Bar(
                x=days,
                y=[p["served"] for p in series],
                name="Atendidas",
                marker_color=theme.OK,
                hovertemplate="%{x}: %{y:,.0f} atendidas<extra></extra>",
            ),
            go.Scatter(
                x=days,
                y=coverage,
                name="Cobertura %",
                yaxis="y2",
                mode="lines",
                line={"color": theme.ACCENT, "width": 2 * scale},
                hovertemplate="%{x}: %{y:.1f} %<extra></extra>",
            ),
        ]
    )
    layout = base_layout(scale, barmode="overlay", showlegend=True, bargap=0.15)
    layout["yaxis2"] = {
        "overlaying": "y",
        "side": "right",
        "range": [0, 105],
        "showgrid": False,
        "ticksuffix": " %",
        "tickfont": {"color": theme.ACCENT, "size": round(15 * scale)},
    }
    layout["margin"]["r"] = round(56 * scale)
    layout["xaxis"]["nticks"] = 8
    fig.update_layout(**layout)
    return fig


def cases_figure(series: list[dict[str, Any]], scale: float = 1.0) -> go.Figure:
    if not any(p["opened"] or p["resolved"] for p in series):
        return empty_figure("Sin casos 1x10 en los últimos 30 días", scale)
    days = [short_day(p["day"]) for p in series]
    fig = go.Figure(
        [
            go.Scatter(
                x=days,
                y=[p["opened"] for p in series],
                name="Recibidos",
                mode="lines",
                line={"color": theme.ACCENT, "width": 2.5 * scale},
                hovertemplate="%{x}: %{y:,.0f} recibidos<extra></extra>",
            ),
            go.Scatter(
                x=days,
                y=[p["resolved"] for p in series],
                name="Resueltos",
                mode="lines",
                line={"color": theme.OK, "width": 2.5 * scale},
                hovertemplate="%{x}: %{y:,.0f} resueltos<extra></extra>",
            ),
        ]
    )
    layout = base_layout(scale, showlegend=True)
    layout["xaxis"]["nticks"] = 8
    fig.update_layout(**layout)
    return fig


def incidents_figure(hours: list[int], scale: float = 1.0) -> go.Figure:
    if not any(hours):
        return empty_figure("Sin incidentes en los últimos 7 días", scale)
    peak = max(hours)
    colors = [theme.BAD if h == peak else "#8a3a3e" for h in hours]
    fig = go.Figure(
        go.Bar(
            x=[f"{h:02d}" for h in range(24)],
            y=hours,
            marker_color=colors,
            hovertemplate="%{x}:00 h: %{y:,.0f} incidentes<extra></extra>",
        )
    )
    layout = base_layout(scale, bargap=0.12)
    layout["xaxis"]["tickvals"] = [f"{h:02d}" for h in range(0, 24, 3)]
    fig.update_layout(**layout)
    return fig


def projects_figure(by_status: dict[str, int], scale: float = 1.0) -> go.Figure:
    if not any(by_status.values()):
        return empty_figure("Sin proyectos registrados", scale)
    statuses = [s for s in PROJECT_STATUS_LABELS if s in by_status]
    counts = [by_status[s] for s in statuses]
    fig = go.Figure(
        go.Bar(
            y=[PROJECT_STATUS_LABELS[s] for s in statuses],
            x=counts,
            orientation="h",
            marker_color=[PROJECT_STATUS_COLORS[s] for s in statuses],
            text=[fmt_number(c) for c in counts],
            textposition="auto",
            insidetextanchor="end",
            textfont={"size": round(15 * scale), "color": theme.TEXT},
            hovertemplate="%{y}: %{x:,.0f}<extra></extra>",
        )
    )
    layout = base_layout(scale, bargap=0.25)
    layout["yaxis"]["autorange"] = "reversed"
    layout["yaxis"]["tickfont"]["color"] = theme.TEXT
    layout["margin"]["l"] = round(120 * scale)
    fig.update_layout(**layout)
    return fig


def map_legend(measure: str, points: int = 1) -> list[Any]:
    """The colour key of the map for ``measure`` (or why the map is empty)."""
    if not points:
        return [
            html.Span(
                "Sin territorios con coordenadas para mostrar en el mapa.", className="legend-text"
            )
        ]
    swatches = [
        ("#2fbf71", "bien"),
        ("#f5c542", "regular"),
        ("#e5484d", "mal"),
        ("#6b7a8c", "sin datos"),
    ]
    return [
        html.Span(MEASURES[measure].legend, className="legend-text"),
        *[
            html.Span(
                [html.I(className="swatch", style={"background": color}), label],
                className="legend-item",
            )
            for color, label in swatches
        ],
    ]
