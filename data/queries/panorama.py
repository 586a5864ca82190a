"""Aggregates of the Panorama nacional beyond the summary: the map's measures per territory
and the trend series of the charts.

Every function takes the territory the caller asked for, already resolved inside the caller's
scope (``data.scope.resolve``), and restricts every query to it. The KPI cards use
``data.queries.summary.summary``; nothing here repeats it.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from core.timeutil import caracas_date, caracas_day_bounds, to_utc
from data.models import (
    CitizenCase,
    ClapDelivery,
    DefenseUnit,
    Incident,
    Project,
    Territory,
    path_of,
)
from data.queries.open_cases import open_cases_by
from data.queries.timebuckets import as_date, caracas_day, caracas_hour
from data.scope import TerritoryRef, territory_clause

# The level the map shows below each level (a circuito shows itself: its points are the
# consejos and cuadrantes, which the indicator pages draw).
MAP_LEVEL = {
    None: "estado",
    "estado": "municipio",
    "municipio": "parroquia",
    "parroquia": "circuito",
    "circuito": "circuito",
}


def map_level(ref: TerritoryRef | None) -> str:
    """The hierarchy level whose territories are the map's points for ``ref``."""
    return MAP_LEVEL.get(ref.level if ref else None, "circuito")


def _grouped(session: Session, stmt: Any) -> dict[str, tuple[Any, ...]]:
    return {row[0]: tuple(row[1:]) for row in session.execute(stmt).all() if row[0] is not None}


def _count_status(status: str) -> Any:
    return func.sum(case((Project.status == status, 1), else_=0))


def territory_measures(
    session: Session, ref: TerritoryRef | None, as_of: datetime
) -> list[dict[str, Any]]:
    """One row per territory at :func:`map_level` inside ``ref``, with the five areas' numbers.

    Every territory of that level appears, with zeros (or None for averages) where it has no
    data, so a territory that reports nothing is visible on the map rather than missing.
    """
    as_of = to_utc(as_of)
    level = map_level(ref)
    day = caracas_date(as_of)
    territories = session.execute(
        select(Territory.code, Territory.name, Territory.lat, Territory.lon)
        .where(Territory.level == level, territory_clause(Territory, ref))
        .order_by(Territory.name)
    ).all()

    key = path_of(ClapDelivery, level)
    clap = _grouped(
        session,
        select(key, func.sum(ClapDelivery.families_planned), func.sum(ClapDelivery.families_served))
        .where(territory_clause(ClapDelivery, ref), ClapDelivery.delivered_on == day)
        .group_by(key),
    )
    cases = open_cases_by(session, ref, as_of, path_of(CitizenCase, level))
    key = path_of(Incident, level)
    incidents = _grouped(
        session,
        select(key, func.count())
        .where(
            territory_clause(Incident, ref),
            Incident.occurred_at > as_of - timedelta(hours=24),
            Incident.occurred_at <= as_of,
        )
        .group_by(key),
    )
    key = path_of(Project, level)
    projects = _grouped(
        session,
        select(
            key,
            func.count(),
            _count_status("en_ejecucion"),
            _count_status("paralizado"),
            _count_status("culminado"),
            func.avg(Project.physical_progress),
        )
        .where(territory_clause(Project, ref))
        .group_by(key),
    )
    key = path_of(DefenseUnit, level)
    defense = _grouped(
        session,
        select(key, func.count(), func.avg(DefenseUnit.readiness))
        .where(territory_clause(DefenseUnit, ref))
        .group_by(key),
    )

    rows = []
    for code, name, lat, lon in territories:
        planned, served = clap.get(code, (0, 0))
        total, running, stalled, done, progress = projects.get(code, (0, 0, 0, 0, None))
        units, readiness = defense.get(code, (0, None))
        planned, served = int(planned or 0), int(served or 0)
        rows.append(
            {
                "code": code,
                "name": name,
                "level": level,
                "lat": lat,
                "lon": lon,
                "clap_planned": planned,
                "clap_served": served,
                "clap_coverage": round(served / planned, 4) if planned else None,
                "cases_open": cases.get(code, 0),
                "incidents_24h": int(incidents.get(code, (0,))[0]),
                "projects_total": int(total or 0),
                "projects_en_ejecucion": int(running or 0),
                "projects_paralizado": int(stalled or 0),
                "projects_culminado": int(done or 0),
                "projects_avg_progress": None if progress is None else round(float(progress), 1),
                "defense_units": int(units or 0),
                "defense_readiness": None if readiness is None else round(float(readiness), 1),
            }
        )
    return rows


def _days(as_of: datetime, days: int) -> list[date]:
    today = caracas_date(as_of)
    return [today - timedelta(days=n) for n in range(days - 1, -1, -1)]


def clap_daily(
    session: Session, ref: TerritoryRef | None, as_of: datetime, days: int = 30
) -> list[dict[str, Any]]:
    """Families planned and served per Caracas day, the last ``days`` days up to today."""
    window = _days(to_utc(as_of), days)
    found = _grouped(
        session,
        select(
            ClapDelivery.delivered_on,
            func.sum(ClapDelivery.families_planned),
            func.sum(ClapDelivery.families_served),
        )
        .where(
            territory_clause(ClapDelivery, ref),
            ClapDelivery.delivered_on >= window[0],
            ClapDelivery.delivered_on <= window[-1],
        )
        .group_by(ClapDelivery.delivered_on),
    )
    found = {as_date(k): v for k, v in found.items()}
    out = []
    for day in window:
        planned, served = (int(x or 0) for x in found.get(day, (0, 0)))
        out.append(
            {
                "day": day,
                "planned": planned,
                "served": served,
                "coverage": round(served / planned, 4) if planned else None,
            }
        )
    return out


def cases_daily(
    session: Session, ref: TerritoryRef | None, as_of: datetime, days: int = 30
) -> list[dict[str, Any]]:
    """1x10 cases opened and resolved per Caracas day, the last ``days`` days up to ``as_of``."""
    as_of = to_utc(as_of)
    window = _days(as_of, days)
    start, _ = caracas_day_bounds(window[0])
    where = territory_clause(CitizenCase, ref)
    opened_day = caracas_day(CitizenCase.reported_at)
    opened = _grouped(
        session,
        select(opened_day, func.count())
        .where(where, CitizenCase.reported_at >= start, CitizenCase.reported_at <= as_of)
        .group_by(opened_day),
    )
    resolved_day = caracas_day(CitizenCase.resolved_at)
    resolved = _grouped(
        session,
        select(resolved_day, func.count())
        .where(where, CitizenCase.resolved_at >= start, CitizenCase.resolved_at <= as_of)
        .group_by(resolved_day),
    )
    opened = {as_date(k): int(v[0]) for k, v in opened.items()}
    resolved = {as_date(k): int(v[0]) for k, v in resolved.items()}
    return [
        {"day": day, "opened": opened.get(day, 0), "resolved": resolved.get(day, 0)}
        for day in window
    ]


def incidents_by_hour(
    session: Session, ref: TerritoryRef | None, as_of: datetime, days: int = 7
) -> list[int]:
    """Incidents per Caracas hour of day (index 0..23) over the last ``days`` days."""
    as_of = to_utc(as_of)
    hour = caracas_hour(Incident.occurred_at)
    found = dict(
        session.execute(
            select(hour, func.count())
            .where(
                territory_clause(Incident, ref),
                Incident.occurred_at > as_of - timedelta(days=days),
                Incident.occurred_at <= as_of,
            )
            .group_by(hour)
        ).all()
    )
    return [int(found.get(h, 0)) for h in range(24)]
