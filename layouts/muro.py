"""Wall mode (``/muro``): a grid of big panels for the room's video wall, no controls needed.

URL parameters (all optional):

- ``paneles``: panels in order, comma-separated; ``|`` or ``;`` separates panel *sets* the
  wall rotates through (``paneles=mapa,clap,casos|paz,proyectos,defensa``);
- ``territorios``: territory codes the wall rotates through (``VE-A,VE-M``; none = the
  caller's whole scope);
- ``rotar``: seconds per step of the playlist (territories × panel sets); 0 = no rotation;
- ``sin_datos``: seconds without any new event before the wall warns (0 = never).

Beside the panels, the alert column (``layouts.components.alerts``) lists the unresolved
alerts of the screen's scope, and above them the level-5 banner appears while any is
unacknowledged; ``callbacks/alertas.py`` fills both.

Everything here is a pure function of the parsed parameters and of data handed in.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Any

import dash_leaflet as dl
from dash import dcc, html

from core.numbers import fmt_number, fmt_percent, fmt_usd
from layouts.components.alerts import wall_panel_shell
from layouts.components.base_map import base_layers
from layouts.live import freshness

PANELS: dict[str, str] = {
    "mapa": "Mapa del territorio",
    "clap": "CLAP · hoy",
    "casos": "1x10 del Buen Gobierno",
    "paz": "Cuadrantes de paz",
    "proyectos": "Proyectos de la Consulta",
    "defensa": "Planes de defensa",
}
DEFAULT_PANELS = ("mapa", "clap", "casos", "paz", "proyectos", "defensa")
MAX_PANELS = 9
MAX_STEPS = 200
DEFAULT_STALE_S = 600
MIN_ROTATE_S = 5
MAP_EVERY_MS = 5_000  # the map follows the data on this slower tick
VENEZUELA_BOUNDS = [[0.65, -73.4], [12.25, -59.8]]


@dataclass(frozen=True)
class WallConfig:
    steps: list[dict[str, Any]]  # [{"territory": code | None, "panels": [...]}]
    rotate_s: int
    stale_after_s: int

    def step(self, n: int | None) -> dict[str, Any]:
        return self.steps[(n or 0) % len(self.steps)]


def _int(raw: str | None, default: int, low: int = 0, high: int = 86_400) -> int:
    try:
        return max(low, min(high, int(str(raw).strip())))
    except (TypeError, ValueError):
        return default


def parse(query: dict[str, str]) -> WallConfig:
    """Read the URL parameters; bad values fall back to defaults instead of failing."""
    raw_sets = (query.get("paneles") or "").replace(";", "|")
    sets = [  # each panel once per set: its KPI ids must be unique on the page
        list(dict.fromkeys(p.strip().lower() for p in chunk.split(",") if p.strip()))[:MAX_PANELS]
        for chunk in raw_sets.split("|")
    ]
    sets = [s for s in sets if s] or [list(DEFAULT_PANELS)]
    territories = [t.strip() for t in (query.get("territorios") or "").split(",") if t.strip()]
    steps = [{"territory": t, "panels": s} for t in (territories or [None]) for s in sets][
        :MAX_STEPS
    ]
    rotate = _int(query.get("rotar"), 0)
    if rotate:
        rotate = max(MIN_ROTATE_S, rotate)
    stale = _int(query.get("sin_datos"), DEFAULT_STALE_S)
    return WallConfig(steps=steps, rotate_s=rotate, stale_after_s=stale)


def layout(query: dict[str, str]) -> html.Div:
    config = parse(query)
    rotating = config.rotate_s > 0 and len(config.steps) > 1
    return html.Div(
        [
            dcc.Store(id="muro-config", data={"steps": config.steps}),
            dcc.Interval(id="muro-map-tick", interval=MAP_EVERY_MS),
            dcc.Interval(
                id="muro-rotate", interval=max(config.rotate_s, 1) * 1000, disabled=not rotating
            ),
            html.Div(id="muro-alert-banner", className="muro-alert-banner"),
            html.Div(
                [
                    html.H1(id="muro-title", className="muro-title"),
                    html.Div(id="muro-step", className="muro-step"),
                ],
                className="muro-head",
            ),
            html.Div(
                [html.Div(id="muro-grid", className="muro-grid"), wall_panel_shell()],
                className="muro-body",
            ),
            html.Div(
                [
                    html.Div("Últimos eventos", className="muro-ticker-label"),
                    html.Ul(id="muro-ticker", className="muro-ticker"),
                ],
                className="muro-ticker-wrap",
            ),
        ],
        id="muro",
        className="muro",
        **{"data-stale-after": str(config.stale_after_s)},
    )


def map_legend() -> html.Div:
    """The wall map's key (colours of ``salaWall`` in ``assets/muro.js``)."""
    swatches = [
        ("#2fbf71", "< 25 %"),
        ("#f5c542", "25–50 %"),
        ("#f0a030", "50–75 %"),
        ("#e5484d", "≥ 75 %"),
        ("#ffe14d", "evento"),
    ]
    return html.Div(
        [
            html.Span(
                "Tamaño: casos 1x10 abiertos · color: incidentes 24 h (% del mayor)",
                className="legend-text",
            ),
            *[
                html.Span(
                    [html.Span(className="swatch", style={"background": c}), label],
                    className="legend-item",
                )
                for c, label in swatches
            ],
        ],
        className="muro-map-legend",
    )


def panel_shell(
    name: str, index: int, tile_url: str = "none", tile_attribution: str = ""
) -> html.Section:
    """An empty panel; its body is filled (and refreshed) by the wall's refresh callback.
    The map panel lies on the shared geography (``base_map``: tiles if configured, and the
    offline base map always)."""
    title = PANELS.get(name, name)
    if name == "mapa":
        view_id = {"type": "muro-map-view", "index": index}
        body: Any = dl.Map(
            [
                *base_layers(view_id, tile_url, tile_attribution),
                dl.GeoJSON(
                    id={"type": "muro-map", "index": index},
                    data={"type": "FeatureCollection", "features": []},
                    pointToLayer={"variable": "salaWall.point"},
                ),
            ],
            center=[7.6, -66.2],
            zoom=6,
            zoomSnap=0.25,  # fit the scope snugly: whole zoom steps left half the panel empty
            bounds=VENEZUELA_BOUNDS,
            zoomControl=False,
            attributionControl=False,
            dragging=False,
            scrollWheelZoom=False,
            doubleClickZoom=False,
            className="muro-map",
            id=view_id,
        )
        body = html.Div([body, map_legend()], className="muro-map-body")
    elif name in KPIS:
        body = html.Div(
            [
                html.Div(kpi_rows(name), className="muro-kpi-rows"),
                html.Div(
                    f"No se pudo cargar «{title}». Se reintentará automáticamente.",
                    className="muro-error-text",
                ),
            ],
            id={"type": "muro-body", "index": index},
            className="muro-kpis",
            **{"data-panel-body": name},
        )
    else:
        body = unknown_panel(name)
    return html.Section(
        [
            html.Div(
                [
                    html.H2(title, className="muro-panel-title"),
                    html.Div(
                        freshness(None),
                        id={
                            "type": "muro-map-fresh" if name == "mapa" else "muro-fresh",
                            "index": index,
                        },
                        className="muro-fresh",
                    ),
                ],
                className="muro-panel-head",
            ),
            body,
        ],
        className=f"muro-panel panel-{name}",
        **{"data-panel": name},
    )


def grid(
    panels: list[str], tile_url: str = "none", tile_attribution: str = ""
) -> list[html.Section]:
    return [panel_shell(name, i, tile_url, tile_attribution) for i, name in enumerate(panels)]


def grid_class(count: int) -> str:
    return f"muro-grid muro-n{min(max(count, 1), MAX_PANELS)}"


# Each KPI panel: (label, summary field, format, big). Values are tagged with the field path,
# exactly like the cards of ``/``, and are the only thing a pushed window changes.
KPIS: dict[str, list[tuple[str, str, str, bool]]] = {
    "clap": [
        ("Familias atendidas", "clap.families_served", "number", True),
        ("Planificadas", "clap.families_planned", "number", False),
        ("Cobertura", "clap.coverage", "ratio", False),
    ],
    "casos": [
        ("Casos abiertos", "cases.open", "number", True),
        ("Resueltos 24 h", "cases.resolved_24h", "number", False),
        ("Mediana de resolución", "cases.median_hours_to_resolve_30d", "hours", False),
    ],
    "paz": [
        ("Incidentes 24 h", "incidents.last_24h", "number", True),
        ("Últimos 7 días", "incidents.last_7d", "number", False),
    ],
    "proyectos": [
        ("En ejecución", "projects.by_status.en_ejecucion", "number", True),
        ("Paralizados", "projects.by_status.paralizado", "number", False),
        ("Total", "projects.total", "number", False),
        ("Transferido", "projects.transferred_usd", "usd", False),
    ],
    "defensa": [
        ("Alistamiento medio", "defense.avg_readiness", "percent", True),
        ("Unidades", "defense.units", "number", False),
    ],
}
FIELD_KIND = {field: kind for rows in KPIS.values() for _, field, kind, _ in rows}


def field_value(summary: dict[str, Any], field: str) -> Any:
    """The value at a dotted path of a ``summary()`` dict (``projects.by_status.paralizado``)."""
    value: Any = summary
    for part in field.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def format_value(value: Any, kind: str) -> str:
    if value is None:
        return "—"
    if kind == "ratio":
        return fmt_percent(value)
    if kind == "percent":
        return f"{fmt_number(value, 1)} %"
    if kind == "hours":
        return f"{fmt_number(value, 1)} h"
    if kind == "usd":
        return fmt_usd(value)
    return fmt_number(value, 0)


def kpi(label: str, field: str, big: bool = False) -> html.Div:
    """A wall KPI; its value element is updated in place by the refresh callback."""
    return html.Div(
        [
            html.Div(label, className="muro-kpi-label"),
            html.Div(
                "…",
                id={"type": "muro-kpi", "field": field},
                className="muro-kpi-value" + (" big" if big else ""),
                **{"data-kpi": field, "data-value": ""},
            ),
        ],
        className="muro-kpi",
    )


def kpi_rows(name: str) -> list[html.Div]:
    return [kpi(label, field, big) for label, field, _kind, big in KPIS[name]]


def kpi_values(fields: list[str], summary: dict[str, Any]) -> tuple[list[str], list[str]]:
    """Texts and raw ``data-value`` strings for the given fields (one summary, no I/O)."""
    values = [field_value(summary, f) for f in fields]
    texts = [
        format_value(v, FIELD_KIND.get(f, "number")) for f, v in zip(fields, values, strict=True)
    ]
    return texts, ["" if v is None else str(v) for v in values]


def stale_mark() -> html.Span:
    return html.Span("sin actualizar", className="freshness freshness-old")


def unknown_panel(name: str) -> html.Div:
    return html.Div(
        f"Panel desconocido «{name}». Paneles válidos: {', '.join(PANELS)}.",
        className="muro-error",
        **{"data-error": name},
    )


def _n(value: Any) -> str:
    return fmt_number(value, 0)


def map_features(
    rows: list[dict[str, Any]], recent: list[dict[str, Any]], max_points: int = 400
) -> dict[str, Any]:
    """GeoJSON of the territories (size: open cases; colour: incidents) and recent events."""
    peak = max((r["cases_open"] for r in rows), default=0) or 1
    peak_inc = max((r["incidents_24h"] for r in rows), default=0) or 1
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [r["lon"], r["lat"]]},
            "properties": {
                "kind": "territory",
                "size": r["cases_open"] / peak,
                "heat": r["incidents_24h"] / peak_inc,
                # Leaflet reads a tooltip string as markup: escape the texts
                "tooltip": f"{escape(str(r['name']))}: {_n(r['cases_open'])} casos abiertos, "
                f"{_n(r['incidents_24h'])} incidentes 24 h",
            },
        }
        for r in rows
        if r.get("lat") is not None and r.get("lon") is not None
    ][:max_points]
    features += [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [p["lon"], p["lat"]]},
            "properties": {"kind": "event", "tooltip": escape(str(p.get("label", "")))},
        }
        for p in recent
    ][: max(0, max_points - len(features))]
    return {"type": "FeatureCollection", "features": features}
