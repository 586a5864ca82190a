"""Callbacks of shared components, registered once for every page that uses them."""

from __future__ import annotations

from dash import MATCH, Dash, Input, Output

from core.config import Settings


def register(app: Dash, settings: Settings) -> None:
    # Freshness badges: text from the time of the last update, re-rendered on the clock tick.
    app.clientside_callback(
        "function(n, store){return window.sala.freshness(store);}",
        Output({"type": "freshness", "key": MATCH}, "children"),
        Output({"type": "freshness", "key": MATCH}, "className"),
        Input("clock-tick", "n_intervals"),
        Input({"type": "freshness-at", "key": MATCH}, "data"),
    )
