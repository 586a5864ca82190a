"""A short list of records as a plain table (oldest cases, overdue units...), or its empty state.

For the few rows a panel shows at a glance; long record sets use the AG Grid ``data_table``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dash import html

from layouts.components.empty import empty_state

# A cell: plain content, or (content, CSS class) such as ``("12", "num bad")``.
Cell = Any


def _td(cell: Cell) -> html.Td:
    if isinstance(cell, tuple):
        content, class_name = cell
        return html.Td(content, className=class_name)
    return html.Td("—" if cell is None or cell == "" else cell)


def record_table(
    headers: Sequence[str | tuple[str, str]],
    rows: Sequence[Sequence[Cell]],
    empty_title: str,
    empty_detail: str | None = None,
) -> Any:
    """Headers (text, or (text, class) such as ``("Días", "num")``) over the rows."""
    if not rows:
        return empty_state(empty_title, empty_detail)
    head = html.Tr(
        [html.Th(h[0], className=h[1]) if isinstance(h, tuple) else html.Th(h) for h in headers]
    )
    body = [html.Tr([_td(cell) for cell in row]) for row in rows]
    return html.Table([html.Thead(head), html.Tbody(body)], className="ind-table")


# The colour steps of ``assets/map.js`` (status 0..1), for legends that name their bands.
MAP_COLORS = ("#2fbf71", "#9ccc3c", "#f5c542", "#f0a030", "#e5484d")
NO_DATA = "#6b7a8c"


def map_legend(text: str, bands: Sequence[str], no_data: bool = True) -> list[Any]:
    """The map key: ``text`` then one swatch per band, best (green) to worst (red)."""
    items = list(zip(MAP_COLORS, bands, strict=True))
    if no_data:
        items.append((NO_DATA, "sin datos"))
    return [
        html.Span(text, className="legend-text"),
        *[
            html.Span(
                [html.Span(className="swatch", style={"background": color}), label],
                className="legend-item",
            )
            for color, label in items
        ],
    ]
