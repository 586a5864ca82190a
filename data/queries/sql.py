"""Portable SQL helpers (SQLite and PostgreSQL) used by the queries."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import ColumnElement, FunctionElement
from sqlalchemy.types import Float, Integer


class hours_between(FunctionElement[float]):  # noqa: N801 - reads like a SQL function
    """Hours from the first timestamp to the second, as a float."""

    type = Float()
    inherit_cache = True


@compiles(hours_between, "postgresql")
def _hours_pg(element: hours_between, compiler: Any, **kw: Any) -> str:
    # date_part returns double precision; EXTRACT returns numeric since PostgreSQL 14, which
    # made the national 30-day median (≈200k rows) about twice as slow.
    start, end = list(element.clauses)
    return (
        f"(date_part('epoch', {compiler.process(end, **kw)} - "
        f"{compiler.process(start, **kw)}) / 3600.0)"
    )


@compiles(hours_between, "sqlite")
def _hours_sqlite(element: hours_between, compiler: Any, **kw: Any) -> str:
    start, end = list(element.clauses)
    return (
        f"((julianday({compiler.process(end, **kw)}) - "
        f"julianday({compiler.process(start, **kw)})) * 24.0)"
    )


def percentile(
    session: Session, value: ColumnElement[Any], where: list[ColumnElement[bool]], q: float
) -> float | None:
    """The ``q`` percentile (0..1) of ``value`` over the rows matching ``where``.

    PostgreSQL computes it with ``percentile_cont``; SQLite, which lacks it, gets the same
    linear interpolation from two ordered look-ups, so both return the same number.
    """
    if session.get_bind().dialect.name == "postgresql":
        stmt = select(func.percentile_cont(q).within_group(value)).where(*where)
        result = session.scalar(stmt)
        return None if result is None else float(result)
    count = session.scalar(select(func.count()).select_from(_base(value, where).subquery()))
    if not count:
        return None
    position = q * (count - 1)
    lower = int(position)
    upper = min(lower + 1, count - 1)
    ordered = _base(value, where).order_by(value)
    low_value = session.scalar(ordered.offset(lower).limit(1))
    high_value = session.scalar(ordered.offset(upper).limit(1))
    return float(low_value + (high_value - low_value) * (position - lower))


def _base(value: ColumnElement[Any], where: list[ColumnElement[bool]]) -> Select[Any]:
    return select(value).where(*where)


class decile(FunctionElement[int]):  # noqa: N801 - reads like a SQL function
    """0..9 decile of a 0..100 value (100 and above in 9, negatives in 0), computed once.

    PostgreSQL uses FLOOR/LEAST/GREATEST; SQLite, which may lack FLOOR, gets a CASE ladder
    (CAST would round on one backend and truncate on the other).
    """

    type = Integer()
    inherit_cache = True


@compiles(decile, "postgresql")
def _decile_pg(element: decile, compiler: Any, **kw: Any) -> str:
    (value,) = list(element.clauses)
    return (
        f"LEAST(GREATEST(CAST(FLOOR(({compiler.process(value, **kw)}) / 10.0) AS INTEGER), 0), 9)"
    )


@compiles(decile, "sqlite")
def _decile_sqlite(element: decile, compiler: Any, **kw: Any) -> str:
    (value,) = list(element.clauses)
    v = compiler.process(value, **kw)
    whens = " ".join(f"WHEN ({v}) < {10 * (n + 1)} THEN {n}" for n in range(9))
    return f"(CASE {whens} ELSE 9 END)"
