"""Small queries behind live screens: the caller's territory, map points, data versions."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from data import versions
from data.models import Territory
from data.scope import Scope, TerritoryRef, get_territory, resolve, scope_for

MAX_POINTS = 200


def principal_ref(session: Session, territory_code: str | None) -> TerritoryRef | None:
    """The territory a principal is bound to (None = national): the push filter's scope."""
    return get_territory(session, territory_code) if territory_code else None


def wall_territory(session: Session, scope: Scope, code: str | None) -> TerritoryRef | None:
    """The territory a wall step shows: ``code`` if inside the caller's scope."""
    return resolve(session, scope, code)


def caller_scope(session: Session, territory_code: str | None) -> Scope:
    return scope_for(session, territory_code)


def territory_points(
    session: Session, scope: Scope, codes: Iterable[str], limit: int = MAX_POINTS
) -> dict[str, dict[str, Any]]:
    """``code -> {lat, lon, name}`` for the given codes visible in ``scope`` (bounded)."""
    wanted = sorted({c for c in codes if c})[:limit]
    if not wanted:
        return {}
    rows = session.execute(
        select(
            Territory.code,
            Territory.level,
            Territory.name,
            Territory.lat,
            Territory.lon,
            Territory.estado_code,
            Territory.municipio_code,
            Territory.parroquia_code,
            Territory.circuito_code,
        ).where(Territory.code.in_(wanted), Territory.lat.is_not(None))
    ).all()
    out: dict[str, dict[str, Any]] = {}
    for row in rows:
        ref = TerritoryRef(*row[:3], *row[5:], lat=row.lat, lon=row.lon)
        if scope.contains(ref):
            out[row.code] = {"lat": row.lat, "lon": row.lon, "name": row.name}
    return out


def estado_names(session: Session) -> dict[str, str]:
    """Names of the 25 estados, for ticker lines (tiny, cached by the caller)."""
    stmt = select(Territory.code, Territory.name).where(Territory.level == "estado")
    return {code: name for code, name in session.execute(stmt).all()}


def data_versions(session: Session, territory_code: str | None) -> dict[str, int]:
    """The data versions a caller bound to ``territory_code`` may watch: the safety-net
    poll's one cheap query. A scoped caller sees its own territory's counters only."""
    return versions.current_for_territory(session, territory_code)
