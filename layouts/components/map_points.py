"""GeoJSON points of an indicator page's map, in the contract of ``assets/map.js``.

Each row (``code``, ``name``, ``lat``, ``lon``) becomes a feature with ``status`` (0 bad ..
1 good, None = no data), ``size`` (0..1 of the largest on the map) and a ``tooltip``; the
shared ``territory_map`` draws them. Above ``CLUSTER_AT`` points the page switches the
layer's clustering on, so a dense map stays readable.
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


def point_features(
    rows: list[dict[str, Any]],
    status: Callable[[dict[str, Any]], float | None],
    size: Callable[[dict[str, Any]], float],
    tooltip: Callable[[dict[str, Any]], str],
    drillable: bool,
) -> dict[str, Any]:
    """A FeatureCollection of the rows that have coordinates.

    ``drillable`` marks whether a click on a point narrows the page to it (territories do,
    individual committees or comunas below a circuito do not).
    """
    peak = max((size(r) for r in rows), default=0.0)
    features = []
    for row in rows:
        if row.get("lat") is None or row.get("lon") is None:
            continue
        features.append(
            {
                "type": "Feature",
                "id": row["code"],
                "geometry": {"type": "Point", "coordinates": [row["lon"], row["lat"]]},
                "properties": {
                    "code": row["code"],
                    "name": row["name"],
                    "status": status(row),
                    "size": size(row) / peak if peak else 0.0,
                    "tooltip": tooltip(row),
                    "drill": drillable,
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
