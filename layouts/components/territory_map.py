"""The territory map: one GeoJSON point per territory, sized and coloured by a status measure.

Points are GeoJSON features of one ``dl.GeoJSON`` layer (not one component each: far
cheaper to render and to patch live). ``assets/map.js`` draws each point with
``window.sala.map.pointToLayer`` from two properties set here: ``status`` (0 bad .. 1 good,
None = no data) and ``size`` (0..1 relative magnitude). Tiles come from ``SALA_TILE_URL``;
with no network the background stays grey and the points still render, and
``SALA_TILE_URL=none`` drops the tile layer altogether (fully offline room).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import dash_leaflet as dl
from dash import html

from core.numbers import fmt_number, fmt_percent
from layouts.components.map_points import tooltip_table

# Venezuela, mainland and islands (with Los Roques), as [[south, west], [north, east]].
VENEZUELA_BOUNDS = [[0.65, -73.4], [12.25, -59.8]]
NO_TILES = ("", "none", "off", "sin-teselas")


@dataclass(frozen=True)
class Measure:
    """How a map colours its points: a label, the status 0..1 and the size basis of a row."""

    key: str
    label: str
    status: Callable[[dict[str, Any], dict[str, float]], float | None]
    size_field: str
    legend: str


def _ratio(value: float | None, scale: float = 1.0) -> float | None:
    return None if value is None else max(0.0, min(1.0, value / scale))


def _inverse_share(field: str) -> Callable[[dict[str, Any], dict[str, float]], float | None]:
    """Status for counts where more is worse: 1 - value / largest value on the map."""

    def status(row: dict[str, Any], peaks: dict[str, float]) -> float | None:
        peak = peaks.get(field) or 0
        return 1.0 if not peak else 1.0 - row[field] / peak

    return status


MEASURES: dict[str, Measure] = {
    m.key: m
    for m in (
        Measure(
            "clap",
            "CLAP hoy",
            lambda r, _: _ratio(r["clap_coverage"]),
            "clap_planned",
            "Color: cobertura CLAP de hoy · tamaño: familias planificadas",
        ),
        Measure(
            "casos",
            "Casos 1x10",
            _inverse_share("cases_open"),
            "cases_open",
            "Color y tamaño: casos 1x10 abiertos (rojo = más casos)",
        ),
        Measure(
            "paz",
            "Incidentes",
            _inverse_share("incidents_24h"),
            "incidents_24h",
            "Color y tamaño: incidentes de las últimas 24 h",
        ),
        Measure(
            "proyectos",
            "Proyectos",
            lambda r, _: _ratio(r["projects_avg_progress"], 100.0),
            "projects_total",
            "Color: avance físico medio · tamaño: número de proyectos",
        ),
        Measure(
            "defensa",
            "Defensa",
            lambda r, _: _ratio(r["defense_readiness"], 100.0),
            "defense_units",
            "Color: alistamiento medio · tamaño: unidades",
        ),
    )
}


def tooltip_html(row: dict[str, Any]) -> str:
    """The numbers of one territory, as the tooltip's small HTML table."""

    def pct(value: float | None) -> str:
        return "—" if value is None else f"{fmt_number(value, 1)} %"

    lines = [
        (
            "CLAP hoy",
            f"{fmt_number(row['clap_served'])} / {fmt_number(row['clap_planned'])} "
            f"({fmt_percent(row['clap_coverage'])})",
        ),
        ("Casos 1x10 abiertos", fmt_number(row["cases_open"])),
        ("Incidentes 24 h", fmt_number(row["incidents_24h"])),
        (
            "Proyectos",
            f"{fmt_number(row['projects_total'])} · en ejecución "
            f"{fmt_number(row['projects_en_ejecucion'])} · paralizados "
            f"{fmt_number(row['projects_paralizado'])}",
        ),
        ("Avance físico medio", pct(row["projects_avg_progress"])),
        ("Alistamiento defensa", pct(row["defense_readiness"])),
    ]
    return tooltip_table(str(row["name"]), lines)  # names come from imported cartography


def features(rows: list[dict[str, Any]], measure: str) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of the rows that have coordinates."""
    spec = MEASURES[measure]
    peaks = {
        field: max((float(r[field] or 0) for r in rows), default=0.0)
        for field in ("cases_open", "incidents_24h", spec.size_field)
    }
    out = []
    for row in rows:
        if row.get("lat") is None or row.get("lon") is None:
            continue
        peak = peaks[spec.size_field]
        out.append(
            {
                "type": "Feature",
                "id": row["code"],
                "geometry": {"type": "Point", "coordinates": [row["lon"], row["lat"]]},
                "properties": {
                    "code": row["code"],
                    "name": row["name"],
                    "status": spec.status(row, peaks),
                    "size": (float(row[spec.size_field] or 0) / peak) if peak else 0.0,
                    "tooltip": tooltip_html(row),
                },
            }
        )
    return {"type": "FeatureCollection", "features": out}


def fit_bounds(collection: dict[str, Any], national: bool) -> list[list[float]]:
    """The view for a set of points: the whole country, or the points' box with a margin."""
    points = [f["geometry"]["coordinates"] for f in collection.get("features", [])]
    if national or not points:
        return VENEZUELA_BOUNDS
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    pad_lat = max(0.15, (max(lats) - min(lats)) * 0.15)
    pad_lon = max(0.15, (max(lons) - min(lons)) * 0.15)
    return [[min(lats) - pad_lat, min(lons) - pad_lon], [max(lats) + pad_lat, max(lons) + pad_lon]]


def map_viewport(bounds: list[list[float]]) -> dict[str, Any]:
    """Value for the map's ``viewport`` prop: fit ``bounds`` once the map has its size."""
    return {"bounds": bounds, "transition": "fitBounds", "options": {"animate": False}}


def _center(bounds: list[list[float]]) -> list[float]:
    (south, west), (north, east) = bounds
    return [(south + north) / 2, (west + east) / 2]


def territory_map(
    map_id: str,
    tile_url: str,
    tile_attribution: str,
    data: dict[str, Any] | None = None,
    bounds: list[list[float]] | None = None,
    layer_props: dict[str, Any] | None = None,
) -> dl.Map:
    """The map with its point layer ``{map_id}-points`` (feed it :func:`features`).

    ``layer_props`` go to the ``dl.GeoJSON`` layer (e.g. clustering options).
    """
    layers: list[Any] = []
    if tile_url.strip().lower() not in NO_TILES:
        layers.append(dl.TileLayer(url=tile_url, attribution=tile_attribution, maxZoom=18))
    layers.append(
        dl.GeoJSON(
            id=f"{map_id}-points",
            data=data or {"type": "FeatureCollection", "features": []},
            pointToLayer={"variable": "sala.map.pointToLayer"},
            hideout={"minRadius": 0.4, "maxRadius": 1.5},
            **(layer_props or {}),
        )
    )
    return dl.Map(
        layers,
        id=map_id,
        bounds=bounds or VENEZUELA_BOUNDS,
        # dash-leaflet compares the view with ``center`` on every move: it must be set.
        center=_center(bounds or VENEZUELA_BOUNDS),
        zoom=6,
        zoomSnap=0.25,
        scrollWheelZoom=False,
        attributionControl=bool(layers and len(layers) > 1),
        className="sala-map",
    )


def map_legend(measure: str, points: int = 1) -> list[Any]:
    """The colour key of the map for ``measure`` (or why the map is empty)."""
    if not points:
        return [
            html.Span(
                "Sin territorios con coordenadas para mostrar en el mapa.", className="legend-text"
            )
        ]
    swatches = [
        ("#2fbf71", "bien"),
        ("#f5c542", "regular"),
        ("#e5484d", "mal"),
        ("#6b7a8c", "sin datos"),
    ]
    return [
        html.Span(MEASURES[measure].legend, className="legend-text"),
        *[
            html.Span(
                [html.I(className="swatch", style={"background": color}), label],
                className="legend-item",
            )
            for color, label in swatches
        ],
    ]
