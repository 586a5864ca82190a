"""1x10 cases open at a moment, counted per key (category, territory...), index-friendly.

A case is open at ``as_of`` when it was reported by then, is not ``rechazado`` and was not
resolved by then: ``resolved_at IS NULL OR resolved_at > as_of``. Written as one OR, that
predicate makes PostgreSQL visit every unresolved row in the heap (≈1 s nationally). The two
halves are disjoint, so they are counted apart and added: the unresolved half reads only the
small partial index ``ix_case_open`` (``WHERE resolved_at IS NULL AND status <> 'rechazado'``,
index-only); the other half is a range on ``ix_case_resolved_reported`` (empty when ``as_of``
is now).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, literal_column, select, union_all
from sqlalchemy.orm import Session

from data.models import CitizenCase
from data.scope import TerritoryRef, territory_clause

# Inlined, not bound: a partial index is only used when the planner sees the predicate's
# constant (a bound parameter hides it from SQLite and from PostgreSQL's generic plans).
REJECTED = literal_column("'rechazado'")


def open_halves(as_of: datetime) -> tuple[list[Any], list[Any]]:
    """The two disjoint halves of "open at ``as_of``" (beside the territory and category)."""
    common = [CitizenCase.reported_at <= as_of, CitizenCase.status != REJECTED]
    return (
        [*common, CitizenCase.resolved_at.is_(None)],
        [*common, CitizenCase.resolved_at > as_of],
    )


def open_cases_summed(
    session: Session,
    ref: TerritoryRef | None,
    as_of: datetime,
    key: Any,
    sums: tuple[Any, ...] = (),
    where: tuple[Any, ...] = (),
) -> dict[Any, tuple[int, ...]]:
    """``{key value: (open cases, sum of each of sums)}`` inside ``ref`` at ``as_of``, rows
    also matching ``where``; ``key`` is a CitizenCase column or expression of its columns
    (None: one total under the key None)."""
    keys = () if key is None else (key,)
    grouped = open_cases_grouped(session, ref, as_of, keys, sums, where)
    return {(k[0] if k else None): counts for k, counts in grouped.items()}


def open_cases_grouped(
    session: Session,
    ref: TerritoryRef | None,
    as_of: datetime,
    keys: tuple[Any, ...],
    sums: tuple[Any, ...] = (),
    where: tuple[Any, ...] = (),
) -> dict[tuple[Any, ...], tuple[int, ...]]:
    """:func:`open_cases_summed` grouped by several keys at once: ``{(value of each key):
    (open cases, sum of each of sums)}`` (no keys: one total under ``()``). One read can
    then serve several breakdowns, each added up from its groups."""
    scope = [territory_clause(CitizenCase, ref), *where]
    labels = [k.label(f"k{i}") for i, k in enumerate(keys)]
    parts = union_all(
        *(
            select(
                *labels,
                func.count().label("n"),
                *(func.sum(expr).label(f"s{i}") for i, expr in enumerate(sums)),
            )
            .where(*scope, *half)
            .group_by(*keys)
            for half in open_halves(as_of)
        )
    ).subquery()
    group = [parts.c[f"k{i}"] for i in range(len(keys))]
    columns = [parts.c.n, *(parts.c[f"s{i}"] for i in range(len(sums)))]
    rows = session.execute(select(*group, *(func.sum(c) for c in columns)).group_by(*group)).all()
    width = len(keys)
    return {tuple(row[:width]): tuple(int(v or 0) for v in row[width:]) for row in rows}


def open_cases_by(
    session: Session, ref: TerritoryRef | None, as_of: datetime, key: Any
) -> dict[Any, int]:
    """``{key value: open cases}`` inside ``ref`` at ``as_of``; ``key`` is a CitizenCase column."""
    return {k: n for k, (n,) in open_cases_summed(session, ref, as_of, key).items()}
