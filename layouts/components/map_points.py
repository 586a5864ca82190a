"""GeoJSON points of an indicator page's map, in the contract of ``assets/map.js``.

Each row (``code``, ``name``, ``lat``, ``lon``, optionally ``geometry``) becomes a feature
(its filled shape when it carries a GeoJSON polygon, else its point) with ``status`` (0 bad ..
1 good, None = no data), ``size`` (0..1 of the largest on the map) and a ``tooltip``; the
shared ``territory_map`` draws them. Above ``CLUSTER_AT`` points the page switches the
layer's clustering on, so a dense map stays readable (points only: a map with shapes is
not clustered, see ``clusterable``).
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import Any

CLUSTER_AT = 150
CLUSTER_PROPS = {
    "clusterToLayer": {"variable": "sala.pages.clusterToLayer"},
    "zoomToBoundsOnClick": True,
    "superClusterOptions": {"radius": 60, "maxZoom": 14},
}


SHAPES = ("Polygon", "MultiPolygon")


def map_geometry(row: dict[str, Any]) -> dict[str, Any] | None:
    """The row's shape when it carries a GeoJSON (Multi)Polygon ``geometry``, else its point,
    else None (nothing to draw). A feature or a bare geometry are both accepted."""
    geometry = row.get("geometry")
    if isinstance(geometry, dict) and geometry.get("type") == "Feature":
        geometry = geometry.get("geometry")
    if (
        isinstance(geometry, dict)
        and geometry.get("type") in SHAPES
        and isinstance(geometry.get("coordinates"), list)
        and geometry["coordinates"]
    ):
        return {"type": geometry["type"], "coordinates": geometry["coordinates"]}
    if row.get("lat") is None or row.get("lon") is None:
        return None
    return {"type": "Point", "coordinates": [row["lon"], row["lat"]]}


def clusterable(collection: dict[str, Any]) -> bool:
    """Whether the layer may cluster: many features, all of them points (supercluster
    clusters points only)."""
    features = collection.get("features", [])
    return len(features) > CLUSTER_AT and all(f["geometry"]["type"] == "Point" for f in features)


def point_features(
    rows: list[dict[str, Any]],
    status: Callable[[dict[str, Any]], float | None],
    size: Callable[[dict[str, Any]], float],
    tooltip: Callable[[dict[str, Any]], str],
    drillable: bool,
    colour: Callable[[dict[str, Any]], str] | None = None,
) -> dict[str, Any]:
    """A FeatureCollection of the rows that have a shape or coordinates.

    ``drillable`` marks whether a click on a point narrows the page to it (territories do,
    individual committees or comunas below a circuito do not). ``colour`` gives the fill of
    a row whose figure a threshold of ``core/thresholds.py`` judges (else ``status`` picks
    one of the five steps of ``assets/map.js``).
    """
    peak = max((size(r) for r in rows), default=0.0)
    features = []
    for row in rows:
        geometry = map_geometry(row)
        if geometry is None:
            continue
        features.append(
            {
                "type": "Feature",
                "id": row["code"],
                "geometry": geometry,
                "properties": {
                    "code": row["code"],
                    "name": row["name"],
                    "status": status(row),
                    "size": size(row) / peak if peak else 0.0,
                    "tooltip": tooltip(row),
                    "drill": drillable,
                    **({"color": colour(row)} if colour else {}),
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def tooltip_table(name: str, lines: list[tuple[str, str]], hint: str | None = None) -> str:
    """The point's tooltip as HTML (Leaflet sets it as markup): every text is escaped, since
    names of committees, cuadrantes or institutions can arrive through the ingest API."""
    body = "".join(f"<tr><th>{escape(str(k))}</th><td>{escape(str(v))}</td></tr>" for k, v in lines)
    foot = f"<div class='map-tip-hint'>{escape(hint)}</div>" if hint else ""
    return f"<div class='map-tip'><h4>{escape(name)}</h4><table>{body}</table>{foot}</div>"


def clicked_code(click: dict[str, Any] | None) -> str | None:
    """The territory a map click asks to drill into (None for clusters and plain points)."""
    props = (click or {}).get("properties") or {}
    if props.get("cluster") or not props.get("drill"):
        return None
    return props.get("code")
