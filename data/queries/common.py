"""Small helpers shared by the indicator pages' queries (cases, incidents, defense)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, literal, select
from sqlalchemy.orm import Session

from data.models import Territory
from data.scope import TerritoryRef, territory_clause
from data.types import UTCDateTime


def at(value: datetime) -> Any:
    """A bound timestamp typed like the columns, so SQL date arithmetic works on both backends."""
    return literal(value, UTCDateTime())


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


def previous_range(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    """The range of the same length just before ``[start, end)``, for ▲▼ comparisons."""
    return start - (end - start), start
