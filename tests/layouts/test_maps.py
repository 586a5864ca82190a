"""The shared map pieces: base geography under every map, filled shapes, fitting, and
colours and legends from ``core/thresholds.py``."""

from __future__ import annotations

from typing import Any

import dash_leaflet as dl
import pytest

from core.thresholds import STATE_COLOUR, THRESHOLDS
from layouts import casos, clap, defensa, muro
from layouts.components import base_map
from layouts.components.map_points import CLUSTER_AT, clusterable, map_geometry, point_features
from layouts.components.territory_map import (
    FIT_MAX_ZOOM,
    MIN_SPAN,
    VENEZUELA_BOUNDS,
    features,
    fit_bounds,
    map_legend,
    map_viewport,
    territory_map,
)
from tests.layouts.test_components import row

SQUARE = {
    "type": "Polygon",
    "coordinates": [[[-67, 10], [-66, 10], [-66, 11], [-67, 11], [-67, 10]]],
}


def _walk(component: Any):
    yield component
    children = getattr(component, "children", None)
    if isinstance(children, str):
        yield children
    elif isinstance(children, list | tuple):
        for child in children:
            yield from _walk(child)
    elif children is not None and hasattr(children, "children"):
        yield from _walk(children)


def _texts(component: Any) -> str:
    return " ".join(c for c in _walk(component) if isinstance(c, str))


# -- the base geography ------------------------------------------------------------------


def _geo(layer: Any) -> dl.GeoJSON:
    """The base map's GeoJSON inside its own pane (under the data whatever arrives first)."""
    assert isinstance(layer, dl.Pane) and layer.name == base_map.PANE
    return layer.children


def test_without_tiles_the_base_map_is_the_only_background() -> None:
    (pane,) = base_map.base_layers("m", "none")
    layer = _geo(pane)
    assert isinstance(layer, dl.GeoJSON) and layer.id == "m-geo"
    # One static asset fetched by URL (cached by the browser), never data in a callback.
    assert layer.url.startswith("/assets/geo/base.json?m=")
    assert getattr(layer, "data", None) is None
    assert layer.hideout == {"tiles": False}
    assert layer.style == {"variable": "sala.geo.style"}


@pytest.mark.parametrize("url", ["", "none", " OFF ", "sin-teselas"])
def test_every_way_of_saying_no_tiles(url: str) -> None:
    assert not base_map.has_tiles(url)
    assert len(base_map.base_layers("m", url)) == 1


def test_tiles_go_underneath_and_the_fills_turn_transparent() -> None:
    tiles, pane = base_map.base_layers("m", "http://tiles.local/{z}/{x}/{y}.png", "© local")
    assert isinstance(tiles, dl.TileLayer) and tiles.attribution == "© local"
    assert _geo(pane).hideout == {"tiles": True}


def test_the_asset_version_follows_the_file() -> None:
    digest = base_map.geography_url().split("?m=")[1]
    assert len(digest) == 10 and digest == base_map._version()


@pytest.mark.parametrize("tiles", ["none", "http://tiles.local/{z}/{x}/{y}.png"])
def test_territory_map_lays_points_over_the_geography(tiles: str) -> None:
    m = territory_map("pm", tiles, "")
    assert _geo(m.children[-2]).id == "pm-geo"
    assert m.children[-1].id == "pm-points"
    assert m.children[-1].style == {"variable": "sala.map.style"}  # filled shapes
    assert m.attributionControl is base_map.has_tiles(tiles)


def test_the_wall_map_has_the_geography_and_a_legend() -> None:
    panel = muro.panel_shell("mapa", 0, "http://tiles.local/{z}/{x}/{y}.png")
    maps = [c for c in _walk(panel) if isinstance(c, dl.Map)]
    assert len(maps) == 1
    layers = maps[0].children
    assert isinstance(layers[0], dl.TileLayer)
    assert _geo(layers[1]).url.startswith("/assets/geo/base.json")
    assert layers[2].id == {"type": "muro-map", "index": 0}
    assert maps[0].zoomSnap < 1  # fits the scope snugly
    legend = next(c for c in _walk(panel) if getattr(c, "className", "") == "muro-map-legend")
    assert "Cobertura CLAP" in _texts(legend) and "evento" in _texts(legend)
    offline = muro.panel_shell("mapa", 1)
    assert not any(isinstance(c, dl.TileLayer) for c in _walk(offline))


# -- shapes and points -------------------------------------------------------------------


def test_a_territory_with_a_shape_is_drawn_filled_the_rest_as_points() -> None:
    assert map_geometry({"geometry": SQUARE, "lat": 1, "lon": 2}) == SQUARE
    feature = {"type": "Feature", "geometry": SQUARE, "properties": {}}
    assert map_geometry({"geometry": feature}) == SQUARE
    point = {"type": "Point", "coordinates": [2, 1]}
    assert map_geometry({"geometry": None, "lat": 1, "lon": 2}) == point
    # Not a polygon, or an empty one: the point instead.
    assert map_geometry({"geometry": point, "lat": 1, "lon": 2}) == point
    assert map_geometry({"geometry": {"type": "Polygon", "coordinates": []}, "lat": 1, "lon": 2})
    assert map_geometry({"geometry": None, "lat": None, "lon": None}) is None

    rows = [row("A", geometry=SQUARE, lat=None), row("B"), row("C", lat=None)]
    drawn = {f["id"]: f["geometry"]["type"] for f in features(rows, "casos")["features"]}
    assert drawn == {"A": "Polygon", "B": "Point"}


def test_only_many_points_cluster_never_shapes() -> None:
    def collection(n: int, shape: bool) -> dict:
        rows = [{"code": str(i), "name": str(i), "lat": 10.0, "lon": -66.0} for i in range(n)]
        if shape:
            rows[0]["geometry"] = SQUARE
        return point_features(rows, lambda r: 1.0, lambda r: 1.0, lambda r: "", True)

    assert clusterable(collection(CLUSTER_AT + 1, shape=False))
    assert not clusterable(collection(CLUSTER_AT, shape=False))
    assert not clusterable(collection(CLUSTER_AT + 1, shape=True))


# -- fitting -----------------------------------------------------------------------------


def test_one_point_is_fitted_with_its_surroundings() -> None:
    one = features([row("A", lat=10.5, lon=-66.9)], "clap")
    (south, west), (north, east) = fit_bounds(one, national=False)
    assert north - south == pytest.approx(MIN_SPAN) and east - west == pytest.approx(MIN_SPAN)
    assert south < 10.5 < north and west < -66.9 < east
    view = map_viewport([[south, west], [north, east]])
    assert view["options"]["maxZoom"] == FIT_MAX_ZOOM
    assert view["transition"] == "fitBounds"


def test_shapes_count_in_the_fit_and_a_wide_spread_gets_a_margin() -> None:
    shaped = features([row("A", geometry=SQUARE, lat=None)], "clap")
    (south, west), (north, east) = fit_bounds(shaped, national=False)
    assert south < 10 and north > 11 and west < -67 and east > -66
    wide = features([row("A", lat=5.0, lon=-70.0), row("B", lat=10.0, lon=-62.0)], "clap")
    (south, west), (north, east) = fit_bounds(wide, national=False)
    assert south == pytest.approx(5.0 - 0.75) and east == pytest.approx(-62.0 + 1.2)
    assert fit_bounds(wide, national=True) == VENEZUELA_BOUNDS


# -- colours and legends from core/thresholds.py ------------------------------------------


def _swatches(legend: list[Any]) -> list[tuple[str, str]]:
    return [
        (item.children[0].style["background"], item.children[1])
        for item in legend
        if getattr(item, "className", "") == "legend-item"
    ]


def _bands(name: str) -> list[tuple[str, str]]:
    return [
        *zip(
            (STATE_COLOUR[s] for s in ("bien", "regular", "mal")),
            THRESHOLDS[name].bands(),
            strict=True,
        ),
        (STATE_COLOUR["sin-datos"], "sin datos"),
    ]


def _defense_row(readiness: float | None) -> dict[str, Any]:
    return {"code": "VE-A", "name": "Distrito Capital", "level": "estado", "lat": 10.5,
            "lon": -66.9, "units": 3, "avg_readiness": readiness, "committees_complete": 1,
            "committees_total": 3, "exercises_overdue": 0}  # fmt: skip


def test_defensa_map_judges_readiness_like_the_bars_target() -> None:
    t = THRESHOLDS["defense_readiness"]
    between = (t.good + 100) / 2 if t.good < 90 else t.good  # 85 % with the 80 % target
    for value, state in (
        (between, "bien"),
        ((t.good + t.fair) / 2, "regular"),
        (None, "sin-datos"),
    ):
        (feature,) = defensa.map_features([_defense_row(value)])["features"]
        assert feature["properties"]["color"] == STATE_COLOUR[state], value
    assert _swatches(defensa.map_legend()) == _bands("defense_readiness")


def test_clap_and_casos_maps_use_their_thresholds() -> None:
    assert _swatches(clap.map_legend()) == _bands("clap_coverage")
    assert _swatches(casos.map_legend()) == _bands("cases_late_share")
    late = THRESHOLDS["cases_late_share"]
    r = {"code": "VE-A", "name": "DC", "level": "estado", "lat": 10.5, "lon": -66.9, "open": 100,
         "open_late": round(late.fair * 100) + 5, "reported": 7}  # fmt: skip
    (feature,) = casos.map_features([r])["features"]
    assert feature["properties"]["color"] == STATE_COLOUR["mal"]


def test_panorama_map_colours_judged_measures_by_threshold() -> None:
    t = THRESHOLDS["defense_readiness"]
    rows = [row("A", defense_readiness=t.good, defense_units=2), row("B", defense_units=1)]
    colours = {f["id"]: f["properties"]["color"] for f in features(rows, "defensa")["features"]}
    assert colours == {"A": STATE_COLOUR["bien"], "B": STATE_COLOUR["sin-datos"]}
    assert _swatches(map_legend("defensa")) == _bands("defense_readiness")
    assert _swatches(map_legend("clap")) == _bands("clap_coverage")
    # Relative counts are not judged: five steps, no "color" override.
    assert "color" not in features(rows, "casos")["features"][0]["properties"]
    assert len(_swatches(map_legend("casos"))) == 6
