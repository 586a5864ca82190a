"""Routing: the URL decides which page layout fills the frame."""

from __future__ import annotations

from urllib.parse import parse_qsl

from dash import Dash, Input, Output, html

from auth.principal import current_principal
from core.config import Settings
from layouts.components.informe_link import with_informe_bar
from layouts.registry import find_page


def not_found(path: str) -> html.Div:
    return html.Div(
        [html.H1("Página no encontrada"), html.P(f"No existe la página {path}.")],
        className="empty-state",
    )


def register(app: Dash, settings: Settings) -> None:
    @app.callback(Output("page", "children"), Input("url", "pathname"), Input("url", "search"))
    def route(pathname: str | None, search: str | None):
        page = find_page(pathname or "/")
        if page is None:
            return not_found(pathname or "/")
        query = dict(parse_qsl((search or "").lstrip("?")))
        return with_informe_bar(page.path, query, current_principal(), page.layout(query))
