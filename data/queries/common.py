"""Small helpers shared by the indicator pages' queries (cases, incidents, defense)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, case, func, literal, select
from sqlalchemy.orm import Session

from data.models import Cuadrante, Incident, Territory, path_of
from data.queries.filters import CHILD_LEVEL
from data.scope import TerritoryRef, territory_clause
from data.types import UTCDateTime


def at(value: datetime) -> Any:
    """A bound timestamp typed like the columns, so SQL date arithmetic works on both backends."""
    return literal(value, UTCDateTime())


def count_if(condition: Any) -> Any:
    """``SUM(CASE WHEN condition THEN 1 ELSE 0 END)``: how many rows of a group match."""
    return func.sum(case((condition, 1), else_=0))


def by_key(session: Session, stmt: Select[Any]) -> dict[str, tuple[Any, ...]]:
    """``{first column: (other columns)}`` of a grouped statement, skipping NULL keys."""
    return {row[0]: tuple(row[1:]) for row in session.execute(stmt).all() if row[0] is not None}


def territories_at(session: Session, ref: TerritoryRef | None, level: str) -> list[Any]:
    """(code, name, lat, lon) of every territory of ``level`` inside ``ref``, by name."""
    return list(
        session.execute(
            select(Territory.code, Territory.name, Territory.lat, Territory.lon)
            .where(Territory.level == level, territory_clause(Territory, ref))
            .order_by(Territory.name)
        ).all()
    )


# Codes per IN list of :func:`territory_shapes`.
SHAPE_CHUNK = 500


def territory_shapes(session: Session, codes: list[str]) -> dict[str, dict[str, Any]]:
    """``code -> GeoJSON geometry`` of the given territories that carry one (imported
    cartografía social), for the maps' filled shapes. The codes come from rows already
    scoped by the caller's query."""
    wanted = sorted(set(codes))
    shapes: dict[str, dict[str, Any]] = {}
    for i in range(0, len(wanted), SHAPE_CHUNK):
        rows = session.execute(
            select(Territory.code, Territory.geometry).where(
                Territory.code.in_(wanted[i : i + SHAPE_CHUNK]), Territory.geometry.is_not(None)
            )
        ).all()
        shapes.update({code: geometry for code, geometry in rows if isinstance(geometry, dict)})
    return shapes


def map_places(
    session: Session,
    ref: TerritoryRef | None,
    model: type,
    point_levels: tuple[str, ...] = ("consejo_comunal",),
) -> tuple[str, Any, list[Any]]:
    """``(level, grouping column, places)`` of a page's map under ``ref``.

    Down to a parroquia the map shows the territories one level below (every one of them,
    with zeros where nothing happened); below a circuito it shows the records' own places:
    cuadrantes for incidents, else the territories of ``point_levels`` the rows belong to.
    """
    level, key = map_key(ref, model)
    if CHILD_LEVEL.get(ref.level if ref else None):  # territories, zeros included
        return level, key, territories_at(session, ref, level)
    if model is Incident:
        places = session.execute(
            select(Cuadrante.code, Cuadrante.name, Cuadrante.lat, Cuadrante.lon)
            .where(territory_clause(Cuadrante, ref))
            .order_by(Cuadrante.name)
        ).all()
        return level, key, list(places)
    places = session.execute(
        select(Territory.code, Territory.name, Territory.lat, Territory.lon)
        .where(territory_clause(Territory, ref), Territory.level.in_(point_levels))
        .order_by(Territory.name)
    ).all()
    return level, key, list(places)


def map_key(ref: TerritoryRef | None, model: type) -> tuple[str, Any]:
    """``(level, grouping column)`` of :func:`map_places`, without reading its places."""
    level = CHILD_LEVEL.get(ref.level if ref else None)
    if level:
        return level, path_of(model, level)
    if model is Incident:
        return "cuadrante", Incident.cuadrante_code
    return "punto", model.territory_code


def previous_range(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    """The range of the same length just before ``[start, end)``, for ▲▼ comparisons."""
    return start - (end - start), start
