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


def open_cases_by(
    session: Session, ref: TerritoryRef | None, as_of: datetime, key: Any
) -> dict[Any, int]:
    """``{key value: open cases}`` inside ``ref`` at ``as_of``; ``key`` is a CitizenCase column."""
    common = [
        territory_clause(CitizenCase, ref),
        CitizenCase.reported_at <= as_of,
        CitizenCase.status != REJECTED,
    ]
    halves = [CitizenCase.resolved_at.is_(None), CitizenCase.resolved_at > as_of]
    parts = union_all(
        *(
            select(key.label("k"), func.count().label("n")).where(*common, half).group_by(key)
            for half in halves
        )
    ).subquery()
    rows = session.execute(select(parts.c.k, func.sum(parts.c.n)).group_by(parts.c.k)).all()
    return {k: int(n) for k, n in rows}
