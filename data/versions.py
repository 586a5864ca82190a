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

from sqlalchemy import case, func, or_, select, text, update
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session

from core.timeutil import utcnow
from data.models import PATH_LEVELS, DataVersion, DataVersionTerritory, Territory
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
    "actions",
)
EVERYWHERE = ""  # the territory counter of writes that name no territory


def bump(
    session: Session, datasets: Iterable[str], territories: Iterable[str | None] | None = None
) -> None:
    """Increment the version of each dataset (inside the caller's transaction).

    ``territories``: the codes of every territory the write touched, at every level of each
    row's path (``estado_code``, ``municipio_code``, ``parroquia_code``, ``circuito_code``),
    for the rows as stored before the write and as written; :data:`EVERYWHERE` among them (or
    None: the writer cannot say) bumps the counter every scoped screen watches, as a national
    write would.
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
    codes = (
        [EVERYWHERE] if territories is None else sorted({c for c in territories if c is not None})
    )
    if codes:
        _bump_territories(session, names, codes)


# Writers of one dataset take the data_version row lock above first, so they reach these
# rows one at a time: no deadlock whatever the order of the rows.
_PG_BUMP = text(
    "INSERT INTO data_version_territory (dataset, territory_code, version) "
    "SELECT d, c, 1 FROM unnest(CAST(:datasets AS text[]), CAST(:codes AS text[])) AS u(d, c) "
    "ON CONFLICT (territory_code, dataset) "
    "DO UPDATE SET version = data_version_territory.version + 1"
)


def _bump_territories(session: Session, datasets: list[str], codes: list[str]) -> None:
    """One upsert of the (dataset, territory) counters: a single statement with two array
    parameters on PostgreSQL (thousands of circuitos in one national batch), executemany
    on SQLite."""
    pairs = [(d, c) for d in datasets for c in codes]
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            _PG_BUMP,
            {"datasets": [d for d, _ in pairs], "codes": [c for _, c in pairs]},
        )
        return
    session.execute(
        sqlite.insert(DataVersionTerritory).on_conflict_do_update(
            index_elements=["territory_code", "dataset"],
            set_={"version": DataVersionTerritory.version + 1},
        ),
        [{"dataset": d, "territory_code": c, "version": 1} for d, c in pairs],
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


def _totals(rows) -> dict[str, int]:
    totals = dict.fromkeys(DATASETS, 0)
    for dataset, version in rows:
        if dataset in totals:
            totals[dataset] += int(version)
    return totals


def current_for(session: Session, scope: Scope) -> dict[str, int]:
    """The versions a caller with ``scope`` may watch: national counters for a national
    caller; otherwise, per dataset, its territory's counter plus the ``""`` counter. The
    numbers move only with writes inside the scope (or writes that named no territory)."""
    if scope.root is None:
        return current(session)
    t = DataVersionTerritory
    codes = (watched_code(scope.root), EVERYWHERE)
    return _totals(session.execute(select(t.dataset, t.version).where(t.territory_code.in_(codes))))


def current_for_territory(session: Session, territory_code: str | None) -> dict[str, int]:
    """:func:`current_for` the scope bound to ``territory_code`` (None = national), in one
    query: the safety-net poll of every screen runs this every few seconds."""
    if not territory_code:
        return current(session)
    t, place = DataVersionTerritory, Territory
    watched = (
        select(
            case(
                (place.level.in_(PATH_LEVELS), place.code),
                else_=func.coalesce(
                    place.circuito_code,
                    place.parroquia_code,
                    place.municipio_code,
                    place.estado_code,
                    place.code,
                ),
            )
        )
        .where(place.code == territory_code)
        .scalar_subquery()
    )
    rows = session.execute(
        select(t.dataset, t.version).where(
            or_(t.territory_code == EVERYWHERE, t.territory_code == watched)
        )
    )
    return _totals(rows)
