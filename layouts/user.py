"""Who is logged in, shown in the header; and the banner of the local demo mode."""

from __future__ import annotations

from dash import html

from auth.principal import Principal

ROLE_LABELS = {
    "admin": "Administración",
    "autoridad": "Autoridad",
    "analista": "Análisis",
    "operador": "Operación",
    "pantalla": "Pantalla del muro",
}
DEMO_TEXT = "Modo demo local: administrador sin contraseña (solo 127.0.0.1)"


def user_box(principal: Principal) -> html.Div:
    """Name, role and territory of the caller, with links to administration and logout."""
    scope = principal.territory_code or "nacional"
    links = []
    if principal.role == "admin":
        links.append(html.A("Administración", href="/admin", className="nav-link"))
    if principal.kind in ("user", "display"):
        links.append(html.A("Salir", href="/logout", className="nav-link", id="logout-link"))
    return html.Div(
        [
            html.Span(principal.username, className="user-name"),
            html.Span(
                f"{ROLE_LABELS.get(principal.role, principal.role)} · {scope}",
                className="user-meta",
            ),
            html.Div(links, className="user-links"),
        ],
        className="user-box",
        id="user-box",
    )


def demo_banner(principal: Principal) -> html.Div | None:
    if principal.kind != "local":
        return None
    # A named region: a landmark, so no page content sits outside one.
    return html.Div(
        DEMO_TEXT,
        className="demo-banner",
        id="demo-banner",
        role="region",
        **{"aria-label": "Modo demo"},
    )
