"""Answer a time range from the daily rollups plus raw rows at its ragged edges.

A range ``(start, end]`` rarely starts and ends at Caracas midnights. :func:`split_days`
finds the whole days inside it, answered by a ``*_day`` rollup (``data.rollups``), and the
raw part left over at each end (hours of the first and last day), answered by the fact
table. A day that starts exactly at ``start`` is taken whole and its rows at ``start`` are
subtracted, so the edges stay small whatever the range.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    false,
    func,
    literal_column,
    or_,
    select,
    text,
    union_all,
)
from sqlalchemy.orm import Session

from core.timeutil import caracas_date, caracas_day_bounds, to_utc
from data.queries.filters import in_times
from data.scope import TerritoryRef

DAY = timedelta(days=1)


@dataclass(frozen=True)
class DaySplit:
    """``(start, end]`` as whole Caracas days ``first..last`` plus raw edges."""

    start: datetime
    end: datetime
    first: date | None = None
    last: date | None = None
    starts_on_midnight: bool = False  # the first day begins exactly at ``start``

    @property
    def has_days(self) -> bool:
        return self.first is not None

    def days(self, column: Any) -> ColumnElement[bool]:
        """The rollup rows of the whole days."""
        if self.first is None or self.last is None:
            return false()
        return column.between(self.first, self.last)

    def raw(self, column: Any) -> ColumnElement[bool]:
        """The fact rows the whole days do not cover (or that they cover but must not), in
        one condition: with :meth:`sign`, for a statement that groups them in one pass."""
        return or_(*(part for part, _ in self.raw_parts(column)))

    def sign(self, column: Any) -> Any:
        """+1 for an edge row, -1 for a row at ``start`` counted by the first whole day."""
        if self.starts_on_midnight:
            return case((column == self.start, literal_column("-1")), else_=literal_column("1"))
        return literal_column("1")

    def raw_parts(self, column: Any) -> list[tuple[ColumnElement[bool], Any]]:
        """The fact rows the whole days do not cover (or cover but must not), as separate
        ranges, each with its sign (+1, or -1 for the rows at
        ``start`` the first whole day counts): a statement per range reads only the index
        of ``column`` (an OR of ranges becomes a bitmap scan that visits the table)."""
        if self.first is None or self.last is None:
            return [(in_times(column, (self.start, self.end)), literal_column("1"))]
        low = caracas_day_bounds(self.first)[0]
        high = caracas_day_bounds(self.last)[1]
        parts = [
            (and_(column > self.start, column < low), literal_column("1")),
            (and_(column >= high, column <= self.end), literal_column("1")),
        ]
        if self.starts_on_midnight:
            parts.append((column == self.start, literal_column("-1")))
        return parts


def split_days(start: datetime, end: datetime, use_rollup: bool = True) -> DaySplit:
    """The whole Caracas days inside ``(start, end]`` (none when ``use_rollup`` is False)."""
    start, end = to_utc(start), to_utc(end)
    if not use_rollup or end <= start:
        return DaySplit(start, end)
    first = caracas_date(start)
    on_midnight = caracas_day_bounds(first)[0] == start
    if not on_midnight:
        first += DAY
    last = caracas_date(end)
    if caracas_day_bounds(last)[1] > end:
        last -= DAY
    if first > last:
        return DaySplit(start, end)
    return DaySplit(start, end, first, last, on_midnight)


@dataclass(frozen=True)
class WeekSplit:
    """Whole days ``first..last`` as whole weeks (Monday to Sunday) plus loose days."""

    weeks: tuple[date, date] | None  # the first and last Monday
    days: tuple[tuple[date, date], ...]  # the day ranges outside those weeks


def split_weeks(first: date, last: date) -> WeekSplit:
    """The whole weeks inside the days ``first..last`` and the days left at each end, for
    the weekly rollup (``data.rollups.week_of``): 30 days are three or four weeks and
    a few days."""
    first_week = first + timedelta(days=(7 - first.weekday()) % 7)
    last_week = last - timedelta(days=(last.weekday() + 1) % 7 + 6)
    if first_week > last_week:
        return WeekSplit(None, ((first, last),))
    days = []
    if first < first_week:
        days.append((first, first_week - DAY))
    if last_week + 6 * DAY < last:
        days.append((last_week + 7 * DAY, last))
    return WeekSplit((first_week, last_week), tuple(days))


def rollup_serves(ref: TerritoryRef | None) -> bool:
    """The rollups are kept per estado: they answer the whole country or one estado."""
    return ref is None or ref.level == "estado"


def summed(session: Session, *parts: Select[Any]) -> dict[tuple[Any, ...], int]:
    """``{keys: n}`` of ``parts`` (each selecting the same keys and then a count ``n``),
    added up in one statement."""
    union = union_all(*parts).subquery()
    columns = list(union.c)
    keys, n = columns[:-1], columns[-1]
    stmt = select(*keys, func.sum(n)).group_by(*keys) if keys else select(func.sum(n))
    return {tuple(row[:-1]): int(row[-1] or 0) for row in core_rows(session, stmt)}


def core_rows(session: Session, stmt: Select[Any]) -> list[Any]:
    """The rows of a plain (Core) select, in the session's transaction, without the ORM's
    per-row handling (a third of the CPU of reading the ~5,000 rows of a national
    histogram)."""
    return session.connection().execute(stmt).all()


@contextmanager
def serial_plan(session: Session, wanted: bool = True) -> Iterator[None]:
    """Plan the statements inside without parallel workers (PostgreSQL; this transaction
    only), for the reads of the rollups: a few thousand rows, where starting workers costs
    more than it saves (``/casos``'s national SLA read: ~15 ms of work, 130 ms waiting for
    its workers on a busy machine), and /paz "sobre lo habitual", a union of two aggregates
    that in parallel ran each branch in one worker and then merged and sorted the halves
    again (1.5–2 times slower than one process, and the workers compete for the cores)."""
    with local_setting(session, "max_parallel_workers_per_gather", "0", wanted):
        yield


@contextmanager
def local_setting(session: Session, name: str, value: str, wanted: bool = True) -> Iterator[None]:
    """A PostgreSQL planner setting for the statements inside (this transaction only), set
    by the app so no server configuration is needed; a no-op elsewhere."""
    if not wanted or session.get_bind().dialect.name != "postgresql":
        yield
        return
    session.execute(text(f"SET LOCAL {name} = '{value}'"))
    try:
        yield
    finally:
        session.execute(text(f"SET LOCAL {name} TO DEFAULT"))
