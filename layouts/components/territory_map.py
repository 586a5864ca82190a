"""The territory map: one GeoJSON point per territory, sized and coloured by a status measure.

Points are GeoJSON features of one ``dl.GeoJSON`` layer (not one component each: far
cheaper to render and to patch live). ``assets/map.js`` draws each point with
``window.sala.map.pointToLayer`` from the properties set here: ``status`` (0 bad .. 1 good,
None = no data), ``color`` (set where a threshold of ``core/thresholds.py`` judges the
figure) and ``size`` (0..1 relative magnitude). A territory that carries a GeoJSON
``geometry`` is drawn as its filled shape instead (``sala.map.style``). Under the points lies
the shared geography of ``base_map`` (tiles from ``SALA_TILE_URL`` when set, and always the
offline Natural Earth base map), so ``SALA_TILE_URL=none`` still shows the country.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import dash_leaflet as dl
from dash import html

from core.numbers import fmt_number, fmt_percent
from core.thresholds import STATE_COLOUR, STATE_LABEL, THRESHOLDS, colour
from layouts.components.base_map import base_layers, has_tiles
from layouts.components.map_points import map_geometry, tooltip_table

# Venezuela, mainland and islands (with Los Roques), as [[south, west], [north, east]].
VENEZUELA_BOUNDS = [[0.65, -73.4], [12.25, -59.8]]
# The smallest box a fitted map shows (degrees of latitude and longitude, ~110 km) and the
# closest zoom a fit goes to: a circuito's few points sit in their surroundings (coast,
# lake, rivers, estado borders and name) instead of filling the map as dots on an empty
# background. ``sala.geo.NEAR_ZOOM`` in assets/map.js keeps the estado names at this zoom.
MIN_SPAN = 1.0
FIT_MAX_ZOOM = 9


@dataclass(frozen=True)
class Measure:
    """How a map colours its points: a label, the status 0..1 and the size basis of a row.

    ``judged`` names the threshold of ``core/thresholds.py`` and the row's field it judges:
    such a measure colours by that threshold's states (the same colours and bands as the
    pages' bars and the wall); the others colour by ``status`` on the five steps of
    ``assets/map.js``, keyed by ``bands`` (best first).
    """

    key: str
    label: str
    status: Callable[[dict[str, Any], dict[str, float]], float | None]
    size_field: str
    legend: str
    judged: tuple[str, str] | None = None
    bands: tuple[str, ...] = ()


def _ratio(value: float | None, scale: float = 1.0) -> float | None:
    return None if value is None else max(0.0, min(1.0, value / scale))


def _inverse_share(field: str) -> Callable[[dict[str, Any], dict[str, float]], float | None]:
    """Status for counts where more is worse: 1 - value / largest value on the map."""

    def status(row: dict[str, Any], peaks: dict[str, float]) -> float | None:
        peak = peaks.get(field) or 0
        return 1.0 if not peak else 1.0 - row[field] / peak

    return status


# The five colour steps of ``sala.map.color`` (status >= 0.9, 0.75, 0.6, 0.4, below), best
# first, and the grey of "no data".
STEP_COLOURS = ("#2fbf71", "#9ccc3c", "#f5c542", "#f0a030", "#e5484d")
NO_DATA_COLOUR = "#6b7a8c"
RELATIVE_BANDS = ("≤ 10 %", "10–25 %", "25–40 %", "40–60 %", "> 60 %")
PERCENT_BANDS = ("≥ 90 %", "75–90 %", "60–75 %", "40–60 %", "< 40 %")

MEASURES: dict[str, Measure] = {
    m.key: m
    for m in (
        Measure(
            "clap",
            "CLAP hoy",
            lambda r, _: _ratio(r["clap_coverage"]),
            "clap_planned",
            "Color: cobertura CLAP de hoy · tamaño: familias planificadas",
            judged=("clap_coverage", "clap_coverage"),
        ),
        Measure(
            "casos",
            "Casos 1x10",
            _inverse_share("cases_open"),
            "cases_open",
            "Color y tamaño: casos 1x10 abiertos, en % del territorio con más",
            bands=RELATIVE_BANDS,
        ),
        Measure(
            "paz",
            "Incidentes",
            _inverse_share("incidents_24h"),
            "incidents_24h",
            "Color y tamaño: incidentes 24 h, en % del territorio con más",
            bands=RELATIVE_BANDS,
        ),
        Measure(
            "proyectos",
            "Proyectos",
            lambda r, _: _ratio(r["projects_avg_progress"], 100.0),
            "projects_total",
            "Color: avance físico medio · tamaño: número de proyectos",
            bands=PERCENT_BANDS,
        ),
        Measure(
            "defensa",
            "Defensa",
            lambda r, _: _ratio(r["defense_readiness"], 100.0),
            "defense_units",
            "Color: alistamiento medio · tamaño: unidades",
            judged=("defense_readiness", "defense_readiness"),
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
    """A GeoJSON FeatureCollection of the rows that have a shape or coordinates."""
    spec = MEASURES[measure]
    peaks = {
        field: max((float(r[field] or 0) for r in rows), default=0.0)
        for field in ("cases_open", "incidents_24h", spec.size_field)
    }
    out = []
    for row in rows:
        geometry = map_geometry(row)
        if geometry is None:
            continue
        peak = peaks[spec.size_field]
        props: dict[str, Any] = {
            "code": row["code"],
            "name": row["name"],
            "status": spec.status(row, peaks),
            "size": (float(row[spec.size_field] or 0) / peak) if peak else 0.0,
            "tooltip": tooltip_html(row),
        }
        if spec.judged:
            threshold, field = spec.judged
            props["color"] = colour(threshold, row[field])
        out.append(
            {"type": "Feature", "id": row["code"], "geometry": geometry, "properties": props}
        )
    return {"type": "FeatureCollection", "features": out}


def _positions(coords: Any) -> list[list[float]]:
    """Every [lon, lat] of a GeoJSON coordinates array, however deeply nested."""
    if coords and isinstance(coords[0], int | float):
        return [coords]
    return [p for part in coords or [] for p in _positions(part)]


def fit_bounds(collection: dict[str, Any], national: bool) -> list[list[float]]:
    """The view for a set of features: the whole country, or the features' box with a margin,
    never smaller than :data:`MIN_SPAN` a side (a circuito's points in their surroundings).
    The whole country without walking the features' points: a national map's estado shapes
    hold ~16,000 of them."""
    if national:
        return VENEZUELA_BOUNDS
    points = [
        p for f in collection.get("features", []) for p in _positions(f["geometry"]["coordinates"])
    ]
    if not points:
        return VENEZUELA_BOUNDS
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    pad_lat = max((MIN_SPAN - (max(lats) - min(lats))) / 2, (max(lats) - min(lats)) * 0.15)
    pad_lon = max((MIN_SPAN - (max(lons) - min(lons))) / 2, (max(lons) - min(lons)) * 0.15)
    return [[min(lats) - pad_lat, min(lons) - pad_lon], [max(lats) + pad_lat, max(lons) + pad_lon]]


def map_viewport(bounds: list[list[float]], scope: str | None = None) -> dict[str, Any]:
    """Value for the map's ``viewport`` prop: fit ``bounds`` once the map has its size, no
    closer than :data:`FIT_MAX_ZOOM`. ``scope`` (a territory code, "" for the country) stays
    in the prop, so a later callback can tell which territory the map was fitted on
    (dash-leaflet reads only the transition, its options and the bounds)."""
    view = {
        "bounds": bounds,
        "transition": "fitBounds",
        "options": {"animate": False, "maxZoom": FIT_MAX_ZOOM},
    }
    return view if scope is None else {**view, "scope": scope}


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
    """The map with the shared geography (``base_map``) and its point layer
    ``{map_id}-points`` (feed it :func:`features`).

    ``layer_props`` go to the ``dl.GeoJSON`` layer (e.g. clustering options).
    """
    layers: list[Any] = base_layers(map_id, tile_url, tile_attribution)
    layers.append(
        dl.GeoJSON(
            id=f"{map_id}-points",
            data=data or {"type": "FeatureCollection", "features": []},
            pointToLayer={"variable": "sala.map.pointToLayer"},
            style={"variable": "sala.map.style"},
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
        attributionControl=has_tiles(tile_url),
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
    spec = MEASURES[measure]
    if spec.judged:
        bands = THRESHOLDS[spec.judged[0]].bands()
        swatches = [
            *zip((STATE_COLOUR[s] for s in ("bien", "regular", "mal")), bands, strict=True),
            (STATE_COLOUR["sin-datos"], STATE_LABEL["sin-datos"]),
        ]
    else:
        swatches = [*zip(STEP_COLOURS, spec.bands, strict=True), (NO_DATA_COLOUR, "sin datos")]
    return [
        html.Span(spec.legend, className="legend-text"),
        *[
            html.Span(
                [html.I(className="swatch", style={"background": color}), label],
                className="legend-item",
            )
            for color, label in swatches
        ],
    ]
