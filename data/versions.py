"""Data versions: one counter per dataset, bumped in the writing transaction.

A screen's safety-net poll and every cache compare these numbers, which costs one tiny
query instead of re-running aggregates.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.timeutil import utcnow
from data.models import DataVersion

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


def bump(session: Session, datasets: Iterable[str]) -> None:
    """Increment the version of each dataset (inside the caller's transaction)."""
    now = utcnow()
    for dataset in sorted(set(datasets)):
        result = session.execute(
            update(DataVersion)
            .where(DataVersion.dataset == dataset)
            .values(version=DataVersion.version + 1, updated_at=now)
        )
        if result.rowcount == 0:
            session.add(DataVersion(dataset=dataset, version=1, updated_at=now))
            session.flush()


def current(session: Session) -> dict[str, int]:
    """Every dataset's version; datasets never written are 0."""
    rows = dict(session.execute(select(DataVersion.dataset, DataVersion.version)).all())
    return {name: int(rows.get(name, 0)) for name in DATASETS}
