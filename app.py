"""Sala: builds the Dash app on its FastAPI server and exports ``server`` for uvicorn.

``python app.py`` only serves (no seeding, no simulator); ``make run`` adds those.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from dash import Dash
from fastapi import FastAPI

import api
import auth
import callbacks
from api import asset_bundle, request_log, wire
from auth.proxies import take_over_uvicorn_proxy_headers
from core import logs
from core.config import ROOT, Settings, load_settings
from core.heap import tune_after_start
from layouts.shell import shell

# Forwarded headers are believed only from SALA_TRUSTED_PROXIES (auth.proxies), never
# because of uvicorn's --proxy-headers / --forwarded-allow-ips (default: trust 127.0.0.1).
take_over_uvicorn_proxy_headers()

# Dash's page with the document language declared (screen readers pick the Spanish voice).
INDEX_STRING = """<!DOCTYPE html>
<html lang="es">
    <head>
        {%metas%}
        <title>{%title%}</title>
        {%favicon%}
        {%css%}
    </head>
    <body>
        {%app_entry%}
        <footer>
            {%config%}
            {%scripts%}
            {%renderer%}
        </footer>
    </body>
</html>"""


def create_server(settings: Settings) -> FastAPI:
    """The FastAPI server: REST routes first, so Dash's catch-all route never shadows them."""

    from data.simulation.runner import BadMode, parse_mode

    try:
        mode = parse_mode(settings.simulate)
    except BadMode as exc:
        raise SystemExit(str(exc)) from None

    @asynccontextmanager
    async def lifespan(_server: FastAPI) -> AsyncIterator[None]:
        """Start the alert evaluator (``SALA_ALERTAS``, one leads among all workers) and the
        in-server simulator (``SALA_SIMULATE``); stop both on shutdown."""
        from data.db import get_engine

        simulator = alerts = None
        if settings.alerts_enabled:
            from data.alerts.service import AlertService

            alerts = AlertService(settings, get_engine(settings.database_url)).start()
        if mode is not None:
            from data.simulation.runner import BackgroundSimulator

            simulator = BackgroundSimulator(get_engine(settings.database_url), mode).start()
        try:
            yield
        finally:
            if simulator is not None:
                simulator.stop()
            if alerts is not None:
                await alerts.stop()

    server = FastAPI(
        lifespan=lifespan,
        title="Sala de Autogobierno Popular y Comunal — API",
        version="1.0",
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    api.register(server, settings)
    asset_bundle.register(server)  # ahead of Dash's own /assets/ route
    return server


# Dash loads Babel's whole polyfill (core-js, 100 KB) before React for old browsers; this
# Sala's browsers have all of it natively, and core-js replaces some native methods with
# slower ones (String.prototype.trim, called throughout Plotly). Dash's bundles only need
# its regenerator runtime (``regeneratorRuntime``, for their lazy chunks): that alone,
# from the same npm release the polyfill bundles (MIT, assets/vendor/REGENERATOR-LICENSE.txt).
POLYFILL_TAG = re.compile(r'<script src="[^"]*/deps/polyfill@[^"]*"></script>')
REGENERATOR = "vendor/regenerator-runtime.js?v=0.13.11"
# AG Grid's bundle (1 MB of JavaScript) is only needed once a data table mounts, below the
# charts (layouts/components/data_table.py): the page prefetches it instead of running it
# before the first render, and assets/grid_mount.js runs it just before asking for a grid.
GRID_TAG = re.compile(r'<script src="([^"]*/dash_ag_grid/dash_ag_grid[^"]*\.js[^"]*)"></script>')
# Dash lists dash_table's loader in every page whether or not a DataTable is used; the Sala
# has none (its tables are AG Grid and RecordTable): 33 KB less to run before the first render.
DATA_TABLE_TAG = re.compile(r'<script src="[^"]*/dash/dash_table/[^"]*"></script>\n?')


class SalaDash(Dash):
    """Dash whose page config does not fingerprint the server (Dash writes the exact Python
    build into every page and a plotly.com URL for its dev tools' version check, which
    only help someone probing for known flaws), whose pages skip the full polyfill and
    dash_table (unused), load AG Grid when a table is wanted rather than before the first
    render, and link the app's own scripts and stylesheets as one file each
    (``api/asset_bundle.py``)."""

    def _generate_scripts_html(self) -> str:
        scripts = super()._generate_scripts_html()
        tag = f'<script src="{self.get_asset_url(REGENERATOR)}"></script>'
        scripts = POLYFILL_TAG.sub(lambda _: tag, scripts, count=1)
        scripts = DATA_TABLE_TAG.sub("", scripts)
        scripts = GRID_TAG.sub(
            lambda m: f'<link rel="prefetch" as="script" href="{m[1]}" data-sala-grid-script>',
            scripts,
            count=1,
        )
        return asset_bundle.link_bundle(scripts, "js", self._bundle_url("js"))

    def _generate_css_dist_html(self) -> str:
        styles = super()._generate_css_dist_html()
        return asset_bundle.link_bundle(styles, "css", self._bundle_url("css"))

    def _bundle_url(self, kind: str) -> str:
        return self.get_asset_url(asset_bundle.filename(kind))

    def _config(self) -> dict:
        config = super()._config()
        config.pop("python_version", None)
        config["dash_version_url"] = None
        config["disable_version_check"] = True
        return config


def create_app(settings: Settings | None = None) -> Dash:
    settings = settings or load_settings()
    logs.configure(settings.log_format, settings.log_level)
    app = SalaDash(
        __name__,
        server=create_server(settings),
        backend="fastapi",
        title="Sala de Autogobierno",
        update_title=None,
        index_string=INDEX_STRING,
        assets_folder=str(ROOT / "assets"),
        assets_path_ignore=["^vendor$"],  # served, not auto-included: assets/plotly_loader.js
        suppress_callback_exceptions=True,
        websocket_inactivity_timeout=0,
        websocket_allowed_origins=list(settings.allowed_origins),  # besides same-origin
    )
    app.layout = shell
    callbacks.register(app, settings)
    auth.install(app, settings)  # access control: after the callbacks (CSP hashes them)
    wire.install(app.server)  # compressed text, cached static files (inside the log: timed)
    request_log.install(app.server, settings)  # times, counts and logs every request
    auth.install_proxies(app, settings)  # outermost: the real client behind a declared proxy
    # Dash 4.4.1's FastAPI backend runs this first-request setup (asset scan, script list)
    # only for "/" and "/_dash-*" requests: a worker whose first request is a deep link such
    # as /clap?territorio=VE-A or /muro would serve a page without CSS and JS. Run it now instead.
    app._setup_server()
    return app


app = create_app()
server = app.server
tune_after_start()  # the app's objects out of every collection, fewer collections (core.heap)


if __name__ == "__main__":
    import uvicorn

    from core.serving import uvicorn_options

    uvicorn.run("app:server", **uvicorn_options(load_settings(), log_level="info"))
