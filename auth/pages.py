"""Login, logout and the wall-screen link: plain FastAPI routes with server-rendered forms.

Every form post checks a CSRF token (double submit against an HttpOnly, SameSite=Strict
cookie) and the Origin header; every outcome is written to the audit log.
"""

from __future__ import annotations

from html import escape
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from auth.cookies import (
    CSRF_COOKIE,
    DISPLAY_MAX_AGE,
    SESSION_COOKIE,
    SESSION_MAX_AGE,
    Signer,
    csrf_matches,
)
from auth.html import csrf_field, csrf_token, message, page
from auth.middleware import request_principal
from core.timeutil import format_caracas, utcnow
from data import audit, sessions
from data.db import session_scope
from data.displays import display_by_secret
from data.users import LoginResult, has_users, login


def client_ip(request: Request) -> str | None:
    """The client's address: the socket peer, or what a declared proxy reports
    (``auth.proxies``); never a forwarded header from anyone else."""
    return request.client.host if request.client else None


def login_failure(result: LoginResult) -> tuple[int, str, dict[str, str]]:
    """Status, Spanish text and headers of a refused login: the same for every username,
    known or not, so the answer tells nothing about which accounts exist."""
    if result.reason == "throttled":
        wait = max(60, int((result.until - utcnow()).total_seconds())) if result.until else 900
        text = (
            "Demasiados intentos fallidos desde su dirección. Espere unos minutos "
            f"(hasta las {format_caracas(result.until)}, hora de Caracas) y vuelva a intentarlo."
        )
        return 429, text, {"retry-after": str(wait)}
    if result.reason == "locked":
        until = format_caracas(result.until)
        return (
            401,
            f"Cuenta bloqueada por intentos fallidos hasta las {until} (hora de Caracas).",
            {},
        )
    return 401, "Usuario o contraseña incorrectos.", {}


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


def end_previous(session: Session, signer: Signer, request: Request) -> None:
    """A browser that logs in again leaves no older session of its own behind."""
    old = signer.read_session(request.cookies.get(SESSION_COOKIE))
    if old:
        sessions.end(session, old)


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
        result = login(username[:80], password[:1024], ip)
        actions = {"locked": "login_bloqueado", "throttled": "login_limitado"}
        with session_scope() as session:
            if result.user is not None:
                end_previous(session, signer, request)
                detail = {"rol": result.user.role}
                who = result.user.username
                audit.record(session, who, "login", detail, ip, result.territory_code)
            else:
                action = actions.get(result.reason or "", "login_fallido")
                who = username.strip()[:80] or "(vacío)"
                audit.record(session, who, action, None, ip, result.territory_code)
        if result.user is None:
            status, text, headers = login_failure(result)
            answer = login_form(request, target, message("error", text), status_code=status)
            answer.headers.update(headers)
            return answer
        response = RedirectResponse(target, status_code=303)
        assert result.session_secret is not None
        cookie = signer.session(result.session_secret)
        set_cookie(response, request, SESSION_COOKIE, cookie, SESSION_MAX_AGE)
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
        secret = signer.read_session(request.cookies.get(SESSION_COOKIE))
        with session_scope() as session:
            ended = sessions.end(session, secret) if secret else False
            if ended and principal is not None and principal.kind in ("user", "display"):
                audit.record(
                    session,
                    principal.username,
                    "logout",
                    None,
                    client_ip(request),
                    principal.territory_code,
                )
        response = RedirectResponse("/login?salida=1", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    @router.get("/pantalla/{secret}")
    def display_login(request: Request, secret: str):
        ip = client_ip(request)
        with session_scope() as session:
            display = display_by_secret(session, secret[:200])
            if display is None:
                audit.record(session, "(pantalla)", "pantalla_rechazada", None, ip)
            else:
                end_previous(session, signer, request)
                cookie = signer.session(sessions.start(session, display_id=display.id))
                audit.record(
                    session, display.name, "pantalla_login", None, ip, display.territory_code
                )
        if display is None:
            body = message("error", "Enlace de pantalla inválido o revocado.")
            body += "<p>Pida a un administrador un enlace nuevo (manage.py create-display).</p>"
            return page(request, "Pantalla", body, status_code=404)
        response = RedirectResponse("/muro", status_code=303)
        set_cookie(response, request, SESSION_COOKIE, cookie, DISPLAY_MAX_AGE)
        return response

    return router
