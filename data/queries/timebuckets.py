"""Caracas calendar day and hour of a stored UTC timestamp, in SQL, on both backends.

Timestamps are stored as naive UTC (data.types.UTCDateTime). Caracas has been UTC−4 with no
daylight saving since 2016, so a fixed offset gives the local day and hour inside the
database, letting GROUP BY bucket by the day the room lives in.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement
from sqlalchemy.types import Date, Integer, String

CARACAS_OFFSET_HOURS = -4


class caracas_day(FunctionElement[str]):  # noqa: N801 - reads like a SQL function
    """The Caracas calendar day of a UTC timestamp (a ``date`` on PostgreSQL, text on SQLite)."""

    type = String()
    inherit_cache = True


class caracas_hour(FunctionElement[int]):  # noqa: N801 - reads like a SQL function
    """The Caracas hour of day (0..23) of a UTC timestamp.

    On PostgreSQL ``date_part`` (double precision), not ``EXTRACT``, which returns numeric
    since PostgreSQL 14 and is several times slower per row (the /paz heat map reads ~90k
    rows nationally)."""

    type = Integer()
    inherit_cache = True


@compiles(caracas_day, "postgresql")
def _day_pg(element: caracas_day, compiler: Any, **kw: Any) -> str:
    (ts,) = list(element.clauses)
    return f"CAST(({compiler.process(ts, **kw)} + INTERVAL '{CARACAS_OFFSET_HOURS} hours') AS DATE)"


@compiles(caracas_day, "sqlite")
def _day_sqlite(element: caracas_day, compiler: Any, **kw: Any) -> str:
    (ts,) = list(element.clauses)
    return f"date({compiler.process(ts, **kw)}, '{CARACAS_OFFSET_HOURS} hours')"


@compiles(caracas_hour, "postgresql")
def _hour_pg(element: caracas_hour, compiler: Any, **kw: Any) -> str:
    (ts,) = list(element.clauses)
    return (
        f"CAST(date_part('hour', {compiler.process(ts, **kw)} "
        f"+ INTERVAL '{CARACAS_OFFSET_HOURS} hours') AS INTEGER)"
    )


@compiles(caracas_hour, "sqlite")
def _hour_sqlite(element: caracas_hour, compiler: Any, **kw: Any) -> str:
    (ts,) = list(element.clauses)
    return f"CAST(strftime('%H', {compiler.process(ts, **kw)}, '{CARACAS_OFFSET_HOURS} hours') AS INTEGER)"


class caracas_weekday(FunctionElement[int]):  # noqa: N801 - reads like a SQL function
    """The Caracas weekday of a UTC timestamp, Monday = 0 .. Sunday = 6 (Python's order)."""

    type = Integer()
    inherit_cache = True


@compiles(caracas_weekday, "postgresql")
def _weekday_pg(element: caracas_weekday, compiler: Any, **kw: Any) -> str:
    (ts,) = list(element.clauses)
    return (
        f"(CAST(date_part('isodow', {compiler.process(ts, **kw)} "
        f"+ INTERVAL '{CARACAS_OFFSET_HOURS} hours') AS INTEGER) - 1)"
    )


@compiles(caracas_weekday, "sqlite")
def _weekday_sqlite(element: caracas_weekday, compiler: Any, **kw: Any) -> str:
    (ts,) = list(element.clauses)
    return (
        f"((CAST(strftime('%w', {compiler.process(ts, **kw)}, "
        f"'{CARACAS_OFFSET_HOURS} hours') AS INTEGER) + 6) % 7)"
    )


def as_date(value: Any) -> date:
    """A day bucket as returned by either backend, as a ``date``."""
    return value if isinstance(value, date) else date.fromisoformat(str(value))


class caracas_monday(FunctionElement[date]):  # noqa: N801 - reads like a SQL function
    """The Monday of the Caracas ISO week of a stored UTC timestamp."""

    type = Date()
    inherit_cache = True


@compiles(caracas_monday, "postgresql")
def _monday_pg(element: caracas_monday, compiler: Any, **kw: Any) -> str:
    (ts,) = list(element.clauses)
    local = f"({compiler.process(ts, **kw)} + INTERVAL '{CARACAS_OFFSET_HOURS} hours')"
    return f"(CAST({local} AS DATE) - (CAST(date_part('isodow', {local}) AS INTEGER) - 1))"


@compiles(caracas_monday, "sqlite")
def _monday_sqlite(element: caracas_monday, compiler: Any, **kw: Any) -> str:
    (ts,) = list(element.clauses)
    # 'weekday 0' moves forward to Sunday (or stays on it); six days back is its Monday
    return (
        f"date({compiler.process(ts, **kw)}, '{CARACAS_OFFSET_HOURS} hours', "
        "'weekday 0', '-6 days')"
    )


class epoch_days(FunctionElement[int]):  # noqa: N801 - reads like a SQL function
    """Whole days from ``data.models.BLOCK_EPOCH`` to a day (a ``date`` column or
    :class:`caracas_monday`): the day's place in the nine-week blocks of
    ``incident_block``, on both backends."""

    type = Integer()
    inherit_cache = True


class block_start(FunctionElement[date]):  # noqa: N801 - reads like a SQL function
    """The first day (a Monday) of the ``incident_block`` block holding a day."""

    type = Date()
    inherit_cache = True


def _epoch() -> str:
    from data.models import BLOCK_EPOCH

    return BLOCK_EPOCH.isoformat()


@compiles(epoch_days, "postgresql")
def _epoch_days_pg(element: epoch_days, compiler: Any, **kw: Any) -> str:
    (day,) = list(element.clauses)
    return f"(CAST({compiler.process(day, **kw)} AS DATE) - DATE '{_epoch()}')"


@compiles(epoch_days, "sqlite")
def _epoch_days_sqlite(element: epoch_days, compiler: Any, **kw: Any) -> str:
    (day,) = list(element.clauses)
    return f"CAST(julianday({compiler.process(day, **kw)}) - julianday('{_epoch()}') AS INTEGER)"


@compiles(block_start, "postgresql")
def _block_pg(element: block_start, compiler: Any, **kw: Any) -> str:
    from data.models import BLOCK_DAYS

    (day,) = list(element.clauses)
    sql = compiler.process(day, **kw)
    # mod(), not %: a bare percent sign would be read as a parameter by psycopg
    return f"(CAST({sql} AS DATE) - mod(CAST({sql} AS DATE) - DATE '{_epoch()}', {BLOCK_DAYS}))"


@compiles(block_start, "sqlite")
def _block_sqlite(element: block_start, compiler: Any, **kw: Any) -> str:
    from data.models import BLOCK_DAYS

    (day,) = list(element.clauses)
    sql = compiler.process(day, **kw)
    back = f"CAST(julianday({sql}) - julianday('{_epoch()}') AS INTEGER) % {BLOCK_DAYS}"
    return f"date({sql}, '-' || ({back}) || ' days')"
