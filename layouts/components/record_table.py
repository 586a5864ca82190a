"""A short list of records as a plain table (oldest cases, overdue units...), or its empty state.

For the few rows a panel shows at a glance; long record sets use the AG Grid ``data_table``.
The table is one Dash component (``RecordTable``, drawn by ``assets/record_table.js``): the
renderer's cost grows with the number of components on a page, and a table built from
``html.Tr``/``html.Td`` is one component per cell.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from dash import dcc, html
from dash.development.base_component import Component

from core.thresholds import STATE_COLOUR, THRESHOLDS
from layouts.components.empty import empty_state

# A cell: plain content, or (content, CSS class) such as ``("12", "num bad")``.
Cell = Any


class RecordTable(Component):
    """``<table>`` of text cells: ``headers`` and ``rows`` of ``[text, css class or ""]``.

    With ``row_ids`` each row's first cell is a button, and a click sets ``clicked`` to
    ``{"id": row id, "at": ms}``: one Input for the whole list. ``row_titles`` are the first
    cells' tooltips; ``footer`` is a closing line across the whole table ("… and 600 more")."""

    _namespace = "sala_components"
    _type = "RecordTable"
    _prop_names: ClassVar[list[str]] = [
        "id",
        "className",
        "headers",
        "rows",
        "row_ids",
        "row_titles",
        "footer",
        "clicked",
    ]
    _valid_wildcard_attributes: ClassVar[list[str]] = []
    available_properties: ClassVar[list[str]] = _prop_names
    available_wildcard_properties: ClassVar[list[str]] = []
    _base_nodes: ClassVar[list[str]] = []

    def __init__(
        self,
        headers: list[list[str]],
        rows: list[list[list[str]]],
        class_name: str | None = None,
        id: str | None = None,
        row_ids: list[str | None] | None = None,
        row_titles: list[str] | None = None,
        footer: str | None = None,
    ) -> None:
        kwargs = {
            "headers": headers,
            "rows": rows,
            "className": class_name,
            "id": id,
            "row_ids": row_ids,
            "row_titles": row_titles,
            "footer": footer,
        }
        super().__init__(**{k: v for k, v in kwargs.items() if v is not None})


def _cell(cell: Cell) -> list[str]:
    if isinstance(cell, tuple):
        content, class_name = cell
        return [_text(content), class_name or ""]
    return [_text(cell), ""]


def _text(content: Any) -> str:
    return "—" if content is None or content == "" else str(content)


def record_table(
    headers: Sequence[str | tuple[str, str]],
    rows: Sequence[Sequence[Cell]],
    empty_title: str,
    empty_detail: str | None = None,
    id: str | None = None,
    row_ids: list[str | None] | None = None,
    row_titles: list[str] | None = None,
    footer: str | None = None,
) -> Any:
    """Headers (text, or (text, class) such as ``("Días", "num")``) over the rows; with
    ``id`` and ``row_ids``, a click on a row's first cell sets the table's ``clicked``;
    ``footer``: a closing line under the rows, across every column."""
    if not rows:
        return empty_state(empty_title, empty_detail)
    head = [[h[0], h[1]] if isinstance(h, tuple) else [h, ""] for h in headers]
    return RecordTable(
        headers=head,
        rows=[[_cell(c) for c in row] for row in rows],
        class_name="ind-table",
        id=id,
        row_ids=row_ids,
        row_titles=row_titles,
        footer=footer,
    )


def click_store_id(table: str) -> str:
    """The store that receives ``table``'s row clicks (``callbacks/row_clicks.py``)."""
    return f"{table}-click"


def click_store(table: str) -> dcc.Store:
    """Where ``table``'s row clicks land: in the page's layout, outside the panel redrawn
    with the table, so a redraw alone sets nothing."""
    return dcc.Store(id=click_store_id(table))


# The colour steps of ``assets/map.js`` (status 0..1), for legends that name their bands.
MAP_COLORS = ("#2fbf71", "#9ccc3c", "#f5c542", "#f0a030", "#e5484d")
NO_DATA = "#6b7a8c"


def map_legend(
    text: str,
    bands: Sequence[str],
    no_data: bool = True,
    colours: Sequence[str] = MAP_COLORS,
    no_data_colour: str = NO_DATA,
) -> list[Any]:
    """The map key: ``text`` then one swatch per band, best (green) to worst (red)."""
    items = list(zip(colours, bands, strict=True))
    if no_data:
        items.append((no_data_colour, "sin datos"))
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


def threshold_legend(text: str, name: str) -> list[Any]:
    """The map key of a figure judged by threshold ``name`` of ``core/thresholds.py``: its
    three bands in the colours of its states, as the pages' bars and the wall use them."""
    return map_legend(
        text,
        THRESHOLDS[name].bands(),
        colours=[STATE_COLOUR[s] for s in ("bien", "regular", "mal")],
        no_data_colour=STATE_COLOUR["sin-datos"],
    )
