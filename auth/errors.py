"""How the Sala answers when something goes wrong: never a bare 500 for bad input or an
outage, always the security headers, one log line per outage answer.

- Database unreachable (anywhere: session lookup, page, callback, export, API): **503**,
  a short Spanish page or JSON for data routes, ``Retry-After``; one ``WARNING`` line with
  the cause. Recovery needs nothing: the pool reconnects on the next request.
- Bad input: **400** (``BadInput``, a value the database refused, a malformed request to a
  page), **404** for an unknown territory or callback.
- A crafted callback request whose values break the callback (wrong types: ``TypeError``,
  ``KeyError``...): **400**, logged as a warning, since the renderer never sends them.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exception_handlers import (
    http_exception_handler,
    request_validation_exception_handler,
)
from fastapi.exceptions import RequestValidationError
from sqlalchemy import exc as sa_exc
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse, Response
from starlette.types import Scope

from auth.guard import NotAuthorized
from auth.html import error_page
from core.inputs import BadInput
from data.db import describe, is_unavailable
from data.scope import OutOfScope, UnknownTerritory

log = logging.getLogger("sala.http")

CALLBACK_PATH = "/_dash-update-component"
LOGGED_503 = "sala.logged_503"
RETRY_AFTER_S = 5
UNAVAILABLE_TEXT = (
    "La base de datos no responde en este momento. La Sala vuelve sola en cuanto la base "
    "de datos responda; inténtelo de nuevo en unos segundos."
)


def answers_json(path: str) -> bool:
    """Routes answered in JSON: the REST API, health, Dash's machinery and the exports."""
    return path.startswith(("/api/", "/_", "/exportar/")) or path in ("/api", "/healthz")


def json_error(status: int, code: str, message: str, headers: dict | None = None) -> JSONResponse:
    return JSONResponse({"error": code, "mensaje": message}, status_code=status, headers=headers)


def note_unavailable(scope: Scope, cause: str) -> None:
    """Log one line for a 503 about to be sent (at most once per request)."""
    if scope.get(LOGGED_503):
        return
    scope[LOGGED_503] = True
    log.warning("503 %s %s: %s", scope.get("method", "WS"), scope.get("path"), cause)


def unavailable(scope: Scope, exc: BaseException) -> Response:
    """The 503 answer for a database outage, logged once with its cause."""
    note_unavailable(scope, f"base de datos no disponible ({describe(exc)})")
    headers = {"retry-after": str(RETRY_AFTER_S)}
    if answers_json(scope["path"]):
        response: Response = json_error(
            503, "base_de_datos_no_disponible", UNAVAILABLE_TEXT, headers
        )
    else:
        response = error_page("Sala no disponible", UNAVAILABLE_TEXT, 503, link=False)
        response.headers.update(headers)
    return response


def refused(request: Request, status: int, code: str, message: str) -> Response:
    if answers_json(request.url.path):
        return json_error(status, code, message)
    return error_page("Petición no válida", message, status)


def install_handlers(server: FastAPI) -> None:
    """Register the answers above on ``server`` (its exception middleware sees every route,
    Dash's callbacks included)."""

    @server.exception_handler(OutOfScope)
    async def out_of_scope(request: Request, exc: OutOfScope):
        text = f"El territorio {exc.args[0]} está fuera de su ámbito."
        return refused(request, 403, "fuera_de_ambito", text)

    @server.exception_handler(UnknownTerritory)
    async def unknown_territory(request: Request, exc: UnknownTerritory):
        return refused(request, 404, "territorio_desconocido", "No existe ese territorio.")

    @server.exception_handler(NotAuthorized)
    async def not_authorized(request: Request, exc: NotAuthorized):
        return refused(request, 403, "no_autorizado", str(exc))

    @server.exception_handler(BadInput)
    async def bad_input(request: Request, exc: BadInput):
        return refused(request, 400, "entrada_no_valida", str(exc))

    async def database_error(request: Request, exc: Exception):
        if is_unavailable(exc):
            return unavailable(request.scope, exc)
        if isinstance(exc, sa_exc.DataError):
            text = "La base de datos rechazó un valor de la petición."
            return refused(request, 400, "entrada_no_valida", text)
        raise exc

    server.add_exception_handler(sa_exc.DBAPIError, database_error)
    server.add_exception_handler(sa_exc.TimeoutError, database_error)
    server.add_exception_handler(sa_exc.DisconnectionError, database_error)

    @server.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException):
        if exc.status_code == 503:
            cause = exc.__cause__
            text = str(exc.detail)
            if cause is not None and is_unavailable(cause):
                text = f"base de datos no disponible ({describe(cause)})"
            note_unavailable(request.scope, text)
        return await http_exception_handler(request, exc)

    @server.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError):
        if answers_json(request.url.path):
            return await request_validation_exception_handler(request, exc)
        text = "Algún dato del formulario o de la dirección no es válido."
        return error_page("Petición no válida", text, 400)

    async def broken_callback(request: Request, exc: Exception):
        """A callback that breaks on its inputs was sent values the renderer never sends."""
        if request.url.path != CALLBACK_PATH:
            raise exc
        log.warning("callback rechazado (%s: %s)", type(exc).__name__, str(exc)[:200])
        text = "La petición del callback tiene valores que no corresponden."
        return json_error(400, "entrada_no_valida", text)

    for kind in (TypeError, ValueError, LookupError, AttributeError, ArithmeticError):
        server.add_exception_handler(kind, broken_callback)
