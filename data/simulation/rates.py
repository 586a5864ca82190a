"""How often things happen in the stored history, per hour of the day in Caracas.

The realistic simulator replays these rates, so a demo left running for days keeps the
volumes its seeded history set (new cases, status changes, incidents, transfers, progress
reports, CLAP deliveries and their coverage) instead of drifting into a false crisis.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.timeutil import caracas_date
from data.models import CaseEvent, CitizenCase, ClapDelivery, Incident, ProjectProgress, Transfer
from data.queries.timebuckets import caracas_hour

WINDOW_DAYS = 28  # four whole weeks: every weekday counts the same
CASE_STEPS = ("asignado", "en_atencion", "resuelto", "cerrado", "rechazado")
HOURLY_KINDS = ("case_new", *CASE_STEPS, "incident", "transfer", "progress")


@dataclass(frozen=True)
class Rates:
    """Expected events per hour, by kind and Caracas hour of day; CLAP per day."""

    per_hour: dict[str, tuple[float, ...]] = field(default_factory=dict)
    clap_per_day: float = 0.0
    clap_coverage: float = 0.9  # families served / planned in the window
    anchor: datetime | None = None  # the end of the window the rates were read from

    def per_second(self, kind: str, hour: int) -> float:
        return self.per_hour.get(kind, (0.0,) * 24)[hour] / 3600.0

    @property
    def empty(self) -> bool:
        return not any(any(v) for v in self.per_hour.values()) and not self.clap_per_day


def _by_hour(session: Session, column, start: datetime, end: datetime, *where) -> tuple:
    """Events per Caracas hour of day over the window, averaged per day."""
    rows = session.execute(
        select(caracas_hour(column), func.count())
        .where(column > start, column <= end, *where)
        .group_by(caracas_hour(column))
    ).all()
    counts = dict.fromkeys(range(24), 0)
    for hour, n in rows:
        counts[int(hour)] = int(n)
    return tuple(counts[h] / WINDOW_DAYS for h in range(24))


def deliveries_on(session: Session, day: date) -> int:
    """CLAP deliveries stored for a Caracas day (the seed dates a whole day's at once)."""
    return int(session.scalar(select(func.count()).where(ClapDelivery.delivered_on == day)) or 0)


def history_rates(session: Session, now: datetime) -> Rates:
    """The rates of the four weeks before ``now`` (or before the latest stored case, when
    the demo was seeded days ago and nothing arrived since: a gap is not a rate)."""
    latest = session.scalar(select(func.max(CitizenCase.reported_at)))
    end = min(now, latest) if latest else now
    start = end - timedelta(days=WINDOW_DAYS)
    per_hour = {
        "case_new": _by_hour(session, CitizenCase.reported_at, start, end),
        "incident": _by_hour(session, Incident.occurred_at, start, end),
        "transfer": _by_hour(session, Transfer.transferred_at, start, end),
        "progress": _by_hour(session, ProjectProgress.recorded_at, start, end),
    }
    for status in CASE_STEPS:
        per_hour[status] = _by_hour(session, CaseEvent.at, start, end, CaseEvent.status == status)
    first_day, last_day = caracas_date(start), caracas_date(end)
    deliveries, planned, served = session.execute(
        select(
            func.count(),
            func.sum(ClapDelivery.families_planned),
            func.sum(ClapDelivery.families_served),
        ).where(ClapDelivery.delivered_on > first_day, ClapDelivery.delivered_on <= last_day)
    ).one()
    coverage = float(served) / float(planned) if planned else 0.9
    return Rates(per_hour, int(deliveries or 0) / WINDOW_DAYS, coverage, end)
