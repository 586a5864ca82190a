"""The frame around every page: header with navigation and Caracas clock, page container."""

from __future__ import annotations

from datetime import datetime

from dash import dcc, html

from auth.principal import Principal, current_principal
from core.timeutil import CARACAS, MONTHS_ES, WEEKDAYS_ES, utcnow
from layouts.components.alerts import header_badge
from layouts.live import live_components
from layouts.registry import PAGES
from layouts.user import demo_banner, user_box


def nav() -> html.Nav:
    return html.Nav(
        [
            dcc.Link(page.nav_label, href=page.path, className="nav-link")
            for page in PAGES
            if page.in_nav
        ],
        className="nav",
    )


APP_ID = "app"


def app_class(principal: Principal, frame: str = "") -> str:
    """The app's classes: ``kiosk`` for a wall screen's role, ``frame-<frame>`` for how the
    page on show is held (``Page.frame``). The router sets them with each page. The CSS
    once asked ``.app:has(.muro)`` instead: a ``:has()`` on the page's ancestors made the
    browser re-check the whole page's styles on every insertion, ~100 ms of a first render's
    160–180 ms of style work on ``/proyectos`` (Chromium trace; README, «Velocidad»)."""
    classes = [
        "app",
        *(["kiosk"] if is_kiosk(principal) else []),
        *([f"frame-{frame}"] if frame else []),
    ]
    return " ".join(classes)


def is_kiosk(principal: Principal) -> bool:
    """A wall screen (role ``pantalla``) shows a kiosk: no navigation, user or demo chrome."""
    return principal.role == "pantalla"


def clock_text(now: datetime) -> tuple[str, str]:
    """The Caracas time and date as ``assets/clock.js`` writes them every second
    (``08:05:09``, ``jueves, 3 de diciembre de 2026``). The header is served with them, so
    the clock has its width from the first paint and the navigation beside it does not
    re-wrap when the first tick fills it (layout shift)."""
    local = now.astimezone(CARACAS)
    day = local.date()
    date_text = (
        f"{WEEKDAYS_ES[day.weekday()]}, {day.day} de {MONTHS_ES[day.month - 1]} de {day.year}"
    )
    return local.strftime("%H:%M:%S"), date_text


def header(principal: Principal, now: datetime | None = None) -> html.Header:
    kiosk = is_kiosk(principal)
    time_text, date_text = clock_text(now or utcnow())
    return html.Header(
        [
            html.Div(
                [
                    html.Span("SALA", className="brand-mark"),
                    html.Span("de Autogobierno Popular y Comunal", className="brand-text"),
                ],
                className="brand",
            ),
            None if kiosk else nav(),
            header_badge(),  # its callback needs it; hidden on a kiosk (assets/muro.css)
            html.Div(
                [
                    html.Div(time_text, id="clock-time", className="clock-time"),
                    html.Div(date_text, id="clock-date", className="clock-date"),
                ],
                className="clock",
                title="Hora de Caracas (UTC−4)",
            ),
            None if kiosk else user_box(principal),
        ],
        className="header kiosk-header" if kiosk else "header",
    )


def shell() -> html.Div:
    """Built per request so the navigation reflects every registered page and the caller."""
    principal = current_principal()  # set by auth's middleware for this request
    return html.Div(
        [
            dcc.Location(id="url", refresh="callback-nav"),
            None if is_kiosk(principal) else demo_banner(principal),
            header(principal),
            live_components(),
            html.Main(id="page", className="page"),
        ],
        id=APP_ID,
        className=app_class(principal),
    )
