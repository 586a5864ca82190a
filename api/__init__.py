"""REST API (``/api/v1``) and health check, mounted on the FastAPI server before Dash."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.routing import Match

from core.config import Settings

METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


def register(server: FastAPI, settings: Settings) -> None:
    """Attach every API router to ``server``; routes read ``settings`` from the app state."""
    from api import alerts, consulta, docs, export, health, informe, ingest, read

    server.state.sala_settings = settings
    server.include_router(health.router)
    server.include_router(ingest.router)
    server.include_router(read.router)
    server.include_router(consulta.router)
    server.include_router(alerts.router)
    docs.mount(server)
    server.include_router(export.router)
    server.include_router(informe.router)
    # Last of the API: any other path under /api is a JSON 404 (or 405), never Dash's page.
    server.add_api_route("/api", unknown_api_path, methods=METHODS, include_in_schema=False)
    server.add_api_route(
        "/api/{rest:path}", unknown_api_path, methods=METHODS, include_in_schema=False
    )


def unknown_api_path(request: Request) -> JSONResponse:
    """404 for an unknown path under ``/api``; 405 when the path exists for other methods."""
    api_routes = [  # the API's own routes (not this one, not Dash's catch-all page route)
        route
        for route in request.app.router.routes
        if getattr(route, "endpoint", None) is not unknown_api_path
        and getattr(route, "path", "/api").startswith("/api")
    ]
    allowed = [
        method
        for method in METHODS
        if method != request.method
        and any(r.matches({**request.scope, "method": method})[0] == Match.FULL for r in api_routes)
    ]
    if allowed:
        return JSONResponse(
            {"detail": f"Método {request.method} no permitido en {request.url.path}."},
            status_code=405,
            headers={"allow": ", ".join(allowed)},
        )
    return JSONResponse(
        {"detail": f"No existe {request.url.path} en la API. Vea /api/docs."}, status_code=404
    )
