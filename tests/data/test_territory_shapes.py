"""Territory shapes for the maps: only the territories that carry one, asked in chunks."""

from __future__ import annotations

from sqlalchemy.orm import Session

from data.models import Territory
from data.queries import common
from data.reference import estado_shapes
from tests.factories import territory

SQUARE = {"type": "Polygon", "coordinates": [[[-67, 10], [-66, 10], [-66, 11], [-67, 10]]]}


def test_shapes_of_the_territories_that_carry_one(session: Session, monkeypatch) -> None:
    for n in range(5):
        territory(session, f"VE-{'ABCDE'[n]}", "estado", None)
    for code in ("VE-A", "VE-C", "VE-E"):
        session.get(Territory, code).geometry = SQUARE
    session.flush()
    monkeypatch.setattr(common, "SHAPE_CHUNK", 2)  # several IN lists
    codes = ["VE-A", "VE-B", "VE-C", "VE-D", "VE-E", "VE-A", "VE-Z"]
    assert common.territory_shapes(session, codes) == dict.fromkeys(
        ("VE-A", "VE-C", "VE-E"), SQUARE
    )
    assert common.territory_shapes(session, []) == {}


def test_the_reference_estados_ship_their_shapes() -> None:
    shapes = estado_shapes()
    assert len(shapes) == 25
    assert all(g["type"] == "MultiPolygon" and g["coordinates"] for g in shapes.values())


# -- the maps' shapes in memory per territories version (data.queries.shapes) ----------------

TRIANGLE = {"type": "Polygon", "coordinates": [[[-70, 8], [-69, 8], [-69, 9], [-70, 8]]]}


def _estado(code: str, geometry: dict | None) -> dict:
    return {"code": code, "level": "estado", "name": code, "lat": 10.0, "lon": -66.0} | (
        {"geometry": geometry} if geometry else {}
    )


def test_shapes_are_read_once_per_territories_version(engine) -> None:
    from data.ingest import ingest
    from data.queries.shapes import ShapeCache

    ingest(engine, "territories", [_estado("VE-A", SQUARE), _estado("VE-B", None)])
    cache = ShapeCache()
    with Session(engine) as s:
        assert cache.shapes(s, ["VE-A", "VE-B", "VE-Z"]) == {"VE-A": SQUARE}
        assert cache.shapes(s, ["VE-B", "VE-A"]) == {"VE-A": SQUARE}
        assert cache.shapes(s, ["VE-A"]) == {"VE-A": SQUARE}
    assert cache.reads == 1  # codes without a shape are remembered too


def test_a_territory_write_invalidates_the_cached_shapes(engine) -> None:
    """An ingested territory bumps the territories version: its new shape (or none) is
    read again, and the old one is never served."""
    from data.ingest import ingest
    from data.queries.shapes import ShapeCache

    ingest(engine, "territories", [_estado("VE-A", SQUARE), _estado("VE-B", SQUARE)])
    cache = ShapeCache()
    with Session(engine) as s:
        assert cache.shapes(s, ["VE-A", "VE-B"]) == {"VE-A": SQUARE, "VE-B": SQUARE}
    ingest(engine, "territories", [_estado("VE-A", TRIANGLE)])
    with Session(engine) as s:
        assert cache.shapes(s, ["VE-A", "VE-B"]) == {"VE-A": TRIANGLE, "VE-B": SQUARE}
    assert cache.reads == 2


def test_nothing_is_cached_while_territories_have_no_version(session: Session) -> None:
    """Rows written without a version bump (a hand-loaded or emptied database) are always
    read from the table."""
    from data.queries.shapes import ShapeCache

    territory(session, "VE-A", "estado", None)
    session.get(Territory, "VE-A").geometry = SQUARE
    session.flush()
    cache = ShapeCache()
    assert cache.shapes(session, ["VE-A"]) == {"VE-A": SQUARE}
    session.get(Territory, "VE-A").geometry = TRIANGLE
    session.flush()
    assert cache.shapes(session, ["VE-A"]) == {"VE-A": TRIANGLE}
