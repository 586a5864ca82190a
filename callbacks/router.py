"""Routing: the URL decides which page layout fills the frame, and how the frame holds it."""

from __future__ import annotations

from urllib.parse import parse_qsl

from dash import Dash, Input, Output, html

from auth.principal import current_principal
from core.config import Settings
from layouts.components.informe_link import with_informe_bar
from layouts.registry import find_page
from layouts.shell import APP_ID, app_class


def not_found(path: str) -> html.Div:
    return html.Div(
        [html.H1("Página no encontrada"), html.P(f"No existe la página {path}.")],
        className="empty-state",
    )


def register(app: Dash, settings: Settings) -> None:
    @app.callback(
        Output("page", "children"),
        Output(APP_ID, "className"),
        Input("url", "pathname"),
        Input("url", "search"),
    )
    def route(pathname: str | None, search: str | None):
        principal = current_principal()
        page = find_page(pathname or "/")
        if page is None:
            return not_found(pathname or "/"), app_class(principal)
        query = dict(parse_qsl((search or "").lstrip("?")))
        content = with_informe_bar(page.path, query, principal, page.layout(query))
        return content, app_class(principal, page.frame)
