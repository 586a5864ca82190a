"""The filter bar of the indicator pages: territory cascade, time range, category, breadcrumb.

Pure: built from the page's :class:`~core.filters.Filters` (read from the URL by the page
layout). ``callbacks/filters.py`` fills the cascade's options and the breadcrumb (which need
the database and the caller's scope) and writes every change back into the URL, which
re-renders the page: the URL is the only state.

Ids are fixed (one page is on screen at a time): ``flt-estado`` … ``flt-circuito``,
``flt-rango``, ``flt-desde``/``flt-hasta``, ``flt-categoria``, ``flt-breadcrumb``,
``flt-message``. The page's filters live in the store :func:`filters_id` (``page`` in the id,
so a page's callbacks fire only on that page; shared callbacks match it with ``ALL``).
"""

from __future__ import annotations

from typing import Any

from dash import dcc, html

from core.filters import RANGES, Filters

CASCADE = (
    ("estado", "Estado"),
    ("municipio", "Municipio"),
    ("parroquia", "Parroquia"),
    ("circuito", "Circuito comunal"),
)


def filters_id(page: Any) -> dict[str, Any]:
    """Id of the page's filter store; pass ``dash.ALL`` in shared callbacks."""
    return {"type": "flt-filters", "page": page}


def refresh_id(page: Any) -> dict[str, Any]:
    """Id of the page's refresh counter (bumped when its data version moves)."""
    return {"type": "pg-refresh", "page": page}


def filters_store(page: str, filters: Filters, datasets: tuple[str, ...] = ()) -> dcc.Store:
    """What the data callbacks read: ``{"page", "params", "datasets"}`` (data versions)."""
    return dcc.Store(
        id=filters_id(page),
        data={"page": page, "params": filters.to_params(), "datasets": list(datasets)},
    )


def _cascade() -> html.Div:
    return html.Div(
        [
            html.Label(
                [
                    html.Span(label, className="flt-label"),
                    dcc.Dropdown(
                        id=f"flt-{level}",
                        options=[],
                        placeholder="Todos",
                        clearable=True,
                        searchable=True,
                        className="flt-dropdown",
                    ),
                ],
                className=f"flt-field flt-{level}-field",
            )
            for level, label in CASCADE
        ],
        className="flt-cascade",
    )


def _range(filters: Filters, fixed: str | None = None) -> html.Div:
    """The period buttons; a page whose numbers have a fixed period (``fixed`` says which)
    shows that instead, keeping the controls hidden for the shared filter callbacks."""
    custom = filters.rango == "personalizado"
    hidden = {"display": "none"}
    note = [html.Span(fixed, className="flt-fixed-period")] if fixed else []
    return html.Div(
        [
            html.Span("Período", className="flt-label"),
            *note,
            dcc.RadioItems(
                id="flt-rango",
                options=[{"label": label, "value": key} for key, label in RANGES.items()],
                value=filters.rango,
                className="segmented",
                inputClassName="segmented-input",
                labelClassName="segmented-label",
                style=hidden if fixed else None,
            ),
            html.Div(
                [
                    dcc.Input(
                        id="flt-desde",
                        type="date",
                        value=filters.desde.isoformat() if filters.desde else None,
                        debounce=True,
                        className="flt-date",
                    ),
                    html.Span("–"),
                    dcc.Input(
                        id="flt-hasta",
                        type="date",
                        value=filters.hasta.isoformat() if filters.hasta else None,
                        debounce=True,
                        className="flt-date",
                    ),
                ],
                className="flt-dates",
                style={} if custom and not fixed else hidden,
            ),
        ],
        className="flt-field flt-range-field",
    )


def _category(filters: Filters, categories: dict[str, str], label: str) -> html.Label:
    return html.Label(
        [
            html.Span(label, className="flt-label"),
            dcc.Dropdown(
                id="flt-categoria",
                options=[{"label": text, "value": key} for key, text in categories.items()],
                value=filters.categoria,
                placeholder="Todas",
                clearable=True,
                className="flt-dropdown",
            ),
        ],
        className="flt-field flt-category-field",
    )


def filter_bar(
    page: str,
    filters: Filters,
    categories: dict[str, str],
    category_label: str,
    errors: tuple[str, ...] = (),
    datasets: tuple[str, ...] = (),
    fixed_period: str | None = None,
) -> html.Div:
    """The bar, the breadcrumb under it and the Spanish messages about the filters
    (``fixed_period``: the period the page always shows, instead of the period buttons)."""
    return html.Div(
        [
            filters_store(page, filters, datasets),
            html.Div(
                [
                    _cascade(),
                    _range(filters, fixed_period),
                    _category(filters, categories, category_label),
                ],
                className="flt-bar",
            ),
            html.Nav(id="flt-breadcrumb", className="flt-breadcrumb", **{"aria-label": "Ruta"}),
            html.Div(
                [html.Div(e, className="flt-error") for e in errors],
                id="flt-message",
                className="flt-messages",
                role="alert",
            ),
        ],
        className="flt",
    )
