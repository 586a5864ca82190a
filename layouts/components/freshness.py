"""The freshness badge: "actualizado hace N s", turning to a warning when data is stale.

A page (or the live-push helper) writes the time of its last successful update, in epoch
milliseconds, into the badge's store ``{"type": "freshness-at", "key": key}``; a clientside
callback (callbacks/components.py, ``window.sala.freshness`` in assets) writes the text and
the time into the badge (``data-fresh-at``), and ``assets/clock.js`` ages the text every
second, so neither a server call nor a Dash callback is spent on it.
"""

from __future__ import annotations

from dash import dcc, html

STALE_AFTER_S = 90


def freshness_id(key: str) -> dict[str, str]:
    return {"type": "freshness", "key": key}


def freshness_store_id(key: str) -> dict[str, str]:
    return {"type": "freshness-at", "key": key}


def freshness_badge(key: str, stale_after_s: int = STALE_AFTER_S) -> html.Span:
    """Badge plus its store; ``key`` must be unique on the page (e.g. "panorama")."""
    return html.Span(
        [
            html.Span("actualizando…", id=freshness_id(key), className="freshness"),
            dcc.Store(id=freshness_store_id(key), data={"at": None, "stale": stale_after_s}),
        ],
        className="freshness-wrap",
    )
