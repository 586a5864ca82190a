"""The outermost ASGI middleware: each request timed, counted and logged once; ``/metrics``.

Every HTTP request feeds ``sala_http_request_duration_seconds`` under its route *template*
(``/api/v1/ingest/cases``, ``/{path:path}`` for Dash pages, never a raw path, so the number of
series stays bounded) and leaves one log line with method, path, status, duration and client
address; a websocket leaves one line when it closes. ``/metrics`` is answered here, before
access control, to loopback callers not relayed by a proxy and to ``SALA_METRICS_ALLOW``.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import time
from collections.abc import Iterable

from starlette.datastructures import Headers
from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core import metrics

log = logging.getLogger("sala.request")

METRICS_PATH = "/metrics"
SECRET_PREFIXES = ("/pantalla/",)  # wall-screen links carry their secret in the path
PREFIX_ROUTES = ("/assets/", "/_dash-component-suites/")


def route_template(scope: Scope) -> str:
    """The matched route's template; a fixed name for mounts and unmatched paths."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    if path:
        return path if path.startswith("/") else "/" + path  # Dash's catch-all: "{path:path}"
    raw = scope.get("path", "")
    for prefix in PREFIX_ROUTES:
        if raw.startswith(prefix):
            return prefix + "*"
    return "(sin ruta)"


def loggable_path(path: str) -> str:
    for prefix in SECRET_PREFIXES:
        if path.startswith(prefix):
            return prefix + "[oculto]"
    return path


def metrics_allowed(client: str | None, headers: Headers, allow: Iterable[str]) -> bool:
    """Loopback (not forwarded by a proxy) or an address inside one of ``allow``."""
    if not client:
        return False
    try:
        address = ipaddress.ip_address(client)
    except ValueError:
        return False
    if any(address in ipaddress.ip_network(net) for net in allow):
        return True
    forwarded = headers.get("x-forwarded-for") or headers.get("forwarded")
    return address.is_loopback and not forwarded


class RequestLog:
    def __init__(self, app: ASGIApp, metrics_allow: tuple[str, ...] = ()) -> None:
        self.app = app
        self.metrics_allow = metrics_allow

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self._http(scope, receive, send)
        elif scope["type"] == "websocket":
            await self._websocket(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        start = time.perf_counter()
        status = 500
        client = scope["client"][0] if scope.get("client") else None

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            if scope["path"] == METRICS_PATH:
                response = await self._metrics(scope, client)
                await response(scope, receive, send_status)
            else:
                await self.app(scope, receive, send_status)
        finally:
            seconds = time.perf_counter() - start
            route = METRICS_PATH if scope["path"] == METRICS_PATH else route_template(scope)
            metrics.HTTP_DURATION.labels(route, str(status)).observe(seconds)
            log.info(
                "%s %s %s",
                scope["method"],
                loggable_path(scope["path"]),
                status,
                extra={
                    "method": scope["method"],
                    "path": loggable_path(scope["path"]),
                    "status": status,
                    "duration_ms": round(seconds * 1000, 1),
                    "client": client,
                },
            )

    async def _metrics(self, scope: Scope, client: str | None) -> Response:
        if scope["method"] not in ("GET", "HEAD"):
            return PlainTextResponse("Use GET.", status_code=405)
        if not metrics_allowed(client, Headers(scope=scope), self.metrics_allow):
            return PlainTextResponse(
                "Métricas solo para esta máquina y las direcciones de SALA_METRICS_ALLOW.",
                status_code=403,
            )
        body = await asyncio.to_thread(metrics.render)  # reads the database: off the loop
        return Response(body, media_type=metrics.CONTENT_TYPE)

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        start = time.perf_counter()
        close_code: int | None = None

        async def send_close(message: Message) -> None:
            nonlocal close_code
            if message["type"] == "websocket.close":
                close_code = message.get("code", 1000)
            await send(message)

        try:
            await self.app(scope, receive, send_close)
        finally:
            client = scope["client"][0] if scope.get("client") else None
            log.info(
                "WS %s cerrado",
                loggable_path(scope["path"]),
                extra={
                    "method": "WS",
                    "path": loggable_path(scope["path"]),
                    "status": close_code or 1000,
                    "duration_ms": round((time.perf_counter() - start) * 1000, 1),
                    "client": client,
                },
            )


def install(server, settings) -> None:
    """Add this middleware outermost (call last) and register the database gauges."""
    import data.metrics  # noqa: F401  (registers the scrape-time gauges)

    server.add_middleware(RequestLog, metrics_allow=settings.metrics_allow)
