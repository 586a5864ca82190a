"""The frame every indicator page shares: heading, filter bar, live-refresh stores, body.

A page layout parses its filters from the URL, then wraps its body with
:func:`indicator_page`. The live pieces: the page's ``refresh_id(page)`` store changes when a
pushed event or the shell's data-version poll touches one of the page's datasets
(callbacks/filters.py), and every data callback of the page takes it as an Input.
"""

from __future__ import annotations

from typing import Any

from dash import dcc, html

from core.config import Settings
from core.filters import ParsedFilters
from layouts.components.filter_bar import filter_bar, refresh_id
from layouts.components.freshness import freshness_badge
from layouts.components.map_points import CLUSTER_PROPS
from layouts.components.panel import panel
from layouts.components.territory_map import territory_map

# The indicator page's dcc.Location (see ``indicator_page``).
PAGE_URL = "pg-url"


def live_stores(page: str) -> list[Any]:
    return [
        dcc.Store(id="pg-version"),
        dcc.Store(id=refresh_id(page), data=0),
        dcc.Store(id="pg-viewport"),
    ]


def map_panel(prefix: str, settings: Settings) -> html.Div:
    """The page's map with its legend, ids ``{prefix}-map``, ``{prefix}-map-points`` (the
    point layer) and ``{prefix}-map-legend``, as ``callbacks/indicator.py`` fills them."""
    return panel(
        "Mapa",
        [
            territory_map(
                f"{prefix}-map",
                settings.tile_url,
                settings.tile_attribution,
                layer_props=CLUSTER_PROPS,
            ),
            html.Div(id=f"{prefix}-map-legend", className="map-legend"),
        ],
        subtitle="clic en un punto para entrar",
        class_name="map-panel ind-map",
    )


def indicator_page(
    page: str,
    title: str,
    parsed: ParsedFilters,
    categories: dict[str, str],
    category_label: str,
    datasets: tuple[str, ...],
    body: list[Any],
    fixed_period: str | None = None,
) -> html.Div:
    """``datasets`` are the data-version names (``data.versions.DATASETS``) the page shows;
    ``fixed_period`` replaces the period buttons on a page whose period does not change."""
    bar = filter_bar(
        page, parsed.filters, categories, category_label, parsed.errors, datasets, fixed_period
    )
    return html.Div(
        [
            # The page's own handle on the URL: filters and drill-downs write here. Written
            # to the shell's ``url``, each page load fired those callbacks once for nothing
            # (Dash runs a callback whose inputs arrive with a page unless its output does too).
            dcc.Location(id=PAGE_URL, refresh="callback-nav"),
            *live_stores(page),
            html.Div(
                [
                    html.Div(
                        [
                            html.H1(title, id="pg-title", className="page-title"),
                            html.Span(id="pg-subtitle", className="page-subtitle"),
                        ],
                        className="page-titles",
                    ),
                    freshness_badge(page),
                ],
                className="page-head",
            ),
            bar,
            html.Div(body, id="pg-body", className=f"indicator indicator-{page}"),
        ],
        className="indicator-page",
    )
