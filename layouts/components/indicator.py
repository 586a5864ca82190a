"""The frame every indicator page shares: heading, filter bar, live-refresh stores, body.

A page layout parses its filters from the URL, then wraps its body with
:func:`indicator_page`. The live pieces: ``pg-version-tick`` polls the data version of the
page's datasets (cheap), ``pg-refresh`` changes only when one of them moved, and every data
callback of the page takes ``pg-refresh`` as an Input (the push helper can bump it too).

A page's data callbacks take ONLY :func:`page_inputs` as Inputs (ids carrying the page's
name). Every indicator page shares the filter bar's ids, so a callback triggered by those
would also fire on the other pages, whose layouts lack its outputs (a console error);
with page-scoped Inputs it finds none of them there and Dash skips it silently.
"""

from __future__ import annotations

from typing import Any

from dash import Input, dcc, html

from core.filters import ParsedFilters
from layouts.components.filter_bar import filter_bar, filters_data
from layouts.components.freshness import freshness_badge

VERSION_POLL_MS = 15_000


def refresh_id(page: str) -> dict[str, str]:
    return {"type": "pg-refresh", "page": page}


def page_filters_id(page: str) -> dict[str, str]:
    return {"type": "pg-filters", "page": page}


def page_inputs(page: str) -> list[Input]:
    """The Inputs of a page's data callbacks: its filters, then its live-refresh counter."""
    return [Input(page_filters_id(page), "data"), Input(refresh_id(page), "data")]


def is_filters_trigger(triggered_id: Any) -> bool:
    """True on the page's first render (no trigger) or a new URL, not on a live refresh."""
    if triggered_id is None:
        return True
    return isinstance(triggered_id, dict) and triggered_id.get("type") == "pg-filters"


def live_stores(page: str) -> list[Any]:
    return [
        dcc.Interval(id="pg-version-tick", interval=VERSION_POLL_MS),
        dcc.Store(id="pg-version"),
        dcc.Store(id=refresh_id(page), data=0),
        dcc.Store(id="pg-viewport"),
    ]


def indicator_page(
    page: str,
    title: str,
    parsed: ParsedFilters,
    categories: dict[str, str],
    category_label: str,
    datasets: tuple[str, ...],
    body: list[Any],
) -> html.Div:
    """``datasets`` are the data-version names (``data.versions.DATASETS``) the page shows."""
    bar = filter_bar(page, parsed.filters, categories, category_label, parsed.errors, datasets)
    return html.Div(
        [
            *live_stores(page),
            dcc.Store(id=page_filters_id(page), data=filters_data(page, parsed.filters, datasets)),
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
