"""Sala: builds the Dash app on its FastAPI server and exports ``server`` for uvicorn.

``python app.py`` only serves (no seeding, no simulator); ``make run`` adds those.
"""

from __future__ import annotations

from dash import Dash
from fastapi import FastAPI

import api
import callbacks
from core.config import ROOT, Settings, load_settings
from layouts.shell import shell


def create_server(settings: Settings) -> FastAPI:
    """The FastAPI server: REST routes first, so Dash's catch-all route never shadows them."""
    server = FastAPI(
        title="Sala de Autogobierno Popular y Comunal — API",
        version="1.0",
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    api.register(server, settings)
    return server


def create_app(settings: Settings | None = None) -> Dash:
    settings = settings or load_settings()
    app = Dash(
        __name__,
        server=create_server(settings),
        backend="fastapi",
        title="Sala de Autogobierno",
        update_title=None,
        assets_folder=str(ROOT / "assets"),
        suppress_callback_exceptions=True,
        websocket_inactivity_timeout=0,
    )
    app.layout = shell
    callbacks.register(app, settings)
    # Dash 4.4.1's FastAPI backend runs this first-request setup (asset scan, script list)
    # only for "/" and "/_dash-*" requests: a worker whose first request is a deep link such
    # as /clap?territorio=VE-A would serve a page without CSS and JS. Run it now instead.
    app._setup_server()
    return app


app = create_app()
server = app.server


if __name__ == "__main__":
    import uvicorn

    cfg = load_settings()
    uvicorn.run("app:server", host=cfg.host, port=cfg.port, log_level="info")
