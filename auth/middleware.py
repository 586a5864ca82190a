"""The ASGI middleware that makes :func:`auth.principal.current_principal` true.

For every HTTP request and every websocket (Dash's push channel) outside the REST API it
resolves the caller, sets the principal context variable for the whole request (Dash runs
HTTP callbacks, websocket callbacks in the thread pool and async callbacks as tasks in a
copy of this context, so they all see it), and refuses callers without one. ``/api`` and
``/healthz`` are left to the bearer tokens of the API.

It also shapes every response: the security headers, ``Cache-Control: no-store`` on
everything but static files, a 503 page (or JSON) when the database is unreachable, and a
500 page with those headers, never a bare one, for anything unforeseen.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from urllib.parse import quote

from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from auth.cookies import Signer
from auth.errors import LOGGED_503, answers_json, json_error, note_unavailable, unavailable
from auth.headers import API_CSP, BASE_HEADERS
from auth.html import error_page
from auth.principal import Principal, reset_principal, set_principal
from auth.resolve import is_local_peer, resolve_principal
from data.db import is_unavailable

log = logging.getLogger("sala.http")

STATIC_PREFIXES = ("/assets/", "/_dash-component-suites/", "/favicon.ico", "/api/static/")
PUBLIC_PATHS = ("/login", "/logout")
REVALIDATE_WS_S = 30.0  # a revoked screen's socket closes within a heartbeat or two


def is_api(path: str) -> bool:
    return path == "/api" or path.startswith("/api/") or path == "/healthz"


def is_static(path: str) -> bool:
    return path.startswith(STATIC_PREFIXES)


def is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith("/pantalla/")


def is_data(path: str) -> bool:
    """Dash's machinery (layout, dependencies, callbacks, reload hash): JSON, never HTML."""
    return path.startswith("/_")


def response_started(started: list[bool], send: Send) -> Send:
    """``send`` that notes in ``started`` whether the response head went out."""

    async def tracking_send(message: Message) -> None:
        if message["type"] == "http.response.start":
            started[0] = True
        await send(message)

    return tracking_send


def request_principal(conn: HTTPConnection) -> Principal | None:
    """The principal the middleware resolved (None on public pages for anonymous callers)."""
    return conn.scope.get("state", {}).get("principal")


INSECURE_PAGE = (
    "<!doctype html><meta charset='utf-8'><title>Sala</title>"
    "<h1>Configuración insegura</h1><p>La Sala se está sirviendo fuera de esta máquina con "
    "la clave de sesión por defecto. Defina <code>SALA_SECRET_KEY</code> con un valor "
    "secreto y reinicie el servidor.</p>"
)


class AuthMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        signer: Signer,
        csp: Callable[[], str],
        insecure_key: bool,
    ) -> None:
        self.app = app
        self.signer = signer
        self.csp = csp
        self.insecure_key = insecure_key

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self._http(scope, receive, send)
        elif scope["type"] == "websocket" and not is_api(scope["path"]):
            await self._websocket(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def _resolve(self, conn: HTTPConnection) -> Principal | None:
        return await asyncio.to_thread(
            resolve_principal, self.signer, conn.cookies, conn.scope, conn.headers
        )

    def _with_headers(self, send: Send, scope: Scope) -> Send:
        path = scope["path"]
        csp = API_CSP if is_api(path) else None
        https = scope.get("scheme") == "https"
        static = is_static(path)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in BASE_HEADERS.items():
                    headers.setdefault(name, value)
                headers.setdefault("content-security-policy", csp or self.csp())
                if not static:  # data, pages, exports: never kept by a browser or a proxy
                    headers.setdefault("cache-control", "no-store")
                if https:
                    headers.setdefault("strict-transport-security", "max-age=31536000")
                if message["status"] == 503 and not scope.get(LOGGED_503):
                    note_unavailable(scope, "sin causa registrada")
            await send(message)

        return send_with_headers

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        send = self._with_headers(send, scope)
        started = [False]
        try:
            await self._serve(scope, receive, response_started(started, send))
        except Exception as exc:
            if started[0]:
                raise  # the head went out: nothing better to send than a cut response
            if is_unavailable(exc):
                response = unavailable(scope, exc)
            else:
                log.exception("error no previsto en %s %s", scope["method"], scope["path"])
                response = _unexpected(scope["path"])
            await response(scope, receive, send)

    async def _serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope["path"]
        if is_api(path):
            await self.app(scope, receive, send)
            return
        if self.insecure_key and not is_local_peer(scope):
            note_unavailable(scope, "clave de sesión por defecto fuera de esta máquina")
            await HTMLResponse(INSECURE_PAGE, status_code=503)(scope, receive, send)
            return
        if is_static(path):
            await self.app(scope, receive, send)
            return
        conn = HTTPConnection(scope)
        principal = await self._resolve(conn)
        scope.setdefault("state", {})["principal"] = principal
        if principal is None and not is_public(path):
            await self._refuse(scope, receive, send)
            return
        token = set_principal(principal)
        try:
            await self.app(scope, receive, send)
        finally:
            reset_principal(token)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope["path"]
        response: Response
        if is_data(path) or scope["method"] not in ("GET", "HEAD"):
            response = JSONResponse(
                {"error": "no_autenticado", "mensaje": "Inicie sesión para continuar."},
                status_code=401,
            )
        else:
            query = scope["query_string"].decode("latin-1")
            target = path + (f"?{query}" if query else "")
            response = RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
        await response(scope, receive, send)

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        conn = HTTPConnection(scope)
        principal = None
        close = {"type": "websocket.close", "code": 4001, "reason": "no autenticado"}
        if not (self.insecure_key and not is_local_peer(scope)):
            try:
                principal = await self._resolve(conn)
            except Exception as exc:
                if not is_unavailable(exc):
                    raise
                note_unavailable(scope, "base de datos no disponible (websocket)")
                close = {"type": "websocket.close", "code": 1013, "reason": "reintente"}
        if principal is None:
            message = await receive()  # websocket.connect
            if message["type"] == "websocket.connect":
                await send(close)
            return
        last_check = time.monotonic()

        async def receive_checked() -> Message:
            nonlocal last_check
            message = await receive()
            if message["type"] == "websocket.receive":
                now = time.monotonic()
                if now - last_check >= REVALIDATE_WS_S:
                    last_check = now
                    try:
                        still = await self._resolve(conn)
                    except Exception as exc:
                        if not is_unavailable(exc):
                            raise
                        still = principal  # an outage is not a revocation: keep the screen
                    if still != principal:
                        await send({"type": "websocket.close", "code": 4001})
                        return {"type": "websocket.disconnect", "code": 4001}
            return message

        token = set_principal(principal)
        try:
            await self.app(scope, receive_checked, send)
        finally:
            reset_principal(token)


def _unexpected(path: str) -> Response:
    text = "Ocurrió un error inesperado en el servidor; quedó registrado. Inténtelo de nuevo."
    if answers_json(path):
        return json_error(500, "error_interno", text)
    return error_page("Error del servidor", text, 500)
