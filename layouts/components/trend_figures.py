"""Trend figures of the five areas (Panorama, the wall's panels): pure functions of the
data layer's series, drawn in the dark theme with a Spanish empty state.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import plotly.graph_objects as go

from core import names
from core.numbers import fmt_number
from core.timeutil import MONTHS_ES
from layouts.components import theme
from layouts.components.figures import (
    Figure,
    base_layout,
    build_figure,
    coverage_traces,
    empty_figure,
    right_axis,
)

PROJECT_STATUS_LABELS = names.PROJECT_STATUS
PROJECT_STATUS_COLORS = {
    "aprobado": theme.MUTED,
    "financiado": theme.CYAN,
    "en_ejecucion": theme.BLUE,
    "paralizado": theme.BAD,
    "culminado": theme.OK,
}


#: The panorama's cards are narrower than an indicator page's (three or four a row): ~376 px
#: with an 11 px font at 1350-1366 px screens (margins.fit_margins).
PANORAMA_CARD_EM = 34


def short_day(day: date) -> str:
    return f"{day.day} {MONTHS_ES[day.month - 1][:3]}"


def clap_figure(series: list[dict[str, Any]], scale: float = 1.0) -> Figure:
    if not any(p["planned"] for p in series):
        return empty_figure("Sin entregas CLAP en los últimos 30 días", scale)
    days = [short_day(p["day"]) for p in series]
    coverage = [None if p["coverage"] is None else p["coverage"] * 100 for p in series]
    traces = coverage_traces(
        days, [p["planned"] for p in series], [p["served"] for p in series], coverage, scale
    )
    layout = base_layout(scale, barmode="overlay", showlegend=True, bargap=0.15)
    layout["yaxis2"] = right_axis(scale, range=[0, 105], ticksuffix=" %")
    layout["margin"]["r"] = round(56 * scale)
    layout["xaxis"]["nticks"] = 8
    return build_figure(traces, layout=layout, card_em=PANORAMA_CARD_EM)


def cases_figure(series: list[dict[str, Any]], scale: float = 1.0) -> Figure:
    if not any(p["opened"] or p["resolved"] for p in series):
        return empty_figure("Sin casos 1x10 en los últimos 30 días", scale)
    days = [short_day(p["day"]) for p in series]
    traces = [
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
    layout = base_layout(scale, showlegend=True)
    layout["xaxis"]["nticks"] = 8
    layout["yaxis"]["rangemode"] = "tozero"
    return build_figure(traces, layout=layout, card_em=PANORAMA_CARD_EM)


def incidents_figure(hours: list[int], scale: float = 1.0) -> Figure:
    if not any(hours):
        return empty_figure("Sin incidentes en los últimos 7 días", scale)
    peak = max(hours)
    colors = [theme.BAD if h == peak else "#8a3a3e" for h in hours]
    traces = go.Bar(
        x=[f"{h:02d}" for h in range(24)],
        y=hours,
        marker_color=colors,
        hovertemplate="%{x}:00 h: %{y:,.0f} incidentes<extra></extra>",
    )
    layout = base_layout(scale, bargap=0.12)
    layout["xaxis"]["tickvals"] = [f"{h:02d}" for h in range(0, 24, 3)]
    return build_figure(traces, layout=layout, card_em=PANORAMA_CARD_EM)


def projects_figure(by_status: dict[str, int], scale: float = 1.0) -> Figure:
    if not any(by_status.values()):
        return empty_figure("Sin proyectos registrados", scale)
    statuses = [s for s in PROJECT_STATUS_LABELS if s in by_status]
    counts = [by_status[s] for s in statuses]
    traces = go.Bar(
        y=[PROJECT_STATUS_LABELS[s] for s in statuses],
        x=counts,
        orientation="h",
        marker_color=[PROJECT_STATUS_COLORS[s] for s in statuses],
        text=[fmt_number(c) for c in counts],
        textposition="auto",
        textangle=0,  # never a sideways number in a short bar: it goes outside instead
        insidetextanchor="end",
        textfont={"size": round(15 * scale), "color": theme.TEXT},
        hovertemplate="%{y}: %{x:,.0f}<extra></extra>",
    )
    layout = base_layout(scale, bargap=0.25)
    layout["yaxis"]["autorange"] = "reversed"
    layout["yaxis"]["tickfont"]["color"] = theme.TEXT
    layout["margin"]["l"] = round(120 * scale)
    return build_figure(traces, layout=layout, card_em=PANORAMA_CARD_EM)
