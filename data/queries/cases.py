"""Aggregates of the 1x10 del Buen Gobierno page (``/casos``).

Every function takes the territory the caller asked for, already resolved inside the caller's
scope (``data.scope.resolve``), and restricts every query to it; ``category`` narrows to one
category when given. Ranges are ``(start, end]`` in UTC, as ``Filters.time_bounds`` gives; "open" is a state at ``as_of``.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, case, func, literal, select, union_all
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from core import names
from core.sla import DEFAULT_SLA_HOURS, FALLBACK
from data.models import (
    CaseDurationDay,
    CaseDurationWeek,
    CaseReportedDay,
    CaseResolutionHoursDay,
    CaseResolutionHoursWeek,
    CaseResolvedDay,
    CitizenCase,
    Territory,
)
from data.queries.common import at, by_key, map_key, map_places
from data.queries.datasets import Column, Dataset, register_dataset
from data.queries.filters import View, in_times
from data.queries.open_cases import open_cases_grouped, open_cases_summed, open_halves
from data.queries.rolled import (
    DaySplit,
    core_rows,
    rollup_serves,
    serial_plan,
    split_days,
    split_weeks,
    summed,
)
from data.queries.sql import duration_bucket, hours_between
from data.rollups import ALL, NATIONAL, STAGE_RANK, histogram_percentile, target_told_apart
from data.scope import TerritoryRef, territory_clause

# The funnel's stages and, for each current status, the last stage the case reached.
STAGES = ("recibido", "asignado", "en_atencion", "resuelto")
STAGE_LABELS = {
    "recibido": "Recibido",
    "asignado": "Asignado",
    "en_atencion": "En atención",
    "resuelto": "Resuelto",
}
# Age buckets of open cases: label and upper bound in hours (None = no bound).
AGE_BUCKETS: tuple[tuple[str, float | None], ...] = (
    ("< 24 h", 24),
    ("1–3 días", 72),
    ("3–7 días", 168),
    ("7–30 días", 720),
    ("> 30 días", None),
)
PERCENTILE_GROUPS = ("institution", "category")
# The page's category filter: the 1x10 categories (URL value: label).
CATEGORIES: dict[str, str] = names.CASE_CATEGORY
STATUS_LABELS = names.CASE_STATUS


def _where(ref: TerritoryRef | None, category: str | None) -> list[ColumnElement[bool]]:
    clauses = [territory_clause(CitizenCase, ref)]
    if category:
        clauses.append(CitizenCase.category == category)
    return clauses


def _open_grouped(
    session: Session,
    ref: TerritoryRef | None,
    as_of: datetime,
    category: str | None,
    keys: tuple[Any, ...],
    *sums: Any,
) -> dict[tuple[Any, ...], tuple[int, ...]]:
    """:func:`_open_by` grouped by several ``keys`` at once."""
    where = (CitizenCase.category == category,) if category else ()
    return open_cases_grouped(session, ref, as_of, keys, sums, where)


def _open_by(
    session: Session,
    ref: TerritoryRef | None,
    as_of: datetime,
    category: str | None,
    key: Any,
    *sums: Any,
) -> dict[Any, tuple[int, ...]]:
    """Open cases at ``as_of`` (reported by then, not rejected, not yet resolved) per ``key``,
    with the sum of each of ``sums``: ``{key: (n, sum, ...)}``."""
    where = (CitizenCase.category == category,) if category else ()
    return open_cases_summed(session, ref, as_of, key, sums, where)


def _reported_in(start: datetime, end: datetime) -> list[ColumnElement[bool]]:
    return [in_times(CitizenCase.reported_at, (start, end))]


def _resolved_in(start: datetime, end: datetime) -> list[ColumnElement[bool]]:
    return [in_times(CitizenCase.resolved_at, (start, end))]


def funnel(
    session: Session,
    ref: TerritoryRef | None,
    start: datetime,
    end: datetime,
    category: str | None = None,
) -> dict[str, int]:
    """Cases reported in the range that reached each stage (a resolved case counts in all four).

    A case's furthest stage comes from its current status (statuses only move forward;
    ``cerrado`` follows ``resuelto``), or from ``resolved_at`` when it is set. Rejected cases
    reached only ``recibido``.
    """
    rows = _reported(session, ref, start, end, category, "stage")
    return {stage: int(sum(n for r, n in rows.items() if r >= i)) for i, stage in enumerate(STAGES)}


def open_by_age(
    session: Session, ref: TerritoryRef | None, as_of: datetime, category: str | None = None
) -> list[dict[str, Any]]:
    """Open cases at ``as_of`` per age bucket (every bucket present, zeros included)."""
    rows = _open_by(session, ref, as_of, category, _age_bucket(as_of))
    return age_rows({k: n for k, (n,) in rows.items()})


def _age_bucket(as_of: datetime) -> Any:
    """The index in AGE_BUCKETS of a case's age at ``as_of``.

    "Younger than ``bound`` hours" is written ``reported_at > as_of - bound``: a comparison
    of the column with a constant instead of the age in hours computed per row (half the
    time over the ~53,000 open cases of the country), the same cases at microsecond
    resolution."""
    return case(
        *(
            (CitizenCase.reported_at > at(as_of - timedelta(hours=bound)), i)
            for i, (_, bound) in enumerate(AGE_BUCKETS)
            if bound is not None
        ),
        else_=len(AGE_BUCKETS) - 1,
    )


def age_rows(counts: dict[Any, int]) -> list[dict[str, Any]]:
    """``{age bucket index: open cases}`` as the age chart's rows (zeros included)."""
    return [
        {"bucket": label, "cases": counts.get(i, 0)} for i, (label, _) in enumerate(AGE_BUCKETS)
    ]


OpenSummary = dict[tuple[Any, ...], tuple[int, int]]  # (age, category, place): (open, late)


def open_summary(
    session: Session,
    ref: TerritoryRef | None,
    as_of: datetime,
    targets: dict[str, float] | None = None,
    category: str | None = None,
) -> OpenSummary:
    """The cases open at ``as_of`` in one grouped read, per age bucket, category and map
    place (``map_places``), with how many are past their SLA target: it serves the age
    chart (:func:`age_rows`), the SLA table and the map (:func:`open_per`) of ``/casos``,
    which read the ~53,000 open cases of the country once instead of three times.

    Each row is placed once among the moments where its age bucket or its lateness can
    change (:func:`_open_cuts`), one ``width_bucket`` per row instead of two ``CASE``
    ladders (the age bounds, then the category's deadline); the interval tells both."""
    targets = targets or DEFAULT_SLA_HOURS
    _, place = map_key(ref, CitizenCase)
    ages, deadlines, cuts = _open_cuts(as_of, targets)
    interval = _interval(session, CitizenCase.reported_at, cuts)
    rows = _open_grouped(session, ref, as_of, category, (CitizenCase.category, place, interval))
    fallback = deadlines[FALLBACK]
    out: OpenSummary = {}
    for (name, where, i), (n,) in rows.items():
        # in interval i, reported_at >= cut c exactly when c's position is below i
        age = next((j for j, c in enumerate(ages) if cuts.index(c) < i), len(AGE_BUCKETS) - 1)
        late = n if cuts.index(deadlines.get(name, fallback)) >= i else 0
        had = out.get((age, name, where), (0, 0))
        out[(age, name, where)] = (had[0] + n, had[1] + late)
    return out


def _open_cuts(
    as_of: datetime, targets: dict[str, float]
) -> tuple[list[datetime], dict[str, datetime], list[datetime]]:
    """The moments that split the open cases: per age bound the first ``reported_at`` younger
    than it (:func:`_age_bucket`'s ``>``, at microsecond resolution), per category the
    deadline before which it is late (:func:`_late`'s ``<``), and all of them in order."""
    ages = [
        as_of - timedelta(hours=bound) + timedelta(microseconds=1)
        for _, bound in AGE_BUCKETS
        if bound is not None
    ]
    fallback = targets.get(FALLBACK, DEFAULT_SLA_HOURS[FALLBACK])
    deadlines = {name: as_of - timedelta(hours=hours) for name, hours in targets.items()}
    deadlines[FALLBACK] = as_of - timedelta(hours=fallback)
    return ages, deadlines, sorted({*ages, *deadlines.values()})


def _interval(session: Session, column: Any, cuts: list[datetime]) -> Any:
    """How many of ``cuts`` (ascending) are at or before ``column``: 0 .. len(cuts)."""
    if session.get_bind().dialect.name == "postgresql":
        return func.width_bucket(column, postgresql.array([at(c) for c in cuts]))
    return case(*((column >= at(c), i + 1) for i, c in reversed(list(enumerate(cuts)))), else_=0)


def open_per(summary: OpenSummary, by: str) -> dict[Any, tuple[int, int]]:
    """``{value: (open, late)}`` of :func:`open_summary` added up per ``by`` (``age``,
    ``category`` or ``place``)."""
    position = {"age": 0, "category": 1, "place": 2}[by]
    out: dict[Any, tuple[int, int]] = {}
    for key, (n, late) in summary.items():
        had = out.get(key[position], (0, 0))
        out[key[position]] = (had[0] + n, had[1] + late)
    return out


def _late(as_of: datetime, targets: dict[str, float] | None) -> Any:
    """1 for a case open at ``as_of`` past its category's SLA target, else 0: reported
    before ``as_of`` minus its category's target (as in :func:`_age_bucket`, a comparison
    with a constant per category rather than an age per row)."""
    targets = targets or DEFAULT_SLA_HOURS
    fallback = targets.get(FALLBACK, DEFAULT_SLA_HOURS[FALLBACK])

    def deadline(hours: float) -> Any:
        return at(as_of - timedelta(hours=hours))

    whens = [(CitizenCase.category == name, deadline(hours)) for name, hours in targets.items()]
    limit = case(*whens, else_=deadline(fallback)) if whens else deadline(fallback)
    return case((CitizenCase.reported_at < limit, 1), else_=0)


def time_percentiles(
    session: Session,
    ref: TerritoryRef | None,
    start: datetime,
    end: datetime,
    by: str,
    category: str | None = None,
) -> list[dict[str, Any]]:
    """p50/p90 hours of response and resolution per ``by`` (``institution`` or ``category``).

    Response: reported → first assigned, for cases reported in the range. Resolution:
    reported → resolved, for cases resolved in the range. Percentiles come from the duration
    histogram (within 5 %, see ``data.rollups``). Rows sorted by the number of resolved cases,
    largest first.
    """
    if by not in PERCENTILE_GROUPS:
        raise ValueError(f"by debe ser uno de {PERCENTILE_GROUPS}")
    return percentile_tables(session, ref, start, end, category)[by]


def percentile_tables(
    session: Session,
    ref: TerritoryRef | None,
    start: datetime,
    end: datetime,
    category: str | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """:func:`time_percentiles` per institution and per category from one histogram read."""
    histograms = _histograms(session, ref, start, end, category)
    return {by: _percentile_rows(histograms, by) for by in PERCENTILE_GROUPS}


def _percentile_rows(histograms: dict[HistogramKey, Counter[int]], by: str) -> list[dict[str, Any]]:
    response, resolution = _fold(histograms, "response", by), _fold(histograms, "resolution", by)
    rows = []
    for name in set(response) | set(resolution):
        resp, res = response.get(name, Counter()), resolution.get(name, Counter())
        rows.append(
            {
                "name": name or "Sin asignar",
                "response_n": sum(resp.values()),
                "response_p50": _round(histogram_percentile(resp, 0.5)),
                "response_p90": _round(histogram_percentile(resp, 0.9)),
                "resolution_n": sum(res.values()),
                "resolution_p50": _round(histogram_percentile(res, 0.5)),
                "resolution_p90": _round(histogram_percentile(res, 0.9)),
            }
        )
    return sorted(rows, key=lambda r: (-r["resolution_n"], -r["response_n"], r["name"]))


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def sla_target(targets: dict[str, float], category: Any = CitizenCase.category) -> Any:
    """The SLA target in hours of each row's ``category`` column, as a SQL CASE (also the
    alert rule ``casos_fuera_de_plazo``)."""
    fallback = targets.get(FALLBACK, DEFAULT_SLA_HOURS[FALLBACK])
    whens = [(category == name, hours) for name, hours in targets.items()]
    return case(*whens, else_=fallback) if whens else literal(fallback)


def sla_breaches(
    session: Session,
    ref: TerritoryRef | None,
    start: datetime,
    end: datetime,
    targets: dict[str, float] | None = None,
    category: str | None = None,
) -> list[dict[str, Any]]:
    """Per category: its target, open cases at ``end`` past it, and resolutions in the range
    that took longer than it. Sorted by open breaches, largest first."""
    open_rows = _open_by(session, ref, end, category, CitizenCase.category, _late(end, targets))
    resolved_rows = sla_resolved(session, ref, start, end, targets, category)
    return sla_rows(open_rows, resolved_rows, targets)


def sla_resolved(
    session: Session,
    ref: TerritoryRef | None,
    start: datetime,
    end: datetime,
    targets: dict[str, float] | None = None,
    category: str | None = None,
) -> dict[str, tuple[int, int]]:
    """``{category: (resolved in the range, of them past the target)}``.

    Whole days of the country or an estado are read from ``case_resolution_hours_*`` (a few
    thousand rows instead of every case resolved in the range): exact while every target is
    one its classes tell apart (``data.rollups.target_told_apart``: whole hours up to 72,
    whole days beyond); other targets, finer territories and the ragged edges read the
    cases."""
    targets = targets or DEFAULT_SLA_HOURS
    split = split_days(start, end, rollup_serves(ref) and _whole_hours(targets))
    took = hours_between(CitizenCase.reported_at, CitizenCase.resolved_at)
    late = took > sla_target(targets)
    parts = [
        select(
            CitizenCase.category.label("category"),
            func.sum(sign).label("n"),
            func.sum(case((late, sign), else_=0)).label("late"),
        )
        .where(*_where(ref, category), edge)
        .group_by(CitizenCase.category)
        for edge, sign in split.raw_parts(CitizenCase.resolved_at)
    ]
    if split.has_days:
        assert split.first is not None and split.last is not None
        chunks = split_weeks(split.first, split.last)
        if chunks.weeks:
            week = CaseResolutionHoursWeek
            parts.append(_hours_part(week, week.week, chunks.weeks, ref, category, targets))
        day = CaseResolutionHoursDay
        parts += [_hours_part(day, day.day, span, ref, category, targets) for span in chunks.days]
    union = union_all(*parts).subquery()
    stmt = select(union.c.category, func.sum(union.c.n), func.sum(union.c.late)).group_by(
        union.c.category
    )
    with serial_plan(session):
        rows = core_rows(session, stmt)
    return {name: (int(n), int(n_late or 0)) for name, n, n_late in rows if n}


def _whole_hours(targets: dict[str, float]) -> bool:
    """Every target (and the fallback) one the rollup's classes tell apart."""
    values = [*targets.values(), targets.get(FALLBACK, DEFAULT_SLA_HOURS[FALLBACK])]
    return all(target_told_apart(v) for v in values)


def _hours_part(
    model: Any,
    when: Any,
    span: tuple[date, date],
    ref: TerritoryRef | None,
    category: str | None,
    targets: dict[str, float],
) -> Select[Any]:
    """``(category, n, late)`` rows of ``case_resolution_hours_*`` over ``span``."""
    late = case((model.hours > sla_target(targets, model.category), model.n), else_=0)
    where = [model.category == category] if category else []
    # grouped here: the union then adds up a few rows per part, not thousands
    return (
        select(
            model.category.label("category"),
            func.sum(model.n).label("n"),
            func.sum(late).label("late"),
        )
        .where(model.estado_code == (ref.code if ref else NATIONAL), when.between(*span), *where)
        .group_by(model.category)
    )


def sla_rows(
    open_rows: dict[str, tuple[int, int]],
    resolved_rows: dict[str, tuple[int, int]],
    targets: dict[str, float] | None = None,
) -> list[dict[str, Any]]:
    """:func:`sla_breaches`' rows from the open (``{category: (open, late)}``) and resolved
    (:func:`sla_resolved`) counts."""
    targets = targets or DEFAULT_SLA_HOURS
    rows: dict[str, dict[str, Any]] = {}
    for name, (n, n_late) in open_rows.items():
        rows.setdefault(name, _sla_row(name, targets)).update(open=n, open_late=n_late)
    for name, (n, n_late) in resolved_rows.items():
        rows.setdefault(name, _sla_row(name, targets)).update(resolved=n, resolved_late=n_late)
    for row in rows.values():
        row["resolved_late_pct"] = (
            round(100 * row["resolved_late"] / row["resolved"], 1) if row["resolved"] else None
        )
    return sorted(
        rows.values(), key=lambda r: (-r["open_late"], -r["resolved_late"], r["category"])
    )


def _sla_row(name: str, targets: dict[str, float]) -> dict[str, Any]:
    fallback = targets.get(FALLBACK, DEFAULT_SLA_HOURS[FALLBACK])
    return {
        "category": name,
        "target_hours": targets.get(name, fallback),
        "open": 0,
        "open_late": 0,
        "resolved": 0,
        "resolved_late": 0,
    }


def oldest_open(
    session: Session,
    ref: TerritoryRef | None,
    as_of: datetime,
    limit: int = 20,
    category: str | None = None,
) -> list[dict[str, Any]]:
    """The ``limit`` open cases reported longest ago, with their territory's name.

    The oldest of each half of "open" (``data.queries.open_cases``), then the oldest of both:
    one OR would walk the reported_at index through every resolved case.

    The half resolved after ``as_of`` only matters up to the ``limit``-th oldest unresolved
    case: anything reported later cannot make the list. Without that bound, a range ending a
    few hours or days before the newest data (a custom "hasta", last month) walked the
    reported_at index through almost every case looking for a few rows clustered at its end
    (about 1 s nationally; 40 ms with it).
    """
    where = _where(ref, category)
    unresolved, resolved_later = open_halves(as_of)
    cutoff = (
        select(CitizenCase.reported_at)
        .where(*where, *unresolved)
        .order_by(CitizenCase.reported_at, CitizenCase.id)
        .offset(limit - 1)
        .limit(1)
        .scalar_subquery()
    )
    bounded = [*resolved_later, CitizenCase.reported_at <= func.coalesce(cutoff, as_of)]
    halves = [
        select(CitizenCase.id, CitizenCase.reported_at)
        .where(*where, *half)
        .order_by(CitizenCase.reported_at, CitizenCase.id)
        .limit(limit)
        .subquery()
        for half in (unresolved, bounded)
    ]
    oldest = union_all(*(select(h.c.id) for h in halves)).subquery()
    stmt = (
        select(
            CitizenCase.id,
            CitizenCase.category,
            CitizenCase.status,
            CitizenCase.institution,
            CitizenCase.reported_at,
            Territory.name,
            CitizenCase.estado_code,
        )
        .join(Territory, Territory.code == CitizenCase.territory_code)
        .where(CitizenCase.id.in_(select(oldest.c.id)))
        .order_by(CitizenCase.reported_at, CitizenCase.id)
        .limit(limit)
    )
    return [
        {
            "id": cid,
            "category": cat,
            "status": status,
            "institution": institution,
            "reported_at": reported,
            "age_hours": round((as_of - reported).total_seconds() / 3600, 1),
            "territory": name,
            "estado_code": estado,
        }
        for cid, cat, status, institution, reported, name, estado in session.execute(stmt).all()
    ]


def by_category(
    session: Session, ref: TerritoryRef | None, start: datetime, end: datetime
) -> list[dict[str, Any]]:
    """Per category: cases reported and resolved in the range, and open at ``end``."""
    reported = _reported(session, ref, start, end, None, "category")
    resolved = _resolved(session, ref, start, end, None, "category")
    still_open = {
        k: n for k, (n,) in _open_by(session, ref, end, None, CitizenCase.category).items()
    }
    names = set(reported) | set(resolved) | set(still_open)
    rows = [
        {
            "category": name,
            "reported": int(reported.get(name, 0)),
            "resolved": int(resolved.get(name, 0)),
            "open": int(still_open.get(name, 0)),
        }
        for name in names
    ]
    return sorted(rows, key=lambda r: (-r["reported"], r["category"]))


def totals(
    session: Session,
    ref: TerritoryRef | None,
    start: datetime,
    end: datetime,
    category: str | None = None,
    include_open: bool = True,
) -> dict[str, Any]:
    """The KPI numbers of a range: reported, resolved, open at ``end`` (unless
    ``include_open`` is False) and median resolution (from the duration histogram, ±5 %).

    Call it again with the previous range for the ▲▼ comparison.
    """
    reported = _reported(session, ref, start, end, category).get(None, 0)
    resolved = _resolved(session, ref, start, end, category).get(None, 0)
    took = _fold(
        _histograms(session, ref, start, end, category, ("resolution",), detail=False),
        "resolution",
        None,
    )
    out = {
        "reported": int(reported),
        "resolved": int(resolved),
        "resolution_p50": _round(histogram_percentile(took.get(None, Counter()), 0.5)),
    }
    if include_open:
        out["open"] = sum(n for (n,) in _open_by(session, ref, end, category, None).values())
    return out


def by_territory(
    session: Session,
    ref: TerritoryRef | None,
    start: datetime,
    end: datetime,
    targets: dict[str, float] | None = None,
    category: str | None = None,
) -> list[dict[str, Any]]:
    """The map's measure: per territory one level below ``ref`` (or its places below a circuito, see ``map_places``), cases reported in the range,
    open at ``end`` and open past their SLA target. Every territory of the level appears."""
    _, key = map_key(ref, CitizenCase)
    open_rows = _open_by(session, ref, end, category, key, _late(end, targets))
    return territory_rows(territory_reported(session, ref, start, end, category), open_rows)


MapReported = tuple[str, list[Any], dict[Any, tuple[int, ...]]]  # level, places, reported


def territory_reported(
    session: Session,
    ref: TerritoryRef | None,
    start: datetime,
    end: datetime,
    category: str | None = None,
) -> MapReported:
    """The map's places (``map_places``) and the cases reported in the range per place."""
    level, key, places = map_places(session, ref, CitizenCase)
    if ref is None:  # per estado: the rollup
        reported = {
            code: (n,)
            for code, n in _reported(session, ref, start, end, category, "estado").items()
        }
    else:
        reported = by_key(
            session,
            select(key, func.count())
            .where(*_where(ref, category), *_reported_in(start, end))
            .group_by(key),
        )
    return level, places, reported


def territory_rows(
    map_reported: MapReported, open_rows: dict[Any, tuple[int, ...]]
) -> list[dict[str, Any]]:
    """:func:`by_territory`'s rows from :func:`territory_reported` and the open cases per
    place (``{place: (open, late)}``)."""
    level, places, reported = map_reported
    return [
        {
            "code": code,
            "name": name,
            "level": level,
            "lat": lat,
            "lon": lon,
            "reported": int(reported.get(code, (0,))[0]),
            "open": int(open_rows.get(code, (0, 0))[0]),
            "open_late": int(open_rows.get(code, (0, 0))[1] or 0),
        }
        for code, name, lat, lon in places
    ]


# -- counts and durations from the rollups (whole days) plus the raw edges -------------

_RANK = case(
    (CitizenCase.resolved_at.is_not(None), 3),
    *((CitizenCase.status == status, r) for status, r in STAGE_RANK.items()),
    else_=0,
)
_NO_INSTITUTION = func.coalesce(CitizenCase.institution, "")


def _rollup_where(model: type, ref: TerritoryRef | None, category: str | None) -> list[Any]:
    clauses = []
    if ref is not None:
        clauses.append(model.estado_code == ref.code)
    if category:
        clauses.append(model.category == category)
    return clauses


def _reported(
    session: Session,
    ref: TerritoryRef | None,
    start: datetime,
    end: datetime,
    category: str | None,
    by: str | None = None,
) -> dict[Any, int]:
    """Cases reported in ``(start, end]``, per ``by`` (``stage``, ``category``, ``estado``;
    None = one total under the key None)."""
    keys = {
        None: (),
        "stage": ((CaseReportedDay.stage, _RANK),),
        "category": ((CaseReportedDay.category, CitizenCase.category),),
        "estado": ((CaseReportedDay.estado_code, CitizenCase.estado_code),),
    }[by]
    return _counted(
        session, CaseReportedDay, CitizenCase.reported_at, keys, ref, start, end, category
    )


def _resolved(
    session: Session,
    ref: TerritoryRef | None,
    start: datetime,
    end: datetime,
    category: str | None,
    by: str | None = None,
) -> dict[Any, int]:
    """Cases resolved in ``(start, end]``, per ``by`` (``category``; None = one total)."""
    keys = {None: (), "category": ((CaseResolvedDay.category, CitizenCase.category),)}[by]
    return _counted(
        session, CaseResolvedDay, CitizenCase.resolved_at, keys, ref, start, end, category
    )


def _counted(
    session: Session,
    rollup: Any,
    time_column: Any,
    keys: tuple[tuple[Any, Any], ...],
    ref: TerritoryRef | None,
    start: datetime,
    end: datetime,
    category: str | None,
) -> dict[Any, int]:
    split = split_days(start, end, rollup_serves(ref))
    raw_keys = [raw for _, raw in keys]
    parts = []
    if split.has_days:
        day_keys = [day for day, _ in keys]
        parts.append(
            select(*day_keys, func.sum(rollup.n))
            .where(split.days(rollup.day), *_rollup_where(rollup, ref, category))
            .group_by(*day_keys)
        )
    parts += [
        select(*raw_keys, func.sum(sign)).where(*_where(ref, category), edge).group_by(*raw_keys)
        for edge, sign in split.raw_parts(time_column)
    ]
    return {(key[0] if key else None): n for key, n in summed(session, *parts).items()}


HistogramKey = tuple[str, str, str | None]  # (measure, category, institution)


def _histograms(
    session: Session,
    ref: TerritoryRef | None,
    start: datetime,
    end: datetime,
    category: str | None,
    measures: tuple[str, ...] = ("resolution", "response"),
    detail: bool = True,
) -> dict[HistogramKey, Counter[int]]:
    """Duration classes (``data.rollups.bucket_of``) per measure, and per category and
    institution when ``detail`` (else one histogram per measure, under ``(measure, None,
    None)``): ``resolution`` of the cases resolved in the range, ``response`` of the cases
    reported in it. Whole days of the country or an estado come from the rollup; below an
    estado, and at the edges, the cases are classed in SQL."""
    split = split_days(start, end, rollup_serves(ref))
    out: dict[HistogramKey, Counter[int]] = {}

    def add(measure: str, cat: str | None, institution: str | None, bucket: int, n: int) -> None:
        key = (measure, cat, institution or None) if detail else (measure, None, None)
        counts = out.get(key)
        if counts is None:  # no new Counter per row: ~8,000 rows nationally
            counts = out[key] = Counter()
        counts[bucket] += int(n)

    with serial_plan(session):  # in parallel it waited for its workers on a busy machine
        _add_histograms(session, split, ref, category, measures, detail, add)
    return out


def _add_histograms(
    session: Session,
    split: DaySplit,
    ref: TerritoryRef | None,
    category: str | None,
    measures: tuple[str, ...],
    detail: bool,
    add: Any,
) -> None:
    """:func:`_histograms`' reads: the rollup's whole days, then each measure's edges."""
    if split.has_days:
        stmt = _histogram_rows(split, ref, category, measures, detail)
        for row in core_rows(session, stmt):
            add(*row)
    for measure in measures:
        if measure == "resolution":
            time_column, until = CitizenCase.resolved_at, CitizenCase.resolved_at
        else:
            time_column, until = CitizenCase.reported_at, CitizenCase.assigned_at
        bucket = duration_bucket(hours_between(CitizenCase.reported_at, until))
        keys = [CitizenCase.category, _NO_INSTITUTION] if detail else []
        # the edges' ranges one by one, added up in one statement (each reads an index)
        edge_parts = [
            select(*keys, bucket.label("bucket"), func.sum(sign).label("n"))
            .where(*_where(ref, category), edge, until.is_not(None))
            .group_by(*keys, bucket)
            for edge, sign in split.raw_parts(time_column)
        ]
        edges = [(*key, n) for key, n in summed(session, *edge_parts).items()]
        for *group, b, n in edges:
            add(measure, *(group or (None, None)), b, n)


def _histogram_rows(
    split: DaySplit,
    ref: TerritoryRef | None,
    category: str | None,
    measures: tuple[str, ...],
    detail: bool,
) -> Select[Any]:
    """``(measure, category, institution, bucket, n)`` of the whole days of ``split``: their
    whole weeks from ``case_duration_week``, the days left from ``case_duration_day``."""
    assert split.first is not None and split.last is not None
    chunks = split_weeks(split.first, split.last)
    parts = []
    if chunks.weeks:
        week = CaseDurationWeek
        parts.append(
            _histogram_part(week, week.week, chunks.weeks, ref, category, measures, detail)
        )
    parts += [
        _histogram_part(CaseDurationDay, CaseDurationDay.day, days, ref, category, measures, detail)
        for days in chunks.days
    ]
    union = union_all(*parts).subquery()
    keys = [union.c.measure, union.c.category, union.c.institution, union.c.bucket]
    return select(*keys, func.sum(union.c.n)).group_by(*keys)


def _histogram_part(
    model: Any,
    when: Any,
    span: tuple[date, date],
    ref: TerritoryRef | None,
    category: str | None,
    measures: tuple[str, ...],
    detail: bool,
) -> Select[Any]:
    if detail or category:  # one category: its detailed rows are few
        level = [
            model.institution != ALL,
            model.category == category if category else model.category != ALL,
        ]
    else:  # the whole: the rows that already add up every category and institution
        level = [model.category == ALL, model.institution == ALL]
    return select(model.measure, model.category, model.institution, model.bucket, model.n).where(
        model.measure.in_(measures),
        model.estado_code == (ref.code if ref else NATIONAL),
        when.between(*span),
        *level,
    )


def _fold(
    histograms: dict[HistogramKey, Counter[int]], measure: str, by: str | None
) -> dict[Any, Counter[int]]:
    """One measure's histograms added up per ``by`` (``category``, ``institution``; None =
    one total under the key None)."""
    position = {None: None, "category": 1, "institution": 2}[by]
    out: dict[Any, Counter[int]] = {}
    for key, counts in histograms.items():
        if key[0] == measure:
            out.setdefault(None if position is None else key[position], Counter()).update(counts)
    return out


# -- the table and export ----------------------------------------------------------------


def _cases_select(view: View) -> Select[Any]:
    """The cases reported in the filters' range (and category), for the table and CSV."""
    start, end = view.filters.time_bounds(view.as_of)
    return (
        select(
            CitizenCase.id.label("id"),
            CitizenCase.reported_at.label("reported_at"),
            CitizenCase.category.label("category"),
            CitizenCase.status.label("status"),
            CitizenCase.institution.label("institution"),
            Territory.name.label("consejo"),
            CitizenCase.resolved_at.label("resolved_at"),
            hours_between(CitizenCase.reported_at, CitizenCase.resolved_at).label("hours"),
            CitizenCase.estado_code.label("estado_code"),
            CitizenCase.municipio_code.label("municipio_code"),
        )
        .select_from(CitizenCase)
        .outerjoin(Territory, Territory.code == CitizenCase.territory_code)
        .where(*_where(view.ref, view.filters.categoria), *_reported_in(start, end))
    )


CASES = register_dataset(
    Dataset(
        name="casos",
        title="Casos 1x10",
        columns=(
            Column("id", "Caso", width=140),
            Column("reported_at", "Reportado", "datetime", width=150),
            Column("category", "Categoría", width=150, labels=CATEGORIES),
            Column("status", "Estatus", width=110, labels=STATUS_LABELS),
            Column("institution", "Institución", width=240),
            Column("consejo", "Consejo comunal", width=220),
            Column("resolved_at", "Resuelto", "datetime", width=150),
            Column("hours", "Horas hasta resolver", "decimal", width=130),
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
        ),
        build=_cases_select,
        default_sort=(("reported_at", True),),
        categories=CATEGORIES,
    )
)
