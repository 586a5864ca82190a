"""A chart card: a titled panel around a ``dcc.Graph`` that fills it."""

from __future__ import annotations

from typing import Any

from dash import dcc

from layouts.components.figures import empty_figure
from layouts.components.panel import panel

GRAPH_CONFIG = {"displayModeBar": False, "responsive": True, "locale": "es"}


def chart_card(
    graph_id: str, title: str, subtitle: str | None = None, figure: Any = None, area: str = ""
):
    """The graph starts with a "Cargando…" figure until its callback fills it."""
    return panel(
        title,
        dcc.Graph(
            id=graph_id,
            figure=figure if figure is not None else empty_figure("Cargando…"),
            config=GRAPH_CONFIG,
            className="chart-graph",
            style={"height": "100%", "width": "100%"},
        ),
        subtitle=subtitle,
        class_name=f"chart-card area-{area}" if area else "chart-card",
    )
