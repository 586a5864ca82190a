"""Data versions: counters per dataset, bumped in the writing transaction.

A screen's safety-net poll and every cache compare these numbers, which costs one tiny
query instead of re-running aggregates.

Two kinds of counter, so a screen with a territorial scope learns nothing about writes
outside it:

- ``data_version``: one per dataset, bumped by every write (national screens, caches);
- ``data_version_territory``: one per dataset and territory, bumped for each territory a
  write touched (every level of the path of every row written, before and after the
  change). A scoped screen reads only its own territory's counter plus the ``""`` counter,
  which writes that do not say where they wrote (bulk loads) bump for everyone.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from core.timeutil import utcnow
from data.models import PATH_LEVELS, DataVersion, DataVersionTerritory
from data.scope import Scope, TerritoryRef

DATASETS = (
    "territories",
    "cuadrantes",
    "projects",
    "transfers",
    "clap_deliveries",
    "cases",
    "incidents",
    "defense",
    "alerts",
)
EVERYWHERE = ""  # the territory counter of writes that name no territory


def bump(
    session: Session, datasets: Iterable[str], territories: Iterable[str | None] | None = None
) -> None:
    """Increment the version of each dataset (inside the caller's transaction).

    ``territories``: the codes of every territory the write touched, at every level of each
    row's path (``estado_code``, ``municipio_code``, ``parroquia_code``, ``circuito_code``),
    for the rows as stored before the write and as written. None (the writer cannot say)
    bumps the counter every scoped screen watches, as a national write would.
    """
    now = utcnow()
    names = sorted(set(datasets))
    for dataset in names:
        result = session.execute(
            update(DataVersion)
            .where(DataVersion.dataset == dataset)
            .values(version=DataVersion.version + 1, updated_at=now)
        )
        if result.rowcount == 0:
            session.add(DataVersion(dataset=dataset, version=1, updated_at=now))
            session.flush()
    codes = [EVERYWHERE] if territories is None else sorted({c for c in territories if c})
    rows = [{"dataset": d, "territory_code": c, "version": 1} for d in names for c in codes]
    if rows:
        dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
        stmt = dialect.insert(DataVersionTerritory)
        session.execute(
            stmt.on_conflict_do_update(
                index_elements=["dataset", "territory_code"],
                set_={"version": DataVersionTerritory.version + 1},
            ),
            rows,
        )


def current(session: Session) -> dict[str, int]:
    """Every dataset's national version; datasets never written are 0."""
    rows = dict(session.execute(select(DataVersion.dataset, DataVersion.version)).all())
    return {name: int(rows.get(name, 0)) for name in DATASETS}


def watched_code(root: TerritoryRef) -> str:
    """The territory counter a scope rooted at ``root`` watches: its own code, or for a
    comuna or consejo comunal (no path column of their own) the circuito's."""
    if root.level in PATH_LEVELS:
        return root.code
    for level in reversed(PATH_LEVELS):
        code = root.ancestor(level)
        if code:
            return code
    return root.code


def current_for(session: Session, scope: Scope) -> dict[str, int]:
    """The versions a caller with ``scope`` may watch: national counters for a national
    caller; otherwise, per dataset, its territory's counter plus the ``""`` counter. The
    numbers move only with writes inside the scope (or writes that named no territory)."""
    if scope.root is None:
        return current(session)
    rows = session.execute(
        select(DataVersionTerritory.dataset, DataVersionTerritory.version).where(
            DataVersionTerritory.territory_code.in_((watched_code(scope.root), EVERYWHERE))
        )
    ).all()
    totals = dict.fromkeys(DATASETS, 0)
    for dataset, version in rows:
        if dataset in totals:
            totals[dataset] += int(version)
    return totals
