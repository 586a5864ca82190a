"""Tiny server-rendered pages (login, logout, admin) in the Sala's dark theme.

Plain HTML with every value escaped; no template engine needed for a handful of forms.
"""

from __future__ import annotations

from html import escape

from starlette.requests import Request
from starlette.responses import HTMLResponse

from auth.cookies import CSRF_COOKIE, new_csrf_token


def csrf_token(request: Request) -> tuple[str, bool]:
    """The browser's CSRF token, and whether it is new (and must be set as a cookie)."""
    current = request.cookies.get(CSRF_COOKIE)
    return (current, False) if current else (new_csrf_token(), True)


def csrf_field(token: str) -> str:
    return f'<input type="hidden" name="csrf" value="{escape(token)}">'


def document(title: str, body: str, wide: bool = False) -> str:
    """The HTML of a page in the Sala's theme around ``body`` (already escaped)."""
    return f"""<!doctype html>
<html lang="es"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)} · Sala de Autogobierno</title>
<link rel="stylesheet" href="/assets/sala.css"><link rel="stylesheet" href="/assets/auth.css">
</head><body class="auth-body"><main class="auth-card{" auth-wide" if wide else ""}">
<div class="brand"><span class="brand-mark">SALA</span>
<span class="brand-text">de Autogobierno Popular y Comunal</span></div>
{body}
</main></body></html>"""


def page(
    request: Request,
    title: str,
    body: str,
    csrf: tuple[str, bool] | None = None,
    status_code: int = 200,
    wide: bool = False,
) -> HTMLResponse:
    """A full page; sets the CSRF cookie when the token is new."""
    response = HTMLResponse(
        document(title, body, wide), status_code=status_code, headers={"cache-control": "no-store"}
    )
    if csrf is not None and csrf[1]:
        response.set_cookie(
            CSRF_COOKIE,
            csrf[0],
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
            path="/",
        )
    return response


def message(kind: str, text: str) -> str:
    """A notice box: ``kind`` is ``error``, ``ok`` or ``info``."""
    return f'<p class="auth-msg auth-{kind}">{escape(text)}</p>' if text else ""


def error_page(title: str, text: str, status_code: int, link: bool = True) -> HTMLResponse:
    """A short Spanish page for a refusal or an outage (no form, so no CSRF cookie)."""
    back = '<div class="auth-nav"><a href="/">Volver a la Sala</a></div>' if link else ""
    body = f"<h1>{escape(title)}</h1>{message('error', text)}{back}"
    return HTMLResponse(
        document(title, body), status_code=status_code, headers={"cache-control": "no-store"}
    )
