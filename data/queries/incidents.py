"""Aggregates of the cuadrantes de paz page (``/paz``).

Every function takes the territory the caller asked for, already resolved inside the caller's
scope (``data.scope.resolve``), and restricts every query to it; ``kind`` narrows to one
incident type when given. Ranges are ``(start, end]`` in UTC, as ``Filters.time_bounds`` gives.
"""

from __future__ import annotations

import functools
import math
import operator
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    case,
    cast,
    func,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import Session

from core import names
from core.timeutil import caracas_date, caracas_day_bounds
from data.incident_rollup import NO_ESTADO, block_of, week_of
from data.models import (
    Cuadrante,
    Incident,
    IncidentBlock,
    IncidentDay,
    IncidentHour,
    IncidentWeek,
)
from data.queries.common import at, by_key, map_places
from data.queries.datasets import Column, Dataset, register_dataset
from data.queries.filters import View, in_times
from data.queries.rolled import DaySplit, rollup_serves, serial_plan, split_days
from data.queries.sql import floor_int, hours_between
from data.queries.timebuckets import as_date, caracas_hour, caracas_weekday
from data.scope import TerritoryRef, territory_clause

BASELINE_WEEKS = 8
WEEK = timedelta(days=7)
# The page's category filter: incident types (URL value: label).
CATEGORIES: dict[str, str] = names.INCIDENT_TYPE
# Slots are ``(start, start + 1 h]`` like the ranges, so a time exactly on a boundary belongs
# to the slot it closes: subtract a hair before flooring (it also absorbs SQLite's julianday
# rounding; 3.6 ms is far below the data's precision).
EPSILON_HOURS = 1e-6


def _where(
    ref: TerritoryRef | None, start: datetime, end: datetime, kind: str | None = None
) -> list[ColumnElement[bool]]:
    clauses = [
        territory_clause(Incident, ref),
        in_times(Incident.occurred_at, (start, end)),
    ]
    if kind:
        clauses.append(Incident.type == kind)
    return clauses


def _by_day(
    ref: TerritoryRef | None,
    start: datetime,
    end: datetime,
    kind: str | None,
    keys: tuple[str, ...],
) -> Any:
    """Incidents of ``(start, end]`` per ``keys`` (``estado``, ``type``, ``severity``) as
    rows of those keys and a count ``n`` to add up: the whole Caracas days from
    ``incident_day`` and the hours at the range's ends from ``incident``
    (``data.queries.rolled``). None when the rollup cannot answer (below an estado, or no
    whole day in the range)."""
    split = split_days(start, end, rollup_serves(ref))
    if not split.has_days:
        return None
    rolled = {"estado": IncidentDay.estado_code, "type": IncidentDay.type}
    rolled["severity"] = IncidentDay.severity
    raw = {"estado": func.coalesce(Incident.estado_code, NO_ESTADO), "type": Incident.type}
    raw["severity"] = Incident.severity
    days = select(*(rolled[k].label(k) for k in keys), IncidentDay.n.label("n")).where(
        split.days(IncidentDay.day)
    )
    if ref is not None:
        days = days.where(IncidentDay.estado_code == ref.code)
    if kind:
        days = days.where(IncidentDay.type == kind)
    edges = (
        select(
            *(raw[k].label(k) for k in keys),
            _int_sum(split.sign(Incident.occurred_at)).label("n"),
        )
        .where(
            territory_clause(Incident, ref),
            *([Incident.type == kind] if kind else []),
            split.raw(Incident.occurred_at),
        )
        .group_by(*(raw[k] for k in keys))
    )
    return union_all(days, edges).subquery()


def by_cuadrante(
    session: Session,
    ref: TerritoryRef | None,
    start: datetime,
    end: datetime,
    kind: str | None = None,
    limit: int = 50,
) -> list[dict[str, Any]]:
    """The ``limit`` cuadrantes with most incidents in the range, with their severity mix.

    Nationally (without a type) the busiest are found from ``incident_week``, and only
    their incidents are read for the severity mix (an estado's incidents are few enough)."""
    if kind is None:
        split = split_days(start, end, ref is None)
        if split.has_days:
            return _busiest_rolled(session, ref, split, limit)
    n = func.count()
    # the busiest cuadrantes first, then their names: joining the names before grouping
    # looked up a cuadrante for each of the range's ~90k national incidents
    busiest = (
        select(
            Incident.cuadrante_code.label("code"),
            n.label("n"),
            func.sum(case((Incident.severity >= 4, 1), else_=0)).label("severe"),
            func.avg(Incident.severity).label("avg"),
        )
        .where(*_where(ref, start, end, kind))
        .group_by(Incident.cuadrante_code)
        .order_by(n.desc(), Incident.cuadrante_code)
        .limit(limit)
        .subquery()
    )
    stmt = (
        select(busiest.c.code, Cuadrante.name, busiest.c.n, busiest.c.severe, busiest.c.avg)
        .join(Cuadrante, Cuadrante.code == busiest.c.code)
        .order_by(busiest.c.n.desc(), busiest.c.code)
    )
    return [
        {
            "code": code,
            "name": name,
            "incidents": int(count),
            "severe": int(severe or 0),
            "avg_severity": round(float(avg), 2),
        }
        for code, name, count, severe, avg in session.execute(stmt).all()
    ]


def _busiest_rolled(
    session: Session, ref: TerritoryRef | None, split: DaySplit, limit: int
) -> list[dict[str, Any]]:
    """:func:`by_cuadrante` (every type) from the weekly rows of the range's whole days
    plus the incidents of its ragged ends; then the severities of the chosen few."""
    assert split.first is not None and split.last is not None
    first_week, last_week = week_of(split.first), week_of(split.last)
    days = [IncidentWeek.__table__.c[f"d{i}"] for i in range(7)]

    def total(low: int, high: int) -> Any:
        return functools.reduce(operator.add, days[low : high + 1])

    first_day, last_day = split.first.weekday(), split.last.weekday()
    if first_week == last_week:
        counted: Any = total(first_day, last_day)
    else:
        whens = {first_week: total(first_day, 6), last_week: total(0, last_day)}
        counted = case(whens, value=IncidentWeek.week, else_=total(0, 6))
    weeks = select(IncidentWeek.cuadrante_code.label("code"), counted.label("n")).where(
        IncidentWeek.week.between(first_week, last_week)
    )
    if ref is not None:
        weeks = weeks.where(IncidentWeek.estado_code == ref.code)
    edges = (
        select(
            Incident.cuadrante_code.label("code"),
            _int_sum(split.sign(Incident.occurred_at)).label("n"),
        )
        .where(territory_clause(Incident, ref), split.raw(Incident.occurred_at))
        .group_by(Incident.cuadrante_code)
    )
    both = union_all(weeks, edges).subquery()
    n = func.sum(both.c.n)
    with serial_plan(session):
        busiest = session.execute(
            select(both.c.code, n)
            .group_by(both.c.code)
            .having(n > 0)
            .order_by(n.desc(), both.c.code)
            .limit(limit)
        ).all()
    codes = [code for code, _ in busiest]
    if not codes:
        return []
    mix = {
        code: (name, severe, avg)
        for code, name, severe, avg in session.execute(
            select(
                Incident.cuadrante_code,
                Cuadrante.name,
                func.sum(case((Incident.severity >= 4, 1), else_=0)),
                func.avg(Incident.severity),
            )
            .join(Cuadrante, Cuadrante.code == Incident.cuadrante_code)
            .where(
                Incident.cuadrante_code.in_(codes),
                territory_clause(Incident, ref),
                in_times(Incident.occurred_at, (split.start, split.end)),
            )
            .group_by(Incident.cuadrante_code, Cuadrante.name)
        ).all()
    }
    return [
        {
            "code": code,
            "name": mix[code][0],
            "incidents": int(count),
            "severe": int(mix[code][1] or 0),
            "avg_severity": round(float(mix[code][2]), 2),
        }
        for code, count in busiest
    ]


def by_type(
    session: Session, ref: TerritoryRef | None, start: datetime, end: datetime
) -> list[dict[str, Any]]:
    """Incidents per type in the range, most frequent first."""
    rows = _by_day(ref, start, end, None, ("type",))
    if rows is None:
        n = func.count()
        stmt = (
            select(Incident.type, n)
            .where(*_where(ref, start, end))
            .group_by(Incident.type)
            .order_by(n.desc(), Incident.type)
        )
    else:
        n = func.sum(rows.c.n)
        stmt = (
            select(rows.c.type, n)
            .group_by(rows.c.type)
            .having(n > 0)
            .order_by(n.desc(), rows.c.type)
        )
    with serial_plan(session, rows is not None):
        found = session.execute(stmt).all()
    return [{"type": kind, "incidents": int(c)} for kind, c in found]


def by_severity(
    session: Session,
    ref: TerritoryRef | None,
    start: datetime,
    end: datetime,
    kind: str | None = None,
) -> dict[int, int]:
    """Incidents per severity level (1..5, every level present) in the range."""
    rows = _by_day(ref, start, end, kind, ("severity",))
    if rows is None:
        stmt = (
            select(Incident.severity, func.count())
            .where(*_where(ref, start, end, kind))
            .group_by(Incident.severity)
        )
    else:
        stmt = select(rows.c.severity, func.sum(rows.c.n)).group_by(rows.c.severity)
    with serial_plan(session, rows is not None):
        counts = dict(session.execute(stmt).all())
    return {level: int(counts.get(level) or 0) for level in range(1, 6)}


def heatmap(
    session: Session,
    ref: TerritoryRef | None,
    start: datetime,
    end: datetime,
    kind: str | None = None,
) -> list[list[int]]:
    """Incidents per Caracas weekday (rows, Monday first) and hour of day (columns): 7 × 24.

    Nationally the whole Caracas days come from ``incident_hour`` and the hours at the
    range's ends from ``incident``."""
    day, hour = caracas_weekday(Incident.occurred_at), caracas_hour(Incident.occurred_at)
    grid = [[0] * 24 for _ in range(7)]
    split = split_days(start, end, ref is None)
    if not split.has_days:
        for d, h, n in session.execute(
            select(day, hour, func.count())
            .where(*_where(ref, start, end, kind))
            .group_by(day, hour)
        ).all():
            grid[int(d)][int(h)] = int(n)
        return grid
    kinds = [IncidentHour.type == kind] if kind else []
    with serial_plan(session):
        for d, h, n in session.execute(
            select(IncidentHour.day, IncidentHour.hour, _int_sum(IncidentHour.n))
            .where(split.days(IncidentHour.day), *kinds)
            .group_by(IncidentHour.day, IncidentHour.hour)
        ).all():
            grid[as_date(d).weekday()][int(h)] += int(n)
        for d, h, n in session.execute(
            select(day, hour, _int_sum(split.sign(Incident.occurred_at)))
            .where(*([Incident.type == kind] if kind else []), split.raw(Incident.occurred_at))
            .group_by(day, hour)
        ).all():
            grid[int(d)][int(h)] += int(n)
    return grid


def day_vs_last_week(
    session: Session, ref: TerritoryRef | None, as_of: datetime, kind: str | None = None
) -> dict[str, Any]:
    """The 24 h before ``as_of`` against the same 24 h one week earlier, hour by hour.

    ``hours`` are the window's start times (UTC) of each hour slot; ``current`` and
    ``previous`` count incidents in that slot and in the slot 7 days before it.
    """
    day_start = as_of - timedelta(hours=24)
    week_start = day_start - timedelta(days=7)
    in_current = Incident.occurred_at > day_start
    origin = case((in_current, at(day_start)), else_=at(week_start))
    slot = floor_int(hours_between(origin, Incident.occurred_at) - EPSILON_HOURS)
    rows = session.execute(
        select(in_current, slot, func.count())
        .where(
            territory_clause(Incident, ref),
            *([Incident.type == kind] if kind else []),
            in_times(Incident.occurred_at, (day_start, as_of))
            | in_times(Incident.occurred_at, (week_start, week_start + timedelta(hours=24))),
        )
        .group_by(in_current, slot)
    ).all()
    current, previous = [0] * 24, [0] * 24
    for is_current, s, n in rows:
        series = current if is_current else previous
        series[min(max(int(s), 0), 23)] += int(n)
    return {
        "hours": [day_start + timedelta(hours=h) for h in range(24)],
        "current": current,
        "previous": previous,
        "current_total": sum(current),
        "previous_total": sum(previous),
    }


def above_usual_select(
    ref: TerritoryRef | None,
    as_of: datetime,
    k: float = 2.0,
    min_incidents: int = 3,
    kind: str | None = None,
) -> Select[Any]:
    """Cuadrantes whose last 7 days exceed their usual week: mean + ``k``·sd of the
    ``BASELINE_WEEKS`` weeks before (weeks with no incident count as zero).

    Columns: cuadrante code, name, incidents of the last 7 days, baseline total, baseline
    variance, circuito. The comparison runs in SQL in squared form, so no square root is
    needed on SQLite: ``n − mean > 0`` and ``(n − mean)² > k²·variance``. Only cuadrantes
    with at least ``min_incidents`` in the last 7 days qualify, so one incident in a quiet
    place is no alarm. Shared by ``/paz`` and the alert rule ``paz_sobre_lo_habitual``.
    Nationally and per estado (without a type) the weeks are read from ``incident_week``.
    """
    counts = _weeks_rolled(ref, as_of) if weeks_rolled(ref, kind) else _weeks_raw(ref, as_of, kind)
    week_counts = [counts.c[f"w{w}"] for w in range(BASELINE_WEEKS)]
    total = functools.reduce(operator.add, week_counts)
    squares = functools.reduce(operator.add, (c * c for c in week_counts))
    weeks = float(BASELINE_WEEKS)
    mean = total / weeks
    variance = squares / weeks - mean * mean
    excess = counts.c.n - mean
    return (
        select(counts.c.code, Cuadrante.name, counts.c.n, total, variance, Cuadrante.circuito_code)
        .join(Cuadrante, Cuadrante.code == counts.c.code)
        .where(counts.c.n >= min_incidents, excess > 0, excess * excess > k * k * variance)
        .order_by(excess.desc(), counts.c.code)
    )


def weeks_rolled(ref: TerritoryRef | None, kind: str | None) -> bool:
    """Whether "sobre lo habitual" reads ``incident_week``: it is kept per estado and
    cuadrante, for every type together."""
    return kind is None and rollup_serves(ref)


def _window_column(window: int) -> str:
    """The column of a 7-day window counted back from ``as_of``: 0 is the last 7 days
    (``n``), 1..8 the baseline weeks, ``w7`` the most recent of them and ``w0`` the oldest."""
    return "n" if window == 0 else f"w{BASELINE_WEEKS - window}"


def _weeks_raw(ref: TerritoryRef | None, as_of: datetime, kind: str | None) -> Any:
    """Per cuadrante: incidents of the last 7 days (``n``) and of each baseline week
    (``w0``..``w7``), from the incidents themselves."""
    base_start = as_of - WEEK * (BASELINE_WEEKS + 1)
    scoped = territory_clause(Incident, ref) & (Incident.type == kind if kind else true())

    def count_in(window: int) -> Any:
        high = as_of - WEEK * window
        bounds = (high - WEEK, high)
        return func.sum(case((in_times(Incident.occurred_at, bounds), 1), else_=0))

    # One pass over the nine weeks, one row per cuadrante: grouping by (cuadrante, week
    # number) hashed ~40k groups nationally and computed an epoch per incident.
    return (
        select(
            Incident.cuadrante_code.label("code"),
            *(count_in(j).label(_window_column(j)) for j in range(BASELINE_WEEKS + 1)),
        )
        .where(scoped, in_times(Incident.occurred_at, (base_start, as_of)))
        .group_by(Incident.cuadrante_code)
        .subquery()
    )


def _int_sum(value: Any) -> Any:
    """``SUM`` as an integer: PostgreSQL sums integers as bigint and bigints as numeric,
    whose arithmetic is several times slower per row."""
    return cast(func.sum(value), Integer)


def _weeks_rolled(ref: TerritoryRef | None, as_of: datetime) -> Any:
    """:func:`_weeks_raw` (without a type) from ``incident_week`` plus the incidents of the
    windows' ragged edges.

    Window ``j`` is ``(b_{j+1}, b_j]`` with ``b_j = as_of − 7j days``; every ``b_j`` falls at
    the same Caracas time of day. Before noon, the window is the seven whole Caracas days
    ending the day before ``b_j``'s, plus the incidents of ``b_j``'s day up to ``b_j``,
    minus those of ``b_{j+1}``'s day up to ``b_{j+1}``; from noon on, the seven days ending
    on ``b_j``'s day, minus its incidents after ``b_j``, plus those after ``b_{j+1}`` on
    its day. Whole days come from the weekly rows (the days up to the last one's weekday
    from its week, the rest from the week before); the edges, ten partial days of at most
    12 hours, from ``incident``.
    """
    windows = BASELINE_WEEKS + 1
    today = caracas_date(as_of)
    day_start, day_end = caracas_day_bounds(today)
    morning = as_of - day_start < day_end - as_of
    last = today - timedelta(days=1) if morning else today  # the windows' last whole day
    table = IncidentBlock.__table__

    def rolled(window: int) -> Any:
        """Window ``window``'s seven whole days, from the one or two blocks holding them."""
        per_block: dict[date, list[Any]] = {}
        for back in range(7):
            block, column = block_of(last - WEEK * window - timedelta(days=back))
            per_block.setdefault(block, []).append(table.c[f"d{column}"])
        whens = {block: functools.reduce(operator.add, cols) for block, cols in per_block.items()}
        return _int_sum(case(whens, value=table.c.block, else_=0))

    blocks = sorted({block_of(last - timedelta(days=back))[0] for back in range(7 * windows)})
    weeks = select(
        table.c.cuadrante_code.label("code"),
        *(rolled(j).label(_window_column(j)) for j in range(windows)),
    ).where(table.c.block.in_(blocks))
    if ref is not None:
        weeks = weeks.where(table.c.estado_code == ref.code)
    weeks = weeks.group_by(table.c.cuadrante_code)

    # the part of b_i's day before (morning) or after b_i: given to window i and taken from
    # window i − 1 (morning), or the other way round
    parts, sign = [], 1 if morning else -1
    for i in range(windows + 1):
        bound = as_of - WEEK * i
        start, end = caracas_day_bounds(caracas_date(bound))
        t = Incident.occurred_at
        parts.append((t >= start) & (t <= bound) if morning else (t > bound) & (t < end))

    def edge(window: int) -> Any:
        return _int_sum(case((parts[window], sign), (parts[window + 1], -sign), else_=0))

    edges = (
        select(
            Incident.cuadrante_code.label("code"),
            *(edge(j).label(_window_column(j)) for j in range(windows)),
        )
        .where(territory_clause(Incident, ref), or_(*parts))
        .group_by(Incident.cuadrante_code)
    )
    both = union_all(weeks, edges).subquery()
    names = [_window_column(j) for j in range(windows)]
    return (
        select(both.c.code, *(_int_sum(both.c[name]).label(name) for name in names))
        .group_by(both.c.code)
        .subquery()
    )


def usual_week(total: float, variance: float) -> tuple[float, float]:
    """Mean and standard deviation of the baseline weeks from their total and variance."""
    return float(total) / BASELINE_WEEKS, math.sqrt(max(float(variance), 0.0))


def above_usual(
    session: Session,
    ref: TerritoryRef | None,
    as_of: datetime,
    k: float = 2.0,
    min_incidents: int = 3,
    limit: int = 50,
    kind: str | None = None,
) -> list[dict[str, Any]]:
    """The ``limit`` cuadrantes most above their usual week (see :func:`above_usual_select`)."""
    stmt = above_usual_select(ref, as_of, k, min_incidents, kind).limit(limit)
    rows = []
    with serial_plan(session, weeks_rolled(ref, kind)):
        found = session.execute(stmt).all()
    for code, name, n, s, var, _circuito in found:
        mean_value, sd = usual_week(s, var)
        rows.append(
            {
                "code": code,
                "name": name,
                "last_7d": int(n),
                "weekly_mean": round(mean_value, 2),
                "weekly_sd": round(sd, 2),
                "ratio": round(int(n) / mean_value, 2) if mean_value else None,
            }
        )
    return rows


def totals(
    session: Session,
    ref: TerritoryRef | None,
    start: datetime,
    end: datetime,
    kind: str | None = None,
) -> dict[str, int]:
    """The KPI numbers of a range: incidents, severe ones (severity ≥ 4), homicides."""
    rows = _by_day(ref, start, end, kind, ("type", "severity"))
    if rows is None:
        stmt = select(
            func.count(),
            func.sum(case((Incident.severity >= 4, 1), else_=0)),
            func.sum(case((Incident.type == "homicidio", 1), else_=0)),
        ).where(*_where(ref, start, end, kind))
    else:
        stmt = select(
            func.sum(rows.c.n),
            func.sum(case((rows.c.severity >= 4, rows.c.n), else_=0)),
            func.sum(case((rows.c.type == "homicidio", rows.c.n), else_=0)),
        )
    with serial_plan(session, rows is not None):
        count, severe, homicides = session.execute(stmt).one()
    return {
        "incidents": int(count or 0),
        "severe": int(severe or 0),
        "homicides": int(homicides or 0),
    }


def by_territory(
    session: Session,
    ref: TerritoryRef | None,
    start: datetime,
    end: datetime,
    kind: str | None = None,
) -> list[dict[str, Any]]:
    """The map's measure: incidents in the range per territory one level below ``ref`` (or its places below a circuito, see ``map_places``).

    Every territory of that level appears, with zero where nothing happened.
    """
    level, key, places = map_places(session, ref, Incident)
    rows = _by_day(ref, start, end, kind, ("estado", "severity")) if ref is None else None
    if rows is None:
        stmt = (
            select(key, func.count(), func.sum(case((Incident.severity >= 4, 1), else_=0)))
            .where(*_where(ref, start, end, kind))
            .group_by(key)
        )
    else:  # nationally the map is per estado: the daily rollup answers
        severe = func.sum(case((rows.c.severity >= 4, rows.c.n), else_=0))
        stmt = select(rows.c.estado, func.sum(rows.c.n), severe).group_by(rows.c.estado)
    with serial_plan(session, rows is not None):
        counts = by_key(session, stmt)
    return [
        {
            "code": code,
            "name": name,
            "level": level,
            "lat": lat,
            "lon": lon,
            "incidents": int(counts.get(code, (0, 0))[0]),
            "severe": int(counts.get(code, (0, 0))[1] or 0),
        }
        for code, name, lat, lon in places
    ]


# -- the table and export ----------------------------------------------------------------


def _incidents_select(view: View) -> Select[Any]:
    """The incidents of the filters' range (and type), for the table and CSV."""
    start, end = view.filters.time_bounds(view.as_of)
    return (
        select(
            Incident.id.label("id"),
            Incident.occurred_at.label("occurred_at"),
            Incident.type.label("type"),
            Incident.severity.label("severity"),
            Cuadrante.name.label("cuadrante"),
            Incident.cuadrante_code.label("cuadrante_code"),
            Incident.estado_code.label("estado_code"),
            Incident.municipio_code.label("municipio_code"),
            Incident.lat.label("lat"),
            Incident.lon.label("lon"),
        )
        .select_from(Incident)
        .outerjoin(Cuadrante, Cuadrante.code == Incident.cuadrante_code)
        .where(*_where(view.ref, start, end, view.filters.categoria))
    )


INCIDENTS = register_dataset(
    Dataset(
        name="incidentes",
        title="Incidentes en cuadrantes de paz",
        columns=(
            Column("id", "Incidente", width=140),
            Column("occurred_at", "Fecha y hora", "datetime", width=150),
            Column("type", "Tipo", width=170, labels=CATEGORIES),
            Column("severity", "Severidad", "number", width=100),
            Column("cuadrante", "Cuadrante", width=200),
            Column("cuadrante_code", "Cuadrante (código)", width=150),
            Column(
                "estado_code", "Estado (código)", "territory", screen_header="Estado", width=150
            ),
            Column(
                "municipio_code",
                "Municipio (código)",
                "territory",
                screen_header="Municipio",
                width=200,
            ),
            Column("lat", "Latitud", "decimal", sortable=False, width=100),
            Column("lon", "Longitud", "decimal", sortable=False, width=100),
        ),
        build=_incidents_select,
        default_sort=(("occurred_at", True),),
        categories=CATEGORIES,
    )
)
