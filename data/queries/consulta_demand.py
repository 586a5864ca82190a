"""The Consulta's demand counts per estado from ``case_demand_day`` plus raw edges.

The demand of :mod:`data.queries.consulta` counts the cases not rejected reported in
``(start, as_of]``: all of them, the ones still open at ``as_of``, the ones reported after
``middle`` and, per resolution deadline ``d``, the open ones reported before ``d``. Every
count is a count over report times, so the window splits at ``middle`` and at each deadline
into pieces where each count either takes a case or not. A Caracas day strictly inside a
piece is read from the rollup (its cases all fall on the same side of every boundary); the
hours around each boundary, and around the window's ends, are read from the cases with the
very comparisons of the raw query.

"Open" in the rollup is "unresolved now"; a case resolved after ``as_of`` was still open
then. Rollup and edges both count "unresolved now", and the few cases resolved after
``as_of`` (none when ``as_of`` is now) are added to the open and late counts from the cases.

The rollup is kept per estado: it serves the country or an estado as a whole, grouped by
estado or not at all (:func:`serves`). A case without an estado is in no rollup; the
ingest contract gives every case a territory.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from itertools import pairwise
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, literal, or_, select, true, union_all
from sqlalchemy.orm import Session

from core.timeutil import caracas_date, caracas_day_bounds, to_utc
from data.models import CaseDemandDay, CitizenCase
from data.queries.common import count_if
from data.queries.rolled import core_rows, serial_plan
from data.rollups import REJECTED
from data.scope import TerritoryRef, territory_clause

DAY = timedelta(days=1)
# (key codes..., case category, received, open, recent, late per deadline): the rows of
# data.queries.consulta.demand_counts, from whichever source
Row = tuple[Any, ...]


def serves(ref: TerritoryRef | None, levels: tuple[str, ...]) -> bool:
    """Whether the rollup answers ``ref`` grouped by ``levels`` (kept per estado)."""
    return (ref is None or ref.level == "estado") and set(levels) <= {"estado"}


def inside(lo: datetime, hi: datetime) -> tuple[date, date] | None:
    """The Caracas days strictly inside ``(lo, hi]`` as ``(first, last)``: a day that starts
    at ``lo`` is not (its first instant belongs to the piece before), one that ends at ``hi``
    is."""
    first, last = caracas_date(lo) + DAY, caracas_date(hi) - DAY
    return (first, last) if first <= last else None


def edges(column: Any, start: datetime, end: datetime, days: list[tuple[date, date]]) -> list:
    """The parts of ``(start, end]`` the sorted, disjoint ``days`` leave out, a condition
    each."""
    parts, low, low_inclusive = [], start, False
    for first, last in days:
        begin = caracas_day_bounds(first)[0]
        if begin > low:
            parts.append(and_(column >= low if low_inclusive else column > low, column < begin))
        low, low_inclusive = caracas_day_bounds(last)[1], True
    if low <= end:
        parts.append(and_(column >= low if low_inclusive else column > low, column <= end))
    return parts


def demand_rows(
    session: Session,
    ref: TerritoryRef | None,
    levels: tuple[str, ...],
    start: datetime,
    middle: datetime,
    as_of: datetime,
    deadlines: list[datetime],
) -> list[Row]:
    """The demand rows of ``ref`` per estado (``levels`` ``("estado",)``) or as a whole
    (``()``) and case category, from the rollup, the edges and the cases resolved after
    ``as_of``; several rows may share a key (the caller adds them up)."""
    start, middle, as_of = to_utc(start), to_utc(middle), to_utc(as_of)
    deadlines = [to_utc(d) for d in deadlines]
    bounds = sorted({start, as_of, *(b for b in (middle, *deadlines) if start < b < as_of)})
    pieces = [(lo, hi, span) for lo, hi in pairwise(bounds) if (span := inside(lo, hi))]
    # each count's whole days: those of the pieces on its side of its boundary
    recent_from = min((span[0] for lo, _, span in pieces if lo >= middle), default=None)
    late_until = [
        max((span[1] for _, hi, span in pieces if hi <= d), default=None) for d in deadlines
    ]
    whole = _merged([span for _, _, span in pieces])
    rolled = _from_rollup(session, ref, levels, whole, recent_from, late_until) if whole else []
    raw = edges(CitizenCase.reported_at, start, as_of, whole)
    return [
        *rolled,
        *_edge_rows(session, ref, levels, raw, middle, deadlines),
        *_resolved_after(session, ref, levels, start, as_of, deadlines),
    ]


def received_by_category(
    session: Session, ref: TerritoryRef | None, start: datetime, as_of: datetime
) -> dict[str, int]:
    """The cases not rejected reported in ``(start, as_of]`` per case category, of the country
    or an estado (:func:`serves`): the window's whole days from the rollup, its ends raw."""
    out: dict[str, int] = {}
    for category, received, *_ in demand_rows(session, ref, (), start, start, as_of, []):
        out[category] = out.get(category, 0) + int(received or 0)
    return out


def _merged(ranges: list[tuple[date, date]]) -> list[tuple[date, date]]:
    """Sorted day ranges with the ones that touch joined."""
    out: list[tuple[date, date]] = []
    for first, last in ranges:
        if out and out[-1][1] + DAY == first:
            out[-1] = (out[-1][0], last)
        else:
            out.append((first, last))
    return out


def _from_rollup(
    session: Session,
    ref: TerritoryRef | None,
    levels: tuple[str, ...],
    days: list[tuple[date, date]],
    recent_from: date | None,
    late_until: list[date | None],
) -> list[Row]:
    """The rollup's whole days, each count over the days on its side of its boundary."""
    t = CaseDemandDay
    keys = [t.estado_code] * len(levels)

    def n_if(condition: ColumnElement[bool] | None) -> Any:
        if condition is None:
            return literal(0)
        return func.sum(case((condition, t.n), else_=0))

    stmt = (
        select(
            *keys,
            t.category,
            func.sum(t.n),
            n_if(t.unresolved),
            n_if(t.day >= recent_from if recent_from else None),
            *(n_if(and_(t.unresolved, t.day <= d) if d else None) for d in late_until),
        )
        .where(
            territory_clause(t, ref),
            or_(*(t.day.between(first, last) for first, last in days)),
        )
        .group_by(*keys, t.category)
    )
    with serial_plan(session):  # a few thousand rows: workers cost more than they save
        return [tuple(row) for row in core_rows(session, stmt)]


def _case_counts(
    levels: tuple[str, ...],
    unresolved: ColumnElement[bool],
    middle: datetime | None,
    deadlines: list[datetime],
    received: bool = True,
) -> list[Any]:
    c = CitizenCase
    return [
        *([c.estado_code] * len(levels)),
        c.category,
        func.count() if received else literal(0),
        count_if(unresolved),
        count_if(c.reported_at > middle) if middle else literal(0),
        *(count_if(and_(unresolved, c.reported_at < d)) for d in deadlines),
    ]


def _edge_rows(
    session: Session,
    ref: TerritoryRef | None,
    levels: tuple[str, ...],
    parts: list[ColumnElement[bool]],
    middle: datetime,
    deadlines: list[datetime],
) -> list[Row]:
    """The cases of the edges, counted as the rollup counts them (open: unresolved now);
    one statement, a branch per edge so each reads a range of the report-time index."""
    if not parts:
        return []
    c = CitizenCase
    keys = [c.estado_code] * len(levels)
    branches = [
        select(*_case_counts(levels, c.resolved_at.is_(None), middle, deadlines))
        .where(territory_clause(c, ref), part, c.status != REJECTED)
        .group_by(*keys, c.category)
        for part in parts
    ]
    stmt = branches[0] if len(branches) == 1 else union_all(*branches)
    return [tuple(row) for row in session.connection().execute(stmt).all()]


def _resolved_after(
    session: Session,
    ref: TerritoryRef | None,
    levels: tuple[str, ...],
    start: datetime,
    as_of: datetime,
    deadlines: list[datetime],
) -> list[Row]:
    """The cases of the window resolved after ``as_of``: open then, counted as resolved by
    the rollup and the edges; they add to the open and late counts only."""
    c = CitizenCase
    keys = [c.estado_code] * len(levels)
    stmt = (
        select(*_case_counts(levels, true(), None, deadlines, received=False))
        .where(
            territory_clause(c, ref),
            c.resolved_at > as_of,
            c.reported_at > start,
            c.reported_at <= as_of,
            c.status != REJECTED,
        )
        .group_by(*keys, c.category)
    )
    return [tuple(row) for row in session.connection().execute(stmt).all()]
