"""Small samples of what exists, for the simulator to write about.

Bounded queries (a few thousand rows at most, refreshed every few minutes), cheap even on
the national dataset. Every row carries its territorial path so a surge can keep to one
territory.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data.models import (
    PATH_COLUMNS,
    CitizenCase,
    ClapCommittee,
    Cuadrante,
    Project,
    Territory,
    Transfer,
)
from data.scope import TerritoryRef, territory_clause

SAMPLE = 2000
CASES_PER_STATUS = 400
STEP_FROM = {  # a case moves to the key from a case in the value's status
    "asignado": "recibido",
    "en_atencion": "asignado",
    "resuelto": "en_atencion",
    "cerrado": "resuelto",
    "rechazado": "recibido",
}


@dataclass
class Pools:
    """The existing places, cuadrantes, committees, cases (by status) and projects."""

    places: list[dict[str, Any]] = field(default_factory=list)  # consejos comunales
    cuadrantes: list[dict[str, Any]] = field(default_factory=list)
    claps: list[dict[str, Any]] = field(default_factory=list)
    cases: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # status -> cases
    projects: list[dict[str, Any]] = field(default_factory=list)  # running, with their bank
    loaded_at: float = 0.0

    @property
    def empty(self) -> bool:
        return not self.places


def _rows(session: Session, stmt) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in session.execute(stmt)]


def _path(model: type) -> list[Any]:
    return [getattr(model, col) for col in PATH_COLUMNS]


def load_pools(session: Session, rng: random.Random, ref: TerritoryRef | None = None) -> Pools:
    """Samples of the whole country, or of ``ref`` and what lies below it (a surge)."""
    pools = Pools(loaded_at=time.monotonic())
    for level in ("consejo_comunal", "parroquia", "municipio", "estado"):
        pools.places = _rows(
            session,
            select(Territory.code, *_path(Territory))
            .where(Territory.level == level, territory_clause(Territory, ref))
            .limit(SAMPLE),
        )
        if pools.places:
            break
    pools.cuadrantes = _rows(
        session,
        select(Cuadrante.code, Cuadrante.lat, Cuadrante.lon, *_path(Cuadrante))
        .where(territory_clause(Cuadrante, ref))
        .limit(SAMPLE),
    )
    pools.claps = _rows(
        session,
        select(
            ClapCommittee.code,
            ClapCommittee.territory_code,
            ClapCommittee.families,
            *_path(ClapCommittee),
        )
        .where(territory_clause(ClapCommittee, ref))
        .limit(SAMPLE),
    )
    case_cols = [
        CitizenCase.id,
        CitizenCase.territory_code,
        CitizenCase.category,
        CitizenCase.status,
        CitizenCase.institution,
        CitizenCase.reported_at,
        CitizenCase.resolved_at,
        *_path(CitizenCase),
    ]
    for status in set(STEP_FROM.values()):
        pools.cases[status] = _rows(
            session,
            select(*case_cols)
            .where(CitizenCase.status == status, territory_clause(CitizenCase, ref))
            .order_by(CitizenCase.reported_at.desc())
            .limit(CASES_PER_STATUS),
        )
    bank = (
        select(func.min(Transfer.bank))
        .where(Transfer.project_id == Project.id)
        .correlate(Project)
        .scalar_subquery()
    )
    pools.projects = _rows(
        session,
        select(
            Project.id,
            Project.circuito_code,
            Project.comuna_code,
            Project.consulta,
            Project.title,
            Project.category,
            Project.transformation,
            Project.approved_usd,
            Project.status,
            Project.physical_progress,
            Project.started_on,
            Project.due_on,
            Project.estado_code,
            Project.municipio_code,
            Project.parroquia_code,
            bank.label("bank"),
        )
        .where(Project.status == "en_ejecucion", territory_clause(Project, ref))
        .limit(SAMPLE),
    )
    for pool in (pools.places, pools.cuadrantes, pools.claps, pools.projects):
        rng.shuffle(pool)
    return pools
