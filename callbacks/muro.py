"""Wall mode callbacks: rotate the playlist, refresh panels on every live update.

Each panel is built inside its own ``try``: one that fails shows a Spanish error state while
the others and the rotation carry on. One ``summary()`` query per refresh feeds every KPI
panel (a refresh happens per coalesced live window, per poll change or per rotation step).
"""

from __future__ import annotations

import logging
import time
from functools import lru_cache
from typing import Any

from dash import ALL, Dash, Input, Output, State, ctx, html, no_update

from auth.principal import current_principal
from core.config import Settings
from core.timeutil import utcnow
from data.db import session_scope
from data.queries.live import caller_scope, estado_names, territory_points, wall_territory
from data.queries.panorama import territory_measures
from data.queries.summary import summary
from layouts import muro
from layouts.live import freshness, ticker, ticker_line
from layouts.registry import Page, register_page

log = logging.getLogger("sala.muro")


@lru_cache(maxsize=1)
def _estado_names() -> dict[str, str]:
    with session_scope() as session:
        return estado_names(session)


def names() -> dict[str, str]:
    try:
        return _estado_names()
    except Exception:
        return {}


def _event_code(item: dict[str, Any]) -> str | None:
    for level in ("circuito", "parroquia", "municipio", "estado"):
        if item.get(f"{level}_code"):
            return item[f"{level}_code"]
    return None


def load_panels(territory: str | None, panels: list[str], feed: dict | None) -> dict[str, Any]:
    """Everything the current step shows; each piece fails on its own (value = exception)."""
    principal = current_principal()
    out: dict[str, Any] = {}
    now = utcnow()
    with session_scope() as session:
        scope = caller_scope(session, principal.territory_code)
        try:
            ref = wall_territory(session, scope, territory)
        except Exception as exc:  # unknown or outside the caller's scope
            return {"error": exc}
        out["title"] = ref.name if ref else "Venezuela"
        if any(p in muro.PANELS and p != "mapa" for p in panels):
            try:
                out["summary"] = summary(session, ref, now)
            except Exception as exc:
                log.exception("summary failed")
                out["summary"] = exc
        if "mapa" in panels:
            try:
                rows = territory_measures(session, ref, now)
                items = (feed or {}).get("items") or []
                codes = [c for c in (_event_code(i) for i in items) if c]
                points = territory_points(session, scope, codes)
                recent = [
                    {**points[c], "label": ticker_line(i, names())}
                    for i, c in zip(items, codes, strict=False)
                    if c in points
                ]
                out["map"] = muro.map_features(rows, recent)
            except Exception as exc:
                log.exception("map failed")
                out["map"] = exc
    return out


def register(app: Dash, settings: Settings) -> None:
    register_page(Page(path="/muro", title="Muro", nav_label="Muro", layout=muro.layout))

    @app.callback(
        Output("muro-grid", "children"),
        Output("muro-grid", "className"),
        Output("muro-step", "children"),
        Input("muro-rotate", "n_intervals"),
        State("muro-config", "data"),
    )
    def rotate(n: int | None, config: dict | None):
        """A new step of the playlist: lay out its panels (contents come from ``refresh``)."""
        steps = (config or {}).get("steps") or [{"territory": None, "panels": []}]
        step = steps[(n or 0) % len(steps)]
        label = f"{(n or 0) % len(steps) + 1}/{len(steps)}" if len(steps) > 1 else ""
        return muro.grid(step["panels"]), muro.grid_class(len(step["panels"])), label

    @app.callback(
        Output({"type": "muro-body", "index": ALL}, "children"),
        Output({"type": "muro-map", "index": ALL}, "data"),
        Output({"type": "muro-fresh", "index": ALL}, "children"),
        Output("muro-title", "children"),
        Input("muro-grid", "children"),
        Input("live-feed", "data"),
        Input("live-version", "data"),
        State("muro-rotate", "n_intervals"),
        State("muro-config", "data"),
    )
    def refresh(_grid: Any, feed: dict | None, _versions: Any, n: int | None, config: dict):
        steps = (config or {}).get("steps") or [{"territory": None, "panels": []}]
        step = steps[(n or 0) % len(steps)]
        panels: list[str] = step["panels"]
        body_ids = [o["id"]["index"] for o in ctx.outputs_list[0]]
        map_ids = [o["id"]["index"] for o in ctx.outputs_list[1]]
        fresh_ids = [o["id"]["index"] for o in ctx.outputs_list[2]]
        if any(i >= len(panels) for i in body_ids + map_ids):
            return no_update, no_update, no_update, no_update  # grid of another step
        try:
            data = load_panels(step.get("territory"), panels, feed)
        except Exception as exc:
            log.exception("wall refresh failed")
            data = {"error": exc}
        now_ms = int(time.time() * 1000)
        failed: set[int] = set()
        bodies = []
        for i in body_ids:
            name = panels[i]
            try:
                if name not in muro.PANELS:
                    bodies.append(muro.unknown_panel(name))
                    failed.add(i)
                    continue
                s = data.get("summary", data.get("error"))
                if isinstance(s, Exception) or s is None:
                    raise RuntimeError(s)
                bodies.append(muro.kpi_panel(name, s))
            except Exception:
                bodies.append(muro.panel_error(name))
                failed.add(i)
        maps = []
        for i in map_ids:
            value = data.get("map", data.get("error"))
            if isinstance(value, dict):
                maps.append(value)
            else:
                maps.append(no_update)
                failed.add(i)
        fresh = [
            html.Span("sin actualizar", className="freshness freshness-old")
            if i in failed
            else freshness(now_ms)
            for i in fresh_ids
        ]
        if "error" in data:
            title = f"Territorio no disponible: {step.get('territory') or 'Venezuela'}"
        else:
            title = data.get("title", "")
        return bodies, maps, fresh, title

    @app.callback(Output("muro-ticker", "children"), Input("live-feed", "data"))
    def update_ticker(feed: dict | None):
        return ticker((feed or {}).get("items") or [], names())
