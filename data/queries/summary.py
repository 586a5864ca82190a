"""The summary of a territory across the five areas and its Agendas Concretas de Acción.

One function feeds both ``GET /api/v1/summary`` and the KPI cards of ``/`` and ``/muro``,
so a number on screen and the API can never disagree.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.timeutil import caracas_date, to_utc, utcnow
from data.models import (
    PROJECT_STATUSES,
    CitizenCase,
    ClapDelivery,
    DefenseUnit,
    Incident,
    Project,
    Transfer,
)
from data.queries.aca import aca_summary
from data.queries.open_cases import open_cases_by
from data.queries.sql import hours_between, percentile
from data.scope import TerritoryRef, territory_clause


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(float(value), digits)


def projects_summary(session: Session, ref: TerritoryRef | None, as_of: datetime) -> dict[str, Any]:
    """Totals and the count per status in one scan of the projects (FILTER per status)."""
    total, approved, avg_progress, *by_status = session.execute(
        select(
            func.count(),
            func.sum(Project.approved_usd),
            func.avg(Project.physical_progress),
            *(func.count().filter(Project.status == status) for status in PROJECT_STATUSES),
        ).where(territory_clause(Project, ref))
    ).one()
    transferred = session.scalar(
        select(func.sum(Transfer.amount_usd)).where(
            territory_clause(Transfer, ref), Transfer.transferred_at <= as_of
        )
    )
    return {
        "total": int(total or 0),
        "by_status": {s: int(n or 0) for s, n in zip(PROJECT_STATUSES, by_status, strict=True)},
        "approved_usd": round(float(approved or 0), 2),
        "transferred_usd": round(float(transferred or 0), 2),
        "avg_progress": _round(avg_progress, 1),
    }


def clap_summary(session: Session, ref: TerritoryRef | None, as_of: datetime) -> dict[str, Any]:
    day = caracas_date(as_of)
    planned, served = session.execute(
        select(
            func.sum(ClapDelivery.families_planned), func.sum(ClapDelivery.families_served)
        ).where(territory_clause(ClapDelivery, ref), ClapDelivery.delivered_on == day)
    ).one()
    planned, served = int(planned or 0), int(served or 0)
    return {
        "date": day.isoformat(),
        "families_planned": planned,
        "families_served": served,
        "coverage": round(served / planned, 4) if planned else None,
    }


def cases_summary(session: Session, ref: TerritoryRef | None, as_of: datetime) -> dict[str, Any]:
    where = territory_clause(CitizenCase, ref)
    open_by_category = open_cases_by(session, ref, as_of, CitizenCase.category)
    resolved_24h = session.scalar(
        select(func.count()).where(
            where,
            CitizenCase.resolved_at > as_of - timedelta(hours=24),
            CitizenCase.resolved_at <= as_of,
        )
    )
    median = percentile(
        session,
        hours_between(CitizenCase.reported_at, CitizenCase.resolved_at),
        [
            where,
            CitizenCase.resolved_at > as_of - timedelta(days=30),
            CitizenCase.resolved_at <= as_of,
        ],
        0.5,
    )
    return {
        "open": int(sum(open_by_category.values())),
        "resolved_24h": int(resolved_24h or 0),
        "median_hours_to_resolve_30d": _round(median, 1),
        "open_by_category": {k: int(v) for k, v in sorted(open_by_category.items())},
    }


def incidents_summary(
    session: Session, ref: TerritoryRef | None, as_of: datetime
) -> dict[str, Any]:
    """One scan of the last 7 days: per type, its count in the last 24 h and in the 7 days."""
    day_ago, week_ago = as_of - timedelta(hours=24), as_of - timedelta(days=7)
    rows = session.execute(
        select(Incident.type, func.count().filter(Incident.occurred_at > day_ago), func.count())
        .where(
            territory_clause(Incident, ref),
            Incident.occurred_at > week_ago,
            Incident.occurred_at <= as_of,
        )
        .group_by(Incident.type)
    ).all()
    by_type = {kind: int(day) for kind, day, _ in rows if day}
    return {
        "last_24h": sum(by_type.values()),
        "last_7d": sum(int(week) for _, _, week in rows),
        "by_type_24h": dict(sorted(by_type.items())),
    }


def defense_summary(session: Session, ref: TerritoryRef | None) -> dict[str, Any]:
    units, avg = session.execute(
        select(func.count(), func.avg(DefenseUnit.readiness)).where(
            territory_clause(DefenseUnit, ref)
        )
    ).one()
    return {"units": int(units or 0), "avg_readiness": _round(avg, 1)}


def summary(
    session: Session, ref: TerritoryRef | None, as_of: datetime | None = None
) -> dict[str, Any]:
    """Everything ``/api/v1/summary`` returns for ``ref`` (None = national) at ``as_of``."""
    as_of = to_utc(as_of) if as_of else utcnow()
    return {
        "territory": ref.code if ref else None,
        "territory_name": ref.name if ref else "Venezuela",
        "as_of": as_of.isoformat(),
        "projects": projects_summary(session, ref, as_of),
        "clap": clap_summary(session, ref, as_of),
        "cases": cases_summary(session, ref, as_of),
        "incidents": incidents_summary(session, ref, as_of),
        "defense": defense_summary(session, ref),
        "aca": aca_summary(session, ref, as_of),
    }
