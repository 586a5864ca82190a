"""Callbacks of shared components, registered once for every page that uses them."""

from __future__ import annotations

from dash import MATCH, Dash, Input, Output

from core.config import Settings


def register(app: Dash, settings: Settings) -> None:
    # Freshness badges: text from the time of the last update, written when it changes;
    # assets/clock.js ages the text every second from the badge's data-fresh-* attributes
    # (no Dash callback per second).
    app.clientside_callback(
        """function(store){
            const s = store || {};
            return window.sala.freshness(s).concat([String(s.at || ""), String(s.stale || "")]);
        }""",
        Output({"type": "freshness", "key": MATCH}, "children"),
        Output({"type": "freshness", "key": MATCH}, "className"),
        Output({"type": "freshness", "key": MATCH}, "data-fresh-at"),
        Output({"type": "freshness", "key": MATCH}, "data-fresh-stale"),
        Input({"type": "freshness-at", "key": MATCH}, "data"),
    )
