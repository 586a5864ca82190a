"""Portable SQL helpers (SQLite and PostgreSQL) used by the queries."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Integer, Select, case, cast, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import ColumnElement, FunctionElement
from sqlalchemy.types import Float


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


def grouped_percentiles(
    session: Session, base: Select[Any], qs: tuple[float, ...]
) -> dict[Any, dict[str, Any]]:
    """Percentiles ``qs`` (0..1) of column ``v`` per group ``g`` of ``base``, plus the count.

    ``base`` selects two labelled columns, ``g`` (the group) and ``v`` (the value). Returns
    ``{g: {"n": count, q: value, ...}}``. PostgreSQL uses ``percentile_cont`` with GROUP BY;
    SQLite ranks rows with window functions and picks the two neighbours of each position,
    so both backends interpolate the same way and nothing but one row per group leaves SQL.
    """
    raw = base.subquery()
    sub = select(raw.c.g, raw.c.v).where(raw.c.v.is_not(None)).subquery()
    if session.get_bind().dialect.name == "postgresql":
        stmt = select(
            sub.c.g,
            func.count(),
            *(func.percentile_cont(q).within_group(sub.c.v) for q in qs),
        ).group_by(sub.c.g)
        return {
            row[0]: {"n": int(row[1])}
            | {q: None if v is None else float(v) for q, v in zip(qs, row[2:], strict=True)}
            for row in session.execute(stmt).all()
        }
    ranked = select(
        sub.c.g,
        sub.c.v,
        (func.row_number().over(partition_by=sub.c.g, order_by=sub.c.v) - 1).label("rn"),
        func.count().over(partition_by=sub.c.g).label("n"),
    ).subquery()
    columns = []
    for q in qs:
        lower = cast(q * (ranked.c.n - 1), Integer)
        columns.append(func.max(case((ranked.c.rn == lower, ranked.c.v))))
        columns.append(func.max(case((ranked.c.rn == lower + 1, ranked.c.v))))
    stmt = select(ranked.c.g, func.max(ranked.c.n), *columns).group_by(ranked.c.g)
    result: dict[Any, dict[str, Any]] = {}
    for row in session.execute(stmt).all():
        n = int(row[1])
        values: dict[Any, Any] = {"n": n}
        for i, q in enumerate(qs):
            low, high = row[2 + 2 * i], row[3 + 2 * i]
            position = q * (n - 1)
            high = low if high is None else high
            values[q] = float(low + (high - low) * (position - int(position)))
        result[row[0]] = values
    return result


class floor_int(FunctionElement[int]):  # noqa: N801 - reads like a SQL function
    """The integer part of a non-negative number (PostgreSQL's CAST rounds; SQLite's truncates)."""

    type = Integer()
    inherit_cache = True


@compiles(floor_int, "postgresql")
def _floor_pg(element: floor_int, compiler: Any, **kw: Any) -> str:
    (value,) = list(element.clauses)
    return f"CAST(FLOOR({compiler.process(value, **kw)}) AS INTEGER)"


@compiles(floor_int, "sqlite")
def _floor_sqlite(element: floor_int, compiler: Any, **kw: Any) -> str:
    (value,) = list(element.clauses)
    return f"CAST({compiler.process(value, **kw)} AS INTEGER)"


class duration_bucket(FunctionElement[int]):  # noqa: N801 - reads like a SQL function
    """The duration class of a number of hours, as ``data.rollups.bucket_of`` computes it.

    PostgreSQL computes it with LN/FLOOR; SQLite calls ``bucket_of`` itself, registered on
    every connection as ``sala_bucket`` (``data.db``), so both class alike.
    """

    type = Integer()
    inherit_cache = True


@compiles(duration_bucket, "postgresql")
def _bucket_pg(element: duration_bucket, compiler: Any, **kw: Any) -> str:
    from data.rollups import FIRST_EDGE_HOURS, GROWTH

    (value,) = list(element.clauses)
    h = compiler.process(value, **kw)
    return (
        f"(CASE WHEN ({h}) < {FIRST_EDGE_HOURS} THEN 0 ELSE 1 + CAST(FLOOR("
        f"LN(({h}) / {FIRST_EDGE_HOURS}) / LN({GROWTH}) + 1e-9) AS INTEGER) END)"
    )


@compiles(duration_bucket, "sqlite")
def _bucket_sqlite(element: duration_bucket, compiler: Any, **kw: Any) -> str:
    (value,) = list(element.clauses)
    return f"sala_bucket({compiler.process(value, **kw)})"
