"""Login, logout and the wall-screen link: plain FastAPI routes with server-rendered forms.

Every form post checks a CSRF token (double submit against an HttpOnly, SameSite=Strict
cookie) and the Origin header; every outcome is written to the audit log.
"""

from __future__ import annotations

from html import escape
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from auth.cookies import (
    CSRF_COOKIE,
    DISPLAY_COOKIE,
    DISPLAY_MAX_AGE,
    SESSION_COOKIE,
    SESSION_MAX_AGE,
    Signer,
    csrf_matches,
)
from auth.html import csrf_field, csrf_token, message, page
from auth.middleware import request_principal
from core.timeutil import format_caracas
from data import audit
from data.db import session_scope
from data.displays import display_by_secret
from data.users import authenticate, has_users


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def safe_next(target: str | None) -> str:
    """Only local paths: ``next`` must never send the user to another site."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def same_origin(request: Request) -> bool:
    """A browser's Origin (or Referer) must name this host or an allowed origin.

    Absent headers pass on to the CSRF token check; ``null`` (sandboxed frames) fails.
    """
    source = request.headers.get("origin") or request.headers.get("referer")
    if not source or source == "null":
        return source != "null"
    parts = urlsplit(source)
    allowed = getattr(request.app.state, "allowed_origins", ())
    return parts.netloc == request.headers.get("host") or (
        f"{parts.scheme}://{parts.netloc}" in allowed
    )


def form_is_genuine(request: Request, csrf: str) -> bool:
    return same_origin(request) and csrf_matches(request.cookies.get(CSRF_COOKIE), csrf)


def set_cookie(response: Response, request: Request, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )


def login_form(request: Request, next_url: str, notice: str = "", status_code: int = 200):
    csrf = csrf_token(request)
    with session_scope() as session:
        users_exist = has_users(session)
    setup = ""
    if not users_exist:
        setup = message(
            "info",
            "Aún no hay usuarios. En el servidor cree el primero con: "
            "python manage.py create-user --username NOMBRE --role admin",
        )
    body = f"""<h1>Iniciar sesión</h1>{setup}{notice}
<form method="post" action="/login" autocomplete="on">{csrf_field(csrf[0])}
<input type="hidden" name="next" value="{escape(next_url)}">
<label for="username">Usuario</label>
<input id="username" name="username" autocomplete="username" required autofocus>
<label for="password">Contraseña</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Entrar</button></form>"""
    return page(request, "Iniciar sesión", body, csrf=csrf, status_code=status_code)


def build_router(signer: Signer) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/login")
    def login_page(request: Request, next: str = "/", salida: str = ""):
        notice = message("ok", "Sesión cerrada.") if salida else ""
        return login_form(request, safe_next(next), notice)

    @router.post("/login")
    def login_submit(
        request: Request,
        username: str = Form(""),
        password: str = Form(""),
        csrf: str = Form(""),
        next: str = Form("/"),
    ):
        target = safe_next(next)
        if not form_is_genuine(request, csrf):
            notice = message("error", "El formulario caducó. Vuelva a intentarlo.")
            return login_form(request, target, notice, status_code=403)
        ip = client_ip(request)
        with session_scope() as session:
            result = authenticate(session, username[:80], password[:1024])
            if result.user is not None:
                audit.record(session, result.user.username, "login", {"rol": result.user.role}, ip)
            else:
                action = "login_bloqueado" if result.reason == "locked" else "login_fallido"
                audit.record(session, username[:80] or "(vacío)", action, None, ip)
        if result.user is None:
            if result.reason == "locked":
                until = format_caracas(result.locked_until)
                text = (
                    f"Cuenta bloqueada por intentos fallidos hasta las {until} (hora de Caracas)."
                )
            else:
                text = "Usuario o contraseña incorrectos."
            return login_form(request, target, message("error", text), status_code=401)
        response = RedirectResponse(target, status_code=303)
        set_cookie(
            response,
            request,
            SESSION_COOKIE,
            signer.session(result.user.id, result.user.session_tag),
            SESSION_MAX_AGE,
        )
        response.delete_cookie(DISPLAY_COOKIE, path="/")
        return response

    @router.get("/logout")
    def logout_page(request: Request):
        principal = request_principal(request)
        csrf = csrf_token(request)
        who = escape(principal.username) if principal else "—"
        body = f"""<h1>Cerrar sesión</h1><p>Usuario: <strong>{who}</strong></p>
<form method="post" action="/logout">{csrf_field(csrf[0])}
<button type="submit">Cerrar sesión</button></form>
<div class="auth-nav"><a href="/">Volver a la Sala</a></div>"""
        return page(request, "Cerrar sesión", body, csrf=csrf)

    @router.post("/logout")
    def logout_submit(request: Request, csrf: str = Form("")):
        if not form_is_genuine(request, csrf):
            return RedirectResponse("/logout", status_code=303)
        principal = request_principal(request)
        if principal is not None and principal.kind in ("user", "display"):
            with session_scope() as session:
                audit.record(session, principal.username, "logout", None, client_ip(request))
        response = RedirectResponse("/login?salida=1", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        response.delete_cookie(DISPLAY_COOKIE, path="/")
        return response

    @router.get("/pantalla/{secret}")
    def display_login(request: Request, secret: str):
        ip = client_ip(request)
        with session_scope() as session:
            display = display_by_secret(session, secret[:200])
            if display is None:
                audit.record(session, "(pantalla)", "pantalla_rechazada", None, ip)
            else:
                audit.record(session, display.name, "pantalla_login", None, ip)
        if display is None:
            body = message("error", "Enlace de pantalla inválido o revocado.")
            body += "<p>Pida a un administrador un enlace nuevo (manage.py create-display).</p>"
            return page(request, "Pantalla", body, status_code=404)
        response = RedirectResponse("/muro", status_code=303)
        set_cookie(response, request, DISPLAY_COOKIE, signer.display(display.id), DISPLAY_MAX_AGE)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    return router
