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
