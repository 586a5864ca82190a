"""Callbacks: thin functions that read inputs, call the data layer and build figures."""

from __future__ import annotations

from dash import Dash

from core.config import Settings


def register(app: Dash, settings: Settings) -> None:
    """Register every callback module on ``app`` (``@app.callback``, never ``@dash.callback``)."""
    from callbacks import (
        aca,
        alertas,
        casos,
        clap,
        components,
        consulta,
        defensa,
        filters,
        live,
        muro,
        pages,
        panorama,
        paz,
        proyectos,
        router,
        tables,
    )

    panorama.register(app, settings)
    muro.register(app, settings)
    proyectos.register(app, settings)
    clap.register(app, settings)
    casos.register(app, settings)
    paz.register(app, settings)
    defensa.register(app, settings)
    consulta.register(app, settings)
    aca.register(app, settings)
    alertas.register(app, settings)
    components.register(app, settings)
    filters.register(app, settings)
    pages.register(app, settings)
    tables.register(app, settings)
    live.register(app, settings)
    router.register(app, settings)
