"""Pieces every live page shares: the push stores, the poll, the banner, freshness, ticker.

The stores live in the shell (not in a page) so the tab's push loop outlives page changes:

- ``live-cursor``: ``{"epoch", "id"}`` of the last bus event this tab applied (resume point);
- ``live-feed``: the latest coalesced update (pages' callbacks take it as an Input);
- ``live-ticker``: the tab's latest events, newest first (a window's feed brings only its
  own, ``news``; ``assets/live.js`` puts them in front);
- ``live-beat``: heartbeat from the push loop (server time, bus health, last event time);
- ``live-poll`` / ``live-version``: the safety-net poll and the data versions it saw.
"""

from __future__ import annotations

from typing import Any

from dash import dcc, html

from core.numbers import fmt_number, fmt_usd

POLL_MS = 15_000
TICKER_SIZE = 12

DATASET_LABELS = {
    "clap_deliveries": "Entrega CLAP",
    "cases": "Caso 1x10",
    "incidents": "Incidente",
    "projects": "Proyecto",
    "transfers": "Transferencia",
    "defense": "Defensa",
    "alerts": "Alerta",
    "territories": "Territorio",
    "cuadrantes": "Cuadrante",
    "actions": "Acción ACA",
}
WORDS = {"en_atencion": "en atención", "en_ejecucion": "en ejecución", "culminado": "culminado"}
DETAIL_FIELDS = ("title", "name", "category", "type", "plan", "status", "phase", "message")


def live_components() -> html.Div:
    """The shell's invisible push/poll machinery and the visible reconnect/stale banner."""
    return html.Div(
        [
            dcc.Store(id="live-cursor", storage_type="memory"),
            dcc.Store(id="live-feed", storage_type="memory"),
            dcc.Store(id="live-ticker", storage_type="memory"),
            dcc.Store(id="live-beat", storage_type="memory"),
            dcc.Store(id="live-version", storage_type="memory"),
            dcc.Store(id="live-poll-ok", storage_type="memory"),
            dcc.Store(id="live-alerts", storage_type="memory"),  # the feeds with alert news
            dcc.Interval(id="live-poll", interval=POLL_MS),
            html.Div(
                id="live-banner",
                className="live-banner",
                role="status",
                **{"aria-live": "polite", "data-state": "connecting"},
            ),
        ],
        className="live-machinery",
    )


def freshness(server_ms: int | None) -> html.Span:
    """ "actualizado hace 12 s": the text is kept current by ``assets/live.js``."""
    return html.Span(
        "actualizado hace 0 s" if server_ms else "sin datos aún",
        className="freshness",
        **{"data-since": str(server_ms or "")},
    )


def _details(item: dict[str, Any]) -> list[str]:
    """The one or two facts a room reads first for each kind of event."""
    dataset = item.get("dataset")
    if dataset == "clap_deliveries" and item.get("families_served") is not None:
        return [
            f"{fmt_number(item['families_served'])} de "
            f"{fmt_number(item.get('families_planned'))} familias"
        ]
    if dataset == "transfers" and item.get("amount_usd") is not None:
        return [fmt_usd(item["amount_usd"]), str(item.get("bank") or "")]
    if dataset == "projects" and item.get("physical_progress") is not None:
        status = WORDS.get(str(item.get("status")), str(item.get("status") or ""))
        return [str(item.get("title") or ""), f"{status} {fmt_number(item['physical_progress'])} %"]
    return [
        WORDS.get(str(item[k]), str(item[k]).replace("_", " "))
        for k in DETAIL_FIELDS
        if item.get(k)
    ][:2]


def ticker_line(item: dict[str, Any], estado_names: dict[str, str]) -> str:
    """One Spanish line for an event item: what, the key facts, where."""
    what = DATASET_LABELS.get(str(item.get("dataset")), str(item.get("dataset") or "Evento"))
    where = estado_names.get(str(item.get("estado_code")), item.get("estado_code") or "")
    parts = [what, *(d for d in _details(item) if d)]
    return " · ".join(parts) + (f" — {where}" if where else "")


def ticker(items: list[dict[str, Any]], estado_names: dict[str, str]) -> list[html.Li]:
    """The latest events, newest first, capped at :data:`TICKER_SIZE` rows."""
    if not items:
        return [html.Li("Esperando eventos…", className="ticker-empty")]
    return [
        html.Li(
            ticker_line(item, estado_names),
            className="ticker-item" + (" ticker-alert" if item.get("dataset") == "alerts" else ""),
            **{"data-event": str(item.get("id", ""))},
        )
        for item in items[:TICKER_SIZE]
    ]
