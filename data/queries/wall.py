"""What the wall (``/muro``) shows beside the summary: each area's small trend, the facts its
thresholds judge (cases past their SLA target, stalled projects, defense units per band) and
the territories doing worst right now.

Every series is aggregated in SQL (one GROUP BY per area, bucketed by Caracas day or by hour
before ``as_of``) and restricted to ``ref``, already resolved inside the caller's scope.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from core.sla import DEFAULT_SLA_HOURS
from core.thresholds import THRESHOLDS
from core.timeutil import caracas_day_bounds, to_utc
from data.models import CitizenCase, DefenseUnit, Incident, Project, Transfer
from data.queries.cases import sla_target
from data.queries.common import at
from data.queries.open_cases import open_cases_summed
from data.queries.panorama import _days, cases_daily, clap_daily
from data.queries.projects import ACTIVE, stalled_clause
from data.queries.sql import floor_int, hours_between
from data.queries.timebuckets import as_date, caracas_day
from data.scope import TerritoryRef, territory_clause

TREND_DAYS = 14  # daily sparklines: two weeks read at a glance
TRANSFER_DAYS = 30
WORST_N = 3


def incidents_hourly(session: Session, ref: TerritoryRef | None, as_of: datetime) -> list[int]:
    """Incidents per hour of the last 24 h, oldest hour first (index 23 = the last hour)."""
    as_of = to_utc(as_of)
    ago = floor_int(hours_between(Incident.occurred_at, at(as_of)))
    found = dict(
        session.execute(
            select(ago, func.count())
            .where(
                territory_clause(Incident, ref),
                Incident.occurred_at > as_of - timedelta(hours=24),
                Incident.occurred_at <= as_of,
            )
            .group_by(ago)
        ).all()
    )
    return [int(found.get(h, 0)) for h in range(23, -1, -1)]


def transfers_daily(
    session: Session, ref: TerritoryRef | None, as_of: datetime, days: int = TRANSFER_DAYS
) -> list[float]:
    """USD transferred per Caracas day, the last ``days`` days up to ``as_of``, oldest first."""
    as_of = to_utc(as_of)
    window = _days(as_of, days)
    start, _ = caracas_day_bounds(window[0])
    day = caracas_day(Transfer.transferred_at)
    found = {
        as_date(k): float(v or 0)
        for k, v in session.execute(
            select(day, func.sum(Transfer.amount_usd))
            .where(
                territory_clause(Transfer, ref),
                Transfer.transferred_at >= start,
                Transfer.transferred_at <= as_of,
            )
            .group_by(day)
        ).all()
    }
    return [round(found.get(d, 0.0), 2) for d in window]


def cases_late(session: Session, ref: TerritoryRef | None, as_of: datetime) -> dict[str, Any]:
    """Open 1x10 cases and how many are past their category's SLA target at ``as_of``."""
    as_of = to_utc(as_of)
    late = case(
        (hours_between(CitizenCase.reported_at, at(as_of)) > sla_target(DEFAULT_SLA_HOURS), 1),
        else_=0,
    )
    n, n_late = open_cases_summed(session, ref, as_of, None, (late,)).get(None, (0, 0))
    return {"open": n, "late": n_late, "share": round(n_late / n, 4) if n else None}


def projects_health(session: Session, ref: TerritoryRef | None, as_of: datetime) -> dict[str, Any]:
    """Active projects, those stopped (paralizados or without progress for 30 days) and
    their share: what the ``projects_stalled_share`` threshold judges."""
    as_of = to_utc(as_of)
    stopped = (Project.status == "paralizado") | stalled_clause(as_of)
    active, n_stopped = session.execute(
        select(func.count(), func.sum(case((stopped, 1), else_=0))).where(
            territory_clause(Project, ref), Project.status.in_(ACTIVE)
        )
    ).one()
    active, n_stopped = int(active or 0), int(n_stopped or 0)
    return {
        "active": active,
        "stopped": n_stopped,
        "share": round(n_stopped / active, 4) if active else None,
    }


def defense_bands(session: Session, ref: TerritoryRef | None) -> dict[str, int]:
    """Defense units per readiness state (``bien``/``regular``/``mal``), by the one threshold."""
    t = THRESHOLDS["defense_readiness"]
    good = func.sum(case((DefenseUnit.readiness >= t.good, 1), else_=0))
    fair = func.sum(
        case(((DefenseUnit.readiness < t.good) & (DefenseUnit.readiness >= t.fair), 1), else_=0)
    )
    bad = func.sum(case((DefenseUnit.readiness < t.fair, 1), else_=0))
    row = session.execute(select(good, fair, bad).where(territory_clause(DefenseUnit, ref))).one()
    return dict(zip(("bien", "regular", "mal"), (int(v or 0) for v in row), strict=True))


def wall_trends(session: Session, ref: TerritoryRef | None, as_of: datetime) -> dict[str, Any]:
    """Everything the wall's panels show beyond ``summary()``, for ``ref`` at ``as_of``."""
    clap = clap_daily(session, ref, as_of, TREND_DAYS)
    cases = cases_daily(session, ref, as_of, TREND_DAYS)
    return {
        "clap_coverage": [d["coverage"] for d in clap],
        "clap_served": [d["served"] for d in clap],
        "cases_opened": [d["opened"] for d in cases],
        "cases_resolved": [d["resolved"] for d in cases],
        "cases_late": cases_late(session, ref, as_of),
        "incidents_hourly": incidents_hourly(session, ref, as_of),
        "transfers_daily": transfers_daily(session, ref, as_of),
        "projects": projects_health(session, ref, as_of),
        "defense_bands": defense_bands(session, ref),
    }


# ---- worst territories now: ranked from the per-territory aggregates of the map's query
# (data.queries.panorama.territory_measures, one GROUP BY per area), never from raw rows.

#: area -> (measure, worst first is the highest value?, only rows where this is true)
WORST_BY: dict[str, tuple[str, bool]] = {
    "clap": ("clap_coverage", False),
    "casos": ("cases_open", True),
    "paz": ("incidents_24h", True),
    "proyectos": ("projects_paralizado", True),
    "defensa": ("defense_readiness", False),
}


def worst_territories(
    rows: list[dict[str, Any]], area: str, n: int = WORST_N
) -> list[dict[str, Any]]:
    """The ``n`` territories doing worst in ``area``: ``[{code, name, value}]``, worst first.

    Territories without data (no CLAP plan today, no defense units) are left out, and so are
    zero counts: a territory with no open case is not "worst" at anything.
    """
    measure, highest = WORST_BY[area]
    found = [r for r in rows if r.get(measure) is not None]
    if highest:
        found = [r for r in found if r[measure] > 0]
    found.sort(key=lambda r: (-r[measure] if highest else r[measure], r["name"]))
    return [{"code": r["code"], "name": r["name"], "value": r[measure]} for r in found[:n]]
