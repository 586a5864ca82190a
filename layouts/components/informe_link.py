"""The "Informe (PDF)" link: the territory briefing of what the page shows, one click away."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from dash import html

from auth.principal import Principal

# Pages without the row: the unattended wall.
NO_INFORME = ("/muro",)


def informe_href(territorio: str | None) -> str:
    """``/informe.pdf?territorio=VE-A`` (the caller's whole scope without a territory)."""
    code = (territorio or "").strip()
    return "/informe.pdf" + (f"?{urlencode({'territorio': code})}" if code else "")


def informe_bar(territorio: str | None) -> html.Div:
    """A thin row above the page with the PDF and its on-screen version."""
    code = (territorio or "").strip()
    screen = "/informe" + (f"?{urlencode({'territorio': code})}" if code else "")
    return html.Div(
        [
            html.A(
                "Informe (PDF) ↓",
                href=informe_href(code),
                className="informe-link",
                id="informe-link",
                title="Informe de rendición de cuentas de este territorio, para imprimir",
            ),
            html.A(
                "ver en pantalla",
                href=screen,
                className="informe-link informe-screen",
                target="_blank",
                rel="noopener",
            ),
        ],
        className="informe-bar",
    )


def with_informe_bar(path: str, query: dict[str, str], principal: Principal, content: Any) -> Any:
    """The page's content with the row above it, for the roles that may have a briefing
    (the others would only get a 403), on every page but the wall. Returned as siblings, so
    the page stays a direct child of the frame (its flex layout fills the screen)."""
    if path in NO_INFORME or not principal.can_export:
        return content
    return [informe_bar(query.get("territorio")), content]
