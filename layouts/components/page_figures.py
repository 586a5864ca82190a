"""Small additions to the shared figure theme for the indicator pages' charts."""

from __future__ import annotations

from typing import Any

from layouts.components.figures import base_layout


def legend_layout(scale: float = 1.0, **extra: Any) -> dict[str, Any]:
    """``base_layout`` with the legend in one row above the plot, across the whole card.

    Anchored to the container (not the plot area), so a chart with long axis labels on the
    left does not squeeze its legend into a column.
    """
    layout = base_layout(scale, showlegend=True, **extra)
    layout["legend"].update(
        {"x": 0, "xref": "container", "y": 1, "yref": "container", "yanchor": "top"}
    )
    layout["margin"]["t"] = round(34 * scale)
    return layout
