"""The SQL of every alert rule: one set-based query per rule over the whole country.

Each function measures one rule at ``now`` for every territory of the rule's level at once
(grouped by that level's path column, never one query per territory) and returns
:class:`Measured` rows: the territory, the measured value and the facts behind it. The
engine (``data.alerts.engine``) compares values with the rule's threshold, so the condition
lives in one place; a function returns ``matches`` itself only where the comparison is not a
plain threshold (the ``/paz`` anomaly rule). Territories a function leaves out are measured
as "nothing" (no severe incident, no stalled project): an open alert there resolves.

The rules reuse the pages' definitions: the ``/paz`` anomaly (``incidents.above_usual_select``),
the SLA targets (``cases.sla_target``), stalled projects (``projects.stalled_clause``) and
overdue exercises (``defense.overdue_clause``).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, exists, false, func, literal_column, or_, select
from sqlalchemy.orm import Session

from core.timeutil import caracas_date
from data.models import (
    OPEN_ALERT_PREDICATE,
    Alert,
    CitizenCase,
    ClapCommittee,
    ClapDelivery,
    DefenseUnit,
    Incident,
    Project,
    Territory,
    Transfer,
)
from data.queries.cases import sla_target
from data.queries.common import at
from data.queries.defense import overdue_clause
from data.queries.incidents import above_usual_select, usual_week
from data.queries.open_cases import open_cases_summed
from data.queries.projects import stalled_clause
from data.queries.sql import hours_between


@dataclass(frozen=True)
class Measured:
    """One territory's measure for a rule.

    ``matches`` None: the engine compares ``value`` with the rule's threshold. ``hits``: the
    items counted since the open alert was raised (rules that count events), else None.
    """

    code: str
    value: float | None
    facts: dict[str, Any] = field(default_factory=dict)
    matches: bool | None = None
    hits: int | None = None


def _open_alerts(rule: str) -> Any:
    return select(Alert.territory_code.label("code"), Alert.raised_at.label("raised")).where(
        Alert.rule == rule, literal_column(OPEN_ALERT_PREDICATE)
    )


def severe_incidents(
    session: Session, now: datetime, rule: str, hours: float, severity: int
) -> list[Measured]:
    """Per circuito: incidents of ``severity`` or more in the last ``hours``; ``hits`` counts
    those since the window of the open alert (its raise time minus ``hours``), so every new
    severe incident adds one while the alert is open."""
    window = timedelta(hours=hours)
    earliest = session.scalar(
        select(func.min(Alert.raised_at)).where(
            Alert.rule == rule, literal_column(OPEN_ALERT_PREDICATE)
        )
    )
    lower = min(now - window, (earliest - window) if earliest else now - window)
    opened = _open_alerts(rule).subquery()
    recent = Incident.occurred_at > at(now - window)
    since_open = hours_between(opened.c.raised, Incident.occurred_at) > -hours
    stmt = (
        select(
            Incident.circuito_code,
            func.sum(case((recent, 1), else_=0)),
            func.sum(
                case(
                    (opened.c.raised.is_(None), case((recent, 1), else_=0)),
                    else_=case((since_open, 1), else_=0),
                )
            ),
            func.max(Incident.occurred_at),
        )
        .outerjoin(opened, opened.c.code == Incident.circuito_code)
        .where(
            Incident.severity >= severity,
            Incident.occurred_at > at(lower),
            Incident.circuito_code.is_not(None),
        )
        .group_by(Incident.circuito_code)
    )
    return [
        Measured(code, float(n or 0), {"ultimo": last}, hits=int(hits or 0))
        for code, n, hits, last in session.execute(stmt).all()
    ]


def above_usual(session: Session, now: datetime, k: float, min_incidents: int) -> list[Measured]:
    """Per circuito: its cuadrante most above its usual week (``/paz``'s rule), in standard
    deviations; a cuadrante with a perfectly steady history (sd 0) qualifies with no value."""
    stmt = above_usual_select(None, now, k, min_incidents)
    best: dict[str, Measured] = {}
    for _code, name, n, total, variance, circuito in session.execute(stmt).all():
        if circuito is None:
            continue
        mean, sd = usual_week(total, variance)
        z = (int(n) - mean) / sd if sd > 0 else None
        row = Measured(
            circuito,
            None if z is None else round(z, 2),
            {"cuadrante": name, "n": int(n), "media": round(mean, 2), "sd": round(sd, 2)},
            matches=True,
        )
        current = best.get(circuito)
        if current is None or (current.value is not None and (z is None or z > current.value)):
            best[circuito] = row
    return list(best.values())


def cases_out_of_sla(
    session: Session, now: datetime, targets: dict[str, float], min_open: int
) -> list[Measured]:
    """Per estado: the share of open cases past their SLA target in its worst category
    (among categories with at least ``min_open`` open cases)."""
    late = hours_between(CitizenCase.reported_at, at(now)) > sla_target(targets)
    key = CitizenCase.estado_code.concat("|").concat(CitizenCase.category)
    counted = open_cases_summed(session, None, now, key, (case((late, 1), else_=0),))
    worst: dict[str, Measured] = {}
    for joined, (n, n_late) in counted.items():
        if not joined or n < min_open:
            continue
        estado, _, category = str(joined).partition("|")
        share = n_late / n
        current = worst.get(estado)
        if current is None or share > (current.value or 0):
            facts = {"categoria": category, "tarde": n_late, "abiertos": n}
            worst[estado] = Measured(estado, round(share, 4), facts)
    return list(worst.values())


def clap_coverage_today(
    session: Session, now: datetime, close_days: int, min_planned: int
) -> list[Measured]:
    """Per estado: families served over planned in today's deliveries (Caracas day), only in
    the last ``close_days`` days of the month (the cycle's close); nothing at other times."""
    today = caracas_date(now)
    last_day = calendar.monthrange(today.year, today.month)[1]
    if today.day <= last_day - close_days:
        return []
    stmt = (
        select(
            ClapDelivery.estado_code,
            func.sum(ClapDelivery.families_planned),
            func.sum(ClapDelivery.families_served),
        )
        .where(ClapDelivery.delivered_on == today, ClapDelivery.estado_code.is_not(None))
        .group_by(ClapDelivery.estado_code)
    )
    out = []
    for code, planned, served in session.execute(stmt).all():
        planned, served = int(planned or 0), int(served or 0)
        if not planned:
            continue
        facts = {"atendidas": served, "planificadas": planned}
        eligible = planned >= min_planned
        out.append(Measured(code, round(served / planned, 4), facts, None if eligible else False))
    return out


def committees_without_deliveries(session: Session, now: datetime, days: int) -> list[Measured]:
    """Per municipio: CLAP committees with no delivery in the last ``days`` days (or ever)."""
    today = caracas_date(now)
    cutoff = today - timedelta(days=days - 1)
    delivered = exists().where(
        ClapDelivery.clap_code == ClapCommittee.code,
        ClapDelivery.delivered_on >= cutoff,
        ClapDelivery.delivered_on <= today,
    )
    late = func.sum(case((~delivered, 1), else_=0))
    stmt = (
        select(ClapCommittee.municipio_code, late, func.count())
        .where(ClapCommittee.municipio_code.is_not(None))
        .group_by(ClapCommittee.municipio_code)
    )
    return [
        Measured(code, float(n_late or 0), {"comites": int(total), "dias": days})
        for code, n_late, total in session.execute(stmt).all()
        if n_late
    ]


def projects_without_progress(session: Session, now: datetime, days: int) -> list[Measured]:
    """Per circuito: active projects that received money and show no progress in ``days``."""
    sent = (
        select(Transfer.project_id.label("pid"), func.sum(Transfer.amount_usd).label("usd"))
        .where(Transfer.transferred_at <= at(now))
        .group_by(Transfer.project_id)
        .subquery()
    )
    since = func.coalesce(Project.progress_changed_at, Project.updated_at)
    stmt = (
        select(Project.circuito_code, func.count(), func.sum(sent.c.usd), func.min(since))
        .join(sent, sent.c.pid == Project.id)
        .where(stalled_clause(now, days), Project.circuito_code.is_not(None))
        .group_by(Project.circuito_code)
    )
    return [
        Measured(code, float(n), {"usd": float(usd or 0), "desde": oldest, "dias": days})
        for code, n, usd, oldest in session.execute(stmt).all()
    ]


def defense_readiness(session: Session, min_units: int) -> list[Measured]:
    """Per municipio: mean readiness (%) of its defense units (the ADI and those below)."""
    stmt = (
        select(DefenseUnit.municipio_code, func.avg(DefenseUnit.readiness), func.count())
        .where(DefenseUnit.municipio_code.is_not(None))
        .group_by(DefenseUnit.municipio_code)
    )
    return [
        Measured(
            code,
            round(float(avg), 2),
            {"unidades": int(n)},
            None if int(n) >= min_units else False,
        )
        for code, avg, n in session.execute(stmt).all()
        if avg is not None
    ]


def exercises_overdue(session: Session, now: datetime, overdue_days: int) -> list[Measured]:
    """Per estado: the share of its defense units whose exercise is overdue."""
    overdue = func.sum(case((overdue_clause(caracas_date(now), overdue_days), 1), else_=0))
    stmt = (
        select(DefenseUnit.estado_code, overdue, func.count())
        .where(DefenseUnit.estado_code.is_not(None))
        .group_by(DefenseUnit.estado_code)
    )
    return [
        Measured(
            code,
            round(int(n_over or 0) / int(n), 4),
            {"vencidas": int(n_over or 0), "unidades": int(n)},
        )
        for code, n_over, n in session.execute(stmt).all()
        if n
    ]


SILENT_DATASETS = {
    "cases": (CitizenCase, CitizenCase.reported_at),
    "incidents": (Incident, Incident.occurred_at),
}
BASELINE_HOURS = 7 * 24
CLAP_BASELINE_DAYS = 28


def _last_per_estado(session: Session, column: Any, estado: Any) -> dict[str, Any]:
    """The latest value of ``column`` for each estado: one index probe per estado."""
    last = select(func.max(column)).where(estado == Territory.code).scalar_subquery()
    stmt = select(Territory.code, last).where(Territory.level == "estado")
    return {code: value for code, value in session.execute(stmt).all() if value is not None}


def data_silence(
    session: Session, now: datetime, dataset: str, hours: float, min_expected: float
) -> list[Measured]:
    """Per estado: hours since its latest record of ``dataset`` (cases, incidents), where the
    estado usually sends: at least ``min_expected`` records in ``hours`` at the pace of the
    week before its latest record."""
    model, column = SILENT_DATASETS[dataset]
    last = _last_per_estado(session, column, model.estado_code)
    if not last:
        return []
    ranges = [
        and_(
            model.estado_code == code,
            column > at(moment - timedelta(hours=BASELINE_HOURS)),
            column <= at(moment),
        )
        for code, moment in last.items()
    ]
    counts = dict(
        session.execute(
            select(model.estado_code, func.count())
            .where(or_(false(), *ranges))
            .group_by(model.estado_code)
        ).all()
    )
    out = []
    for code, moment in last.items():
        weekly = int(counts.get(code, 0))
        expected = weekly * hours / BASELINE_HOURS
        silent_h = max(0.0, (now - moment).total_seconds() / 3600)
        facts = {"ultimo": moment, "esperados": round(expected, 1)}
        out.append(
            Measured(code, round(silent_h, 2), facts, None if expected >= min_expected else False)
        )
    return out


def clap_silence(
    session: Session, now: datetime, days: float, min_expected: float
) -> list[Measured]:
    """Per estado: whole days since its latest CLAP delivery day, where the estado usually
    delivers: at least ``min_expected`` batches in ``days`` days at the pace of the four
    weeks before its latest delivery."""
    last: dict[str, date] = _last_per_estado(
        session, ClapDelivery.delivered_on, ClapDelivery.estado_code
    )
    if not last:
        return []
    ranges = [
        and_(
            ClapDelivery.estado_code == code,
            ClapDelivery.delivered_on > day - timedelta(days=CLAP_BASELINE_DAYS),
            ClapDelivery.delivered_on <= day,
        )
        for code, day in last.items()
    ]
    counts = dict(
        session.execute(
            select(ClapDelivery.estado_code, func.count())
            .where(or_(false(), *ranges))
            .group_by(ClapDelivery.estado_code)
        ).all()
    )
    today = caracas_date(now)
    out = []
    for code, day in last.items():
        expected = int(counts.get(code, 0)) * days / CLAP_BASELINE_DAYS
        idle = max(0, (today - day).days - 1)  # whole days with nothing since the last one
        facts = {"ultimo": day, "esperados": round(expected, 1)}
        out.append(Measured(code, float(idle), facts, None if expected >= min_expected else False))
    return out
