"""The offline base map: TopoJSON decoding, clipping, simplification and the shipped files."""

from __future__ import annotations

import itertools
import json
import math

import pytest

from core.config import ROOT
from data import geography as geo
from data.reference import CAPITALS, estado_shapes

BASE = ROOT / "assets" / "geo" / "base.json"


def _inside(point: tuple[float, float], ring: list[list[float]]) -> bool:
    """Ray casting: whether (lon, lat) lies inside ``ring``."""
    x, y = point
    hit = False
    for (x1, y1), (x2, y2) in itertools.pairwise(ring):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            hit = not hit
    return hit


def _in_multipolygon(point: tuple[float, float], geometry: dict) -> bool:
    polygons = (
        geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    )
    return any(
        _inside(point, poly[0]) and not any(_inside(point, hole) for hole in poly[1:])
        for poly in polygons
    )


def _positions(coords) -> list:
    if coords and isinstance(coords[0], int | float):
        return [coords]
    return [p for part in coords for p in _positions(part)]


# -- decoding ----------------------------------------------------------------------------


def test_quantized_arcs_are_delta_decoded_and_transformed() -> None:
    topology = {
        "transform": {"scale": [0.5, 0.25], "translate": [-70, 5]},
        "arcs": [[[0, 0], [2, 4], [2, -4]]],
    }
    assert geo.decode_arcs(topology) == [[(-70.0, 5.0), (-69.0, 6.0), (-68.0, 5.0)]]


def test_negative_arc_indexes_are_reversed_and_joints_shared() -> None:
    arcs = [[(0.0, 0.0), (1.0, 0.0)], [(1.0, 0.0), (1.0, 1.0), (0.0, 0.0)]]
    ring = geo.to_geometry({"type": "Polygon", "arcs": [[0, 1]]}, arcs)
    assert ring == {"type": "Polygon", "coordinates": [[(0, 0), (1, 0), (1, 1), (0, 0)]]}
    line = geo.to_geometry({"type": "LineString", "arcs": [~0]}, arcs)
    assert line == {"type": "LineString", "coordinates": [(1.0, 0.0), (0.0, 0.0)]}
    assert geo.to_geometry({"type": None}, arcs) is None


# -- clipping ----------------------------------------------------------------------------

BOX = (0.0, 0.0, 10.0, 10.0)


def test_a_ring_is_cut_at_the_box_and_a_ring_outside_disappears() -> None:
    ring = [(5.0, 5.0), (15.0, 5.0), (15.0, 8.0), (5.0, 8.0), (5.0, 5.0)]
    clipped = geo.clip_ring(ring, BOX)
    assert clipped[0] == clipped[-1]
    assert max(p[0] for p in clipped) == 10.0  # cut along the east edge
    assert sorted(set(clipped)) == [(5.0, 5.0), (5.0, 8.0), (10.0, 5.0), (10.0, 8.0)]
    assert geo.clip_ring([(20.0, 20.0), (30.0, 20.0), (30.0, 30.0), (20.0, 20.0)], BOX) == []


def test_a_line_keeps_its_runs_inside_with_one_point_beyond_each_end() -> None:
    line = [(-5.0, 1.0), (1.0, 1.0), (2.0, 2.0), (20.0, 2.0), (30.0, 2.0), (9.0, 9.0)]
    runs = geo.clip_line(line, BOX)
    assert runs == [[(-5.0, 1.0), (1.0, 1.0), (2.0, 2.0), (20.0, 2.0)], [(30.0, 2.0), (9.0, 9.0)]]
    assert geo.clip_line([(20.0, 20.0), (30.0, 30.0)], BOX) == []


def test_clipped_geometries_are_rounded_without_repeats() -> None:
    line = {"type": "LineString", "coordinates": [(1.00001, 1.0), (1.00002, 1.0), (2.0, 2.12345)]}
    assert geo.clip_geometry(line, BOX, digits=3) == {
        "type": "MultiLineString",
        "coordinates": [[[1.0, 1.0], [2.0, 2.123]]],
    }
    far = {"type": "Polygon", "coordinates": [[(20, 20), (30, 20), (30, 30), (20, 20)]]}
    assert geo.clip_geometry(far, BOX) is None


def test_simplify_drops_points_within_tolerance_and_keeps_corners() -> None:
    line = [(0.0, 0.0), (1.0, 0.001), (2.0, 0.0), (3.0, 2.0), (4.0, 0.0)]
    assert geo.simplify(line, 0.01) == [(0.0, 0.0), (2.0, 0.0), (3.0, 2.0), (4.0, 0.0)]
    assert geo.simplify(line, 5) == [(0.0, 0.0), (4.0, 0.0)]


# -- the shipped files -------------------------------------------------------------------


@pytest.fixture(scope="module")
def base() -> dict:
    return json.loads(BASE.read_text(encoding="utf-8"))


def _of(base: dict, kind: str) -> list[dict]:
    return [f for f in base["features"] if f["properties"]["kind"] == kind]


def test_the_base_map_has_every_layer_in_drawing_order(base: dict) -> None:
    kinds = [f["properties"]["kind"] for f in base["features"]]
    assert set(kinds) == set(geo.KINDS)
    assert kinds == sorted(kinds, key=geo.KINDS.index)
    assert {f["properties"]["iso"] for f in _of(base, "country")} >= {"COL", "BRA", "GUY", "TTO"}


def test_the_base_map_is_small_and_inside_its_box(base: dict) -> None:
    assert BASE.stat().st_size < 400_000
    west, south, east, north = geo.BOX
    for f in base["features"]:
        points = _positions(f["geometry"]["coordinates"])
        assert all(round(c, geo.DIGITS) == c for p in points for c in p)
        if f["geometry"]["type"] == "MultiPolygon":
            assert all(west <= x <= east and south <= y <= north for x, y in points)


def test_venezuela_is_the_country_and_lake_maracaibo_reads_as_water(base: dict) -> None:
    (venezuela,) = _of(base, "venezuela")
    points = _positions(venezuela["geometry"]["coordinates"])
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    assert min(lons) == pytest.approx(-73.4, abs=0.2) and max(lons) == pytest.approx(-59.8, abs=0.2)
    assert min(lats) == pytest.approx(0.65, abs=0.2) and max(lats) == pytest.approx(12.2, abs=0.2)
    caracas = CAPITALS["VE-A"][::-1]
    assert _in_multipolygon(caracas, venezuela["geometry"])
    # The middle of the lake is water: outside the country's land polygon.
    assert not _in_multipolygon((-71.55, 9.8), venezuela["geometry"])
    rivers = _of(base, "river")
    near_orinoco = any(  # the Orinoco passes Ciudad Bolívar
        math.dist(p, CAPITALS["VE-F"][::-1]) < 0.1
        for r in rivers
        for p in _positions(r["geometry"]["coordinates"])
    )
    assert near_orinoco


def test_every_estado_has_a_label_at_its_capital_and_a_shape_around_it(base: dict) -> None:
    labels = {f["properties"]["code"]: f for f in _of(base, "label")}
    assert set(labels) == set(CAPITALS)
    for code, (lat, lon) in CAPITALS.items():
        assert labels[code]["geometry"]["coordinates"] == [lon, lat]
        assert labels[code]["properties"]["name"]
    shapes = {f["properties"]["code"]: f["geometry"] for f in _of(base, "estado")}
    assert shapes == estado_shapes()
    assert set(shapes) == set(CAPITALS)
    for code, (lat, lon) in CAPITALS.items():
        if code == "VE-W":  # islands: the reference point lies between them
            continue
        assert _in_multipolygon((lon, lat), shapes[code]), code
